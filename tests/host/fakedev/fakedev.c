// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * A fake /dev/sysgenid for host tests of libsysgenid: linked before libc,
 * it interposes open(), fstat(), mmap(), read(), write(), poll(), close()
 * and getrandom(). The device is a memfd of two pages laid out as the
 * uapi says (generation page, VM generation page); a tiny model of the
 * driver keeps one "seen" generation per open file and handles a pending
 * VM restore (live ID != recorded ID) on any system call on the device,
 * as the real driver's poll/read/write do. The test drives it with the
 * fakedev_*() functions; nothing here is timing-dependent.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "fakedev.h"

#define PAGE		4096
#define VMGENID_OFF	40	/* the ID's offset in the VM page (QEMU's) */
#define VMCLOCK_OFF	0x68	/* vm_generation_counter in VMClock's */
#define MAXFD		1024

static int memfd = -1;
static uint8_t *dev;		/* the two pages, as the driver sees them */
static struct { int open, watcher; uint32_t seen; } files[MAXFD];
static int vm_mode, change_at_mmap, no_fdinfo, fixed_random;
static unsigned int vm_off = VMGENID_OFF;
static unsigned long syscalls;

#define REAL(ret, name, ...) \
	static ret (*real)(__VA_ARGS__); \
	if (!real) real = (ret (*)(__VA_ARGS__))dlsym(RTLD_NEXT, name)

static uint32_t *gen_p(void) { return (uint32_t *)dev; }

static int is_fake(int fd)
{
	return fd >= 0 && fd < MAXFD && files[fd].open;
}

/* The driver's side of any system call: handle a restore not yet seen. */
static void driver_sync(void)
{
	syscalls++;
	if (vm_mode && memcmp(dev + 16, dev + PAGE + vm_off, 16)) {
		__atomic_store_n(gen_p(), *gen_p() + 1, __ATOMIC_RELEASE);
		memcpy(dev + 16, dev + PAGE + vm_off, 16);
	}
}

void fakedev_reset(int vm)
{
	uint32_t *f;

	if (memfd < 0) {
		memfd = memfd_create("fake-sysgenid", MFD_CLOEXEC);
		if (memfd < 0 || ftruncate(memfd, 2 * PAGE))
			_exit(99);
		dev = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED,
			   memfd, 0);
		if (dev == MAP_FAILED)
			_exit(99);
	}
	memset(dev, 0, 2 * PAGE);
	vm_mode = vm;
	vm_off = vm & FAKEDEV_VMCLOCK ? VMCLOCK_OFF : VMGENID_OFF;
	f = (uint32_t *)dev;
	f[0] = 7;
	if (vm) {
		f[1] = vm;		/* SYSGENID_PAGE_F_VM or _VMCLOCK */
		f[2] = vm_off;		/* SYSGENID_PAGE_VM_OFFSET */
		fakedev_set_vm_id(0x11);
	}
	change_at_mmap = no_fdinfo = fixed_random = 0;
}

void fakedev_set_vm_id(int byte)
{
	memset(dev + PAGE + vm_off, byte, 16);
	memset(dev + 16, byte, 16);
}

void fakedev_restore(int byte) { memset(dev + PAGE + vm_off, byte, 16); }
void fakedev_change(void) { __atomic_store_n(gen_p(), *gen_p() + 1, __ATOMIC_RELEASE); }
void fakedev_change_at_mmap(int on) { change_at_mmap = on; }
void fakedev_no_fdinfo(int on) { no_fdinfo = on; }
void fakedev_fixed_random(int on) { fixed_random = on; }
unsigned long fakedev_syscalls(void) { return syscalls; }
uint32_t fakedev_generation(void) { return *gen_p(); }
int fakedev_outdated(int fd) { return is_fake(fd) && files[fd].watcher && files[fd].seen != *gen_p(); }

static int fdinfo_fd(int fd)
{
	char text[128];
	int m = memfd_create("fake-fdinfo", MFD_CLOEXEC);

	snprintf(text, sizeof(text), "pos:\t0\nflags:\t02\nsysgenid-kind: %s\n"
		 "sysgenid-seen: %u\n", files[fd].watcher ? "watcher" : "observer",
		 files[fd].seen);
	if (m < 0 || write(m, text, strlen(text)) < 0)
		return -1;
	lseek(m, 0, SEEK_SET);
	return m;
}

static int fake_open(const char *path, int flags, mode_t mode, int *ret)
{
	int fd, n;

	if (memfd >= 0 && !strcmp(path, "/dev/sysgenid")) {
		fd = fcntl(memfd, F_DUPFD_CLOEXEC, 3);
		if (fd < 0 || fd >= MAXFD)
			_exit(99);
		files[fd].open = 1;
		files[fd].watcher = (flags & O_ACCMODE) != O_RDONLY;
		files[fd].seen = *gen_p();	/* the driver's open */
		*ret = fd;
		return 1;
	}
	if (sscanf(path, "/proc/self/fdinfo/%d%n", &fd, &n) == 1 &&
	    !path[n] && is_fake(fd)) {
		if (no_fdinfo) {
			errno = ENOENT;
			*ret = -1;
		} else {
			*ret = fdinfo_fd(fd);
		}
		return 1;
	}
	(void)mode;
	return 0;
}

int open(const char *path, int flags, ...)
{
	REAL(int, "open", const char *, int, ...);
	mode_t mode = 0;
	va_list ap;
	int ret;

	if (flags & (O_CREAT | O_TMPFILE)) {
		va_start(ap, flags);
		mode = va_arg(ap, mode_t);
		va_end(ap);
	}
	if (fake_open(path, flags, mode, &ret))
		return ret;
	return real(path, flags, mode);
}

int open64(const char *path, int flags, ...) __attribute__((alias("open")));

int fstat(int fd, struct stat *st)
{
	REAL(int, "fstat", int, struct stat *);
	int ret = real(fd, st);

	if (!ret && is_fake(fd)) {
		st->st_mode = S_IFCHR | 0644;
		st->st_rdev = makedev(10, 123);
	}
	return ret;
}

void *mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
	REAL(void *, "mmap", void *, size_t, int, int, int, off_t);

	if (is_fake(fd)) {
		if (off == PAGE && !vm_mode) {
			errno = ENODEV;
			return MAP_FAILED;
		}
		if (off == 0 && change_at_mmap) {
			/* a change between open() and the library's load */
			change_at_mmap = 0;
			fakedev_change();
		}
	}
	return real(addr, len, prot, flags, fd, off);
}

ssize_t read(int fd, void *buf, size_t len)
{
	REAL(ssize_t, "read", int, void *, size_t);
	uint32_t gen;

	if (!is_fake(fd))
		return real(fd, buf, len);
	driver_sync();
	gen = *gen_p();
	if (len < 4) {
		errno = EINVAL;
		return -1;
	}
	if (files[fd].seen == gen) {
		errno = EAGAIN;
		return -1;
	}
	if (!files[fd].watcher)
		files[fd].seen = gen;
	memcpy(buf, &gen, 4);
	return 4;
}

ssize_t write(int fd, const void *buf, size_t len)
{
	REAL(ssize_t, "write", int, const void *, size_t);
	uint32_t gen;

	if (!is_fake(fd))
		return real(fd, buf, len);
	driver_sync();
	if (!files[fd].watcher || len != 4) {
		errno = EINVAL;
		return -1;
	}
	memcpy(&gen, buf, 4);
	if (gen != *gen_p()) {
		errno = EINVAL;
		return -1;
	}
	files[fd].seen = gen;
	return 4;
}

int poll(struct pollfd *fds, nfds_t n, int timeout)
{
	REAL(int, "poll", struct pollfd *, nfds_t, int);
	nfds_t i;
	int ready = 0;

	if (n != 1 || !is_fake(fds[0].fd))
		return real(fds, n, timeout);
	driver_sync();
	fds[0].revents = 0;
	for (i = 0; i < n; i++)
		if (files[fds[i].fd].seen != *gen_p()) {
			fds[i].revents = POLLIN;
			ready++;
		}
	if (!ready && timeout) {
		errno = EINTR;	/* nothing would ever wake it here */
		return -1;
	}
	return ready;
}

int close(int fd)
{
	REAL(int, "close", int);

	if (is_fake(fd))
		files[fd].open = 0;
	return real(fd);
}

ssize_t getrandom(void *buf, size_t len, unsigned int flags)
{
	REAL(ssize_t, "getrandom", void *, size_t, unsigned int);

	if (fixed_random) {
		/* two clones whose kernel generators are still the same */
		memset(buf, 0x5a, len);
		return len;
	}
	return real(buf, len, flags);
}
