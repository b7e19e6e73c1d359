// SPDX-License-Identifier: GPL-2.0-or-later
/* A watcher handle is counted while open and no longer once closed. */
#include <fcntl.h>

#include "helpers.h"

int main(void)
{
	struct sysgenid sg;
	long watchers;

	require_device();
	watchers = sysfs_attr("watchers");
	CHECK_EQ(0, sysgenid_open(&sg, SYSGENID_WATCHER));
	CHECK(!strcmp(fdinfo(sysgenid_fd(&sg), "sysgenid-kind"), "watcher"));
	CHECK_EQ(O_RDWR, fcntl(sysgenid_fd(&sg), F_GETFL) & O_ACCMODE);
	CHECK_EQ(watchers + 1, sysfs_attr("watchers"));
	CHECK_EQ(sysfs_attr("generation"), sysgenid_get(&sg));
	CHECK_EQ(0, sysgenid_changed(&sg));
	sysgenid_close(&sg);
	CHECK_EQ(watchers, sysfs_attr("watchers"));
	return T_PASS;
}
