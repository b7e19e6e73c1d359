// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * sgcr: the process the CRIU suite checkpoints and restores.
 *
 *   sgcr SCENARIO DIR
 *
 * It sets up the scenario's sysgenid files and mappings, writes DIR/ready
 * (the pids to dump) and then, each time DIR/go appears, takes the tag
 * written in it, checks itself and writes its findings to DIR/<tag>.<who>,
 * one line each, "ok ..." or "FAIL ...", and a last line "done". The
 * checks compare what the process sees with what it recorded before the
 * dump; the suite (tests/criu/50-criu) checks the rest from outside.
 *
 * Scenarios:
 *   files    two watchers and two observers, blocking and O_NONBLOCK, in one
 *            epoll set, one mapped, one dup'ed; a child forked and exec'ed
 *            with every fd inherited (role "child")
 *   maponly  one mapping kept after close(), the way AWS-LC keeps it (and
 *            one of page 1 where the driver offers it)
 *   rng      libsysgenid: a generator reseeded when the generation changes
 *   fdonly   the four files of "files" and nothing else (no mapping, which
 *            CRIU would meet first)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/kcmp.h>
#include <linux/sysgenid.h>

#include <sysgenid.h>

#define DEV "/dev/sysgenid"
#define NFILES 4
#define DUP_FD 20
#define EPOLL_FD 21
#define FIRST_FD 10

static const struct {
	const char *name;
	int flags;
} files[NFILES] = {
	{ "watcher", O_RDWR },
	{ "watcher-nonblock", O_RDWR | O_NONBLOCK },
	{ "observer", O_RDONLY },
	{ "observer-nonblock", O_RDONLY | O_NONBLOCK },
};

static const char *dir, *who = "main";
static FILE *out;
static int failures;
static uint32_t before;		/* generation seen before the dump */
static const volatile uint32_t *map0, *map1;

static void report(int ok, const char *fmt, ...)
{
	va_list ap;

	fputs(ok ? "ok " : "FAIL ", out);
	va_start(ap, fmt);
	vfprintf(out, fmt, ap);
	va_end(ap);
	fputc('\n', out);
	fflush(out);
	if (!ok)
		failures++;
}

static void die(const char *what)
{
	fprintf(stderr, "sgcr: %s: %s\n", what, strerror(errno));
	exit(1);
}

static uint32_t sysfs_generation(void)
{
	FILE *f = fopen("/sys/class/misc/sysgenid/generation", "r");
	unsigned long v = 0;

	if (!f || fscanf(f, "%lu", &v) != 1)
		die("sysfs generation");
	fclose(f);
	return v;
}

static int fdinfo(int fd, char *kind, size_t size, uint32_t *seen)
{
	char path[64], line[256];
	int found = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, "sysgenid-kind: ", 15)) {
			line[strcspn(line, "\n")] = '\0';
			snprintf(kind, size, "%.31s", line + 15);
			found++;
		} else if (sscanf(line, "sysgenid-seen: %" SCNu32, seen) == 1) {
			found++;
		}
	}
	fclose(f);
	return found == 2 ? 0 : -1;
}

/* The mapping's line in /proc/self/maps: permissions and offset. */
static int map_line(const volatile void *addr, char *perms, unsigned long *off)
{
	unsigned long start, end;
	char line[512];
	int ret = -1;
	FILE *f = fopen("/proc/self/maps", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%lx-%lx %4s %lx", &start, &end, perms,
			   off) == 4 && start == (unsigned long)addr) {
			ret = strstr(line, DEV) ? 0 : -1;
			break;
		}
	}
	fclose(f);
	return ret;
}

static void write_pids(pid_t *pids, int n)
{
	char path[256], tmp[256];
	FILE *f;
	int i;

	snprintf(tmp, sizeof(tmp), "%s/ready.tmp", dir);
	snprintf(path, sizeof(path), "%s/ready", dir);
	f = fopen(tmp, "w");
	if (!f)
		die("ready");
	for (i = 0; i < n; i++)
		fprintf(f, "%d\n", pids[i]);
	fclose(f);
	rename(tmp, path);
}

/* Wait for DIR/go-<who>, return its tag (static buffer). */
static const char *wait_go(void)
{
	static char tag[64];
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/go-%s", dir, who);
	for (;;) {
		f = fopen(path, "r");
		if (f)
			break;
		usleep(20000);
	}
	if (!fgets(tag, sizeof(tag), f))
		tag[0] = '\0';
	fclose(f);
	unlink(path);
	tag[strcspn(tag, "\n")] = '\0';
	return tag;
}

static void open_out(const char *tag)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/%s.%s", dir, tag, who);
	out = fopen(path, "w");
	if (!out)
		die("result file");
	failures = 0;
}

static void close_out(void)
{
	fprintf(out, "done %d\n", failures);
	fclose(out);
}

static void check_mapping(const char *name, const volatile uint32_t *m,
			  unsigned long want_off, uint32_t now, int restored)
{
	unsigned long off = ~0UL;
	char perms[8] = "";

	if (map_line(m, perms, &off)) {
		report(0, "%s: no mapping of " DEV " at %p", name, (void *)m);
		return;
	}
	report(!strcmp(perms, "r--s") && off == want_off,
	       "%s: at %p, %s, offset %#lx (want r--s, %#lx)", name,
	       (void *)m, perms, off, want_off);
	if (want_off == 0)
		report(*m == now && (!restored || *m != before),
		       "%s: holds %" PRIu32 " (generation %" PRIu32
		       ", %" PRIu32 " before dump)", name, *m, now, before);
	/* still read-only: mprotect() to write is refused */
	report(mprotect((void *)m, 4096, PROT_READ | PROT_WRITE) != 0,
	       "%s: mprotect(PROT_WRITE) refused", name);
}

/* The checks of one restored (or, for "orig", still running) process. */
static void check_files(int restored)
{
	uint32_t now = sysfs_generation(), seen, val;
	struct epoll_event ev[8];
	int i, n, fd, flags;
	char kind[32];

	report(restored ? now != before : now == before,
	       "generation %" PRIu32 " (%" PRIu32 " before dump)%s", now,
	       before, restored ? ", a new one" : ", unchanged");

	for (i = 0; i < NFILES; i++) {
		int watcher = (files[i].flags & O_ACCMODE) != O_RDONLY;

		fd = FIRST_FD + i;
		flags = fcntl(fd, F_GETFL);
		report(flags >= 0 && (flags & (O_ACCMODE | O_NONBLOCK)) ==
		       files[i].flags, "%s: fd %d flags %#o", files[i].name,
		       fd, flags);
		if (fdinfo(fd, kind, sizeof(kind), &seen)) {
			report(0, "%s: no sysgenid fdinfo", files[i].name);
			continue;
		}
		report(!strcmp(kind, watcher ? "watcher" : "observer"),
		       "%s: kind %s", files[i].name, kind);
		if (!restored)
			continue;
		report(seen != now, "%s: seen %" PRIu32 ", outdated",
		       files[i].name, seen);
	}
	if (!restored)
		return;

	/* the epoll set came back with every file, all ready */
	n = epoll_wait(EPOLL_FD, ev, 8, 0);
	report(n == NFILES, "epoll: %d of %d files ready after restore", n,
	       NFILES);

	for (i = 0; i < NFILES; i++) {
		int watcher = (files[i].flags & O_ACCMODE) != O_RDONLY;
		struct pollfd p = { .fd = FIRST_FD + i, .events = POLLIN };

		fd = FIRST_FD + i;
		report(poll(&p, 1, 0) == 1 && (p.revents & POLLIN),
		       "%s: poll readable", files[i].name);
		report(read(fd, &val, 4) == 4 && val == now,
		       "%s: read %" PRIu32, files[i].name, val);
		if (watcher) {
			report(write(fd, &now, 4) == 4, "%s: ack %" PRIu32
			       " (%s)", files[i].name, now, strerror(errno));
		}
		fdinfo(fd, kind, sizeof(kind), &seen);
		report(seen == now, "%s: seen %" PRIu32 " after read/ack",
		       files[i].name, seen);
		if (files[i].flags & O_NONBLOCK) {
			errno = 0;
			report(read(fd, &val, 4) < 0 && errno == EAGAIN,
			       "%s: up to date, read EAGAIN", files[i].name);
		}
	}
	n = epoll_wait(EPOLL_FD, ev, 8, 0);
	report(n == 0, "epoll: %d files ready once all have seen it", n);

	check_mapping("mapping", map0, 0, now, 1);
	report(*(volatile uint32_t *)((char *)map0 + 0) == now,
	       "mapping: value %" PRIu32, *map0);

	/* the next change fires the restored epoll set */
	report(ioctl(FIRST_FD + 2, SYSGENID_FORCE_GEN_UPDATE, 0) == 0,
	       "next change forced");
	n = epoll_wait(EPOLL_FD, ev, 8, 10000);
	report(n == NFILES, "epoll: %d of %d files fire on the next change",
	       n, NFILES);
	now = sysfs_generation();
	report(*map0 == now, "mapping: follows to %" PRIu32, now);
	for (i = 0; i < NFILES; i++) {
		fd = FIRST_FD + i;
		if (read(fd, &val, 4) != 4 || val != now)
			report(0, "%s: read after next change", files[i].name);
		if ((files[i].flags & O_ACCMODE) != O_RDONLY &&
		    write(fd, &now, 4) != 4)
			report(0, "%s: ack after next change", files[i].name);
	}
	/* the dup'ed fd is the same file as the first watcher */
	report(syscall(SYS_kcmp, getpid(), getpid(), KCMP_FILE, FIRST_FD,
		       DUP_FD) == 0, "dup'ed fd %d is still fd %d's file",
	       DUP_FD, FIRST_FD);
}

static void run_loop(void (*check)(int restored))
{
	for (;;) {
		const char *tag = wait_go();

		open_out(tag);
		check(strcmp(tag, "orig") != 0);
		close_out();
	}
}

/* child: every fd inherited through fork and exec; same files as parent */
static void check_child(int restored)
{
	uint32_t now = sysfs_generation(), seen;
	pid_t parent = getppid();
	char kind[32];
	int i;

	report(restored ? now != before : now == before,
	       "child: generation %" PRIu32 " (%" PRIu32 " before dump)", now,
	       before);
	for (i = 0; i < NFILES; i++) {
		int fd = FIRST_FD + i;

		report(fdinfo(fd, kind, sizeof(kind), &seen) == 0 &&
		       !strcmp(kind, (files[i].flags & O_ACCMODE) != O_RDONLY ?
			       "watcher" : "observer"),
		       "child: inherited fd %d is a %s", fd, kind);
		report(syscall(SYS_kcmp, parent, getpid(), KCMP_FILE, fd,
			       fd) == 0, "child: fd %d shares the parent's file",
		       fd);
	}
}

static void scenario_files(void)
{
	struct epoll_event ev = { .events = EPOLLIN };
	pid_t pids[2];
	int i, fd;
	char arg[16];

	for (i = 0; i < NFILES; i++) {
		fd = open(DEV, files[i].flags);
		if (fd < 0 || dup2(fd, FIRST_FD + i) < 0)
			die("open");
		close(fd);
	}
	if (dup2(FIRST_FD, DUP_FD) < 0)
		die("dup");
	fd = epoll_create1(0);
	if (fd < 0 || dup2(fd, EPOLL_FD) < 0)
		die("epoll");
	close(fd);
	for (i = 0; i < NFILES; i++) {
		ev.data.fd = FIRST_FD + i;
		if (epoll_ctl(EPOLL_FD, EPOLL_CTL_ADD, FIRST_FD + i, &ev))
			die("epoll_ctl");
	}
	map0 = mmap(NULL, 4, PROT_READ, MAP_SHARED, FIRST_FD + 2, 0);
	if (map0 == MAP_FAILED)
		die("mmap");
	before = sysfs_generation();

	pids[0] = getpid();
	pids[1] = fork();
	if (pids[1] < 0)
		die("fork");
	if (pids[1] == 0) {
		snprintf(arg, sizeof(arg), "%" PRIu32, before);
		execl("/proc/self/exe", "sgcr", "child", dir, arg, NULL);
		die("exec");
	}
	/* the child says it is up by creating DIR/child-up */
	for (;;) {
		char p[256];

		snprintf(p, sizeof(p), "%s/child-up", dir);
		if (access(p, F_OK) == 0)
			break;
		usleep(20000);
	}
	write_pids(pids, 2);
	run_loop(check_files);
}

static void check_fdonly(int restored)
{
	char kind[32];
	uint32_t seen;
	int i;

	(void)restored;
	for (i = 0; i < NFILES; i++)
		report(fdinfo(FIRST_FD + i, kind, sizeof(kind), &seen) == 0,
		       "%s: fd %d is a sysgenid %s", files[i].name,
		       FIRST_FD + i, kind);
}

static void scenario_fdonly(void)
{
	pid_t pid = getpid();
	int i, fd;

	for (i = 0; i < NFILES; i++) {
		fd = open(DEV, files[i].flags);
		if (fd < 0 || dup2(fd, FIRST_FD + i) < 0)
			die("open");
		close(fd);
	}
	write_pids(&pid, 1);
	run_loop(check_fdonly);
}

/* Whether the driver uses the hypervisor's VM generation page. */
static int vm_source_mapped(void)
{
	FILE *f = fopen("/sys/class/misc/sysgenid/vm_source", "r");
	char mode[64] = "";

	if (f) {
		if (!fgets(mode, sizeof(mode), f))
			mode[0] = '\0';
		fclose(f);
	}
	return !strcmp(mode, "mapped\n");
}

static void check_maponly(int restored)
{
	const volatile uint8_t *p0 = (const volatile uint8_t *)map0;
	uint32_t now = sysfs_generation(), off;
	int i, same = 1;

	report(restored ? now != before : now == before,
	       "generation %" PRIu32 " (%" PRIu32 " before dump)", now,
	       before);
	check_mapping("mapping", map0, 0, now, restored);
	if (!map1) {
		report(!vm_source_mapped(),
		       "mapping of page 1: refused, and vm_source is not \"mapped\"");
		return;
	}
	check_mapping("mapping of page 1", map1, 4096, now, restored);
	/* the restored mapping is the hypervisor's page, as before */
	off = *(const volatile uint32_t *)(p0 + SYSGENID_PAGE_VM_OFFSET);
	if (off > 4096 - 16)
		same = 0;
	for (i = 0; same && i < 16; i++)
		same = ((const volatile uint8_t *)map1)[off + i] ==
		       p0[SYSGENID_PAGE_VM_ID + i];
	report(same, "mapping of page 1: the VM generation ID at %" PRIu32
	       " is the one the generation page records", off);
}

static void scenario_maponly(void)
{
	pid_t pid = getpid();
	int fd = open(DEV, O_RDONLY);
	void *p;

	if (fd < 0)
		die("open");
	map0 = mmap(NULL, 4, PROT_READ, MAP_SHARED, fd, 0);
	if (map0 == MAP_FAILED)
		die("mmap");
	/* a driver with the hypervisor page maps it at page offset 1 */
	p = mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, 4096);
	map1 = p == MAP_FAILED ? NULL : p;
	close(fd);
	before = *map0;
	write_pids(&pid, 1);
	run_loop(check_maponly);
}

/* A generator in userspace state, reseeded when the generation changes. */
static struct sysgenid sg;
static uint64_t rng_state;

static uint64_t xorshift(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static void check_rng(int restored)
{
	uint64_t stale = rng_state, seed;
	int changed = sysgenid_changed(&sg);

	report(!restored || changed, "libsysgenid: change %sdetected",
	       changed ? "" : "not ");
	if (changed) {
		if (getrandom(&seed, sizeof(seed), 0) != sizeof(seed))
			die("getrandom");
		rng_state ^= seed | 1;
		sysgenid_ack(&sg, sysgenid_get(&sg));
	}
	fprintf(out, "output %016" PRIx64 "\n", xorshift(&rng_state));
	fprintf(out, "without-reseed %016" PRIx64 "\n", xorshift(&stale));
}

static void scenario_rng(void)
{
	pid_t pid = getpid();
	int ret = sysgenid_open(&sg, SYSGENID_OBSERVER);

	if (ret) {
		errno = -ret;
		die("sysgenid_open");
	}
	if (getrandom(&rng_state, sizeof(rng_state), 0) != sizeof(rng_state))
		die("getrandom");
	rng_state |= 1;
	before = sysgenid_get(&sg);
	write_pids(&pid, 1);
	run_loop(check_rng);
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: sgcr files|maponly|rng|fdonly DIR\n");
		return 2;
	}
	dir = argv[2];
	if (!strcmp(argv[1], "files")) {
		scenario_files();
	} else if (!strcmp(argv[1], "child") && argc == 4) {
		char p[256];
		FILE *f;

		who = "child";
		before = strtoul(argv[3], NULL, 10);
		snprintf(p, sizeof(p), "%s/child-up", dir);
		f = fopen(p, "w");
		if (!f)
			die("child-up");
		fclose(f);
		run_loop(check_child);
	} else if (!strcmp(argv[1], "maponly")) {
		scenario_maponly();
	} else if (!strcmp(argv[1], "rng")) {
		scenario_rng();
	} else if (!strcmp(argv[1], "fdonly")) {
		scenario_fdonly();
	}
	fprintf(stderr, "sgcr: unknown scenario %s\n", argv[1]);
	return 2;
}
