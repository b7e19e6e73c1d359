// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Only the current generation can be acknowledged; a stale one is -EINVAL
 * and changes nothing, for watchers and observers alike.
 */
#include "helpers.h"

int main(void)
{
	struct sysgenid obs, w;
	long outdated;
	uint32_t old, gen;

	require_device();
	CHECK_EQ(0, sysgenid_open(&obs, SYSGENID_OBSERVER));
	CHECK_EQ(0, sysgenid_open(&w, SYSGENID_WATCHER));
	old = sysgenid_get(&w);
	outdated = sysfs_attr("outdated_watchers");
	CHECK_EQ(0, sysgenid_ack(&w, old));
	CHECK_EQ(outdated, sysfs_attr("outdated_watchers"));

	gen = bump();
	CHECK_EQ(outdated + 1, sysfs_attr("outdated_watchers"));
	CHECK_EQ(-EINVAL, sysgenid_ack(&w, old));
	CHECK_EQ(-EINVAL, sysgenid_ack(&w, gen + 1));
	CHECK_EQ(outdated + 1, sysfs_attr("outdated_watchers"));
	CHECK_EQ(old, atol(fdinfo(sysgenid_fd(&w), "sysgenid-seen")));
	CHECK(sysgenid_changed(&w));
	CHECK_EQ(0, sysgenid_ack(&w, gen));
	CHECK_EQ(outdated, sysfs_attr("outdated_watchers"));
	CHECK_EQ(gen, atol(fdinfo(sysgenid_fd(&w), "sysgenid-seen")));
	CHECK_EQ(0, sysgenid_changed(&w));

	CHECK_EQ(-EINVAL, sysgenid_ack(&obs, old));
	CHECK(sysgenid_changed(&obs));
	CHECK_EQ(0, sysgenid_ack(&obs, gen));
	CHECK_EQ(0, sysgenid_changed(&obs));

	sysgenid_close(&w);
	sysgenid_close(&obs);
	return T_PASS;
}
