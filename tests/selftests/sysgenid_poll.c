// SPDX-License-Identifier: GPL-2.0
/*
 * /dev/sysgenid: poll() and epoll report EPOLLIN | EPOLLRDNORM exactly while
 * the file has not seen the current generation.
 */

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "sysgenid_util.h"

FIXTURE(poll) {
	int fd;		/* the file under test */
	int bumper;	/* another file, to bump the generation through */
	int ep;		/* an epoll instance watching fd for EPOLLIN */
};

FIXTURE_VARIANT(poll) {
	int flags;	/* access mode of the file under test */
};

FIXTURE_VARIANT_ADD(poll, observer) {
	.flags = O_RDONLY,
};

FIXTURE_VARIANT_ADD(poll, watcher) {
	.flags = O_RDWR,
};

FIXTURE_SETUP(poll)
{
	struct epoll_event ev = { .events = EPOLLIN };

	if (access(SYSGENID_DEV, F_OK))
		SKIP_SETUP("%s is absent", SYSGENID_DEV);
	self->fd = open(SYSGENID_DEV, variant->flags | O_NONBLOCK | O_CLOEXEC);
	ASSERT_LE(0, self->fd);
	self->bumper = open(SYSGENID_DEV, O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, self->bumper);
	self->ep = epoll_create1(EPOLL_CLOEXEC);
	ASSERT_LE(0, self->ep);
	ASSERT_EQ(0, epoll_ctl(self->ep, EPOLL_CTL_ADD, self->fd, &ev));
}

FIXTURE_TEARDOWN(poll)
{
	EXPECT_EQ(0, close(self->ep));
	EXPECT_EQ(0, close(self->bumper));
	EXPECT_EQ(0, close(self->fd));
}

/* revents of @fd after a poll() that does not wait. */
static short poll_now(int fd)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN | POLLRDNORM };

	if (poll(&pfd, 1, 0) < 0)
		return -1;
	return pfd.revents;
}

/* A thread that bumps once @tid sleeps, through @fd. */
struct bump_later {
	int fd;		/* file to bump through */
	pid_t tid;	/* thread that must be asleep first */
	long gen;	/* the generation the bump made, or -errno */
};

static void *bump_later_thread(void *arg)
{
	struct bump_later *bl = arg;

	bl->gen = sg_wait_sleeping(bl->tid);
	if (!bl->gen)
		bl->gen = sg_bump(bl->fd);
	return NULL;
}

/* Make the file up to date again the way its kind does. */
static int catch_up(int fd, bool watcher)
{
	__u32 gen;

	if (read(fd, &gen, sizeof(gen)) != sizeof(gen))
		return -1;
	if (watcher && write(fd, &gen, sizeof(gen)) != sizeof(gen))
		return -1;
	return 0;
}

TEST_F(poll, poll_up_to_date_reports_nothing)
{
	EXPECT_EQ(0, poll_now(self->fd));
}

TEST_F(poll, poll_after_bump_reports_pollin_rdnorm)
{
	ASSERT_LE(0, sg_bump(self->bumper));
	EXPECT_EQ(POLLIN | POLLRDNORM, poll_now(self->fd));
}

TEST_F(poll, poll_reports_until_caught_up)
{
	__u32 gen;

	ASSERT_LE(0, sg_bump(self->bumper));
	ASSERT_EQ(sizeof(gen), read(self->fd, &gen, sizeof(gen)));
	if (variant->flags != O_RDONLY) {
		/* A watcher's read is not an acknowledgment. */
		EXPECT_EQ(POLLIN | POLLRDNORM, poll_now(self->fd));
		ASSERT_EQ(sizeof(gen), write(self->fd, &gen, sizeof(gen)));
	}
	EXPECT_EQ(0, poll_now(self->fd));
}

TEST_F(poll, poll_blocking_woken_by_bump)
{
	struct bump_later bl = { .fd = self->bumper, .tid = gettid() };
	struct pollfd pfd = { .fd = self->fd, .events = POLLIN };
	pthread_t thread;

	ASSERT_EQ(0, pthread_create(&thread, NULL, bump_later_thread, &bl));
	EXPECT_EQ(1, poll(&pfd, 1, 10000));
	EXPECT_EQ(POLLIN, pfd.revents);
	ASSERT_EQ(0, pthread_join(thread, NULL));
	EXPECT_LE(0, bl.gen);
}

TEST_F(poll, epoll_up_to_date_reports_nothing)
{
	struct epoll_event ev;

	EXPECT_EQ(0, epoll_wait(self->ep, &ev, 1, 0));
}

TEST_F(poll, epoll_after_bump_reports_epollin_rdnorm)
{
	struct epoll_event ev = { .events = EPOLLIN | EPOLLRDNORM };

	ASSERT_EQ(0, epoll_ctl(self->ep, EPOLL_CTL_MOD, self->fd, &ev));
	ASSERT_LE(0, sg_bump(self->bumper));
	ASSERT_EQ(1, epoll_wait(self->ep, &ev, 1, 0));
	EXPECT_EQ(EPOLLIN | EPOLLRDNORM, ev.events);
	/* Level-triggered: still reported until the file catches up. */
	EXPECT_EQ(1, epoll_wait(self->ep, &ev, 1, 0));
	ASSERT_EQ(0, catch_up(self->fd, variant->flags != O_RDONLY));
	EXPECT_EQ(0, epoll_wait(self->ep, &ev, 1, 0));
}

TEST_F(poll, epoll_wait_woken_by_bump)
{
	struct bump_later bl = { .fd = self->bumper, .tid = gettid() };
	struct epoll_event ev;
	pthread_t thread;

	ASSERT_EQ(0, pthread_create(&thread, NULL, bump_later_thread, &bl));
	EXPECT_EQ(1, epoll_wait(self->ep, &ev, 1, 10000));
	EXPECT_EQ(EPOLLIN, ev.events);
	ASSERT_EQ(0, pthread_join(thread, NULL));
	EXPECT_LE(0, bl.gen);
}

/*
 * EPOLLEXCLUSIVE may only choose among the waiters of one file: every
 * change wakes the waiters of every file. Each of EXCL_PROCS processes has
 * its own file and its own epoll set with EPOLLIN | EPOLLEXCLUSIVE; one
 * change must wake all of them, not one.
 */
#define EXCL_PROCS	4

/* In the child: wait on a file of its own; exit 0 if woken, 1 if not. */
static int excl_child(int ready)
{
	struct epoll_event ev = { .events = EPOLLIN | EPOLLEXCLUSIVE };
	int fd, ep;

	fd = open(SYSGENID_DEV, O_RDONLY | O_CLOEXEC);
	ep = epoll_create1(EPOLL_CLOEXEC);
	if (fd < 0 || ep < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev))
		return 2;
	if (write(ready, "r", 1) != 1)
		return 2;
	/* Generous: a correct driver wakes it at once. */
	return epoll_wait(ep, &ev, 1, 5000) == 1 && ev.events == EPOLLIN ?
	       0 : 1;
}

/* 0 once process @pid sleeps (is blocked in a syscall), or -errno. */
static int proc_wait_sleeping(pid_t pid)
{
	long long deadline = sg_now_ms() + 5000;
	char path[64], buf[512], *state;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	while (sg_now_ms() < deadline) {
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			return -errno;
		n = read(fd, buf, sizeof(buf) - 1);
		close(fd);
		if (n <= 0)
			return -EIO;
		buf[n] = '\0';
		state = strrchr(buf, ')');
		if (state && state[1] == ' ' && state[2] == 'S')
			return 0;
		sg_sleep_ms(1);
	}
	return -ETIMEDOUT;
}

TEST(epollexclusive_every_file_woken)
{
	pid_t pid[EXCL_PROCS];
	int i, woken = 0, status, pipefd[2], bumper;
	char c;

	if (access(SYSGENID_DEV, F_OK))
		SKIP(return, "%s is absent", SYSGENID_DEV);
	bumper = open(SYSGENID_DEV, O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, bumper);
	ASSERT_EQ(0, pipe(pipefd));
	for (i = 0; i < EXCL_PROCS; i++) {
		fflush(stdout);
		pid[i] = fork();
		ASSERT_LE(0, pid[i]);
		if (!pid[i])
			_exit(excl_child(pipefd[1]));
	}
	for (i = 0; i < EXCL_PROCS; i++) {
		ASSERT_EQ(1, read(pipefd[0], &c, 1));
		ASSERT_EQ(0, proc_wait_sleeping(pid[i]));
	}
	ASSERT_LE(0, sg_bump(bumper));
	for (i = 0; i < EXCL_PROCS; i++) {
		ASSERT_EQ(pid[i], waitpid(pid[i], &status, 0));
		ASSERT_TRUE(WIFEXITED(status));
		ASSERT_GT(2, WEXITSTATUS(status));
		woken += !WEXITSTATUS(status);
	}
	EXPECT_EQ(EXCL_PROCS, woken);
	EXPECT_EQ(0, close(pipefd[0]));
	EXPECT_EQ(0, close(pipefd[1]));
	EXPECT_EQ(0, close(bumper));
}

TEST_HARNESS_MAIN
