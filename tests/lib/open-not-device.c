// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * A /dev/sysgenid that is not the sysgenid character device (a regular
 * file, empty or not, or another device's node) is refused with -ENODEV
 * before anything is mapped or read. The real node is moved aside during
 * the test and always put back.
 */
#include <fcntl.h>
#include <sys/sysmacros.h>

#include "helpers.h"

#define DEV	"/dev/sysgenid"
#define ASIDE	"/dev/sysgenid.aside"

static void put_back(void)
{
	unlink(DEV);
	rename(ASIDE, DEV);
}

static void make_file(const char *data, size_t len)
{
	int fd;

	unlink(DEV);
	fd = open(DEV, O_WRONLY | O_CREAT | O_EXCL, 0644);
	CHECK(fd >= 0);
	CHECK_EQ((long)len, write(fd, data, len));
	close(fd);
}

/* sysgenid_open() in a child, so that a SIGBUS is a reported failure. */
static int open_in_child(unsigned int flags)
{
	int status, p[2], ret = 0;
	pid_t pid;

	CHECK_EQ(0, pipe(p));
	pid = fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		struct sysgenid sg;

		ret = sysgenid_open(&sg, flags);
		if (!ret)
			(void)sysgenid_get(&sg);
		_exit(write(p[1], &ret, sizeof(ret)) == sizeof(ret) ? 0 : 1);
	}
	close(p[1]);
	CHECK(waitpid(pid, &status, 0) == pid);
	if (WIFSIGNALED(status)) {
		fprintf(stderr, "sysgenid_open() killed by signal %d\n",
			WTERMSIG(status));
		exit(T_FAIL);
	}
	CHECK_EQ(sizeof(ret), read(p[0], &ret, sizeof(ret)));
	close(p[0]);
	return ret;
}

int main(void)
{
	struct stat st;

	require_device();
	CHECK_EQ(0, stat(DEV, &st));
	CHECK_EQ(0, rename(DEV, ASIDE));
	CHECK_EQ(0, atexit(put_back));

	make_file("", 0);
	CHECK_EQ(-ENODEV, open_in_child(SYSGENID_OBSERVER));
	CHECK_EQ(-ENODEV, open_in_child(SYSGENID_WATCHER));
	make_file("\1\0\0\0", 4);
	CHECK_EQ(-ENODEV, open_in_child(SYSGENID_OBSERVER));

	/* /dev/zero's numbers: a character device, but not ours. */
	CHECK_EQ(0, unlink(DEV));
	CHECK_EQ(0, mknod(DEV, S_IFCHR | 0644, makedev(1, 5)));
	CHECK_EQ(-ENODEV, open_in_child(SYSGENID_OBSERVER));

	/* A node of its own with sysgenid's numbers is the device. */
	CHECK_EQ(0, unlink(DEV));
	CHECK_EQ(0, mknod(DEV, S_IFCHR | 0644, st.st_rdev));
	CHECK_EQ(0, open_in_child(SYSGENID_OBSERVER));
	CHECK_EQ(0, open_in_child(SYSGENID_WATCHER));
	return T_PASS;
}
