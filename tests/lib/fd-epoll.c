// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The handle's fd works in an epoll set: readable after a change and
 * quiet again once the watcher acknowledges.
 */
#include <sys/epoll.h>

#include "helpers.h"

int main(void)
{
	struct epoll_event ev = { .events = EPOLLIN };
	struct sysgenid w;
	uint32_t gen;
	int epfd;

	require_device();
	CHECK_EQ(0, sysgenid_open(&w, SYSGENID_WATCHER));
	epfd = epoll_create1(0);
	CHECK(epfd >= 0);
	CHECK_EQ(0, epoll_ctl(epfd, EPOLL_CTL_ADD, sysgenid_fd(&w), &ev));
	CHECK_EQ(0, epoll_wait(epfd, &ev, 1, 100));

	gen = bump();
	CHECK_EQ(1, epoll_wait(epfd, &ev, 1, 1000));
	CHECK(ev.events & EPOLLIN);
	CHECK_EQ(gen, sysgenid_get(&w));
	CHECK_EQ(0, sysgenid_ack(&w, gen));
	CHECK_EQ(0, epoll_wait(epfd, &ev, 1, 100));

	close(epfd);
	sysgenid_close(&w);
	return T_PASS;
}
