// SPDX-License-Identifier: GPL-2.0
/*
 * /dev/sysgenid ioctls: SYSGENID_WAIT_WATCHERS, SYSGENID_FORCE_GEN_UPDATE
 * and its alias SYSGENID_TRIGGER_GEN_UPDATE, and unknown commands.
 */

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/time.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "sysgenid_util.h"

/* Something a helper thread does once a given thread sleeps. */
enum later_action {
	LATER_ACK,	/* acknowledge the current generation on fd */
	LATER_BUMP,	/* bump the generation through fd */
	LATER_CLOSE,	/* close fd */
	LATER_SIGNAL,	/* send SIGUSR1 to the sleeping thread */
};

struct later {
	enum later_action action;	/* what to do */
	int fd;				/* the file to do it on */
	unsigned int delay_ms;		/* extra time to let pass first */
	pthread_t target;		/* the thread that must sleep */
	pid_t tid;			/* its thread id */
	long ret;			/* 0 if done, or -errno */
	pthread_t thread;		/* the helper thread */
};

static void *later_thread(void *arg)
{
	struct later *l = arg;
	__u32 gen;

	l->ret = sg_wait_sleeping(l->tid);
	if (l->ret)
		return NULL;
	sg_sleep_ms(l->delay_ms);
	switch (l->action) {
	case LATER_ACK:
		gen = sg_sysfs("generation");
		l->ret = write(l->fd, &gen, sizeof(gen)) == sizeof(gen) ?
			 0 : -errno;
		break;
	case LATER_BUMP:
		l->ret = sg_bump(l->fd);
		if (l->ret > 0)
			l->ret = 0;
		break;
	case LATER_CLOSE:
		l->ret = close(l->fd) ? -errno : 0;
		break;
	case LATER_SIGNAL:
		l->ret = -pthread_kill(l->target, SIGUSR1);
		break;
	}
	return NULL;
}

/* Do @action on @fd once the calling thread sleeps, plus @delay_ms. */
static int later_start(struct later *l, enum later_action action, int fd,
		       unsigned int delay_ms)
{
	l->action = action;
	l->fd = fd;
	l->delay_ms = delay_ms;
	l->target = pthread_self();
	l->tid = gettid();
	return -pthread_create(&l->thread, NULL, later_thread, l);
}

static long later_join(struct later *l)
{
	int ret = pthread_join(l->thread, NULL);

	return ret ? -ret : l->ret;
}

static void ignore_signal(int sig)
{
}

/* Acknowledge the current generation on @fd: 0 or -1. */
static int ack(int fd)
{
	__u32 gen = sg_sysfs("generation");

	return write(fd, &gen, sizeof(gen)) == sizeof(gen) ? 0 : -1;
}

/* Two watchers and an observer; no watcher is outdated at the start. */
FIXTURE(wait) {
	int me;		/* the watcher that calls WAIT_WATCHERS */
	int other;	/* another watcher, or -1 once closed */
	int obs;	/* an observer, which may call it too */
};

FIXTURE_SETUP(wait)
{
	if (access(SYSGENID_DEV, F_OK))
		SKIP_SETUP("%s is absent", SYSGENID_DEV);
	ASSERT_EQ(0, sg_sysfs("outdated_watchers"));
	self->me = open(SYSGENID_DEV, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, self->me);
	self->other = open(SYSGENID_DEV, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, self->other);
	self->obs = open(SYSGENID_DEV, O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, self->obs);
}

FIXTURE_TEARDOWN(wait)
{
	EXPECT_EQ(0, close(self->obs));
	if (self->other >= 0)
		EXPECT_EQ(0, close(self->other));
	EXPECT_EQ(0, close(self->me));
	EXPECT_EQ(0, sg_sysfs("outdated_watchers"));
}

TEST_F(wait, wait_returns_at_once_when_none_outdated)
{
	long long start = sg_now_ms();

	EXPECT_EQ(0, ioctl(self->me, SYSGENID_WAIT_WATCHERS, 0UL));
	EXPECT_EQ(0, ioctl(self->obs, SYSGENID_WAIT_WATCHERS, 0UL));
	EXPECT_GT(1000, sg_now_ms() - start);
}

TEST_F(wait, wait_times_out_while_other_outdated)
{
	long long start;

	ASSERT_LE(0, sg_bump(self->obs));
	ASSERT_EQ(0, ack(self->me));
	start = sg_now_ms();
	EXPECT_EQ(-1, ioctl(self->me, SYSGENID_WAIT_WATCHERS, 100UL));
	EXPECT_EQ(ETIMEDOUT, errno);
	/*
	 * It waited, not failed at once. Jiffies and CLOCK_MONOTONIC drift
	 * apart under TCG (88 ms were seen for 100), so the bound is loose.
	 */
	EXPECT_LE(50, sg_now_ms() - start);
	EXPECT_EQ(0, ack(self->other));
}

TEST_F(wait, wait_returns_when_other_acks)
{
	struct later l;

	ASSERT_LE(0, sg_bump(self->obs));
	ASSERT_EQ(0, ack(self->me));
	ASSERT_EQ(0, later_start(&l, LATER_ACK, self->other, 0));
	EXPECT_EQ(0, ioctl(self->me, SYSGENID_WAIT_WATCHERS, 10000UL));
	EXPECT_EQ(0, later_join(&l));
	EXPECT_EQ(0, sg_sysfs("outdated_watchers"));
}

TEST_F(wait, wait_returns_when_outdated_watcher_closes)
{
	struct later l;

	ASSERT_LE(0, sg_bump(self->obs));
	ASSERT_EQ(0, ack(self->me));
	ASSERT_EQ(1, sg_sysfs("outdated_watchers"));
	ASSERT_EQ(0, later_start(&l, LATER_CLOSE, self->other, 0));
	EXPECT_EQ(0, ioctl(self->me, SYSGENID_WAIT_WATCHERS, 10000UL));
	EXPECT_EQ(0, later_join(&l));
	self->other = -1;
	EXPECT_EQ(0, sg_sysfs("outdated_watchers"));
}

TEST_F(wait, wait_outdated_caller_is_eintr)
{
	long long start;

	ASSERT_LE(0, sg_bump(self->obs));
	start = sg_now_ms();
	EXPECT_EQ(-1, ioctl(self->me, SYSGENID_WAIT_WATCHERS, 10000UL));
	EXPECT_EQ(EINTR, errno);
	EXPECT_GT(5000, sg_now_ms() - start);
	EXPECT_EQ(0, ack(self->me));
	EXPECT_EQ(0, ack(self->other));
}

TEST_F(wait, wait_bump_while_waiting_is_eintr)
{
	struct later l;

	ASSERT_LE(0, sg_bump(self->obs));
	ASSERT_EQ(0, ack(self->me));
	ASSERT_EQ(0, later_start(&l, LATER_BUMP, self->obs, 0));
	EXPECT_EQ(-1, ioctl(self->me, SYSGENID_WAIT_WATCHERS, 10000UL));
	EXPECT_EQ(EINTR, errno);
	EXPECT_EQ(0, later_join(&l));
	EXPECT_EQ(0, ack(self->me));
	EXPECT_EQ(0, ack(self->other));
}

TEST_F(wait, wait_observer_times_out_while_watcher_outdated)
{
	long long start;

	ASSERT_LE(0, sg_bump(self->obs));
	ASSERT_EQ(0, ack(self->me));
	start = sg_now_ms();
	EXPECT_EQ(-1, ioctl(self->obs, SYSGENID_WAIT_WATCHERS, 100UL));
	EXPECT_EQ(ETIMEDOUT, errno);
	/*
	 * It waited, not failed at once. Jiffies and CLOCK_MONOTONIC drift
	 * apart under TCG (88 ms were seen for 100), so the bound is loose.
	 */
	EXPECT_LE(50, sg_now_ms() - start);
	EXPECT_EQ(0, ack(self->other));
}

TEST_F(wait, wait_observer_not_interrupted_by_bump)
{
	struct later l;

	ASSERT_LE(0, sg_bump(self->obs));
	ASSERT_EQ(0, later_start(&l, LATER_BUMP, self->obs, 0));
	EXPECT_EQ(-1, ioctl(self->obs, SYSGENID_WAIT_WATCHERS, 500UL));
	EXPECT_EQ(ETIMEDOUT, errno);
	EXPECT_EQ(0, later_join(&l));
	EXPECT_EQ(0, ack(self->me));
	EXPECT_EQ(0, ack(self->other));
}

TEST_F(wait, wait_observer_returns_when_all_ack)
{
	struct later l;

	ASSERT_LE(0, sg_bump(self->obs));
	ASSERT_EQ(0, ack(self->me));
	ASSERT_EQ(0, later_start(&l, LATER_ACK, self->other, 0));
	EXPECT_EQ(0, ioctl(self->obs, SYSGENID_WAIT_WATCHERS, 0UL));
	EXPECT_EQ(0, later_join(&l));
}

TEST_F(wait, wait_ulong_max_timeout_is_safe)
{
	struct later l;

	ASSERT_LE(0, sg_bump(self->obs));
	ASSERT_EQ(0, ack(self->me));
	ASSERT_EQ(0, later_start(&l, LATER_ACK, self->other, 100));
	EXPECT_EQ(0, ioctl(self->me, SYSGENID_WAIT_WATCHERS, ULONG_MAX));
	EXPECT_EQ(0, later_join(&l));
}

TEST_F(wait, wait_timeout_above_u32_is_safe)
{
	struct later l;

	ASSERT_LE(0, sg_bump(self->obs));
	ASSERT_EQ(0, ack(self->me));
	ASSERT_EQ(0, later_start(&l, LATER_ACK, self->other, 100));
	EXPECT_EQ(0, ioctl(self->me, SYSGENID_WAIT_WATCHERS,
			   (unsigned long)UINT_MAX + 1));
	EXPECT_EQ(0, later_join(&l));
}

TEST_F(wait, wait_interrupted_by_signal_is_eintr)
{
	struct later l;

	ASSERT_EQ(0, sg_handle_signal(SIGUSR1, ignore_signal, false));
	ASSERT_LE(0, sg_bump(self->obs));
	ASSERT_EQ(0, ack(self->me));
	ASSERT_EQ(0, later_start(&l, LATER_SIGNAL, -1, 0));
	EXPECT_EQ(-1, ioctl(self->me, SYSGENID_WAIT_WATCHERS, 0UL));
	EXPECT_EQ(EINTR, errno);
	EXPECT_EQ(0, later_join(&l));
	EXPECT_EQ(1, sg_sysfs("outdated_watchers"));
	EXPECT_EQ(0, ack(self->other));
}

/*
 * Acknowledges on @fd unless told to stop first: what keeps a wait that
 * the driver fails to end from hanging the test.
 */
struct rescue {
	int fd;			/* the outdated watcher */
	int stop[2];		/* a pipe: a byte on it means "not needed" */
	unsigned int after_ms;	/* when to acknowledge */
	pthread_t thread;
};

static void *rescue_thread(void *arg)
{
	struct rescue *r = arg;
	struct pollfd pfd = { .fd = r->stop[0], .events = POLLIN };

	if (poll(&pfd, 1, r->after_ms) == 0)
		ack(r->fd);
	return NULL;
}

/*
 * A finite timeout is a deadline: a process whose SA_RESTART interval
 * timer fires every 300 ms, which restarts an interrupted system call,
 * still gets its 1000 ms wait back by about 1 s (ETIMEDOUT, or EINTR).
 * The bound below is generous (3 s); at 10 s the other watcher
 * acknowledges, so that a wait that never ends cannot hang the test.
 */
TEST_F(wait, wait_deadline_survives_restarting_signals)
{
	struct itimerval timer = {
		.it_interval = { .tv_usec = 300000 },
		.it_value = { .tv_usec = 300000 },
	};
	struct itimerval off = { 0 };
	struct rescue r = { .fd = self->other, .after_ms = 10000 };
	sigset_t alrm, old;
	long long start, took;
	int ret, err;

	ASSERT_LE(0, sg_bump(self->obs));
	ASSERT_EQ(0, ack(self->me));
	ASSERT_EQ(0, pipe(r.stop));
	/* Only this thread may take SIGALRM: the rescuer blocks it. */
	sigemptyset(&alrm);
	sigaddset(&alrm, SIGALRM);
	ASSERT_EQ(0, pthread_sigmask(SIG_BLOCK, &alrm, &old));
	ASSERT_EQ(0, pthread_create(&r.thread, NULL, rescue_thread, &r));
	ASSERT_EQ(0, pthread_sigmask(SIG_SETMASK, &old, NULL));
	ASSERT_EQ(0, sg_handle_signal(SIGALRM, ignore_signal, true));
	ASSERT_EQ(0, setitimer(ITIMER_REAL, &timer, NULL));

	start = sg_now_ms();
	ret = ioctl(self->me, SYSGENID_WAIT_WATCHERS, 1000UL);
	err = errno;
	took = sg_now_ms() - start;

	EXPECT_EQ(0, setitimer(ITIMER_REAL, &off, NULL));
	EXPECT_EQ(1, write(r.stop[1], "s", 1));
	EXPECT_EQ(0, pthread_join(r.thread, NULL));
	EXPECT_EQ(0, close(r.stop[0]));
	EXPECT_EQ(0, close(r.stop[1]));
	TH_LOG("WAIT_WATCHERS(1000) returned %d (%s) after %lld ms",
	       ret, ret ? strerror(err) : "ok", took);
	EXPECT_EQ(-1, ret);
	EXPECT_TRUE(err == ETIMEDOUT || err == EINTR);
	EXPECT_GT(3000, took);
	EXPECT_LE(0, ack(self->other));
}

/* An observer and a watcher; the bump command comes from the variant. */
FIXTURE(force) {
	int fd;		/* an observer, to call the ioctl through */
	int wat;	/* a watcher, to see who becomes outdated */
};

FIXTURE_VARIANT(force) {
	unsigned int cmd;	/* FORCE_GEN_UPDATE or TRIGGER_GEN_UPDATE */
};

FIXTURE_VARIANT_ADD(force, force) {
	.cmd = SYSGENID_FORCE_GEN_UPDATE,
};

FIXTURE_VARIANT_ADD(force, trigger) {
	.cmd = SYSGENID_TRIGGER_GEN_UPDATE,
};

FIXTURE_SETUP(force)
{
	if (access(SYSGENID_DEV, F_OK))
		SKIP_SETUP("%s is absent", SYSGENID_DEV);
	self->fd = open(SYSGENID_DEV, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	ASSERT_LE(0, self->fd);
	self->wat = open(SYSGENID_DEV, O_RDWR | O_NONBLOCK | O_CLOEXEC);
	ASSERT_LE(0, self->wat);
}

FIXTURE_TEARDOWN(force)
{
	EXPECT_EQ(0, close(self->wat));
	EXPECT_EQ(0, close(self->fd));
}

/*
 * Make the generation @gen through @cmd, with at least one change on the
 * way: 0 or -errno. Values not above the current one take a wrap.
 */
static int force_to(int fd, unsigned int cmd, __u32 gen)
{
	long cur = sg_sysfs("generation");

	if (cur < 0)
		return cur;
	if (gen <= cur && ioctl(fd, cmd, (unsigned long)UINT32_MAX))
		return -errno;
	if (sg_sysfs("generation") != gen && ioctl(fd, cmd, (unsigned long)gen))
		return -errno;
	return sg_sysfs("generation") == gen ? 0 : -ERANGE;
}

TEST_F(force, force_min_below_next_gives_next)
{
	long gen = sg_sysfs("generation");

	ASSERT_EQ(0, force_to(self->fd, variant->cmd, 1000));
	EXPECT_EQ(0, ioctl(self->fd, variant->cmd, 500UL));
	EXPECT_EQ(1001, sg_sysfs("generation"));
	EXPECT_EQ(0, ioctl(self->fd, variant->cmd, 1001UL));
	EXPECT_EQ(1002, sg_sysfs("generation"));
	EXPECT_NE(gen, sg_sysfs("generation"));
}

TEST_F(force, force_min_above_gives_min)
{
	long gen = sg_sysfs("generation");

	ASSERT_EQ(0, force_to(self->fd, variant->cmd, 1000));
	EXPECT_EQ(0, ioctl(self->fd, variant->cmd, 5000UL));
	EXPECT_EQ(5000, sg_sysfs("generation"));
	EXPECT_NE(gen, sg_sysfs("generation"));
}

TEST_F(force, force_min_above_u32_is_einval)
{
	long gen = sg_sysfs("generation");
	__u32 got;

	ASSERT_LE(0, gen);
	EXPECT_EQ(-1, ioctl(self->fd, variant->cmd, (unsigned long)UINT32_MAX + 1));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, ioctl(self->fd, variant->cmd, ULONG_MAX));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(gen, sg_sysfs("generation"));
	EXPECT_EQ(0, sg_sysfs("outdated_watchers"));
	EXPECT_EQ(-1, read(self->fd, &got, sizeof(got)));
	EXPECT_EQ(EAGAIN, errno);
}

TEST_F(force, force_wraps_from_u32_max_to_zero)
{
	ASSERT_EQ(0, force_to(self->fd, variant->cmd, UINT32_MAX));
	EXPECT_EQ(0, ioctl(self->fd, variant->cmd, 0UL));
	EXPECT_EQ(0, sg_sysfs("generation"));
}

TEST_F(force, force_at_u32_max_gives_min)
{
	ASSERT_EQ(0, force_to(self->fd, variant->cmd, UINT32_MAX));
	EXPECT_EQ(0, ioctl(self->fd, variant->cmd, 5UL));
	EXPECT_EQ(5, sg_sysfs("generation"));
}

TEST_F(force, force_u32_max_at_u32_max_still_changes)
{
	ASSERT_EQ(0, force_to(self->fd, variant->cmd, UINT32_MAX));
	EXPECT_EQ(0, ioctl(self->fd, variant->cmd,
			   (unsigned long)UINT32_MAX));
	EXPECT_EQ(0, sg_sysfs("generation"));
}

TEST_F(force, force_marks_every_watcher_outdated)
{
	struct pollfd pfd = { .fd = self->wat, .events = POLLIN };
	long watchers = sg_sysfs("watchers");

	ASSERT_LT(0, watchers);
	EXPECT_EQ(0, ioctl(self->fd, variant->cmd, 0UL));
	EXPECT_EQ(watchers, sg_sysfs("outdated_watchers"));
	EXPECT_EQ(1, poll(&pfd, 1, 0));
	EXPECT_EQ(0, ack(self->wat));
}

TEST_F(force, outdated_after_value_comes_back)
{
	struct pollfd pfd = { .fd = self->wat, .events = POLLIN };
	__u32 gen;

	ASSERT_EQ(0, force_to(self->fd, variant->cmd, 7000));
	ASSERT_EQ(0, ack(self->wat));
	ASSERT_EQ(4, read(self->fd, &gen, sizeof(gen)));
	/* Through a wrap back to the value both files have seen. */
	ASSERT_EQ(0, force_to(self->fd, variant->cmd, 7000));
	EXPECT_EQ(1, sg_sysfs("outdated_watchers"));
	EXPECT_EQ(1, poll(&pfd, 1, 0));
	EXPECT_EQ(sizeof(gen), read(self->wat, &gen, sizeof(gen)));
	EXPECT_EQ(7000, gen);
	EXPECT_EQ(sizeof(gen), read(self->fd, &gen, sizeof(gen)));
	EXPECT_EQ(7000, gen);
	EXPECT_EQ(sizeof(gen), write(self->wat, &gen, sizeof(gen)));
	EXPECT_EQ(0, sg_sysfs("outdated_watchers"));
}

TEST_F(force, force_works_through_observer)
{
	long gen = sg_sysfs("generation");
	char kind[16];
	unsigned long seen;

	ASSERT_EQ(0, sg_fdinfo(self->fd, kind, sizeof(kind), &seen));
	ASSERT_STREQ("observer", kind);
	EXPECT_EQ(0, ioctl(self->fd, variant->cmd, 0UL));
	EXPECT_EQ((__u32)(gen + 1), sg_sysfs("generation"));
	EXPECT_EQ(0, ack(self->wat));
}

/* A file to send unknown commands to; the generation must not move. */
FIXTURE(unknown) {
	int fd;		/* an observer */
	long gen;	/* the generation before the command */
};

FIXTURE_SETUP(unknown)
{
	if (access(SYSGENID_DEV, F_OK))
		SKIP_SETUP("%s is absent", SYSGENID_DEV);
	self->fd = open(SYSGENID_DEV, O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, self->fd);
	self->gen = sg_sysfs("generation");
	ASSERT_LE(0, self->gen);
}

FIXTURE_TEARDOWN(unknown)
{
	EXPECT_EQ(self->gen, sg_sysfs("generation"));
	EXPECT_EQ(0, close(self->fd));
}

TEST_F(unknown, ioctl_nr_zero_is_enotty)
{
	EXPECT_EQ(-1, ioctl(self->fd, _IO(SYSGENID_IOCTL, 0), 0UL));
	EXPECT_EQ(ENOTTY, errno);
}

TEST_F(unknown, ioctl_nr_four_is_enotty)
{
	EXPECT_EQ(-1, ioctl(self->fd, _IO(SYSGENID_IOCTL, 4), 0UL));
	EXPECT_EQ(ENOTTY, errno);
}

TEST_F(unknown, ioctl_other_magic_is_enotty)
{
	EXPECT_EQ(-1, ioctl(self->fd, _IO(SYSGENID_IOCTL + 1, 2), 0UL));
	EXPECT_EQ(ENOTTY, errno);
}

TEST_F(unknown, ioctl_known_nr_with_size_is_enotty)
{
	EXPECT_EQ(-1, ioctl(self->fd, _IOW(SYSGENID_IOCTL, 2, __u32), 0UL));
	EXPECT_EQ(ENOTTY, errno);
}

TEST_HARNESS_MAIN
