// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The library's own SHA-256 (behind sysgenid_seed()) gives the digests of
 * FIPS 180-4's examples, and of inputs that end on every padding boundary
 * compared with a second, byte-at-a-time run.
 */
#include "helpers.h"
#include "../../lib/src/sha256.h"

static void digest_hex(const void *data, size_t len, size_t step, char *hex)
{
	struct sysgenid__sha256 c;
	const uint8_t *p = data;
	uint8_t out[32];
	size_t i, n;
	int k;

	sysgenid__sha256_init(&c);
	for (i = 0; i < len; i += n) {
		n = len - i < step ? len - i : step;
		sysgenid__sha256_update(&c, p + i, n);
	}
	sysgenid__sha256_final(&c, out);
	for (k = 0; k < 32; k++)
		sprintf(hex + 2 * k, "%02x", out[k]);
}

int main(void)
{
	static const struct {
		const char *in;
		const char *out;
	} v[] = {
		{ "", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" },
		{ "abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad" },
		{ "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
		  "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1" },
	};
	static char million[1000000];
	char hex[65], hex1[65];
	size_t i, len;

	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		digest_hex(v[i].in, strlen(v[i].in), 64, hex);
		if (strcmp(hex, v[i].out)) {
			fprintf(stderr, "\"%s\": %s, want %s\n", v[i].in, hex,
				v[i].out);
			return T_FAIL;
		}
	}
	memset(million, 'a', sizeof(million));
	digest_hex(million, sizeof(million), 4096, hex);
	CHECK(!strcmp(hex, "cdc76e5c9914fb9281a1c7e284d73e67"
		      "f1809a48a497200e046d39ccc7112cd0"));
	/* Around the padding boundaries: whole and byte-wise agree. */
	for (len = 50; len < 140; len++) {
		digest_hex(million, len, len, hex);
		digest_hex(million, len, 1, hex1);
		CHECK(!strcmp(hex, hex1));
	}
	return T_PASS;
}
