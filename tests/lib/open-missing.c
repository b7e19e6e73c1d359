// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Without the driver, opening fails with -ENOENT, whether the node is gone
 * or a stale node is left behind. Unloads the module and loads it again.
 */
#include <sys/sysmacros.h>

#include "helpers.h"

static int run(const char *cmd)
{
	int status = system(cmd);

	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* Even when a check fails, leave the module loaded for the next tests. */
static void reload_module(void)
{
	int i;

	if (!access("/sys/module/sysgenid", F_OK))
		return;
	unlink("/dev/sysgenid");
	run("insmod /lib/sysgenid/sysgenid.ko");
	for (i = 0; i < 50 && access("/dev/sysgenid", F_OK); i++)
		sleep_ms(100);
}

int main(void)
{
	struct sysgenid sg;
	struct stat st;
	int i;

	require_device();
	CHECK_EQ(0, stat("/dev/sysgenid", &st));
	CHECK_EQ(0, atexit(reload_module));
	CHECK_EQ(0, run("rmmod sysgenid"));
	for (i = 0; i < 50 && !access("/dev/sysgenid", F_OK); i++)
		sleep_ms(100);
	CHECK_EQ(-ENOENT, sysgenid_open(&sg, SYSGENID_OBSERVER));
	CHECK_EQ(-ENOENT, sysgenid_open(&sg, SYSGENID_WATCHER));

	CHECK_EQ(0, mknod("/dev/sysgenid", S_IFCHR | 0644, st.st_rdev));
	CHECK_EQ(-ENOENT, sysgenid_open(&sg, SYSGENID_OBSERVER));
	CHECK_EQ(0, unlink("/dev/sysgenid"));

	CHECK_EQ(0, run("insmod /lib/sysgenid/sysgenid.ko"));
	for (i = 0; i < 50 && access("/dev/sysgenid", F_OK); i++)
		sleep_ms(100);
	CHECK_EQ(0, sysgenid_open(&sg, SYSGENID_WATCHER));
	CHECK_EQ(0, sysgenid_get(&sg));
	sysgenid_close(&sg);
	return T_PASS;
}
