// SPDX-License-Identifier: GPL-2.0
/*
 * Ordering suite: a poll() that reports POLLIN is never followed by a load
 * of the mapped page that finds the previous generation (sg_order.h). On
 * the production module the window is a few instructions wide; the
 * testbuild suite runs the same check on the test build of the module with
 * a delay between the two stores of a change, where a missing barrier
 * shows on almost every change.
 */
#define _GNU_SOURCE
#include <string.h>

#include "kselftest_harness.h"
#include "sg_order.h"

TEST(pollin_never_before_page)
{
	struct sg_order o;

	if (access(SG_DEV, F_OK))
		SKIP(return, "%s is absent", SG_DEV);
	ASSERT_EQ(0, sg_order_run(&o, sg_size(3000))) {
		TH_LOG("a call failed: %s", strerror(o.err));
	}
	TH_LOG("%lu changes, %lu polls, %lu POLLIN, %lu stale page loads",
	       o.bumps, o.polls, o.pollin, o.stale);
	EXPECT_LT(0, o.pollin);
	EXPECT_EQ(0, o.stale) {
		TH_LOG("first stale value %u", o.stale_gen);
	}
}

TEST_HARNESS_MAIN
