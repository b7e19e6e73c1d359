// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * An unprivileged user may observe and wait, but not watch (no write
 * access to the node) and not force an update (no capability).
 */
#include "helpers.h"

static int unprivileged(void)
{
	struct sysgenid sg;
	uint32_t gen;

	CHECK_EQ(-EACCES, sysgenid_open(&sg, SYSGENID_WATCHER));
	CHECK_EQ(0, sysgenid_open(&sg, SYSGENID_OBSERVER));
	gen = sysgenid_get(&sg);
	CHECK_EQ(-EPERM, sysgenid_force_update(&sg, 0));
	CHECK_EQ(-EPERM, sysgenid_force_update(&sg, gen + 100));
	CHECK_EQ(gen, sysgenid_get(&sg));
	CHECK_EQ(0, sysgenid_changed(&sg));
	CHECK_EQ(0, sysgenid_wait_watchers(&sg, 1000));
	sysgenid_close(&sg);
	return T_PASS;
}

int main(void)
{
	long gen;

	require_device();
	gen = sysfs_attr("generation");
	CHECK_EQ(T_PASS, as_nobody(unprivileged));
	CHECK_EQ(gen, sysfs_attr("generation"));
	return T_PASS;
}
