// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * sysgenid_force_update() sets max(min, current + 1), needs no write
 * access, and wakes waiters like any change.
 */
#include "helpers.h"

int main(void)
{
	struct sysgenid obs;
	uint32_t gen, seen;

	require_device();
	CHECK_EQ(0, sysgenid_open(&obs, SYSGENID_OBSERVER));
	gen = sysgenid_get(&obs);
	CHECK_EQ(0, sysgenid_force_update(&obs, 0));
	CHECK_EQ((uint32_t)(gen + 1), sysgenid_get(&obs));
	CHECK_EQ(0, sysgenid_wait(&obs, 0, &seen));
	CHECK_EQ((uint32_t)(gen + 1), seen);

	gen = sysgenid_get(&obs);
	CHECK_EQ(0, sysgenid_force_update(&obs, gen + 1000));
	CHECK_EQ((uint32_t)(gen + 1000), sysgenid_get(&obs));
	CHECK_EQ(gen + 1000, sysfs_attr("generation"));
	CHECK_EQ(0, sysgenid_wait(&obs, 0, &seen));
	CHECK_EQ((uint32_t)(gen + 1000), seen);

	/* A minimum at or below the current value still moves it by one. */
	gen = sysgenid_get(&obs);
	CHECK_EQ(0, sysgenid_force_update(&obs, gen));
	CHECK_EQ((uint32_t)(gen + 1), sysgenid_get(&obs));
	sysgenid_close(&obs);
	return T_PASS;
}
