// SPDX-License-Identifier: GPL-2.0
/*
 * sgbench: the sysgenid benchmarks, run as root inside the test VM.
 *
 * Every row pairs a measurement of /dev/sysgenid ("ours") with the same
 * measurement of a reference mechanism, taken right after it, so that both
 * see the same machine. Each pair is printed as one line
 *
 *	@@BENCH <row> <parameter> <ours> <reference>
 *
 * (times in nanoseconds, memory in bytes) and bench/bench.py on the host
 * turns the pairs into ratios, medians and spreads. docs/performance.md
 * explains the design of each row.
 */
#define _GNU_SOURCE
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/netlink.h>
#include <linux/sysgenid.h>
#include <pthread.h>
#include <sched.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define DEV "/dev/sysgenid"

/* Problem sizes; "quick" keeps the whole run under a minute under TCG. */
struct sizes {
	int trials;		/* paired trials of most rows */
	int wake_trials;	/* paired trials of the single wake-up rows */
	long loads;		/* loads per mmap probe trial */
	long reads;		/* read() calls per syscall probe trial */
	int fanout[4];		/* watchers per fan-out row */
	int bumps;		/* bumps per bump-cost trial */
	int idle[3];		/* idle watchers per bump-cost row */
	int orchestrated;	/* watchers that acknowledge in the barrier */
	int files;		/* files opened per memory trial */
	int mem_trials;		/* paired trials of the memory row */
};

static const struct sizes full = {
	.trials = 25, .wake_trials = 101, .loads = 20000000, .reads = 100000,
	.fanout = { 1, 100, 1000, 10000 }, .bumps = 200,
	.idle = { 0, 1000, 100000 }, .orchestrated = 1000,
	.files = 100000, .mem_trials = 5,
};

static const struct sizes quick = {
	.trials = 5, .wake_trials = 21, .loads = 2000000, .reads = 10000,
	.fanout = { 1, 10, 100, 1000 }, .bumps = 50,
	.idle = { 0, 100, 10000 }, .orchestrated = 100,
	.files = 10000, .mem_trials = 3,
};

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void report(const char *row, long param, double ours, double ref)
{
	printf("@@BENCH %s %ld %.1f %.1f\n", row, param, ours, ref);
	fflush(stdout);
}

static int open_dev(int flags)
{
	int fd = open(DEV, flags | O_CLOEXEC);

	if (fd < 0)
		err(1, "open %s", DEV);
	return fd;
}

/* Open @n files of /dev/sysgenid with @flags into @fds. */
static void open_many(int *fds, int n, int flags)
{
	for (int i = 0; i < n; i++)
		fds[i] = open_dev(flags);
}

static void close_many(const int *fds, int n)
{
	for (int i = 0; i < n; i++)
		close(fds[i]);
}

static int new_eventfd(int flags)
{
	int fd = eventfd(0, flags | EFD_CLOEXEC);

	if (fd < 0)
		err(1, "eventfd");
	return fd;
}

static void bump(int fd)
{
	if (ioctl(fd, SYSGENID_FORCE_GEN_UPDATE, 0))
		err(1, "SYSGENID_FORCE_GEN_UPDATE");
}

static void signal_eventfd(int fd)
{
	uint64_t one = 1;

	if (write(fd, &one, sizeof(one)) != sizeof(one))
		err(1, "eventfd write");
}

static void *xcalloc(size_t n, size_t size)
{
	void *p = calloc(n, size);

	if (!p)
		err(1, "calloc");
	return p;
}

/* An epoll set of @n fds, edge-triggered: no re-arming between rounds. */
static int epoll_of(const int *fds, int n)
{
	int ep = epoll_create1(EPOLL_CLOEXEC);

	if (ep < 0)
		err(1, "epoll_create1");
	for (int i = 0; i < n; i++) {
		struct epoll_event ev = {
			.events = EPOLLIN | EPOLLET,
			.data.fd = fds[i],
		};

		if (epoll_ctl(ep, EPOLL_CTL_ADD, fds[i], &ev))
			err(1, "epoll_ctl");
	}
	return ep;
}

/*
 * A thread that waits for something (epoll events, a uevent) on behalf of
 * the main thread, one round at a time, and notes when it saw it. The main
 * thread starts a round, waits until the thread is asleep in the kernel,
 * then triggers the event.
 */
struct waiter {
	void (*round)(struct waiter *w);
	int ep;			/* epoll set, or the uevent socket */
	int count;		/* events that make up one round */
	struct epoll_event *events;
	int ackfd;		/* eventfd barrier: acknowledgments go here */
	uint32_t expect;	/* uevent round: the generation to wait for */

	pthread_t thread;
	pid_t tid;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	bool go, done, quit;
	int entering;		/* about to block; read with atomics */
	int64_t seen;		/* when the round completed */
};

static void wait_events(struct waiter *w, int got)
{
	while (got < w->count) {
		int n = epoll_wait(w->ep, w->events, w->count - got, -1);

		if (n < 0 && errno != EINTR)
			err(1, "epoll_wait");
		got += n > 0 ? n : 0;
	}
}

/* Wait until all w->count fds reported EPOLLIN. */
static void round_collect(struct waiter *w)
{
	wait_events(w, 0);
}

/* sysgenid watchers: every woken watcher reads and acknowledges. */
static void round_ack_sysgenid(struct waiter *w)
{
	int got = 0;

	while (got < w->count) {
		int n = epoll_wait(w->ep, w->events, w->count - got, -1);

		if (n < 0 && errno != EINTR)
			err(1, "epoll_wait");
		for (int i = 0; i < n; i++) {
			int fd = w->events[i].data.fd;
			uint32_t gen;

			if (read(fd, &gen, sizeof(gen)) != sizeof(gen) ||
			    write(fd, &gen, sizeof(gen)) != sizeof(gen))
				err(1, "acknowledge");
		}
		got += n > 0 ? n : 0;
	}
}

/* eventfd barrier: every woken waiter reads its event, then counts itself. */
static void round_ack_eventfd(struct waiter *w)
{
	int got = 0;

	while (got < w->count) {
		int n = epoll_wait(w->ep, w->events, w->count - got, -1);

		if (n < 0 && errno != EINTR)
			err(1, "epoll_wait");
		for (int i = 0; i < n; i++) {
			uint64_t v;

			/* The first read takes the count, the others EAGAIN. */
			if (read(w->events[i].data.fd, &v, sizeof(v)) < 0 &&
			    errno != EAGAIN)
				err(1, "eventfd read");
			signal_eventfd(w->ackfd);
		}
		got += n > 0 ? n : 0;
	}
}

/* Receive kernel uevents until the one announcing w->expect arrives. */
static void round_uevent(struct waiter *w)
{
	char want[32], buf[4096];

	snprintf(want, sizeof(want), "SYSGENID=%u", w->expect);
	for (;;) {
		ssize_t len = recv(w->ep, buf, sizeof(buf) - 1, 0);

		if (len < 0) {
			if (errno == EINTR || errno == ENOBUFS)
				continue;
			err(1, "recv uevent");
		}
		/* The message is NUL-separated KEY=VALUE strings. */
		buf[len] = '\0';
		for (ssize_t off = 0; off < len; off += strlen(buf + off) + 1) {
			if (!strcmp(buf + off, want))
				return;
		}
	}
}

static void *waiter_main(void *arg)
{
	struct waiter *w = arg;

	w->tid = syscall(SYS_gettid);
	for (;;) {
		pthread_mutex_lock(&w->lock);
		w->done = true;
		pthread_cond_broadcast(&w->cond);
		while (!w->go && !w->quit)
			pthread_cond_wait(&w->cond, &w->lock);
		w->go = false;
		pthread_mutex_unlock(&w->lock);
		if (w->quit)
			return NULL;

		__atomic_store_n(&w->entering, 1, __ATOMIC_RELEASE);
		w->round(w);
		w->seen = now_ns();
	}
}

static void pin(pthread_t thread)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(0, &set);
	if (pthread_setaffinity_np(thread, sizeof(set), &set))
		errx(1, "pthread_setaffinity_np");
}

/*
 * The waiter shares CPU 0 with the thread that triggers the event, at a
 * real-time priority: woken, it preempts the trigger at once (the guest runs
 * with preempt=full), so a round measures the kernel's path from trigger to
 * wake-up, with no host thread scheduling between two vCPUs in it.
 */
static void waiter_start(struct waiter *w, void (*round)(struct waiter *),
			 int ep, int count)
{
	struct sched_param prio = { .sched_priority = 1 };
	pthread_attr_t attr;

	memset(w, 0, sizeof(*w));
	w->round = round;
	w->ep = ep;
	w->count = count;
	w->events = xcalloc(count, sizeof(*w->events));
	pthread_mutex_init(&w->lock, NULL);
	pthread_cond_init(&w->cond, NULL);
	pthread_attr_init(&attr);
	pthread_attr_setinheritsched(&attr, PTHREAD_EXPLICIT_SCHED);
	pthread_attr_setschedpolicy(&attr, SCHED_FIFO);
	pthread_attr_setschedparam(&attr, &prio);
	if (pthread_create(&w->thread, &attr, waiter_main, w))
		errx(1, "pthread_create");
	pthread_attr_destroy(&attr);
	pin(w->thread);
}

static void waiter_wait_done(struct waiter *w)
{
	pthread_mutex_lock(&w->lock);
	while (!w->done)
		pthread_cond_wait(&w->cond, &w->lock);
	pthread_mutex_unlock(&w->lock);
}

/* The state letter of thread @tid in /proc. */
static char thread_state(pid_t tid)
{
	char path[64], buf[512], *p;
	ssize_t len;
	int fd;

	snprintf(path, sizeof(path), "/proc/self/task/%d/stat", tid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		err(1, "open %s", path);
	len = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (len < 0)
		err(1, "read %s", path);
	buf[len] = '\0';
	p = strrchr(buf, ')');
	return p && p[1] == ' ' ? p[2] : '?';
}

/* Start a round and return once the waiter sleeps in the kernel for it. */
static void waiter_arm(struct waiter *w)
{
	waiter_wait_done(w);
	pthread_mutex_lock(&w->lock);
	w->done = false;
	w->go = true;
	__atomic_store_n(&w->entering, 0, __ATOMIC_RELAXED);
	pthread_cond_broadcast(&w->cond);
	pthread_mutex_unlock(&w->lock);

	while (!__atomic_load_n(&w->entering, __ATOMIC_ACQUIRE))
		sched_yield();
	while (thread_state(w->tid) != 'S')
		sched_yield();
}

/* Wait for the round to finish; returns how long after @start it did. */
static double waiter_finish(struct waiter *w, int64_t start)
{
	waiter_wait_done(w);
	return w->seen - start;
}

static void waiter_stop(struct waiter *w)
{
	waiter_wait_done(w);
	pthread_mutex_lock(&w->lock);
	w->quit = true;
	pthread_cond_broadcast(&w->cond);
	pthread_mutex_unlock(&w->lock);
	pthread_join(w->thread, NULL);
	free(w->events);
}

/* Time of one wake-up through @w after calling @trigger(@fd). */
static double time_wakeup(struct waiter *w, void (*trigger)(int), int fd)
{
	int64_t start;

	waiter_arm(w);
	start = now_ns();
	trigger(fd);
	return waiter_finish(w, start);
}

/* The generation in @p, loaded once, as a probe must (a plain 32-bit load). */
static uint32_t load_gen(const uint32_t *p)
{
	return __atomic_load_n(p, __ATOMIC_RELAXED);
}

/* Load the word at @p @loads times as a generation probe would; ns/load. */
static double time_loads(const uint32_t *p, long loads)
{
	uint32_t last = load_gen(p), changes = 0;
	int64_t start = now_ns();

	for (long i = 0; i < loads; i++) {
		uint32_t v = load_gen(p);

		changes += v != last;
		last = v;
	}
	__asm__ volatile("" : : "r"(changes));
	return (double)(now_ns() - start) / loads;
}

static void bench_probe_mmap(const struct sizes *sz)
{
	int fd = open_dev(O_RDONLY);
	uint32_t *page, *plain;

	page = mmap(NULL, 4, PROT_READ, MAP_SHARED, fd, 0);
	plain = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (page == MAP_FAILED || plain == MAP_FAILED)
		err(1, "mmap");
	close(fd);
	plain[0] = page[0];

	for (int t = 0; t < sz->trials; t++) {
		double ours = time_loads(page, sz->loads);

		report("probe-mmap", 0, ours, time_loads(plain, sz->loads));
	}
	munmap(page, 4);
	munmap(plain, 4096);
}

/* @reads non-blocking read()s of @fd that must fail with EAGAIN; ns/read. */
static double time_eagain(int fd, size_t size, long reads)
{
	uint64_t buf;
	int64_t start = now_ns();

	for (long i = 0; i < reads; i++) {
		if (read(fd, &buf, size) != -1 || errno != EAGAIN)
			errx(1, "read: expected EAGAIN");
	}
	return (double)(now_ns() - start) / reads;
}

static void bench_probe_read(const struct sizes *sz)
{
	int fd = open_dev(O_RDONLY | O_NONBLOCK);
	int efd = new_eventfd(EFD_NONBLOCK);

	for (int t = 0; t < sz->trials; t++) {
		double ours = time_eagain(fd, sizeof(uint32_t), sz->reads);

		report("probe-read", 0, ours,
		       time_eagain(efd, sizeof(uint64_t), sz->reads));
	}
	close(fd);
	close(efd);
}

/* Fill @fds with @n file descriptors of the file @fd (itself the first). */
static void dup_many(int *fds, int n, int fd)
{
	fds[0] = fd;
	for (int i = 1; i < n; i++) {
		fds[i] = fcntl(fd, F_DUPFD_CLOEXEC, 0);
		if (fds[i] < 0)
			err(1, "dup");
	}
}

/*
 * @n waiters on one wake-up, one epoll set per mechanism: @n sysgenid
 * watchers, and the same eventfd added @n times (through dup()s), so that
 * both wake-ups walk @n wait-queue entries and deliver @n epoll events.
 * With @one_file, the sysgenid side is also one file added @n times: the
 * same structure as the reference, which isolates the cost of touching @n
 * distinct files.
 */
static void bench_fanout(const char *row, int n, int trials, int bumpfd,
			 bool one_file)
{
	int *watchers = xcalloc(n, sizeof(int));
	int *dups = xcalloc(n, sizeof(int));
	struct waiter ws, we;

	if (one_file)
		dup_many(watchers, n, open_dev(O_RDWR));
	else
		open_many(watchers, n, O_RDWR);
	dup_many(dups, n, new_eventfd(EFD_NONBLOCK));
	waiter_start(&ws, round_collect, epoll_of(watchers, n), n);
	waiter_start(&we, round_collect, epoll_of(dups, n), n);

	for (int t = 0; t < trials; t++) {
		double ours = time_wakeup(&ws, bump, bumpfd);

		report(row, n, ours, time_wakeup(&we, signal_eventfd, dups[0]));
	}

	waiter_stop(&ws);
	waiter_stop(&we);
	close(ws.ep);
	close(we.ep);
	close_many(watchers, n);
	close_many(dups, n);
	free(watchers);
	free(dups);
}

/* Mean time of @bumps bumps. */
static double time_bumps(int fd, int bumps)
{
	int64_t start = now_ns();

	for (int i = 0; i < bumps; i++)
		bump(fd);
	return (double)(now_ns() - start) / bumps;
}

/*
 * Closing K files leaves work behind (files are freed after an RCU grace
 * period, slabs drained later): let it finish, and warm the bump path up
 * again, before anything is timed.
 */
static void settle(int fd)
{
	struct timespec ts = { 0, 200 * 1000000L };

	nanosleep(&ts, NULL);
	bump(fd);
	bump(fd);
}

/*
 * The bump with K idle watchers open against the same bump with none.
 * Honest reference: the same process state but no watchers, so the
 * reference side holds K eventfds (the same file table size, the same
 * number of open files in the system) and both sides are timed the same
 * way: open K files, settle, time, close K files. The side measured first
 * alternates from trial to trial, so neither always runs right after the
 * other's clean-up or on a warmer cache.
 */
static double time_bump_with(int bumpfd, int *fds, int idle, int bumps,
			     bool watchers)
{
	double t;

	for (int i = 0; i < idle; i++)
		fds[i] = watchers ? open_dev(O_RDWR) : new_eventfd(0);
	settle(bumpfd);
	t = time_bumps(bumpfd, bumps);
	close_many(fds, idle);
	return t;
}

static void bench_bump_cost(const struct sizes *sz, int idle, int bumpfd)
{
	int *fds = xcalloc(idle ? idle : 1, sizeof(int));

	for (int t = 0; t < sz->trials; t++) {
		double ours, ref;

		if (t % 2) {
			ref = time_bump_with(bumpfd, fds, idle, sz->bumps,
					     false);
			ours = time_bump_with(bumpfd, fds, idle, sz->bumps,
					      true);
		} else {
			ours = time_bump_with(bumpfd, fds, idle, sz->bumps,
					      true);
			ref = time_bump_with(bumpfd, fds, idle, sz->bumps,
					     false);
		}
		report("bump-cost", idle, ours, ref);
	}
	free(fds);
}

/* Bump, then wait in SYSGENID_WAIT_WATCHERS until every watcher acked. */
static double orchestrate_sysgenid(struct waiter *w, int fd)
{
	int64_t start;
	double elapsed;

	waiter_arm(w);
	start = now_ns();
	bump(fd);
	if (ioctl(fd, SYSGENID_WAIT_WATCHERS, 60000))
		err(1, "SYSGENID_WAIT_WATCHERS");
	elapsed = now_ns() - start;
	waiter_wait_done(w);
	return elapsed;
}

/* Signal the generation eventfd, then count acknowledgments to @n. */
static double orchestrate_eventfd(struct waiter *w, int genfd, int n)
{
	uint64_t acked = 0, v;
	int64_t start;
	double elapsed;

	waiter_arm(w);
	start = now_ns();
	signal_eventfd(genfd);
	while (acked < (uint64_t)n) {
		if (read(w->ackfd, &v, sizeof(v)) != sizeof(v))
			err(1, "eventfd read");
		acked += v;
	}
	elapsed = now_ns() - start;
	waiter_wait_done(w);
	return elapsed;
}

static void bench_orchestration(const struct sizes *sz, int obsfd)
{
	int n = sz->orchestrated;
	int *watchers = xcalloc(n, sizeof(int));
	int *dups = xcalloc(n, sizeof(int));
	struct waiter ws, we;

	open_many(watchers, n, O_RDWR);
	dup_many(dups, n, new_eventfd(EFD_NONBLOCK));
	waiter_start(&ws, round_ack_sysgenid, epoll_of(watchers, n), n);
	waiter_start(&we, round_ack_eventfd, epoll_of(dups, n), n);
	we.ackfd = new_eventfd(0);

	for (int t = 0; t < sz->trials; t++) {
		double ours = orchestrate_sysgenid(&ws, obsfd);

		report("orchestration", n, ours,
		       orchestrate_eventfd(&we, dups[0], n));
	}

	waiter_stop(&ws);
	waiter_stop(&we);
	close(ws.ep);
	close(we.ep);
	close(we.ackfd);
	close_many(watchers, n);
	close_many(dups, n);
	free(watchers);
	free(dups);
}

static int uevent_socket(void)
{
	struct sockaddr_nl addr = {
		.nl_family = AF_NETLINK,
		.nl_groups = 1,		/* the kernel's own uevents */
	};
	int size = 1 << 20;
	int fd;

	fd = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC,
		    NETLINK_KOBJECT_UEVENT);
	if (fd < 0)
		err(1, "uevent socket");
	setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size));
	if (bind(fd, (struct sockaddr *)&addr, sizeof(addr)))
		err(1, "bind uevent socket");
	return fd;
}

/* Drop the events already reported to @w's epoll set. */
static void drain_epoll(struct waiter *w)
{
	while (epoll_wait(w->ep, w->events, w->count, 0) > 0)
		;
}

/* Drop the uevents already queued on @fd. */
static void drain_uevents(int fd)
{
	char buf[4096];

	while (recv(fd, buf, sizeof(buf), MSG_DONTWAIT) >= 0)
		;
	if (errno != EAGAIN)
		err(1, "recv uevent");
}

/* One bump timed twice: until a watcher wakes, until its uevent arrives. */
static void bench_uevent(const struct sizes *sz, int bumpfd)
{
	const uint32_t *page;
	struct waiter ws, wu;
	int watcher = open_dev(O_RDWR);

	page = mmap(NULL, 4, PROT_READ, MAP_SHARED, bumpfd, 0);
	if (page == MAP_FAILED)
		err(1, "mmap");
	waiter_start(&ws, round_collect, epoll_of(&watcher, 1), 1);
	waiter_start(&wu, round_uevent, uevent_socket(), 1);

	for (int t = 0; t < sz->wake_trials; t++) {
		double ours;

		/* Each side also saw the other side's bump. */
		drain_epoll(&ws);
		ours = time_wakeup(&ws, bump, bumpfd);
		drain_uevents(wu.ep);
		wu.expect = load_gen(page) + 1;
		report("uevent", 0, ours, time_wakeup(&wu, bump, bumpfd));
	}

	waiter_stop(&ws);
	waiter_stop(&wu);
	close(ws.ep);
	close(wu.ep);
	close(watcher);
	munmap((void *)page, 4);
}

/* Bytes held by slab objects in use, from /proc/slabinfo. */
static double slab_bytes(void)
{
	FILE *f = fopen("/proc/slabinfo", "re");
	char line[512], name[128];
	unsigned long active, total, size;
	double bytes = 0;

	if (!f)
		err(1, "/proc/slabinfo");
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%127s %lu %lu %lu", name, &active, &total,
			   &size) == 4)
			bytes += (double)active * size;
	}
	fclose(f);
	return bytes;
}

/* Slab bytes per file while @n files from @opener are open. */
static double slab_per_file(int *fds, int n, int (*opener)(void))
{
	double before, after;

	/* Let RCU free what the previous trial closed. */
	usleep(200000);
	before = slab_bytes();
	for (int i = 0; i < n; i++)
		fds[i] = opener();
	after = slab_bytes();
	close_many(fds, n);
	return (after - before) / n;
}

static int open_watcher(void)
{
	return open_dev(O_RDWR);
}

static int open_eventfd(void)
{
	return new_eventfd(0);
}

static void bench_memory(const struct sizes *sz)
{
	int *fds = xcalloc(sz->files, sizeof(int));

	for (int t = 0; t < sz->mem_trials; t++) {
		double ours = slab_per_file(fds, sz->files, open_watcher);

		report("memory", sz->files, ours,
		       slab_per_file(fds, sz->files, open_eventfd));
	}
	free(fds);
}

/* Room for every file a row opens, with a file table grown once for all. */
static void raise_fd_limit(const struct sizes *sz)
{
	rlim_t need = sz->files + sz->idle[ARRAY_SIZE(sz->idle) - 1] + 1024;
	struct rlimit rl = { need, need };
	int fd;

	if (setrlimit(RLIMIT_NOFILE, &rl))
		err(1, "setrlimit(RLIMIT_NOFILE, %lu)", (unsigned long)need);
	fd = dup2(0, need - 1);
	if (fd < 0)
		err(1, "dup2");
	close(fd);
}

int main(int argc, char **argv)
{
	const struct sizes *sz = &full;
	int fd;

	if (argc == 2 && !strcmp(argv[1], "quick"))
		sz = &quick;
	else if (argc != 1 && !(argc == 2 && !strcmp(argv[1], "full")))
		errx(2, "usage: sgbench [quick|full]");

	raise_fd_limit(sz);
	pin(pthread_self());
	fd = open_dev(O_RDONLY);

	bench_probe_mmap(sz);
	bench_probe_read(sz);
	bench_fanout("wakeup", 1, sz->wake_trials, fd, false);
	for (size_t i = 0; i < ARRAY_SIZE(sz->fanout); i++)
		bench_fanout("fanout", sz->fanout[i], sz->trials, fd, false);
	for (size_t i = 0; i < ARRAY_SIZE(sz->fanout); i++)
		bench_fanout("fanout-1file", sz->fanout[i], sz->trials, fd,
			     true);
	for (size_t i = 0; i < ARRAY_SIZE(sz->idle); i++)
		bench_bump_cost(sz, sz->idle[i], fd);
	bench_orchestration(sz, fd);
	bench_uevent(sz, fd);
	bench_memory(sz);

	close(fd);
	printf("@@BENCH-DONE\n");
	return 0;
}
