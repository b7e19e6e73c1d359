// SPDX-License-Identifier: GPL-2.0
/*
 * /dev/sysgenid at scale and under concurrency: a thousand watchers, and
 * readers, acknowledgers and pollers racing with bumpers. At the end the
 * counts must add up and every blocked thread must have come back.
 */

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "sysgenid_util.h"

#define MANY_WATCHERS	1000

FIXTURE(many) {
	int fds[MANY_WATCHERS];	/* the watchers */
	int opened;		/* how many of fds are open */
	int obs;		/* an observer, to bump and wait through */
	long watchers;		/* sysfs watchers before the test */
};

FIXTURE_SETUP(many)
{
	struct rlimit rl = {
		.rlim_cur = MANY_WATCHERS + 64,
		.rlim_max = MANY_WATCHERS + 64,
	};

	if (access(SYSGENID_DEV, F_OK))
		SKIP_SETUP("%s is absent", SYSGENID_DEV);
	ASSERT_EQ(0, setrlimit(RLIMIT_NOFILE, &rl));
	self->obs = open(SYSGENID_DEV, O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, self->obs);
	self->watchers = sg_sysfs("watchers");
	ASSERT_LE(0, self->watchers);
	for (; self->opened < MANY_WATCHERS; self->opened++) {
		self->fds[self->opened] = open(SYSGENID_DEV, O_RDWR |
					       O_NONBLOCK | O_CLOEXEC);
		ASSERT_LE(0, self->fds[self->opened]);
	}
	ASSERT_EQ(self->watchers + MANY_WATCHERS, sg_sysfs("watchers"));
}

FIXTURE_TEARDOWN(many)
{
	int i;

	for (i = 0; i < self->opened; i++)
		EXPECT_EQ(0, close(self->fds[i]));
	EXPECT_EQ(self->watchers, sg_sysfs("watchers"));
	EXPECT_EQ(0, sg_sysfs("outdated_watchers"));
	EXPECT_EQ(0, close(self->obs));
}

TEST_F(many, thousand_watchers_outdated_then_acked)
{
	__u32 gen;
	int i, acked = 0;

	ASSERT_LE(0, sg_bump(self->obs));
	EXPECT_EQ(self->watchers + MANY_WATCHERS,
		  sg_sysfs("outdated_watchers"));
	for (i = 0; i < MANY_WATCHERS; i++) {
		if (read(self->fds[i], &gen, sizeof(gen)) == sizeof(gen) &&
		    write(self->fds[i], &gen, sizeof(gen)) == sizeof(gen))
			acked++;
	}
	EXPECT_EQ(MANY_WATCHERS, acked);
	EXPECT_EQ(0, sg_sysfs("outdated_watchers"));
	EXPECT_EQ(0, ioctl(self->obs, SYSGENID_WAIT_WATCHERS, 5000UL));
}

struct closer {
	int *fds;	/* the watchers to close */
	int count;	/* how many */
	pid_t tid;	/* the thread that must be asleep first */
	int failed;	/* closes that failed, or -1 */
};

static void *closer_thread(void *arg)
{
	struct closer *c = arg;
	int i;

	c->failed = -1;
	if (sg_wait_sleeping(c->tid))
		return NULL;
	c->failed = 0;
	for (i = 0; i < c->count; i++)
		if (close(c->fds[i]))
			c->failed++;
	return NULL;
}

TEST_F(many, closing_outdated_watchers_wakes_waiter)
{
	struct closer c = {
		.fds = self->fds, .count = MANY_WATCHERS, .tid = gettid(),
	};
	pthread_t thread;

	ASSERT_LE(0, sg_bump(self->obs));
	ASSERT_EQ(0, pthread_create(&thread, NULL, closer_thread, &c));
	EXPECT_EQ(0, ioctl(self->obs, SYSGENID_WAIT_WATCHERS, 20000UL));
	ASSERT_EQ(0, pthread_join(thread, NULL));
	self->opened = 0;
	EXPECT_EQ(0, c.failed);
	EXPECT_EQ(0, sg_sysfs("outdated_watchers"));
	EXPECT_EQ(self->watchers, sg_sysfs("watchers"));
}

#define READERS		3	/* observers blocked in read() */
#define ACKERS		3	/* watchers that poll, read and acknowledge */
#define BUMPERS		2	/* threads that force updates */
#define BUMPS		100	/* updates per bumper */

/* State shared by the threads of the smoke test. */
struct smoke {
	atomic_bool final;	/* only the last change is still to come */
	atomic_uint last;	/* the generation it makes */
	atomic_int errors;	/* unexpected results anywhere */
	atomic_int done;	/* worker threads that finished */
};

struct worker {
	struct smoke *s;	/* shared state */
	int fd;			/* own file */
	int bumps;		/* changes seen or made */
	pthread_t thread;	/* the thread */
};

static void *reader_thread(void *arg)
{
	struct worker *w = arg;
	__u32 gen;

	for (;;) {
		if (read(w->fd, &gen, sizeof(gen)) != sizeof(gen)) {
			atomic_fetch_add(&w->s->errors, 1);
			continue;
		}
		w->bumps++;
		if (atomic_load(&w->s->final) && gen == atomic_load(&w->s->last))
			break;
	}
	atomic_fetch_add(&w->s->done, 1);
	return NULL;
}

static void *acker_thread(void *arg)
{
	struct pollfd pfd = { .fd = ((struct worker *)arg)->fd,
			      .events = POLLIN };
	struct worker *w = arg;
	__u32 gen;

	for (;;) {
		if (poll(&pfd, 1, -1) != 1 ||
		    read(w->fd, &gen, sizeof(gen)) != sizeof(gen)) {
			atomic_fetch_add(&w->s->errors, 1);
			continue;
		}
		/* A bump between read() and write() makes the ack stale. */
		if (write(w->fd, &gen, sizeof(gen)) != sizeof(gen)) {
			if (errno != EINVAL)
				atomic_fetch_add(&w->s->errors, 1);
			continue;
		}
		w->bumps++;
		if (atomic_load(&w->s->final) && gen == atomic_load(&w->s->last))
			break;
	}
	atomic_fetch_add(&w->s->done, 1);
	return NULL;
}

static void *bumper_thread(void *arg)
{
	struct worker *w = arg;

	for (; w->bumps < BUMPS; w->bumps++)
		if (ioctl(w->fd, SYSGENID_FORCE_GEN_UPDATE, 0UL))
			atomic_fetch_add(&w->s->errors, 1);
	return NULL;
}

/* Join @w within @deadline; false if it is still running then. */
static bool join_by(struct worker *w, const struct timespec *deadline)
{
	return !pthread_timedjoin_np(w->thread, NULL, deadline);
}

TEST(readers_ackers_and_bumpers_race)
{
	struct worker readers[READERS], ackers[ACKERS], bumpers[BUMPERS];
	struct smoke s = { 0 };
	struct timespec deadline;
	long watchers, gen;
	int i, obs;

	if (access(SYSGENID_DEV, F_OK))
		SKIP(return, "%s is absent", SYSGENID_DEV);
	obs = open(SYSGENID_DEV, O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, obs);
	watchers = sg_sysfs("watchers");
	for (i = 0; i < READERS; i++) {
		readers[i] = (struct worker){ .s = &s };
		readers[i].fd = open(SYSGENID_DEV, O_RDONLY | O_CLOEXEC);
		ASSERT_LE(0, readers[i].fd);
		ASSERT_EQ(0, pthread_create(&readers[i].thread, NULL,
					    reader_thread, &readers[i]));
	}
	for (i = 0; i < ACKERS; i++) {
		ackers[i] = (struct worker){ .s = &s };
		ackers[i].fd = open(SYSGENID_DEV, O_RDWR | O_CLOEXEC);
		ASSERT_LE(0, ackers[i].fd);
		ASSERT_EQ(0, pthread_create(&ackers[i].thread, NULL,
					    acker_thread, &ackers[i]));
	}
	EXPECT_EQ(watchers + ACKERS, sg_sysfs("watchers"));
	for (i = 0; i < BUMPERS; i++) {
		bumpers[i] = (struct worker){ .s = &s, .fd = obs };
		ASSERT_EQ(0, pthread_create(&bumpers[i].thread, NULL,
					    bumper_thread, &bumpers[i]));
	}
	for (i = 0; i < BUMPERS; i++)
		ASSERT_EQ(0, pthread_join(bumpers[i].thread, NULL));

	/*
	 * One last change that every reader and acker must come back for;
	 * with the bumpers gone, its value is known before it happens.
	 */
	gen = sg_sysfs("generation");
	ASSERT_LE(0, gen);
	atomic_store(&s.last, gen + 1);
	atomic_store(&s.final, true);
	gen = sg_bump(obs);
	ASSERT_EQ(atomic_load(&s.last), gen);

	clock_gettime(CLOCK_REALTIME, &deadline);
	deadline.tv_sec += 15;
	for (i = 0; i < READERS; i++)
		EXPECT_TRUE(join_by(&readers[i], &deadline));
	for (i = 0; i < ACKERS; i++)
		EXPECT_TRUE(join_by(&ackers[i], &deadline));
	ASSERT_EQ(READERS + ACKERS, atomic_load(&s.done));
	EXPECT_EQ(0, atomic_load(&s.errors));

	EXPECT_EQ(0, sg_sysfs("outdated_watchers"));
	EXPECT_EQ(0, ioctl(obs, SYSGENID_WAIT_WATCHERS, 1000UL));
	EXPECT_EQ(gen, sg_sysfs("generation"));
	for (i = 0; i < READERS; i++) {
		EXPECT_LE(1, readers[i].bumps);
		EXPECT_EQ(0, close(readers[i].fd));
	}
	for (i = 0; i < ACKERS; i++) {
		EXPECT_LE(1, ackers[i].bumps);
		EXPECT_EQ(0, close(ackers[i].fd));
	}
	EXPECT_EQ(watchers, sg_sysfs("watchers"));
	EXPECT_EQ(0, close(obs));
}

TEST_HARNESS_MAIN
