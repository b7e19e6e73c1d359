// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * sysgenid_seed() fills exactly the bytes asked for, with material that
 * differs from call to call, on an observer and on a watcher handle, and
 * makes no change to the generation.
 */
#include "helpers.h"

static int all_same(const unsigned char *p, size_t len, unsigned char c)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (p[i] != c)
			return 0;
	return 1;
}

int main(void)
{
	static const size_t lens[] = { 0, 1, 16, 31, 32, 33, 64, 100, 1000 };
	unsigned char a[1024], b[1024];
	struct sysgenid sg[2];
	uint32_t gen;
	size_t i;
	int h;

	require_device();
	CHECK_EQ(0, sysgenid_open(&sg[0], SYSGENID_OBSERVER));
	CHECK_EQ(0, sysgenid_open(&sg[1], SYSGENID_WATCHER));
	gen = sysgenid_get(&sg[0]);
	for (h = 0; h < 2; h++) {
		for (i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
			memset(a, 0xa5, sizeof(a));
			memset(b, 0xa5, sizeof(b));
			CHECK_EQ(0, sysgenid_seed(&sg[h], a, lens[i]));
			CHECK_EQ(0, sysgenid_seed(&sg[h], b, lens[i]));
			/* Nothing written past the end. */
			CHECK(all_same(a + lens[i], sizeof(a) - lens[i], 0xa5));
			CHECK(all_same(b + lens[i], sizeof(b) - lens[i], 0xa5));
			if (lens[i] >= 16)
				CHECK(memcmp(a, b, lens[i]));
		}
		/* The 32-byte blocks of one call are not repeated. */
		CHECK_EQ(0, sysgenid_seed(&sg[h], a, 64));
		CHECK(memcmp(a, a + 32, 32));
	}
	CHECK_EQ(gen, sysgenid_get(&sg[0]));
	CHECK_EQ(gen, sysfs_attr("generation"));
	CHECK_EQ(0, sysgenid_changed(&sg[0]));
	sysgenid_close(&sg[1]);
	sysgenid_close(&sg[0]);
	return T_PASS;
}
