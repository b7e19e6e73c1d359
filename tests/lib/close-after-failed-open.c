// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * sysgenid_close() on a handle whose sysgenid_open() failed, or on a
 * zeroed handle never opened, does nothing: in particular it does not
 * close file descriptor 0.
 */
#include <fcntl.h>

#include "helpers.h"

static void check_fd0_open(void)
{
	CHECK(fcntl(0, F_GETFD) >= 0);
}

int main(void)
{
	struct sysgenid sg;
	int fd;

	require_device();
	fd = open("/dev/null", O_RDONLY);
	CHECK(fd >= 0);
	if (fd != 0) {
		CHECK_EQ(0, dup2(fd, 0));
		close(fd);
	}

	memset(&sg, 0, sizeof(sg));
	sysgenid_close(&sg);
	check_fd0_open();

	memset(&sg, 0, sizeof(sg));
	CHECK_EQ(-EINVAL, sysgenid_open(&sg, 0x80));
	sysgenid_close(&sg);
	check_fd0_open();

	/* A handle that was open and closed stays closed. */
	CHECK_EQ(0, sysgenid_open(&sg, SYSGENID_OBSERVER));
	sysgenid_close(&sg);
	CHECK_EQ(-EINVAL, sysgenid_open(&sg, 0x80));
	sysgenid_close(&sg);
	sysgenid_close(&sg);
	check_fd0_open();
	return T_PASS;
}
