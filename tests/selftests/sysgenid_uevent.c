// SPDX-License-Identifier: GPL-2.0
/*
 * /dev/sysgenid uevents: exactly one KOBJ_CHANGE with SYSGENID=<n> per
 * change, in generation order even when changes race, none for a refused
 * call. Uevents arrive asynchronously, so each test first waits for the
 * socket to fall quiet and then collects until it is quiet again.
 */

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "sysgenid_util.h"

#define QUIET_MS	300
#define BUMP_THREADS	4
#define BUMPS_PER_THREAD 50
#define MAX_EVENTS	(2 * BUMP_THREADS * BUMPS_PER_THREAD)

FIXTURE(uevent) {
	int sock;	/* netlink socket on the kernel's uevent group */
	int fd;		/* an observer, to call the ioctls through */
	long gen;	/* the generation before the test acts */
	struct sg_uevent ev[MAX_EVENTS];	/* what the test collected */
};

FIXTURE_SETUP(uevent)
{
	if (access(SYSGENID_DEV, F_OK))
		SKIP_SETUP("%s is absent", SYSGENID_DEV);
	self->fd = open(SYSGENID_DEV, O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, self->fd);
	self->sock = sg_uevent_open();
	ASSERT_LE(0, self->sock);
	/* Whatever earlier changes still had in flight. */
	ASSERT_LE(0, sg_uevent_collect(self->sock, self->ev, MAX_EVENTS,
				       QUIET_MS));
	self->gen = sg_sysfs("generation");
	ASSERT_LE(0, self->gen);
}

FIXTURE_TEARDOWN(uevent)
{
	EXPECT_EQ(0, close(self->sock));
	EXPECT_EQ(0, close(self->fd));
}

/* Check that @ev announces generation @gen the way the contract says. */
static bool uevent_is_change_to(const struct sg_uevent *ev, __u32 gen)
{
	return !strcmp(ev->action, "change") &&
	       !strcmp(ev->subsystem, "misc") &&
	       ev->has_gen && ev->gen == gen;
}

TEST_F(uevent, force_emits_one_change_uevent)
{
	int n;

	ASSERT_EQ(0, ioctl(self->fd, SYSGENID_FORCE_GEN_UPDATE, 0UL));
	n = sg_uevent_collect(self->sock, self->ev, MAX_EVENTS, QUIET_MS);
	ASSERT_EQ(1, n);
	EXPECT_STREQ("change", self->ev[0].action);
	EXPECT_STREQ("misc", self->ev[0].subsystem);
	EXPECT_TRUE(self->ev[0].has_gen);
	EXPECT_EQ((__u32)(self->gen + 1), self->ev[0].gen);
}

TEST_F(uevent, trigger_emits_one_change_uevent)
{
	ASSERT_EQ(0, ioctl(self->fd, SYSGENID_TRIGGER_GEN_UPDATE, 0UL));
	ASSERT_EQ(1, sg_uevent_collect(self->sock, self->ev, MAX_EVENTS,
				       QUIET_MS));
	EXPECT_TRUE(uevent_is_change_to(&self->ev[0],
					(__u32)(self->gen + 1)));
}

TEST_F(uevent, force_min_emits_one_uevent_with_result)
{
	__u32 min = self->gen + 1000;
	long gen;

	ASSERT_EQ(0, ioctl(self->fd, SYSGENID_FORCE_GEN_UPDATE,
			   (unsigned long)min));
	gen = sg_sysfs("generation");
	ASSERT_LE(0, gen);
	ASSERT_EQ(1, sg_uevent_collect(self->sock, self->ev, MAX_EVENTS,
				       QUIET_MS));
	EXPECT_TRUE(uevent_is_change_to(&self->ev[0], gen));
}

TEST_F(uevent, wrap_emits_uevent_for_zero)
{
	ASSERT_EQ(0, ioctl(self->fd, SYSGENID_FORCE_GEN_UPDATE,
			   (unsigned long)UINT32_MAX));
	ASSERT_EQ(0, ioctl(self->fd, SYSGENID_FORCE_GEN_UPDATE, 0UL));
	ASSERT_EQ(0, sg_sysfs("generation"));
	ASSERT_EQ(2, sg_uevent_collect(self->sock, self->ev, MAX_EVENTS,
				       QUIET_MS));
	EXPECT_TRUE(uevent_is_change_to(&self->ev[0], UINT32_MAX));
	EXPECT_TRUE(uevent_is_change_to(&self->ev[1], 0));
}

TEST_F(uevent, sequential_bumps_emit_uevents_in_order)
{
	int i, n;

	for (i = 0; i < 10; i++)
		ASSERT_LE(0, sg_bump(self->fd));
	n = sg_uevent_collect(self->sock, self->ev, MAX_EVENTS, QUIET_MS);
	ASSERT_EQ(10, n);
	for (i = 0; i < n; i++)
		EXPECT_TRUE(uevent_is_change_to(&self->ev[i],
						(__u32)(self->gen + 1 + i)));
}

static void *bump_thread(void *arg)
{
	int fd = *(int *)arg;
	long failed = 0;
	int i;

	for (i = 0; i < BUMPS_PER_THREAD; i++)
		if (ioctl(fd, SYSGENID_FORCE_GEN_UPDATE, 0UL))
			failed++;
	return (void *)failed;
}

TEST_F(uevent, concurrent_bumps_emit_one_uevent_each_in_order)
{
	pthread_t threads[BUMP_THREADS];
	void *failed;
	int i, n;

	for (i = 0; i < BUMP_THREADS; i++)
		ASSERT_EQ(0, pthread_create(&threads[i], NULL, bump_thread,
					    &self->fd));
	for (i = 0; i < BUMP_THREADS; i++) {
		ASSERT_EQ(0, pthread_join(threads[i], &failed));
		EXPECT_EQ(NULL, failed);
	}
	EXPECT_EQ((__u32)(self->gen + BUMP_THREADS * BUMPS_PER_THREAD),
		  sg_sysfs("generation"));
	n = sg_uevent_collect(self->sock, self->ev, MAX_EVENTS, QUIET_MS);
	ASSERT_EQ(BUMP_THREADS * BUMPS_PER_THREAD, n);
	for (i = 0; i < n; i++) {
		if (!uevent_is_change_to(&self->ev[i],
					 (__u32)(self->gen + 1 + i))) {
			TH_LOG("uevent %d: %s %s SYSGENID=%u, expected %u", i,
			       self->ev[i].action, self->ev[i].subsystem,
			       self->ev[i].gen, (__u32)(self->gen + 1 + i));
			ASSERT_TRUE(false);
		}
	}
}

TEST_F(uevent, refused_force_emits_nothing)
{
	EXPECT_EQ(-1, ioctl(self->fd, SYSGENID_FORCE_GEN_UPDATE,
			    (unsigned long)UINT32_MAX + 1));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(0, sg_uevent_collect(self->sock, self->ev, MAX_EVENTS,
				       QUIET_MS));
	EXPECT_EQ(self->gen, sg_sysfs("generation"));
}

TEST_F(uevent, unknown_ioctl_emits_nothing)
{
	EXPECT_EQ(-1, ioctl(self->fd, _IO(SYSGENID_IOCTL, 4), 0UL));
	EXPECT_EQ(ENOTTY, errno);
	EXPECT_EQ(0, sg_uevent_collect(self->sock, self->ev, MAX_EVENTS,
				       QUIET_MS));
}

TEST_F(uevent, acknowledgment_emits_nothing)
{
	__u32 gen;
	int wat;

	wat = open(SYSGENID_DEV, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, wat);
	ASSERT_LE(0, sg_bump(self->fd));
	ASSERT_EQ(1, sg_uevent_collect(self->sock, self->ev, MAX_EVENTS,
				       QUIET_MS));
	gen = self->ev[0].gen;
	EXPECT_EQ(sizeof(gen), write(wat, &gen, sizeof(gen)));
	EXPECT_EQ(0, ioctl(wat, SYSGENID_WAIT_WATCHERS, 0UL));
	EXPECT_EQ(0, close(wat));
	EXPECT_EQ(0, sg_uevent_collect(self->sock, self->ev, MAX_EVENTS,
				       QUIET_MS));
}

TEST_HARNESS_MAIN
