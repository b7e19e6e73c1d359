// SPDX-License-Identifier: GPL-2.0
/*
 * Fuzzing suite for /dev/sysgenid: several processes, half of them running
 * as nobody, make random calls on random files of the device (random open
 * flags, sizes, ioctl numbers and arguments, mmap lengths, offsets,
 * protections and flags, mprotect and mremap, bad pointers), while an
 * interval timer interrupts whatever blocks. Every result is checked
 * against the set of outcomes the contract allows; afterwards the driver's
 * counts are back to zero and it still works. SYSGENID_FUZZ_SEED replays a
 * run; sgscale= on the kernel command line scales its length.
 */
#define _GNU_SOURCE
#include <grp.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "sg_stress.h"

#define FUZZ_PROCS	4	/* the odd ones run as nobody */
#define FUZZ_CALLS	250000	/* per process, scaled by sg_size() */
#define FUZZ_SLOTS	8
#define PAGE		4096UL

enum fuzz_op { F_OPEN, F_CLOSE, F_READ, F_WRITE, F_IOCTL, F_POLL, F_MMAP,
	       F_MISC, F_NR };

static const char *const fop_names[F_NR] = {
	"open", "close", "read", "write", "ioctl", "poll", "mmap", "misc",
};

struct fuzz_stats {
	atomic_ulong calls[F_NR];
	atomic_ulong ok[F_NR];
	atomic_ulong unexpected;
	atomic_ulong signals;
};

struct fuzzer {
	struct fuzz_stats *st;
	uint64_t seed;
	int root;
	int fd[FUZZ_SLOTS];
	char *buf;			/* two valid read-write pages */
	char *ro;			/* a read-only page */
	char *hole;			/* an unmapped page */
	const uint32_t *gen;		/* the generation page */
};

static volatile sig_atomic_t ticks;

static void on_tick(int sig)
{
	ticks++;
}

/* Report a result the contract does not allow. */
static void fuzz_bad(struct fuzzer *f, const char *fmt, ...)
{
	va_list ap;

	if (atomic_fetch_add(&f->st->unexpected, 1) >= 20)
		return;
	va_start(ap, fmt);
	fprintf(stderr, "# fuzz[%d]: ", getpid());
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, " (errno %d %s)\n", errno, strerror(errno));
	va_end(ap);
}

/* True if @ret is not an error or errno is one of the 0-terminated list. */
static int allowed(long ret, ...)
{
	va_list ap;
	int e, ok = 0;

	if (ret >= 0)
		return 1;
	va_start(ap, ret);
	while (!ok && (e = va_arg(ap, int)))
		ok = e == errno;
	va_end(ap);
	return ok;
}

static uint64_t pick(struct fuzzer *f, const uint64_t *v, size_t n)
{
	return v[sg_below(&f->seed, n)];
}

#define PICK(f, ...) ({ \
	const uint64_t _v[] = { __VA_ARGS__ }; \
	pick(f, _v, ARRAY_SIZE(_v)); \
})

static size_t fuzz_size(struct fuzzer *f)
{
	if (sg_below(&f->seed, 4))
		return PICK(f, 0, 1, 2, 3, 4, 4, 4, 5, 8, 4096, 8192,
			    0x7fffffff, SIZE_MAX);
	return sg_below(&f->seed, 65536);
}

/* A user pointer: mostly valid, sometimes NULL, kernel, unmapped, ... */
static void *fuzz_ptr(struct fuzzer *f, int for_read)
{
	switch (sg_below(&f->seed, 12)) {
	case 0:
		return NULL;
	case 1:
		return (void *)0xffff888000000000UL;
	case 2:
		return (void *)0xffffffff81000000UL;
	case 3:
		return f->hole;
	case 4:
		return f->ro;
	case 5:	/* straddles the end of the buffer and the hole */
		return f->hole - 2;
	case 6:
		return (void *)-1UL;
	default:
		if (!for_read && !sg_below(&f->seed, 2))
			memcpy(f->buf, (const void *)f->gen, 4);
		return f->buf + sg_below(&f->seed, 8);
	}
}

static int *free_slot(struct fuzzer *f)
{
	int *s = &f->fd[sg_below(&f->seed, FUZZ_SLOTS)];

	if (*s >= 0)
		close(*s);
	return s;
}

static void fuzz_open(struct fuzzer *f)
{
	static const int extra[] = {
		O_CLOEXEC, O_NOCTTY, O_APPEND, O_SYNC, O_DSYNC, O_TRUNC,
		O_NOATIME, O_PATH, O_DIRECTORY, O_CREAT, O_CREAT | O_EXCL,
		O_DIRECT, O_NOFOLLOW, O_LARGEFILE, O_ASYNC,
	};
	int flags = sg_below(&f->seed, 4);
	int *s = free_slot(f);

	if (sg_below(&f->seed, 4))
		flags |= O_NONBLOCK;
	while (!sg_below(&f->seed, 5))
		flags |= extra[sg_below(&f->seed, ARRAY_SIZE(extra))];
	*s = open(SG_DEV, flags, 0600);
	if (!allowed(*s, EACCES, EPERM, EINVAL, ENOTDIR, EEXIST, EISDIR, 0))
		fuzz_bad(f, "open(0%o) = %d", flags, *s);
	else
		atomic_fetch_add(&f->st->ok[F_OPEN], *s >= 0);
}

static void fuzz_read(struct fuzzer *f, int fd)
{
	size_t n = fuzz_size(f);
	ssize_t r = read(fd, fuzz_ptr(f, 1), n);

	if (!allowed(r, EINVAL, EAGAIN, EFAULT, EINTR, EBADF, 0) ||
	    (r >= 0 && r != (n ? 4 : 0)) || (r == 4 && n < 4) ||
	    (r < 0 && errno == EINVAL && n >= 4 && n <= SSIZE_MAX))
		fuzz_bad(f, "read(%zu) = %zd", n, r);
	atomic_fetch_add(&f->st->ok[F_READ], r >= 0);
}

static void fuzz_write(struct fuzzer *f, int fd)
{
	size_t n = sg_below(&f->seed, 2) ? 4 : fuzz_size(f);
	ssize_t r = write(fd, fuzz_ptr(f, 0), n);

	if (!allowed(r, EINVAL, EFAULT, EBADF, 0) || (r >= 0 && r != 4) ||
	    (r == 4 && n != 4))
		fuzz_bad(f, "write(%zu) = %zd", n, r);
	atomic_fetch_add(&f->st->ok[F_WRITE], r >= 0);
}

/* The VFS handles some ioctl types itself; leave the driver's to it. */
static int vfs_ioctl_type(unsigned int cmd)
{
	switch (_IOC_TYPE(cmd)) {
	case 0x00: case 0x15: case 0x54: case 0x94: case 'X': case 'f':
		return 1;
	}
	return 0;
}

static void fuzz_ioctl(struct fuzzer *f, int fd)
{
	unsigned long arg = sg_below(&f->seed, 2) ?
		PICK(f, 0, 1, 2, 5, 50, 0xffffffff, 0x100000000,
		     0x7fffffffffffffff, ULONG_MAX) : sg_rand(&f->seed);
	unsigned int cmd;
	int bump, r;

	switch (sg_below(&f->seed, 4)) {
	case 0:
	case 1:
		cmd = PICK(f, SYSGENID_WAIT_WATCHERS, SYSGENID_FORCE_GEN_UPDATE,
			   SYSGENID_TRIGGER_GEN_UPDATE);
		break;
	case 2:
		cmd = _IOC(sg_below(&f->seed, 4), SYSGENID_IOCTL,
			   sg_below(&f->seed, 256),
			   sg_below(&f->seed, 1 << 14));
		break;
	default:
		do
			cmd = sg_rand(&f->seed);
		while (vfs_ioctl_type(cmd));
	}
	r = ioctl(fd, cmd, arg);
	bump = cmd == SYSGENID_FORCE_GEN_UPDATE ||
	       cmd == SYSGENID_TRIGGER_GEN_UPDATE;
	if (!allowed(r, ENOTTY, EPERM, EINVAL, ETIMEDOUT, EINTR, EBADF, 0) ||
	    (bump && !f->root && !(r < 0 && (errno == EPERM ||
					     errno == EBADF))) ||
	    (bump && f->root && arg > 0xffffffff && r != -1) ||
	    (!bump && cmd != SYSGENID_WAIT_WATCHERS && r != -1))
		fuzz_bad(f, "ioctl(%#x, %#lx) = %d", cmd, arg, r);
	atomic_fetch_add(&f->st->ok[F_IOCTL], r >= 0);
}

static void fuzz_poll(struct fuzzer *f)
{
	struct pollfd p[FUZZ_SLOTS];
	int i, n = 0, r;

	for (i = 0; i < FUZZ_SLOTS; i++)
		if (f->fd[i] >= 0 && sg_below(&f->seed, 2))
			p[n++] = (struct pollfd){ f->fd[i],
						  sg_rand(&f->seed), 0 };
	r = poll(p, n, 0);
	if (r < 0 && !allowed(r, EINTR, 0))
		fuzz_bad(f, "poll = %d", r);
	else
		atomic_fetch_add(&f->st->ok[F_POLL], r >= 0);
}

/*
 * A mapping must never be writable, executable, larger than a page, or
 * growable, and it survives MADV_DONTNEED. Offsets 0 (the generation page)
 * and SYSGENID_MMAP_VM_PAGE (the VM generation page, ENODEV without a safe
 * source) are the only ones that map.
 */
static void fuzz_map(struct fuzzer *f, int fd)
{
	size_t len = PICK(f, 0, 1, 4, 4095, 4096, 4096, 4096, 4097, 8192,
			  1UL << 40, sg_below(&f->seed, 65536));
	off_t off = PICK(f, 0, 0, 0, 0, 4096, 8192, 1, 0x7ffffffffffff000,
			 sg_below(&f->seed, 1024) * PAGE);
	int prot = sg_below(&f->seed, 8), flags;
	size_t nlen;
	char *p, *q;

	flags = PICK(f, MAP_SHARED, MAP_PRIVATE, MAP_SHARED_VALIDATE, 0,
		     MAP_SHARED | MAP_POPULATE, MAP_PRIVATE | MAP_NORESERVE,
		     MAP_SHARED | MAP_LOCKED);
	p = mmap(NULL, len, prot, flags, fd, off);
	if (p == MAP_FAILED) {
		if (!allowed(-1, EINVAL, EPERM, EACCES, ENOMEM, EOVERFLOW,
			     EBADF, EAGAIN, ENODEV, 0))
			fuzz_bad(f, "mmap(%zu, %d, %#x, %#lx)", len, prot,
				 flags, (long)off);
		return;
	}
	atomic_fetch_add(&f->st->ok[F_MMAP], 1);
	if ((prot & (PROT_WRITE | PROT_EXEC)) || len > PAGE ||
	    (off && off != SYSGENID_MMAP_VM_PAGE * PAGE))
		fuzz_bad(f, "mmap(%zu, %d, %#x, %#lx) succeeded", len, prot,
			 flags, (long)off);
	if (sg_below(&f->seed, 2))
		madvise(p, PAGE, MADV_DONTNEED);
	/* Forced updates jump anywhere: only check the page can be read. */
	if (prot & PROT_READ)
		(void)*(volatile uint32_t *)p;

	prot = sg_below(&f->seed, 8);
	if (!mprotect(p, PAGE, prot) && (prot & (PROT_WRITE | PROT_EXEC)))
		fuzz_bad(f, "mprotect(%d) succeeded", prot);
	nlen = PICK(f, 0, 4096, 8192, 1UL << 30, sg_below(&f->seed, 65536));
	q = mremap(p, PAGE, nlen, sg_below(&f->seed, 2) ? MREMAP_MAYMOVE : 0);
	if (q != MAP_FAILED && nlen > PAGE)
		fuzz_bad(f, "mremap grew the mapping to %zu", nlen);
	if (q != MAP_FAILED)
		p = q;
	munmap(p, PAGE);
}

static void fuzz_fdinfo(struct fuzzer *f, int fd)
{
	char path[64], buf[512];
	ssize_t n;
	int fi;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	fi = open(path, O_RDONLY);
	if (fi < 0) {
		fuzz_bad(f, "open(%s)", path);
		return;
	}
	n = read(fi, buf, sizeof(buf) - 1);
	close(fi);
	buf[n > 0 ? n : 0] = '\0';
	/* O_PATH files never reached the driver. */
	if (!strstr(buf, "sysgenid-kind: ") &&
	    !(fcntl(fd, F_GETFL) & O_PATH))
		fuzz_bad(f, "fdinfo without sysgenid-kind: %s", buf);
}

static void fuzz_misc(struct fuzzer *f, int fd)
{
	char b[2][2];
	struct iovec iov[2] = { { b[0], 2 }, { b[1], 2 } };
	struct stat sb;
	int *s, r = 0;

	switch (sg_below(&f->seed, 7)) {
	case 0:
		r = lseek(fd, sg_below(&f->seed, 64), SEEK_SET);
		if (r != -1 || (errno != ESPIPE && errno != EBADF))
			fuzz_bad(f, "lseek");
		break;
	case 1:
		r = pread(fd, f->buf, 4, 0);
		if (r != -1 || (errno != ESPIPE && errno != EBADF))
			fuzz_bad(f, "pread = %d", r);
		break;
	case 2:
		r = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) ^ O_NONBLOCK);
		break;
	case 3:
		s = &f->fd[sg_below(&f->seed, FUZZ_SLOTS)];
		if (*s == fd)
			break;
		if (*s >= 0)
			close(*s);
		*s = dup(fd);
		break;
	case 4:
		r = readv(fd, iov, 2);
		if (!allowed(r, EINVAL, EBADF, 0) || r > 0)
			fuzz_bad(f, "readv = %d", r);
		break;
	case 5:
		r = fstat(fd, &sb);
		if (!r && !S_ISCHR(sb.st_mode))
			fuzz_bad(f, "fstat: not a character device");
		break;
	default:
		fuzz_fdinfo(f, fd);
	}
	if (r < 0 && errno == EBADF && fcntl(fd, F_GETFD) < 0)
		fuzz_bad(f, "slot holds a closed file");
	else if (r >= 0)
		atomic_fetch_add(&f->st->ok[F_MISC], 1);
}

static void fuzz_one(struct fuzzer *f)
{
	unsigned int i = sg_below(&f->seed, FUZZ_SLOTS), k;
	int *s = &f->fd[i];
	enum fuzz_op op;

	/* Mostly use an open file if there is one: most opens fail. */
	for (k = 1; *s < 0 && k < FUZZ_SLOTS && sg_below(&f->seed, 8); k++)
		s = &f->fd[(i + k) % FUZZ_SLOTS];
	op = *s < 0 ? F_OPEN : 1 + sg_below(&f->seed, F_NR - 1);

	switch (op) {
	case F_OPEN:
		fuzz_open(f);
		break;
	case F_CLOSE:
		if (close(*s))
			fuzz_bad(f, "close(%d) failed", *s);
		else
			atomic_fetch_add(&f->st->ok[F_CLOSE], 1);
		*s = -1;
		break;
	case F_READ:
		fuzz_read(f, *s);
		break;
	case F_WRITE:
		fuzz_write(f, *s);
		break;
	case F_IOCTL:
		fuzz_ioctl(f, *s);
		break;
	case F_POLL:
		fuzz_poll(f);
		break;
	case F_MMAP:
		fuzz_map(f, *s);
		break;
	default:
		fuzz_misc(f, *s);
	}
	atomic_fetch_add(&f->st->calls[op], 1);
}

static int drop_to_nobody(void)
{
	return setgroups(0, NULL) || setgid(65534) || setuid(65534);
}

static int fuzz_process(struct fuzz_stats *st, uint64_t seed, int root,
			unsigned long calls)
{
	struct itimerval tick = { { 0, 5000 }, { 0, 5000 } };
	struct sigaction sa = { .sa_handler = on_tick };
	struct fuzzer f = { .st = st, .seed = seed, .root = root };
	unsigned long i;
	int fd;

	fd = open(SG_DEV, O_RDONLY);
	f.gen = mmap(NULL, PAGE, PROT_READ, MAP_SHARED, fd, 0);
	close(fd);
	f.buf = mmap(NULL, 4 * PAGE, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (f.gen == MAP_FAILED || f.buf == MAP_FAILED)
		return 1;
	f.hole = f.buf + 2 * PAGE;
	f.ro = f.buf + 3 * PAGE;
	if (munmap(f.hole, PAGE) || mprotect(f.ro, PAGE, PROT_READ))
		return 1;
	if (!root && drop_to_nobody())
		return 1;
	for (i = 0; i < FUZZ_SLOTS; i++)
		f.fd[i] = -1;
	if (sigaction(SIGALRM, &sa, NULL) ||
	    setitimer(ITIMER_REAL, &tick, NULL))
		return 1;
	for (i = 0; i < calls; i++)
		fuzz_one(&f);
	atomic_fetch_add(&st->signals, ticks);
	return 0;
}

FIXTURE(fuzz) {
	int fd;			/* an observer of the test's own */
};

FIXTURE_SETUP(fuzz)
{
	self->fd = open(SG_DEV, O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, self->fd);
	ASSERT_EQ(0, sg_settled_watchers());
}

FIXTURE_TEARDOWN(fuzz)
{
	close(self->fd);
}

/*
 * FUZZ_PROCS processes make FUZZ_CALLS random calls each; none may see an
 * outcome outside the contract, crash or hang (the harness checks dmesg).
 * Afterwards no file is counted and the device still works.
 */
TEST_F_TIMEOUT(fuzz, random_calls, 7200)
{
	unsigned long calls = sg_size(FUZZ_CALLS), total = 0;
	const char *env = getenv("SYSGENID_FUZZ_SEED");
	uint64_t seed = env ? strtoull(env, NULL, 0) :
		((uint64_t)time(NULL) << 20 ^ getpid());
	pid_t pid[FUZZ_PROCS];
	struct fuzz_stats *st;
	int i, status, w;
	uint32_t v;
	double t0;

	st = mmap(NULL, sizeof(*st), PROT_READ | PROT_WRITE,
		  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, st);
	TH_LOG("seed %llu (SYSGENID_FUZZ_SEED replays it), %d x %lu calls",
	       (unsigned long long)seed, FUZZ_PROCS, calls);
	t0 = sg_now();
	for (i = 0; i < FUZZ_PROCS; i++) {
		pid[i] = fork();
		ASSERT_LE(0, pid[i]);
		if (!pid[i])
			_exit(fuzz_process(st, seed + i, !(i & 1), calls));
	}
	for (i = 0; i < FUZZ_PROCS; i++) {
		ASSERT_EQ(pid[i], waitpid(pid[i], &status, 0));
		EXPECT_EQ(0, status) {
			TH_LOG("fuzzer %d (seed %llu) ended with status %#x",
			       i, (unsigned long long)seed + i, status);
		}
	}
	for (i = 0; i < F_NR; i++) {
		TH_LOG("%-6s %8lu calls, %8lu succeeded", fop_names[i],
		       atomic_load(&st->calls[i]), atomic_load(&st->ok[i]));
		total += atomic_load(&st->calls[i]);
	}
	TH_LOG("%lu calls in %.1f s (%.0f/s), %lu timer signals", total,
	       sg_now() - t0, total / (sg_now() - t0),
	       atomic_load(&st->signals));
	EXPECT_EQ(FUZZ_PROCS * calls, total);
	EXPECT_EQ(0, atomic_load(&st->unexpected));

	/* Every fuzzer's files are closed: nothing counted, all works. */
	EXPECT_EQ(0, sg_sysfs("watchers"));
	EXPECT_EQ(0, sg_sysfs("outdated_watchers"));
	w = open(SG_DEV, O_RDWR | O_NONBLOCK | O_CLOEXEC);
	ASSERT_LE(0, w);
	EXPECT_EQ(1, sg_sysfs("watchers"));
	EXPECT_EQ(-1, read(w, &v, sizeof(v)));
	EXPECT_EQ(EAGAIN, errno);
	ASSERT_EQ(0, ioctl(self->fd, SYSGENID_FORCE_GEN_UPDATE, 0));
	EXPECT_EQ(1, sg_sysfs("outdated_watchers"));
	ASSERT_EQ(sizeof(v), read(w, &v, sizeof(v)));
	EXPECT_EQ(sg_sysfs("generation"), v);
	EXPECT_EQ(sizeof(v), write(w, &v, sizeof(v)));
	EXPECT_EQ(0, ioctl(self->fd, SYSGENID_WAIT_WATCHERS, 0));
	close(w);
	EXPECT_EQ(0, sg_sysfs("watchers"));
	munmap(st, sizeof(*st));
}

TEST_HARNESS_MAIN
