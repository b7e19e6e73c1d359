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
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>
#include <linux/sysgenid.h>

#include "sysgenid.h"
#include "sha256.h"

#define SYSGENID_DEVICE		"/dev/sysgenid"
#define SYSGENID_SYSFS_DEV	"/sys/class/misc/sysgenid/dev"
#define SYSGENID_PROC_MISC	"/proc/misc"
#define SYSGENID_MISC_MAJOR	10	/* every misc device's major number */

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

/* How much of the address space at sg->page the library mapped. */
static size_t sysgenid_map_len(unsigned int flags)
{
	return (flags & SYSGENID__VM ? 2 : 1) * sysconf(_SC_PAGESIZE);
}

/*
 * Map the generation page and, where the driver offers it, the VM
 * generation page right after it, so that the inline functions find the
 * live VM generation ID at a fixed distance from sg->page. Returns the
 * generation page or MAP_FAILED (errno set); adds the private VM bits to
 * *flags. Two pages are reserved first so that the second mapping cannot
 * land on anything else; without the VM page the second one is given back
 * at once, and from then on the library owns one page only
 * (sysgenid_map_len()).
 */
static void *sysgenid_map(int fd, unsigned int *flags)
{
	size_t psz = sysconf(_SC_PAGESIZE);
	const uint32_t *fields;
	uint32_t off, dist, vmf;
	char *area, *vm;

	area = mmap(NULL, 2 * psz, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS,
		    -1, 0);
	if (area == MAP_FAILED)
		return MAP_FAILED;
	if (mmap(area, psz, PROT_READ, MAP_SHARED | MAP_FIXED, fd, 0) ==
	    MAP_FAILED) {
		int err = errno;

		/* Only the untouched half is still surely ours (below). */
		munmap(area + psz, psz);
		errno = err;
		return MAP_FAILED;
	}

	fields = (const uint32_t *)area;
	off = fields[SYSGENID_PAGE_VM_OFFSET / sizeof(uint32_t)];
	dist = psz + off;
	vmf = fields[SYSGENID_PAGE_FLAGS / sizeof(uint32_t)] &
	      (SYSGENID_PAGE_F_VM | SYSGENID_PAGE_F_VMCLOCK);
	if (!vmf || vmf == (SYSGENID_PAGE_F_VM | SYSGENID_PAGE_F_VMCLOCK) ||
	    off > psz - SYSGENID_VM_ID_SIZE || dist % 8 ||
	    dist / 8 >= 1u << (31 - SYSGENID__VM_SHIFT))
		goto no_vm;
	vm = mmap(area + psz, psz, PROT_READ, MAP_SHARED | MAP_FIXED, fd,
		  SYSGENID_MMAP_VM_PAGE * psz);
	if (vm == MAP_FAILED)
		/*
		 * A failed MAP_FIXED may already have removed the reservation,
		 * and another thread may have mapped something there since:
		 * the second page is no longer ours to unmap. At worst one
		 * PROT_NONE page stays reserved.
		 */
		return area;
	*flags |= SYSGENID__VM | (dist / 8) << SYSGENID__VM_SHIFT;
	if (vmf == SYSGENID_PAGE_F_VMCLOCK)
		*flags |= SYSGENID__VM_COUNTER;
	return area;

no_vm:
	/* An old driver, or no safe source: the counter alone, as in 1.0. */
	munmap(area + psz, psz);
	return area;
}

/*
 * The generation the kernel says this open file has seen ("sysgenid-seen:"
 * in /proc/self/fdinfo/<fd>); -1 where it cannot be read (no /proc).
 */
static long long sysgenid_fdinfo_seen(int fd)
{
	/* Never the first line, which is "pos:". */
	static const char key[] = "\nsysgenid-seen:";
	char path[64], buf[512], *p, *end;
	unsigned long long v;
	ssize_t n;
	int f;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	f = open(path, O_RDONLY | O_CLOEXEC);
	if (f < 0)
		return -1;
	n = read(f, buf, sizeof(buf) - 1);
	close(f);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	p = strstr(buf, key);
	if (!p)
		return -1;
	p += sizeof(key) - 1;
	errno = 0;
	v = strtoull(p, &end, 10);
	if (errno || end == p || v > UINT32_MAX)
		return -1;
	return (long long)v;
}

/*
 * The generation a new handle starts out having accepted: the one the
 * kernel recorded for the file at open(), not the one loaded from the page
 * afterwards. A change between the two would otherwise leave a watcher
 * outdated in the kernel (holding up wait-watchers) while
 * sysgenid_changed() says 0, so that a watcher that acknowledges only
 * what sysgenid_changed() reports never would. Without fdinfo, a watcher
 * asks the kernel: its non-blocking read returns a value exactly while it
 * is outdated, and then any value but the current one will do.
 */
static uint32_t sysgenid_acked_at_open(const struct sysgenid *sg)
{
	long long seen = sysgenid_fdinfo_seen(sg->fd);
	uint32_t gen, val;

	if (seen >= 0)
		return (uint32_t)seen;
	gen = sysgenid_get(sg);
	if (sysgenid_is_watcher(sg) &&
	    read(sg->fd, &val, sizeof(val)) == sizeof(val))
		return val - 1;
	return gen;
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

	page = sysgenid_map(fd, &flags);
	if (page == MAP_FAILED) {
		int err = -errno;

		close(fd);
		return err;
	}

	sg->fd = fd;
	sg->flags = flags;
	sg->page = page;
	sg->acked = sysgenid_acked_at_open(sg);
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
	munmap((void *)sg->page, sysgenid_map_len(sg->flags));
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

/*
 * A restore the kernel has not handled yet (the inline functions found the
 * live VM generation ID different from the recorded one): any system call
 * on the device returns only once the kernel has reseeded its generator and
 * changed the generation; a poll() that does not wait for readiness is the
 * cheapest and consumes nothing. Stores the generation after it in *gen;
 * on failure leaves *gen alone and returns the negative errno value.
 */
int sysgenid__sync(const struct sysgenid *sg, uint32_t *gen)
{
	struct pollfd pfd = { .fd = sg->fd, .events = POLLIN };
	int ret;

	do
		ret = sys_ret(poll(&pfd, 1, 0));
	while (ret == -EINTR);
	if (ret < 0)
		return ret;
	if (pfd.revents & POLLNVAL)
		return -EBADF;
	*gen = __atomic_load_n(sg->page, __ATOMIC_ACQUIRE);
	return 0;
}

/* Version 1.1's inline code calls this; it has no way to report errors. */
uint32_t sysgenid__refresh(const struct sysgenid *sg)
{
	uint32_t gen = __atomic_load_n(sg->page, __ATOMIC_ACQUIRE);

	sysgenid__sync(sg, &gen);
	return gen;
}

/*
 * Seed material: SHA-256 in counter mode over fresh getrandom() output, the
 * live VM generation ID and the generation. The getrandom() bytes make it
 * secret; the VM generation ID makes it differ between two clones of one
 * snapshot even while their kernel generators are still identical.
 */
int sysgenid_seed(struct sysgenid *sg, void *buf, size_t len)
{
	return sysgenid_seed2(sg, buf, len, 0);
}

/*
 * As sysgenid_seed(); with SYSGENID_SEED_CLONE_UNIQUE, only where the
 * seed is sure to differ between clones of one snapshot even while their
 * kernel generators are identical: the VM generation page is mapped and
 * holds a VM generation ID (all zeros is no ID). VMClock's page holds a
 * counter that every clone of a snapshot shares, not an ID. Otherwise
 * -EOPNOTSUPP and nothing is written.
 */
int sysgenid_seed2(struct sysgenid *sg, void *buf, size_t len,
		   unsigned int flags)
{
	static const char label[16] = "sysgenid seed v1";
	struct sysgenid__sha256 c;
	uint8_t rnd[32], out[32];
	uint32_t id[4] = { 0, 0, 0, 0 };
	uint8_t *p = buf;
	uint32_t gen, n;
	size_t got = 0;
	ssize_t r;

	if (flags & ~SYSGENID_SEED_CLONE_UNIQUE)
		return -EINVAL;
	while (got < sizeof(rnd)) {
		r = getrandom(rnd + got, sizeof(rnd) - got, 0);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -errno;
		got += r;
	}
	gen = sysgenid_get(sg);
	if (sg->flags & SYSGENID__VM) {
		const uint32_t *live = (const uint32_t *)
			((const char *)sg->page + SYSGENID__VM_DIST(sg->flags));

		for (n = 0; n < 4; n++)
			id[n] = __atomic_load_n(&live[n], __ATOMIC_RELAXED);
	}
	if ((flags & SYSGENID_SEED_CLONE_UNIQUE) &&
	    ((sg->flags & SYSGENID__VM_COUNTER) ||
	     !(id[0] | id[1] | id[2] | id[3]))) {
		explicit_bzero(rnd, sizeof(rnd));
		return -EOPNOTSUPP;
	}
	for (n = 0; len; n++) {
		size_t take = len < sizeof(out) ? len : sizeof(out);

		sysgenid__sha256_init(&c);
		sysgenid__sha256_update(&c, label, sizeof(label));
		sysgenid__sha256_update(&c, rnd, sizeof(rnd));
		sysgenid__sha256_update(&c, id, sizeof(id));
		sysgenid__sha256_update(&c, &gen, sizeof(gen));
		sysgenid__sha256_update(&c, &n, sizeof(n));
		sysgenid__sha256_final(&c, out);
		memcpy(p, out, take);
		p += take;
		len -= take;
	}
	explicit_bzero(rnd, sizeof(rnd));
	explicit_bzero(out, sizeof(out));
	explicit_bzero(&c, sizeof(c));
	return 0;
}
