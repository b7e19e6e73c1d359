// SPDX-License-Identifier: MIT
/*
 * Asynchronous event loop: the sysgenid handle's fd sits in an epoll set
 * next to the program's other event sources (here a timer that stands for
 * ordinary work). When it becomes readable the generation has changed: the
 * loop rebuilds its state and acknowledges, without any extra thread.
 *
 * Usage: epoll-loop [COUNT]   handle COUNT changes (default 1), then exit
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include <sysgenid.h>

static int handle_sysgenid(struct sysgenid *sg)
{
	uint32_t gen;
	int ret;

	/* Readiness can be stale by now: a zero timeout never blocks. */
	ret = sysgenid_wait(sg, 0, &gen);
	if (ret == -ETIMEDOUT)
		return 0;
	if (ret)
		return ret;
	/* ... rebuild whatever must differ between copies of the system ... */
	ret = sysgenid_ack(sg, gen);
	if (ret == -EINVAL)	/* changed again: epoll reports it again */
		return 0;
	if (ret)
		return ret;
	printf("generation %u: handled in the event loop\n", gen);
	fflush(stdout);
	return 1;
}

int main(int argc, char **argv)
{
	unsigned long count = argc > 1 ? strtoul(argv[1], NULL, 0) : 1;
	struct itimerspec tick = { { 0, 100000000 }, { 0, 100000000 } };
	struct epoll_event ev = { .events = EPOLLIN };
	unsigned long ticks = 0;
	struct sysgenid sg;
	int epfd, tfd, ret;

	ret = sysgenid_open(&sg, SYSGENID_WATCHER);
	if (ret) {
		fprintf(stderr, "epoll-loop: sysgenid_open: %s\n",
			strerror(-ret));
		return 1;
	}
	epfd = epoll_create1(EPOLL_CLOEXEC);
	tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (epfd < 0 || tfd < 0 || timerfd_settime(tfd, 0, &tick, NULL))
		goto out_errno;
	ev.data.fd = sysgenid_fd(&sg);
	if (epoll_ctl(epfd, EPOLL_CTL_ADD, sysgenid_fd(&sg), &ev))
		goto out_errno;
	ev.data.fd = tfd;
	if (epoll_ctl(epfd, EPOLL_CTL_ADD, tfd, &ev))
		goto out_errno;
	printf("watching generation %u\n", sysgenid_get(&sg));
	fflush(stdout);

	while (count) {
		uint64_t expired;

		if (epoll_wait(epfd, &ev, 1, -1) < 0) {
			if (errno == EINTR)
				continue;
			goto out_errno;
		}
		if (ev.data.fd == tfd) {
			if (read(tfd, &expired, sizeof(expired)) > 0)
				ticks += expired;
			continue;
		}
		ret = handle_sysgenid(&sg);
		if (ret < 0)
			goto out;
		count -= ret;
	}
	printf("%lu timer ticks served meanwhile\n", ticks);
	goto out;

out_errno:
	ret = -errno;
out:
	if (ret < 0)
		fprintf(stderr, "epoll-loop: %s\n", strerror(-ret));
	if (tfd >= 0)
		close(tfd);
	if (epfd >= 0)
		close(epfd);
	sysgenid_close(&sg);
	return ret < 0;
}
