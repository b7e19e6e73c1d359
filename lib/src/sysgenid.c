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
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>
#include <linux/sysgenid.h>

#include "sysgenid.h"

#define SYSGENID_DEVICE		"/dev/sysgenid"
#define SYSGENID_SYSFS_DEV	"/sys/class/misc/sysgenid/dev"
#define SYSGENID_PROC_MISC	"/proc/misc"
#define SYSGENID_MISC_MAJOR	10	/* every misc device's major number */
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

/*
 * The minor number the running kernel gave the sysgenid misc device: from
 * sysfs ("10:123"), or from /proc/misc ("123 sysgenid") where sysfs is not
 * mounted. -1 when neither says (then only the major number is checked).
 */
static int sysgenid_minor(void)
{
	unsigned int major, minor;
	char name[32];
	int ret = -1;
	FILE *f;

	f = fopen(SYSGENID_SYSFS_DEV, "re");
	if (f) {
		if (fscanf(f, "%u:%u", &major, &minor) == 2 &&
		    major == SYSGENID_MISC_MAJOR)
			ret = minor;
		fclose(f);
		return ret;
	}
	f = fopen(SYSGENID_PROC_MISC, "re");
	if (!f)
		return -1;
	while (fscanf(f, "%u %31s", &minor, name) == 2) {
		if (!strcmp(name, "sysgenid")) {
			ret = minor;
			break;
		}
	}
	fclose(f);
	return ret;
}

/*
 * Whether @fd is the sysgenid character device: a regular file left at the
 * path (mapping an empty one is a SIGBUS) or another device's node (one of
 * /dev/zero's numbers "works" and reads 0) is not.
 */
static bool sysgenid_is_device(int fd)
{
	struct stat st;
	int minor;

	if (fstat(fd, &st) || !S_ISCHR(st.st_mode) ||
	    major(st.st_rdev) != SYSGENID_MISC_MAJOR)
		return false;
	minor = sysgenid_minor();
	return minor < 0 || (unsigned int)minor == minor(st.st_rdev);
}

int sysgenid_open(struct sysgenid *sg, unsigned int flags)
{
	int mode = flags & SYSGENID_WATCHER ? O_RDWR : O_RDONLY;
	void *page;
	int fd;

	/* Whatever happens, sysgenid_close() may be called on @sg. */
	sg->fd = -1;
	sg->page = NULL;
	if (flags & ~SYSGENID_WATCHER)
		return -EINVAL;

	fd = sys_ret(open(SYSGENID_DEVICE,
			  mode | O_NONBLOCK | O_CLOEXEC | O_NOCTTY));
	if (fd < 0)
		return sysgenid_open_errno(fd);
	if (!sysgenid_is_device(fd)) {
		close(fd);
		return -ENODEV;
	}

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

/*
 * An open handle always has its page mapped: a NULL page marks a handle
 * that is closed, failed to open or was zeroed and never opened, and
 * closing it does nothing (never close(0) for a zeroed struct).
 */
void sysgenid_close(struct sysgenid *sg)
{
	if (!sg->page)
		return;
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

/*
 * The ioctl returns -EINTR both for a signal and for a caller that is an
 * outdated watcher (SPEC: handle the change first). A watcher's read
 * returns at once exactly while it is outdated, and its file is
 * non-blocking, so one read tells the two apart: -ESTALE for "acknowledge
 * the new generation first", -EINTR only for a signal. A change that
 * lands between the ioctl and the read also makes the caller outdated,
 * and -ESTALE is right for it too.
 */
int sysgenid_wait_watchers(struct sysgenid *sg, int timeout_ms)
{
	unsigned long arg;
	uint32_t val;
	int ret;

	/* The ioctl reads 0 as "no timeout"; 1 ms is its shortest wait. */
	if (timeout_ms < 0)
		arg = 0;
	else if (timeout_ms == 0)
		arg = 1;
	else
		arg = timeout_ms;
	ret = sys_ret(ioctl(sg->fd, SYSGENID_WAIT_WATCHERS, arg));
	if (ret == -EINTR && sysgenid_is_watcher(sg) &&
	    read(sg->fd, &val, sizeof(val)) == sizeof(val))
		return -ESTALE;
	return ret;
}

int sysgenid_force_update(struct sysgenid *sg, uint32_t min_gen)
{
	return sys_ret(ioctl(sg->fd, SYSGENID_FORCE_GEN_UPDATE,
			     (unsigned long)min_gen));
}
