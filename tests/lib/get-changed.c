// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * sysgenid_get() follows the counter without a syscall, and
 * sysgenid_changed() stays set from a change until it is acknowledged.
 */
#include "helpers.h"

int main(void)
{
	struct sysgenid obs, w;
	uint32_t gen, before;

	require_device();
	CHECK_EQ(0, sysgenid_open(&obs, SYSGENID_OBSERVER));
	CHECK_EQ(0, sysgenid_open(&w, SYSGENID_WATCHER));
	before = sysgenid_get(&obs);
	CHECK_EQ(0, sysgenid_changed(&obs));

	gen = bump();
	CHECK_EQ((uint32_t)(before + 1), gen);
	CHECK_EQ(gen, sysgenid_get(&obs));
	CHECK_EQ(gen, sysgenid_get(&w));
	CHECK_EQ(gen, sysfs_attr("generation"));
	CHECK(sysgenid_changed(&obs));
	CHECK(sysgenid_changed(&w));
	/* Looking does not accept anything. */
	CHECK(sysgenid_changed(&obs));

	CHECK_EQ(0, sysgenid_ack(&obs, gen));
	CHECK_EQ(0, sysgenid_changed(&obs));
	CHECK(sysgenid_changed(&w));
	CHECK_EQ(0, sysgenid_ack(&w, gen));
	CHECK_EQ(0, sysgenid_changed(&w));

	sysgenid_close(&w);
	sysgenid_close(&obs);
	return T_PASS;
}
