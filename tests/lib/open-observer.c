// SPDX-License-Identifier: GPL-2.0-or-later
/* An observer handle maps the generation, is not counted, and closes. */
#include <fcntl.h>

#include "helpers.h"

int main(void)
{
	struct sysgenid sg;
	long watchers;
	int fd;

	require_device();
	watchers = sysfs_attr("watchers");
	CHECK_EQ(0, sysgenid_open(&sg, SYSGENID_OBSERVER));
	fd = sysgenid_fd(&sg);
	CHECK(fd >= 0);
	CHECK(!strcmp(fdinfo(fd, "sysgenid-kind"), "observer"));
	CHECK_EQ(watchers, sysfs_attr("watchers"));
	CHECK_EQ(sysfs_attr("generation"), sysgenid_get(&sg));
	CHECK_EQ(sysgenid_get(&sg), atol(fdinfo(fd, "sysgenid-seen")));
	CHECK_EQ(0, sysgenid_changed(&sg));
	CHECK_EQ(O_RDONLY | O_NONBLOCK,
		 fcntl(fd, F_GETFL) & (O_ACCMODE | O_NONBLOCK));
	CHECK_EQ(FD_CLOEXEC, fcntl(fd, F_GETFD));
	sysgenid_close(&sg);
	CHECK_EQ(-1, fcntl(fd, F_GETFD));
	CHECK_EQ(EBADF, errno);
	return T_PASS;
}
