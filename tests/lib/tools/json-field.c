// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * json-field KEY: read one line from stdin that must be a flat JSON object
 * whose values are unsigned integers or strings without escapes (what
 * sysgenidctl --json prints), and print the value of KEY (a string without
 * its quotes). Exit 1 if the line is not such an object or
 * has no KEY, so that tests parse the output instead of grepping it.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

static const char *skip_ws(const char *p)
{
	while (*p == ' ' || *p == '\t')
		p++;
	return p;
}

int main(int argc, char **argv)
{
	char line[4096], key[256], val[32];
	const char *p, *found = NULL;
	static char result[32];
	size_t n;

	if (argc != 2 || !fgets(line, sizeof(line), stdin))
		return 1;
	line[strcspn(line, "\n")] = '\0';
	p = skip_ws(line);
	if (*p++ != '{')
		return 1;
	p = skip_ws(p);
	while (*p != '}') {
		if (*p++ != '"')
			return 1;
		n = 0;
		while (*p && *p != '"' && *p != '\\' && n < sizeof(key) - 1)
			key[n++] = *p++;
		key[n] = '\0';
		if (*p++ != '"' || !n)
			return 1;
		p = skip_ws(p);
		if (*p++ != ':')
			return 1;
		p = skip_ws(p);
		if (*p == '"') {
			for (n = 0, p++; *p && *p != '"' && *p != '\\' &&
			     n < sizeof(val) - 1;)
				val[n++] = *p++;
			val[n] = '\0';
			if (*p++ != '"')
				return 1;
		} else {
			for (n = 0; isdigit((unsigned char)*p) &&
			     n < sizeof(val) - 1;)
				val[n++] = *p++;
			val[n] = '\0';
			if (!n || (n > 1 && val[0] == '0'))
				return 1;
		}
		if (!strcmp(key, argv[1])) {
			if (found)
				return 1;	/* duplicate key */
			strcpy(result, val);
			found = result;
		}
		p = skip_ws(p);
		if (*p == ',') {
			p = skip_ws(p + 1);
			if (*p == '}')
				return 1;	/* trailing comma */
		} else if (*p != '}') {
			return 1;
		}
	}
	if (*skip_ws(p + 1) || !found)
		return 1;
	puts(found);
	return 0;
}
