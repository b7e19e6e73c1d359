/* SPDX-License-Identifier: GPL-2.0 */
/*
 * POLLIN never comes before the page: a thread forces changes as fast as
 * it can while another polls a file of its own without blocking and, every
 * time poll() reports POLLIN, loads the mapped page. The page must then
 * hold a generation other than the one the poller last read(): POLLIN
 * means a change came after that read, and every change makes the value
 * differ. A stale page is the reordering the driver's barriers prevent.
 */
#ifndef SG_ORDER_H
#define SG_ORDER_H

#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <sys/mman.h>

#include "sg_stress.h"

struct sg_order {
	unsigned long bumps;	/* changes forced */
	unsigned long polls;	/* poll() calls */
	unsigned long pollin;	/* of them, those that reported POLLIN */
	unsigned long stale;	/* of those, page loads that found the old value */
	uint32_t stale_gen;	/* the first stale value seen */
	atomic_bool stop;	/* tells the bumper to stop */
	int err;		/* 0, or the errno of a call that failed */
};

static void *sg_order_bumper(void *arg)
{
	struct sg_order *o = arg;
	int fd = open(SG_DEV, O_RDONLY | O_CLOEXEC);

	if (fd < 0) {
		o->err = errno;
		return NULL;
	}
	while (!atomic_load(&o->stop)) {
		if (ioctl(fd, SYSGENID_FORCE_GEN_UPDATE, 0UL)) {
			o->err = errno;
			break;
		}
		o->bumps++;
	}
	close(fd);
	return NULL;
}

/* Run for @ms milliseconds; 0, or -1 with o->err set. */
static inline int sg_order_run(struct sg_order *o, unsigned int ms)
{
	struct pollfd pfd = { .events = POLLIN };
	const volatile uint32_t *page;
	pthread_t bumper;
	uint32_t last, v;
	double end;
	int ret = 0;

	memset(o, 0, sizeof(*o));
	pfd.fd = open(SG_DEV, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (pfd.fd < 0) {
		o->err = errno;
		return -1;
	}
	page = mmap(NULL, 4096, PROT_READ, MAP_SHARED, pfd.fd, 0);
	if (page == MAP_FAILED) {
		o->err = errno;
		close(pfd.fd);
		return -1;
	}
	/* Nothing changes the generation yet: this is what the file saw. */
	last = sg_sysfs("generation");
	errno = pthread_create(&bumper, NULL, sg_order_bumper, o);
	if (errno) {
		o->err = errno;
		ret = -1;
		goto out;
	}
	end = sg_now() + ms / 1000.0;
	while (sg_now() < end && !o->err) {
		o->polls++;
		if (poll(&pfd, 1, 0) < 0) {
			o->err = errno;
			break;
		}
		if (!(pfd.revents & POLLIN))
			continue;
		o->pollin++;
		v = __atomic_load_n(page, __ATOMIC_RELAXED);
		if (v == last && !o->stale++)
			o->stale_gen = v;
		if (read(pfd.fd, &last, sizeof(last)) != sizeof(last)) {
			o->err = errno;
			break;
		}
	}
	atomic_store(&o->stop, true);
	pthread_join(bumper, NULL);
	if (o->err)
		ret = -1;
out:
	munmap((void *)page, 4096);
	close(pfd.fd);
	return ret;
}

#endif /* SG_ORDER_H */
