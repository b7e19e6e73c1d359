// SPDX-License-Identifier: LGPL-2.1-or-later OR MIT
/*
 * libsysgenid: open /dev/sysgenid as a watcher or an observer, map its
 * generation page, wait for changes, acknowledge them, wait for the other
 * watchers and force a change. Every syscall goes through sys_ret(), which
 * turns the -1/errno convention into a negative errno value.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdbool.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>
#include <linux/sysgenid.h>

#include "sysgenid.h"

#define SYSGENID_DEVICE		"/dev/sysgenid"
#define SYSGENID_PAGE_SIZE	sizeof(uint32_t)

static inline long sys_ret(long ret)
{
	return ret < 0 ? -errno : ret;
}

static bool sysgenid_is_watcher(const struct sysgenid *sg)
{
	return sg->flags & SYSGENID_WATCHER;
}

/*
 * A node without a driver behind it (a static /dev entry, or the module
 * unloaded while the node stayed) is the same as no node for callers.
 */
static int sysgenid_open_errno(int err)
{
	return err == -ENXIO || err == -ENODEV ? -ENOENT : err;
}

int sysgenid_open(struct sysgenid *sg, unsigned int flags)
{
	int mode = flags & SYSGENID_WATCHER ? O_RDWR : O_RDONLY;
	void *page;
	int fd;

	if (flags & ~SYSGENID_WATCHER)
		return -EINVAL;

	fd = sys_ret(open(SYSGENID_DEVICE, mode | O_NONBLOCK | O_CLOEXEC));
	if (fd < 0)
		return sysgenid_open_errno(fd);

	page = mmap(NULL, SYSGENID_PAGE_SIZE, PROT_READ, MAP_SHARED, fd, 0);
	if (page == MAP_FAILED) {
		int err = -errno;

		close(fd);
		return err;
	}

	sg->fd = fd;
	sg->flags = flags;
	sg->page = page;
	sg->acked = sysgenid_get(sg);
	return 0;
}

void sysgenid_close(struct sysgenid *sg)
{
	munmap((void *)sg->page, SYSGENID_PAGE_SIZE);
	close(sg->fd);
	sg->fd = -1;
	sg->page = NULL;
}

int sysgenid_fd(const struct sysgenid *sg)
{
	return sg->fd;
}

static int sysgenid_poll(const struct sysgenid *sg, int timeout_ms)
{
	struct pollfd pfd = { .fd = sg->fd, .events = POLLIN };
	int ret;

	ret = sys_ret(poll(&pfd, 1, timeout_ms < 0 ? -1 : timeout_ms));
	if (ret == 0)
		return -ETIMEDOUT;
	return ret < 0 ? ret : 0;
}

int sysgenid_wait(struct sysgenid *sg, int timeout_ms, uint32_t *gen)
{
	uint32_t val;
	long ret;

	for (;;) {
		ret = sys_ret(read(sg->fd, &val, sizeof(val)));
		if (ret != -EAGAIN)
			break;
		ret = sysgenid_poll(sg, timeout_ms);
		if (ret < 0)
			return ret;
	}
	if (ret < 0)
		return ret;
	if (ret != sizeof(val))
		return -EIO;
	*gen = val;
	return 0;
}

int sysgenid_ack(struct sysgenid *sg, uint32_t gen)
{
	if (sysgenid_is_watcher(sg)) {
		long ret = sys_ret(write(sg->fd, &gen, sizeof(gen)));

		if (ret < 0)
			return ret;
	} else if (gen != sysgenid_get(sg)) {
		return -EINVAL;
	}
	__atomic_store_n(&sg->acked, gen, __ATOMIC_RELAXED);
	return 0;
}

int sysgenid_wait_watchers(struct sysgenid *sg, int timeout_ms)
{
	unsigned long arg;

	/* The ioctl reads 0 as "no timeout"; 1 ms is its shortest wait. */
	if (timeout_ms < 0)
		arg = 0;
	else if (timeout_ms == 0)
		arg = 1;
	else
		arg = timeout_ms;
	return sys_ret(ioctl(sg->fd, SYSGENID_WAIT_WATCHERS, arg));
}

int sysgenid_force_update(struct sysgenid *sg, uint32_t min_gen)
{
	return sys_ret(ioctl(sg->fd, SYSGENID_FORCE_GEN_UPDATE,
			     (unsigned long)min_gen));
}
