// SPDX-License-Identifier: GPL-2.0
/*
 * Test build suite: what only the test build of the module can show
 * (kernel/test/hooks.h, built with SYSGENID_TEST_HOOKS=1 and put in the VM
 * as /lib/sysgenid/test/sysgenid.ko). Each test replaces the production
 * module by the test build with some parameters, and the teardown loads
 * the production module again.
 *
 * - With a delay between the page store and the sequence store of every
 *   change, POLLIN never comes before the page (sg_order.h).
 * - sysgenid_bump_generation() called before the initialization allocated
 *   anything, and again after the page is freed at unload, does nothing:
 *   no crash, and the generation is 0 after the load.
 * - An initialization that fails at its last step, with a bump after the
 *   page is freed, leaves nothing behind: the load fails with ENOMEM, no
 *   splat, and the production module loads again.
 *
 * What this does not show: a built-in driver called by another built-in
 * driver. The hooks call the exported function from inside the module's
 * own initialization, at the points such a caller could reach it.
 */
#define _GNU_SOURCE
#include <string.h>
#include <sys/klog.h>

#include "kselftest_harness.h"
#include "sg_order.h"

#define SG_TEST_MODULE	"/lib/sysgenid/test/sysgenid.ko"

/* Load the test build with @params: 0 or -errno. */
static int tb_insmod(const char *params)
{
	int fd = open(SG_TEST_MODULE, O_RDONLY | O_CLOEXEC);
	int ret;

	if (fd < 0)
		return -errno;
	ret = syscall(SYS_finit_module, fd, params, 0) ? -errno : 0;
	close(fd);
	return ret;
}

/* Wait up to 5 s for the device node (devtmpfs) to appear or go. */
static int tb_wait_dev(bool present)
{
	int i;

	for (i = 0; i < 500; i++) {
		if (!access(SG_DEV, F_OK) == present)
			return 0;
		usleep(10000);
	}
	return -ETIMEDOUT;
}

/* How many kernel messages look like a splat (what vm/run.py rejects). */
static int tb_splats(void)
{
	static const char *const marks[] = {
		"BUG:", "WARNING:", "Oops", "Call Trace:", "general protection",
		"Unable to handle", "KASAN", "UBSAN",
	};
	int len = klogctl(10 /* SYSLOG_ACTION_SIZE_BUFFER */, NULL, 0);
	int n = 0;
	size_t i;
	char *buf, *p;

	if (len <= 0)
		return -1;
	buf = calloc(1, len + 1);
	if (!buf)
		return -1;
	len = klogctl(3 /* SYSLOG_ACTION_READ_ALL */, buf, len);
	if (len < 0) {
		free(buf);
		return -1;
	}
	for (i = 0; i < sizeof(marks) / sizeof(marks[0]); i++)
		for (p = buf; (p = strstr(p, marks[i])); p++)
			n++;
	free(buf);
	return n;
}

FIXTURE(testbuild) {
	int splats;	/* splats in the kernel log before the test */
};

FIXTURE_SETUP(testbuild)
{
	if (access(SG_TEST_MODULE, R_OK))
		SKIP(return, "%s: %s", SG_TEST_MODULE, strerror(errno));
	if (!sg_loaded())
		SKIP(return, "sysgenid is built in or not loaded");
	self->splats = tb_splats();
	ASSERT_LE(0, self->splats);
	ASSERT_EQ(0, sg_settled_watchers());
	ASSERT_EQ(0, sg_rmmod()) {
		TH_LOG("rmmod sysgenid: %s", strerror(errno));
	}
	ASSERT_EQ(0, tb_wait_dev(false));
}

/* Whatever happened, the production module is loaded again. */
FIXTURE_TEARDOWN(testbuild)
{
	if (sg_loaded())
		EXPECT_EQ(0, sg_rmmod());
	EXPECT_EQ(0, sg_insmod());
	EXPECT_EQ(0, tb_wait_dev(true));
	EXPECT_EQ(0, sg_sysfs("generation"));
	EXPECT_EQ(self->splats, tb_splats());
}

TEST_F(testbuild, pollin_never_before_page_with_store_delay)
{
	struct sg_order o;

	ASSERT_EQ(0, tb_insmod("test_store_delay_us=1000"));
	ASSERT_EQ(0, tb_wait_dev(true));
	ASSERT_EQ(0, sg_order_run(&o, sg_size(2000))) {
		TH_LOG("a call failed: %s", strerror(o.err));
	}
	TH_LOG("%lu changes, %lu polls, %lu POLLIN, %lu stale page loads",
	       o.bumps, o.polls, o.pollin, o.stale);
	EXPECT_LT(0, o.pollin);
	EXPECT_EQ(0, o.stale) {
		TH_LOG("first stale value %u", o.stale_gen);
	}
}

TEST_F(testbuild, failed_init_leaves_nothing)
{
	EXPECT_EQ(-ENOMEM, tb_insmod("test_fail_init=1 test_bump_late=1"));
	EXPECT_FALSE(sg_loaded());
	EXPECT_EQ(0, tb_wait_dev(false));
	/* Give a wrongly queued uevent work item time to run and crash. */
	usleep(200000);
	EXPECT_EQ(self->splats, tb_splats());
}

TEST_F(testbuild, bump_before_init_and_after_exit_does_nothing)
{
	ASSERT_EQ(0, tb_insmod("test_bump_early=1 test_bump_late=1"));
	ASSERT_EQ(0, tb_wait_dev(true));
	EXPECT_EQ(0, sg_sysfs("generation"));
	EXPECT_EQ(self->splats, tb_splats());
	/* The unload frees the page, then bumps again. */
	EXPECT_EQ(0, sg_rmmod());
	usleep(200000);
	EXPECT_EQ(self->splats, tb_splats());
}

TEST_HARNESS_MAIN
