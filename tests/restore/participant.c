// SPDX-License-Identifier: GPL-2.0
/*
 * sgparticipant: one participant of the snapshot/restore test and demo.
 *
 * Every role reacts to a change of the system generation the way a real
 * client would, and reports each step on stdout (the serial console) as one
 * line that tests/restore/restore.py on the host parses:
 *
 *	@@SG <guest CLOCK_MONOTONIC, seconds> <role> <event> <value> [details]
 *
 * Roles:
 *	read	watcher blocked in read(); reseeds, then acknowledges
 *	epoll	watcher waiting in epoll_wait(); reseeds, then acknowledges
 *	spin	watcher loading the mapped page in a hot loop; reseeds, acks
 *	map	observer like AWS-LC: maps the page, closes the fd, then only
 *		loads from the page; reseeds, has nothing to acknowledge
 *	lib	observer through libsysgenid: sysgenid_changed() every
 *		millisecond (no system call while nothing is pending);
 *		reseeds; its "saw" line says what the generation page held
 *		when it first saw the change (before=)
 *	orch	orchestrator: acknowledges, then waits in
 *		SYSGENID_WAIT_WATCHERS and checks sysfs once it returns
 *	uevent	prints the driver's KOBJ_CHANGE uevents (SYSGENID=<n>)
 *	kmsg	prints the kernel's "virtual machine fork" messages as they come
 *	ctl	reads commands from a serial port: "report" prints the state
 *		seen in sysfs and the kernel log, "quit" ends the run
 *
 * Any failure prints an "error" event and exits with status 1.
 */

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/netlink.h>
#include <linux/sysgenid.h>
#include <stdarg.h>
#include <sysgenid.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#define DEV		"/dev/sysgenid"
#define SYSFS		"/sys/class/misc/sysgenid/"
#define VMGENID_PARAM	"/sys/module/sysgenid/parameters/vmgenid"
#define VMFORK_MSG	"crng reseeded due to virtual machine fork"
#define WAIT_MS		20000
#define OBSERVER_NS	1000000

#define __noreturn	__attribute__((noreturn))
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

static const char *role;
static uint8_t pool[32];

static void say(const char *fmt, ...)
{
	char line[512];
	struct timespec ts;
	va_list ap;
	int n;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	n = snprintf(line, sizeof(line), "@@SG %lld.%06ld %s ",
		     (long long)ts.tv_sec, ts.tv_nsec / 1000, role);
	va_start(ap, fmt);
	n += vsnprintf(line + n, sizeof(line) - n - 1, fmt, ap);
	va_end(ap);
	if (n > (int)sizeof(line) - 2)
		n = sizeof(line) - 2;
	line[n++] = '\n';
	/* One write per line, so that lines of several roles never mix. */
	if (write(STDOUT_FILENO, line, n) != n)
		exit(1);
}

static void __noreturn die(const char *what)
{
	say("error 0 %s: %s", what, strerror(errno));
	exit(1);
}

/* Read a small sysfs file into @buf as a string, without its newline. */
static void read_small_file(const char *path, char *buf, size_t size)
{
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		die(path);
	n = read(fd, buf, size - 1);
	if (n <= 0)
		die(path);
	close(fd);
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
}

static uint32_t read_u32_file(const char *path)
{
	char buf[32];

	read_small_file(path, buf, sizeof(buf));
	return strtoul(buf, NULL, 10);
}

static uint32_t sysfs_u32(const char *attr)
{
	char path[128];

	snprintf(path, sizeof(path), SYSFS "%s", attr);
	return read_u32_file(path);
}

static int open_dev(int flags)
{
	int fd = open(DEV, flags | O_CLOEXEC);

	if (fd < 0)
		die("open " DEV);
	return fd;
}

static const uint32_t *map_page(int fd, size_t len)
{
	void *p = mmap(NULL, len, PROT_READ, MAP_SHARED, fd, 0);

	if (p == MAP_FAILED)
		die("mmap " DEV);
	return (const uint32_t *)p + SYSGENID_PAGE_GENERATION / 4;
}

/* A plain 32-bit load that the compiler may not hoist out of a loop. */
static uint32_t load_gen(const uint32_t *page)
{
	return __atomic_load_n(page, __ATOMIC_RELAXED);
}

/*
 * The state this copy of the system must not share with others. Filling it
 * blocks until the kernel's RNG is ready, as it would for a real client;
 * only then does the kernel log VM forks, which the host checks.
 */
static void fill_pool(void)
{
	if (getrandom(pool, sizeof(pool), 0) != sizeof(pool))
		die("getrandom");
}

static void reseed(uint32_t gen)
{
	fill_pool();
	say("reseeded %u pool=%02x%02x%02x%02x%02x%02x%02x%02x", gen,
	    pool[0], pool[1], pool[2], pool[3],
	    pool[4], pool[5], pool[6], pool[7]);
}

/*
 * The line is printed after write() returns, possibly much later if this
 * process is preempted, so it also says when the write was issued: the
 * orchestrator cannot be woken before the last watcher issued its write.
 */
static void ack(int fd, uint32_t gen)
{
	struct timespec issued;

	clock_gettime(CLOCK_MONOTONIC, &issued);
	if (write(fd, &gen, sizeof(gen)) != sizeof(gen))
		die("acknowledge");
	say("acked %u issued=%lld.%06ld", gen, (long long)issued.tv_sec,
	    issued.tv_nsec / 1000);
}

static uint32_t read_gen(int fd)
{
	uint32_t gen;

	if (read(fd, &gen, sizeof(gen)) != sizeof(gen))
		die("read " DEV);
	return gen;
}

static void __noreturn run_read(void)
{
	int fd = open_dev(O_RDWR);
	uint32_t gen;

	say("ready %u", sysfs_u32("generation"));
	for (;;) {
		gen = read_gen(fd);
		say("saw %u", gen);
		reseed(gen);
		ack(fd, gen);
	}
}

static void __noreturn run_epoll(void)
{
	struct epoll_event ev = { .events = EPOLLIN };
	int fd = open_dev(O_RDWR);
	int ep = epoll_create1(EPOLL_CLOEXEC);
	uint32_t gen;

	if (ep < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev))
		die("epoll");
	say("ready %u", sysfs_u32("generation"));
	for (;;) {
		if (epoll_wait(ep, &ev, 1, -1) != 1)
			die("epoll_wait");
		gen = read_gen(fd);
		say("saw %u", gen);
		reseed(gen);
		ack(fd, gen);
	}
}

static void __noreturn run_spin(void)
{
	int fd = open_dev(O_RDWR);
	const uint32_t *page = map_page(fd, sysconf(_SC_PAGESIZE));
	uint32_t seen = load_gen(page), now;

	say("ready %u", seen);
	for (;;) {
		now = load_gen(page);
		if (now == seen)
			continue;
		seen = now;
		say("saw %u", now);
		reseed(now);
		ack(fd, now);
	}
}

/* What AWS-LC does: map 4 bytes read-only, close, then plain loads. */
static void __noreturn run_map(void)
{
	const struct timespec pause = { .tv_nsec = OBSERVER_NS };
	int fd = open_dev(O_RDONLY);
	const uint32_t *page = map_page(fd, sizeof(uint32_t));
	uint32_t seen, now;

	close(fd);
	seen = load_gen(page);
	say("ready %u", seen);
	for (;;) {
		nanosleep(&pause, NULL);
		now = load_gen(page);
		if (now == seen)
			continue;
		seen = now;
		say("saw %u", now);
		reseed(now);
	}
}

/*
 * A crypto library's check before each use, through libsysgenid. The
 * generation page is loaded just before sysgenid_changed(): "before=" the
 * old generation on a change means the library saw the restore from the
 * VM generation page, before the kernel changed the generation, and its
 * one system call made the change (where nothing else in the guest does).
 */
static void __noreturn run_lib(void)
{
	const struct timespec pause = { .tv_nsec = OBSERVER_NS };
	struct sysgenid sg;
	uint32_t gen, page;
	int ret;

	ret = sysgenid_open(&sg, SYSGENID_OBSERVER);
	if (ret) {
		errno = -ret;
		die("sysgenid_open");
	}
	say("ready %u vm_page=%d counter=%d", sysgenid_get(&sg),
	    !!(sg.flags & SYSGENID__VM), !!(sg.flags & SYSGENID__VM_COUNTER));
	for (;;) {
		nanosleep(&pause, NULL);
		page = __atomic_load_n(sg.page, __ATOMIC_ACQUIRE);
		ret = sysgenid_changed(&sg);
		if (ret < 0) {
			errno = -ret;
			die("sysgenid_changed");
		}
		if (!ret)
			continue;
		gen = sysgenid_get(&sg);
		say("saw %u before=%u", gen, page);
		reseed(gen);
		ret = sysgenid_ack(&sg, gen);
		if (ret) {
			errno = -ret;
			die("sysgenid_ack");
		}
	}
}

static void __noreturn run_orch(void)
{
	int fd = open_dev(O_RDWR);
	uint32_t gen;
	int err;

	say("ready %u", sysfs_u32("generation"));
	for (;;) {
		gen = read_gen(fd);
		say("saw %u", gen);
		ack(fd, gen);
		if (ioctl(fd, SYSGENID_WAIT_WATCHERS, WAIT_MS)) {
			err = errno;
			say("waited %u -%s", gen, strerrorname_np(err));
			/* EINTR: a newer generation came; handle it first */
			if (err == EINTR)
				continue;
			exit(1);
		}
		say("waited %u 0", gen);
		say("sysfs %u generation=%u watchers=%u outdated=%u", gen,
		    sysfs_u32("generation"), sysfs_u32("watchers"),
		    sysfs_u32("outdated_watchers"));
	}
}

/* The value of KEY= in a uevent message, or NULL. */
static const char *uevent_get(const char *msg, size_t len, const char *key)
{
	size_t klen = strlen(key);
	const char *p = msg;

	while (p < msg + len) {
		if (!strncmp(p, key, klen) && p[klen] == '=')
			return p + klen + 1;
		p += strlen(p) + 1;
	}
	return NULL;
}

static void __noreturn run_uevent(void)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK, .nl_groups = 1 };
	const char *action, *subsystem, *devpath, *gen;
	char msg[8192];
	ssize_t n;
	int s;

	s = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC,
		   NETLINK_KOBJECT_UEVENT);
	if (s < 0 || bind(s, (struct sockaddr *)&sa, sizeof(sa)))
		die("uevent socket");
	say("ready %u", sysfs_u32("generation"));
	for (;;) {
		n = recv(s, msg, sizeof(msg) - 1, 0);
		if (n < 0)
			die("recv uevent");
		msg[n] = '\0';
		action = uevent_get(msg, n, "ACTION");
		subsystem = uevent_get(msg, n, "SUBSYSTEM");
		devpath = uevent_get(msg, n, "DEVPATH");
		gen = uevent_get(msg, n, "SYSGENID");
		if (!action || !subsystem || !devpath || !gen ||
		    strcmp(action, "change") || strcmp(subsystem, "misc"))
			continue;
		say("uevent %s devpath=%s", gen, devpath);
	}
}

/*
 * Read one /dev/kmsg record into @rec; returns its length, 0 when a
 * non-blocking file has no more, and skips records overwritten meanwhile.
 */
static ssize_t kmsg_next(int fd, char *rec, size_t size)
{
	ssize_t n;

	for (;;) {
		n = read(fd, rec, size - 1);
		if (n >= 0)
			break;
		if (errno == EAGAIN)
			return 0;
		if (errno != EPIPE && errno != EINTR)
			die("read /dev/kmsg");
	}
	rec[n] = '\0';
	return n;
}

/* Count the VM fork messages already in the log, leaving @fd at its end. */
static unsigned int kmsg_count_vmforks(int fd)
{
	unsigned int count = 0;
	char rec[2048];

	while (kmsg_next(fd, rec, sizeof(rec)))
		count += !!strstr(rec, VMFORK_MSG);
	return count;
}

/* The time stamp of a "prio,seq,usec,flags;text" record, in microseconds. */
static long long kmsg_usec(const char *rec)
{
	const char *p = strchr(rec, ',');

	p = p ? strchr(p + 1, ',') : NULL;
	return p ? strtoll(p + 1, NULL, 10) : -1;
}

/*
 * The kernel log stamps records with its own clock, not CLOCK_MONOTONIC.
 * To place a record on the CLOCK_MONOTONIC time line, log a line of our
 * own and read back its stamp: this gives the offset between the clocks
 * (too large by the duration of the write, microseconds).
 */
static long long kmsg_offset(int fd)
{
	/* Without the newline, readers would not see it before the next line. */
	static const char mark[] = "sgparticipant: kernel log clock reference\n";
	struct timespec before;
	char rec[2048];
	int w;

	w = open("/dev/kmsg", O_WRONLY | O_CLOEXEC);
	if (w < 0)
		die("open /dev/kmsg for writing");
	clock_gettime(CLOCK_MONOTONIC, &before);
	if (write(w, mark, sizeof(mark) - 1) < 0)
		die("write /dev/kmsg");
	close(w);
	do
		kmsg_next(fd, rec, sizeof(rec));
	while (!strstr(rec, "sgparticipant: kernel log clock reference"));
	return kmsg_usec(rec) - before.tv_sec * 1000000LL -
	       before.tv_nsec / 1000;
}

static void __noreturn run_kmsg(void)
{
	int fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	long long stamp, at;
	unsigned int count;
	char rec[2048];

	if (fd < 0)
		die("open /dev/kmsg");
	count = kmsg_count_vmforks(fd);
	if (fcntl(fd, F_SETFL, 0))
		die("fcntl /dev/kmsg");
	say("ready %u", count);
	for (;;) {
		kmsg_next(fd, rec, sizeof(rec));
		if (!strstr(rec, VMFORK_MSG))
			continue;
		stamp = kmsg_usec(rec);
		at = stamp - kmsg_offset(fd);
		say("vmfork %u klog_usec=%lld at=%lld.%06lld", ++count, stamp,
		    at / 1000000, at % 1000000);
	}
}

/* An attribute of SYSFS; "absent" for a driver without it, not fatal. */
static void read_attr(const char *name, char *buf, size_t size)
{
	char path[128];

	snprintf(path, sizeof(path), SYSFS "%s", name);
	if (access(path, F_OK))
		snprintf(buf, size, "absent");
	else
		read_small_file(path, buf, size);
}

static void report(void)
{
	int fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	char param[8] = "", source[64] = "", vmclock[64] = "", page[64] = "";
	char notify[64] = "";
	size_t i;

	if (fd < 0)
		die("open /dev/kmsg");
	read_small_file(VMGENID_PARAM, param, sizeof(param));
	read_small_file(SYSFS "vm_source", source, sizeof(source));
	read_attr("vmclock_source", vmclock, sizeof(vmclock));
	read_attr("vm_page", page, sizeof(page));
	read_attr("vmclock_notify", notify, sizeof(notify));
	for (i = 0; source[i]; i++)
		if (source[i] == ' ')
			source[i] = '_';
	say("report %u watchers=%u outdated=%u vmforks=%u vmgenid=%s "
	    "vm_source=%s vmclock_source=%s vm_page=%s vmclock_notify=%s",
	    sysfs_u32("generation"), sysfs_u32("watchers"),
	    sysfs_u32("outdated_watchers"), kmsg_count_vmforks(fd), param,
	    source, vmclock, page, notify);
	close(fd);
}

static int run_ctl(const char *tty)
{
	struct termios tio;
	char line[64];
	size_t len = 0;
	char c;
	int fd;

	fd = open(tty, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (fd < 0 || tcgetattr(fd, &tio))
		die(tty);
	cfmakeraw(&tio);
	cfsetspeed(&tio, B115200);
	if (tcsetattr(fd, TCSANOW, &tio))
		die(tty);
	say("ready 0");
	for (;;) {
		if (read(fd, &c, 1) != 1) {
			if (errno == EINTR)
				continue;
			die(tty);
		}
		if (c != '\n' && c != '\r') {
			if (len < sizeof(line) - 1)
				line[len++] = c;
			continue;
		}
		line[len] = '\0';
		len = 0;
		if (!strcmp(line, "report")) {
			report();
		} else if (!strcmp(line, "quit")) {
			say("quit 0");
			return 0;
		} else if (line[0]) {
			say("unknown 0 %s", line);
		}
	}
}

int main(int argc, char **argv)
{
	static const struct {
		const char *name;
		void (*run)(void);
	} roles[] = {
		{ "read", run_read }, { "epoll", run_epoll },
		{ "spin", run_spin }, { "map", run_map },
		{ "orch", run_orch }, { "uevent", run_uevent },
		{ "kmsg", run_kmsg }, { "lib", run_lib },
	};
	size_t i;

	if (argc == 3 && !strcmp(argv[1], "ctl")) {
		role = "ctl";
		fill_pool();
		return run_ctl(argv[2]);
	}
	for (i = 0; argc == 2 && i < ARRAY_SIZE(roles); i++) {
		if (!strcmp(argv[1], roles[i].name)) {
			role = roles[i].name;
			fill_pool();
			roles[i].run();
		}
	}
	fprintf(stderr, "usage: %s read|epoll|spin|map|orch|uevent|kmsg\n"
		"       %s ctl TTY\n", argv[0], argv[0]);
	return 2;
}
