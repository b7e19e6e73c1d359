// SPDX-License-Identifier: GPL-2.0
/*
 * Module lifecycle suite: the module cannot be removed while a file or a
 * mapping of the device is alive, it unloads and loads again cleanly a
 * hundred times in a row, and a fresh load starts at generation 0. It uses
 * the delete_module() and finit_module() system calls (what rmmod and
 * insmod do) to see their exact errors, and leaves the module loaded.
 */
#define _GNU_SOURCE
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include "kselftest_harness.h"
#include "sg_stress.h"

#define PAGE		4096
#define CYCLES		100

FIXTURE(module) {
	int unused;
};

FIXTURE_SETUP(module)
{
	if (access(SG_MODULE, R_OK))
		SKIP(return, "%s: %s", SG_MODULE, strerror(errno));
	if (!sg_loaded())
		SKIP(return, "sysgenid is built in or not loaded");
}

/* Whatever happened, the module is loaded again for the next test. */
FIXTURE_TEARDOWN(module)
{
	if (!sg_loaded())
		EXPECT_EQ(0, sg_insmod());
}

TEST_F(module, rmmod_refused_while_file_open)
{
	int fd;

	if (_metadata->skip)
		return;
	fd = open(SG_DEV, O_RDONLY);
	ASSERT_LE(0, fd);
	EXPECT_EQ(-1, sg_rmmod());
	EXPECT_EQ(EWOULDBLOCK, errno);
	EXPECT_TRUE(sg_loaded());
	close(fd);
}

TEST_F(module, rmmod_refused_while_watcher_open)
{
	int fd;

	if (_metadata->skip)
		return;
	fd = open(SG_DEV, O_RDWR);
	ASSERT_LE(0, fd);
	EXPECT_EQ(-1, sg_rmmod());
	EXPECT_EQ(EWOULDBLOCK, errno);
	EXPECT_EQ(1, sg_sysfs("watchers"));
	close(fd);
}

/* A mapping keeps the file, hence the module, alive after close(). */
TEST_F(module, rmmod_refused_while_only_mapping_alive)
{
	uint32_t *p;
	long gen;
	int fd;

	if (_metadata->skip)
		return;

	fd = open(SG_DEV, O_RDONLY);
	ASSERT_LE(0, fd);
	p = mmap(NULL, PAGE, PROT_READ, MAP_SHARED, fd, 0);
	ASSERT_NE(MAP_FAILED, p);
	close(fd);
	gen = sg_sysfs("generation");

	EXPECT_EQ(-1, sg_rmmod());
	EXPECT_EQ(EWOULDBLOCK, errno);
	EXPECT_EQ(gen, p[0]);
	ASSERT_EQ(0, munmap(p, PAGE));
	EXPECT_EQ(0, sg_rmmod());
	EXPECT_FALSE(sg_loaded());
	EXPECT_EQ(0, sg_insmod());
}

/* Forced far away before unloading, the generation is 0 after a load. */
TEST_F(module, generation_zero_after_fresh_load)
{
	uint32_t *p, v;
	int fd;

	if (_metadata->skip)
		return;

	fd = open(SG_DEV, O_RDONLY);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, ioctl(fd, SYSGENID_FORCE_GEN_UPDATE, 123456789));
	close(fd);
	EXPECT_EQ(123456789, sg_sysfs("generation"));
	ASSERT_EQ(0, sg_rmmod());
	ASSERT_EQ(0, sg_insmod());

	EXPECT_EQ(0, sg_sysfs("generation"));
	EXPECT_EQ(0, sg_sysfs("watchers"));
	EXPECT_EQ(0, sg_sysfs("outdated_watchers"));
	fd = open(SG_DEV, O_RDONLY | O_NONBLOCK);
	ASSERT_LE(0, fd);
	p = mmap(NULL, PAGE, PROT_READ, MAP_SHARED, fd, 0);
	ASSERT_NE(MAP_FAILED, p);
	EXPECT_EQ(0, p[0]);
	EXPECT_EQ(-1, read(fd, &v, sizeof(v)));
	EXPECT_EQ(EAGAIN, errno);
	munmap(p, PAGE);
	close(fd);
}

/*
 * CYCLES unload/load cycles, each using the device in between: every load
 * starts from generation 0 with nothing counted, and the node comes and
 * goes with the module.
 */
TEST_F_TIMEOUT(module, load_unload_cycles, 600)
{
	struct stat st;
	double t0 = sg_now();
	int i, fd;

	if (_metadata->skip)
		return;

	for (i = 0; i < CYCLES; i++) {
		ASSERT_EQ(0, sg_rmmod()) {
			TH_LOG("cycle %d: delete_module: %s", i,
			       strerror(errno));
		}
		ASSERT_EQ(-1, stat(SG_DEV, &st));
		ASSERT_EQ(0, sg_insmod()) {
			TH_LOG("cycle %d: finit_module: %s", i,
			       strerror(errno));
		}
		ASSERT_EQ(0, stat(SG_DEV, &st));
		ASSERT_EQ(0, sg_sysfs("generation"));
		ASSERT_EQ(0, sg_sysfs("watchers"));

		fd = open(SG_DEV, O_RDWR);
		ASSERT_LE(0, fd);
		ASSERT_EQ(1, sg_sysfs("watchers"));
		ASSERT_EQ(0, ioctl(fd, SYSGENID_FORCE_GEN_UPDATE, 0));
		ASSERT_EQ(1, sg_sysfs("generation"));
		ASSERT_EQ(1, sg_sysfs("outdated_watchers"));
		close(fd);
	}
	TH_LOG("%d cycles in %.1f s", CYCLES, sg_now() - t0);
	EXPECT_TRUE(sg_loaded());
}

TEST_HARNESS_MAIN
