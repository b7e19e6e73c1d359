// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * sysgenidctl: show, watch and change the system generation counter
 * (/dev/sysgenid) from the command line or from scripts. See sysgenidctl(8).
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "sysgenid.h"

#define SYSFS_DIR	"/sys/class/misc/sysgenid/"
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

enum exit_code {
	EXIT_OK = 0,
	EXIT_FAIL = 1,
	EXIT_USAGE = 2,
	EXIT_NODEV = 3,
	EXIT_PERM = 4,
	EXIT_TIMEOUT = 5,
};

struct command {
	const char *name;
	const char *args;
	const char *help;
	int (*run)(int argc, char **argv);
};

static int json;
static const struct command *cmd;

static int usage_error(const char *fmt, const char *arg)
{
	fprintf(stderr, "sysgenidctl: ");
	fprintf(stderr, fmt, arg);
	fprintf(stderr, "\nTry 'sysgenidctl %s%s--help'.\n",
		cmd ? cmd->name : "", cmd ? " " : "");
	return EXIT_USAGE;
}

/*
 * Map a negative errno from the library to a message and an exit code.
 * @watcher: the device was opened for writing (a watcher), which is what
 * a permission error refers to.
 */
static int fail_as(int err, const char *what, int watcher)
{
	switch (err) {
	case -ENOENT:
		fprintf(stderr, "sysgenidctl: %s: /dev/sysgenid not found "
			"(is the sysgenid module loaded?)\n", what);
		return EXIT_NODEV;
	case -ENODEV:
		fprintf(stderr, "sysgenidctl: %s: /dev/sysgenid is not the "
			"sysgenid device (a regular file or another device's "
			"node)\n", what);
		return EXIT_NODEV;
	case -EACCES:
		fprintf(stderr, "sysgenidctl: %s: permission denied (%s "
			"access to /dev/sysgenid)\n", what,
			watcher ? "watching needs write" : "needs read");
		return EXIT_PERM;
	case -EPERM:
		fprintf(stderr, "sysgenidctl: %s: operation not permitted "
			"(needs CAP_CHECKPOINT_RESTORE or CAP_SYS_ADMIN)\n",
			what);
		return EXIT_PERM;
	case -ETIMEDOUT:
		fprintf(stderr, "sysgenidctl: %s: timed out\n", what);
		return EXIT_TIMEOUT;
	default:
		fprintf(stderr, "sysgenidctl: %s: %s\n", what, strerror(-err));
		return EXIT_FAIL;
	}
}

static int fail(int err, const char *what)
{
	return fail_as(err, what, 0);
}

/*
 * A decimal number: digits only (no sign, no blanks, no 0x); leading zeros
 * are allowed and do not make it octal ("010" is ten).
 */
static int parse_u32(const char *s, uint32_t *val)
{
	unsigned long long v;
	const char *p;
	char *end;

	for (p = s; *p >= '0' && *p <= '9'; p++)
		;
	if (p == s || *p)
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || *end || v > UINT32_MAX)
		return -EINVAL;
	*val = v;
	return 0;
}

static int parse_ms(const char *s, int *ms)
{
	uint32_t v;

	if (parse_u32(s, &v) || v > INT_MAX)
		return -EINVAL;
	*ms = v;
	return 0;
}

static void print_generation(uint32_t gen)
{
	if (json)
		printf("{\"generation\":%" PRIu32 "}\n", gen);
	else
		printf("%" PRIu32 "\n", gen);
	fflush(stdout);
}

static void print_help(const struct command *c);

/*
 * Parse the options every command shares (--help, --json) and the ones in
 * @longopts, calling @opt for the latter. Returns -1 to go on, or the exit
 * code the command must return.
 */
static int parse_options(int argc, char **argv, const struct option *extra,
			 int (*opt)(int c, const char *arg, void *data),
			 void *data)
{
	struct option longopts[10] = {
		{ "help", no_argument, NULL, 'h' },
		{ "json", no_argument, NULL, 'j' },
	};
	int n = 2, c, ret;

	for (; extra && extra->name; extra++)
		longopts[n++] = *extra;
	opterr = 0;
	optind = 1;
	/* "+": stop at the first argument; ":": report a missing argument. */
	while ((c = getopt_long(argc, argv, "+:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'h':
			print_help(cmd);
			return EXIT_OK;
		case 'j':
			json = 1;
			break;
		case ':':
			return usage_error("option '%s' needs an argument",
					   argv[optind - 1]);
		case '?':
			return usage_error("bad option '%s'", argv[optind - 1]);
		default:
			ret = opt(c, optarg, data);
			if (ret >= 0)
				return ret;
		}
	}
	if (optind < argc)
		return usage_error("unexpected argument '%s'", argv[optind]);
	return -1;
}

static int read_sysfs(const char *name, unsigned long *val)
{
	char path[64];
	FILE *f;
	int ok;

	snprintf(path, sizeof(path), SYSFS_DIR "%s", name);
	f = fopen(path, "re");
	if (!f)
		return -errno;
	ok = fscanf(f, "%lu", val) == 1;
	fclose(f);
	return ok ? 0 : -EIO;
}

/*
 * Where the VM generation comes from: sysfs vm_source and vmclock_source
 * ("mapped", or why the hypervisor's page is not used), vm_page (which
 * page userspace may map) and vmclock_notify (what wakes sleepers after a
 * restore with a new VMClock counter); "unknown" for a driver without the
 * attribute.
 */
static void read_source(const char *name, char *buf, size_t len)
{
	char path[128];
	FILE *f;

	snprintf(path, sizeof(path), SYSFS_DIR "%s", name);
	f = fopen(path, "re");

	snprintf(buf, len, "unknown");
	if (f) {
		if (!fgets(buf, len, f))
			snprintf(buf, len, "unknown");
		fclose(f);
	}
	buf[strcspn(buf, "\n")] = '\0';
}

static int cmd_status(int argc, char **argv)
{
	static const char *const names[] = {
		"generation", "watchers", "outdated_watchers",
	};
	static const char *const sources[] = {
		"vm_source", "vmclock_source", "vm_page", "vmclock_notify",
	};
	unsigned long val[ARRAY_SIZE(names)];
	char word[64];
	size_t i;
	int ret;

	ret = parse_options(argc, argv, NULL, NULL, NULL);
	if (ret >= 0)
		return ret;
	for (i = 0; i < ARRAY_SIZE(names); i++) {
		ret = read_sysfs(names[i], &val[i]);
		if (ret)
			return fail(ret, "status");
	}
	for (i = 0; i < ARRAY_SIZE(names); i++) {
		if (json)
			printf("%s\"%s\":%lu", i ? "," : "{", names[i], val[i]);
		else
			printf("%s: %lu\n", names[i], val[i]);
	}
	/* The reasons are plain words: nothing to escape in JSON. */
	for (i = 0; i < ARRAY_SIZE(sources); i++) {
		read_source(sources[i], word, sizeof(word));
		if (json)
			printf(",\"%s\":\"%s\"", sources[i], word);
		else
			printf("%s: %s\n", sources[i], word);
	}
	if (json)
		printf("}\n");
	return EXIT_OK;
}

static int cmd_get(int argc, char **argv)
{
	struct sysgenid sg;
	int ret;

	ret = parse_options(argc, argv, NULL, NULL, NULL);
	if (ret >= 0)
		return ret;
	ret = sysgenid_open(&sg, SYSGENID_OBSERVER);
	if (ret)
		return fail(ret, "get");
	print_generation(sysgenid_get(&sg));
	sysgenid_close(&sg);
	return EXIT_OK;
}

struct bump_args {
	uint32_t min;
};

static int bump_opt(int c, const char *arg, void *data)
{
	struct bump_args *a = data;

	if (c == 'm' && !parse_u32(arg, &a->min))
		return -1;
	return usage_error("bad generation '%s' (0 to 4294967295)", arg);
}

static int cmd_bump(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "min", required_argument, NULL, 'm' },
		{ NULL },
	};
	struct bump_args a = { 0 };
	struct sysgenid sg;
	int ret;

	ret = parse_options(argc, argv, opts, bump_opt, &a);
	if (ret >= 0)
		return ret;
	ret = sysgenid_open(&sg, SYSGENID_OBSERVER);
	if (ret)
		return fail(ret, "bump");
	ret = sysgenid_force_update(&sg, a.min);
	if (ret) {
		sysgenid_close(&sg);
		return fail(ret, "bump");
	}
	print_generation(sysgenid_get(&sg));
	sysgenid_close(&sg);
	return EXIT_OK;
}

static int timeout_opt(int c, const char *arg, void *data)
{
	if (c == 't' && !parse_ms(arg, data))
		return -1;
	return usage_error("bad timeout '%s' (milliseconds)", arg);
}

static int cmd_wait_watchers(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "timeout", required_argument, NULL, 't' },
		{ NULL },
	};
	struct sysgenid sg;
	int timeout = -1, ret;

	ret = parse_options(argc, argv, opts, timeout_opt, &timeout);
	if (ret >= 0)
		return ret;
	ret = sysgenid_open(&sg, SYSGENID_OBSERVER);
	if (ret)
		return fail(ret, "wait-watchers");
	ret = sysgenid_wait_watchers(&sg, timeout);
	sysgenid_close(&sg);
	if (ret)
		return fail(ret, "wait-watchers");
	if (json)
		printf("{\"outdated_watchers\":0}\n");
	return EXIT_OK;
}

struct watch_args {
	const char *exec;
	const char *state;
	int observer;
	int timeout;
	int retry;
	unsigned long count;
};

static int watch_opt(int c, const char *arg, void *data)
{
	struct watch_args *a = data;
	uint32_t v;

	switch (c) {
	case 'e':
		a->exec = arg;
		return -1;
	case 'o':
		a->observer = 1;
		return -1;
	case 's':
		a->state = arg;
		return -1;
	case 't':
		return timeout_opt(c, arg, &a->timeout);
	case 'r':
		if (!parse_ms(arg, &a->retry))
			return -1;
		return usage_error("bad retry delay '%s' (milliseconds)", arg);
	default:
		if (!parse_u32(arg, &v) && v) {
			a->count = v;
			return -1;
		}
		return usage_error("bad count '%s'", arg);
	}
}

/* Run the --exec command for @gen; 0 when it exited with status 0. */
static int run_exec(const char *exec, uint32_t gen)
{
	char val[16];
	pid_t pid;
	int status;

	snprintf(val, sizeof(val), "%" PRIu32, gen);
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		setenv("SYSGENID", val, 1);
		execl("/bin/sh", "sh", "-c", exec, (char *)NULL);
		_exit(127);
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -errno;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	if (WIFEXITED(status))
		fprintf(stderr, "sysgenidctl: watch: command exited with "
			"status %d; generation %s not acknowledged\n",
			WEXITSTATUS(status), val);
	else
		fprintf(stderr, "sysgenidctl: watch: command killed by signal "
			"%d; generation %s not acknowledged\n",
			WTERMSIG(status), val);
	return -ECANCELED;
}

static void sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/*
 * The generation recorded in the --state file, the last one this watcher
 * handled. -ENOENT when there is no file yet.
 */
static int state_read(const char *path, uint32_t *gen)
{
	char buf[16];
	size_t len;
	FILE *f;

	f = fopen(path, "re");
	if (!f)
		return -errno;
	len = fread(buf, 1, sizeof(buf) - 1, f);
	if (ferror(f)) {
		fclose(f);
		return -EIO;
	}
	fclose(f);
	buf[len] = '\0';
	if (len && buf[len - 1] == '\n')
		buf[len - 1] = '\0';
	return parse_u32(buf, gen);
}

/* Record @gen in the --state file (a new file renamed over the old). */
static void state_write(const char *path, uint32_t gen)
{
	char tmp[PATH_MAX];
	FILE *f;

	if (snprintf(tmp, sizeof(tmp), "%s.new", path) >= (int)sizeof(tmp))
		goto fail;
	f = fopen(tmp, "we");
	if (!f)
		goto fail;
	fprintf(f, "%" PRIu32 "\n", gen);
	if (fclose(f) || rename(tmp, path))
		goto fail;
	return;
fail:
	fprintf(stderr, "sysgenidctl: watch: cannot record generation %"
		PRIu32 " in %s: %s\n", gen, path, strerror(errno));
}

/*
 * Wait for a change and handle it: print it, run --exec until it succeeds,
 * acknowledge it. A change stays pending across failed runs of the
 * command: each retry runs it again, with the newest generation, and a
 * generation is printed once however many retries it takes. With --state,
 * a generation other than the recorded one at start is a change missed
 * while no watcher ran (a restart after a crash): it is handled at once.
 */
static int cmd_watch(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "exec", required_argument, NULL, 'e' },
		{ "observer", no_argument, NULL, 'o' },
		{ "timeout", required_argument, NULL, 't' },
		{ "retry", required_argument, NULL, 'r' },
		{ "count", required_argument, NULL, 'c' },
		{ "state", required_argument, NULL, 's' },
		{ NULL },
	};
	struct watch_args a = { .timeout = -1, .retry = 1000 };
	unsigned long handled = 0;
	int ret, pending = 0;
	struct sysgenid sg;
	uint32_t gen, now;

	ret = parse_options(argc, argv, opts, watch_opt, &a);
	if (ret >= 0)
		return ret;
	ret = sysgenid_open(&sg, a.observer ? SYSGENID_OBSERVER :
					      SYSGENID_WATCHER);
	if (ret)
		return fail_as(ret, "watch", !a.observer);
	if (a.state) {
		now = sysgenid_get(&sg);
		ret = state_read(a.state, &gen);
		if (ret && ret != -ENOENT) {
			/* Never "first run": a change missed would stay missed. */
			fprintf(stderr, "sysgenidctl: watch: --state %s: %s\n",
				a.state, ret == -EINVAL ? "not a generation "
				"(corrupt state file; remove it to start afresh)"
				: strerror(-ret));
			sysgenid_close(&sg);
			return EXIT_FAIL;
		}
		if (!ret && gen != now) {
			gen = now;
			pending = 1;
			print_generation(gen);
		} else if (ret) {
			state_write(a.state, now);
		}
		ret = 0;
	}
	while (!a.count || handled < a.count) {
		if (!pending) {
			ret = sysgenid_wait(&sg, a.timeout, &gen);
			if (ret)
				break;
			pending = 1;
			print_generation(gen);
		} else if (!sysgenid_wait(&sg, 0, &now) && now != gen) {
			/* A newer change came while retrying. */
			gen = now;
			print_generation(gen);
		}
		if (a.exec && run_exec(a.exec, gen)) {
			sleep_ms(a.retry);
			continue;
		}
		ret = sysgenid_ack(&sg, gen);
		/* A newer generation came while handling this one. */
		if (ret == -EINVAL) {
			pending = 0;
			continue;
		}
		if (ret)
			break;
		pending = 0;
		if (a.state)
			state_write(a.state, gen);
		handled++;
	}
	sysgenid_close(&sg);
	return ret ? fail(ret, "watch") : EXIT_OK;
}

static const struct command commands[] = {
	{ "status", "",
	  "Show the generation, the number of watchers and how many of them\n"
	  "have not acknowledged it yet (from " SYSFS_DIR ").\n",
	  cmd_status },
	{ "get", "",
	  "Print the current generation.\n",
	  cmd_get },
	{ "watch", "[--exec CMD] [--observer] [--count N] [--timeout MS]"
		   " [--retry MS] [--state FILE]",
	  "Print each new generation as it happens. As a watcher (the default,\n"
	  "needs write access to /dev/sysgenid) acknowledge it at once, or with\n"
	  "--exec only once CMD, run by /bin/sh -c with SYSGENID=<generation>\n"
	  "in its environment, exits with status 0; a failed CMD is run again\n"
	  "after --retry MS (default 1000). --observer opens read-only and\n"
	  "takes no part in acknowledgement. --count stops after N generations,\n"
	  "--timeout fails (exit 5) when none comes within MS milliseconds.\n"
	  "--state FILE records each handled generation in FILE; at start, a\n"
	  "generation other than the recorded one (missed while no watcher\n"
	  "ran) is handled at once.\n",
	  cmd_watch },
	{ "bump", "[--min N]",
	  "Change the generation now: it becomes max(N, current + 1) and the\n"
	  "new value is printed. Needs CAP_CHECKPOINT_RESTORE or CAP_SYS_ADMIN.\n",
	  cmd_bump },
	{ "wait-watchers", "[--timeout MS]",
	  "Wait until every watcher has acknowledged the current generation,\n"
	  "at most MS milliseconds (default: no limit).\n",
	  cmd_wait_watchers },
};

#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

static const char exit_codes[] =
	"Exit status: 0 success, 1 failure, 2 usage error, 3 /dev/sysgenid\n"
	"missing, 4 permission denied, 5 timeout.\n";

static void print_help(const struct command *c)
{
	size_t i;

	if (c) {
		printf("Usage: sysgenidctl [--json] %s %s\n\n%s\n%s", c->name,
		       c->args, c->help, exit_codes);
		return;
	}
	printf("Usage: sysgenidctl [--json] COMMAND [OPTIONS]\n\n"
	       "Show, watch and change the system generation counter.\n\n"
	       "Commands:\n");
	for (i = 0; i < NCOMMANDS; i++)
		printf("  %s %s\n", commands[i].name, commands[i].args);
	printf("\n--json prints JSON objects, one per line; COMMAND --help "
	       "describes a command; --version prints the version.\n%s",
	       exit_codes);
}

#ifndef SYSGENIDCTL_VERSION
#define SYSGENIDCTL_VERSION "0.1.0"
#endif

/*
 * What was printed must have been written: a full disk or a closed pipe
 * behind stdout is a failure, not exit 0 (the generation was never seen).
 */
static int finish(int ret)
{
	if (fflush(stdout) || ferror(stdout)) {
		fprintf(stderr, "sysgenidctl: write error on standard output: "
			"%s\n", strerror(errno ? errno : EIO));
		return ret ? ret : EXIT_FAIL;
	}
	return ret;
}

static int run_main(int argc, char **argv)
{
	int i;
	size_t c;

	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		if (!strcmp(argv[i], "--json")) {
			json = 1;
		} else if (!strcmp(argv[i], "--help") ||
			   !strcmp(argv[i], "-h")) {
			print_help(NULL);
			return EXIT_OK;
		} else if (!strcmp(argv[i], "--version")) {
			printf("sysgenidctl " SYSGENIDCTL_VERSION "\n");
			return EXIT_OK;
		} else {
			return usage_error("bad option '%s'", argv[i]);
		}
	}
	if (i == argc)
		return usage_error("%s", "no command given");
	if (!strcmp(argv[i], "help")) {
		print_help(NULL);
		return EXIT_OK;
	}
	for (c = 0; c < NCOMMANDS; c++) {
		if (!strcmp(argv[i], commands[c].name)) {
			cmd = &commands[c];
			return cmd->run(argc - i, argv + i);
		}
	}
	return usage_error("unknown command '%s'", argv[i]);
}

int main(int argc, char **argv)
{
	return finish(run_main(argc, argv));
}
