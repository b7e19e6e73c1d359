// SPDX-License-Identifier: GPL-2.0-or-later
/* Without a change, sysgenid_wait() times out and leaves *gen alone. */
#include "helpers.h"

int main(void)
{
	static const unsigned int kinds[] = {
		SYSGENID_OBSERVER, SYSGENID_WATCHER,
	};
	struct timespec start;
	struct sysgenid sg;
	uint32_t gen;
	long ms;
	int i;

	require_device();
	for (i = 0; i < 2; i++) {
		CHECK_EQ(0, sysgenid_open(&sg, kinds[i]));
		gen = 0xdeadbeef;
		clock_gettime(CLOCK_MONOTONIC, &start);
		CHECK_EQ(-ETIMEDOUT, sysgenid_wait(&sg, 0, &gen));
		CHECK(elapsed_ms(&start) < 100);
		CHECK_EQ(-ETIMEDOUT, sysgenid_wait(&sg, 200, &gen));
		ms = elapsed_ms(&start);
		CHECK(ms >= 200 && ms < 5000);
		CHECK_EQ(0xdeadbeef, gen);
		sysgenid_close(&sg);
	}
	return T_PASS;
}
