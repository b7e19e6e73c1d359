// SPDX-License-Identifier: GPL-2.0
/*
 * Stress suite for /dev/sysgenid: processes and threads open and close
 * watchers and observers, read, poll, acknowledge, wait for watchers and
 * map the page while other threads bump the generation, then the suite
 * checks the accounting at quiescence and that no blocked reader or waiter
 * misses a wake-up. sgscale= on the kernel command line scales the sizes.
 */
#define _GNU_SOURCE
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "sg_stress.h"

/* How long a woken reader or waiter may take to return, in seconds. */
#define WAKE_BOUND	10.0

enum mix_op { OP_OPEN, OP_CLOSE, OP_READ, OP_POLL, OP_ACK, OP_WAIT, OP_MMAP,
	      OP_NR };

static const char *const op_names[OP_NR] = {
	"open", "close", "read", "poll", "ack", "wait", "mmap",
};

/* Relative frequency of each operation once a slot holds a file. */
static const unsigned int op_weight[OP_NR] = { 0, 8, 25, 20, 20, 4, 12 };

/* Counters shared by every process of the mixed workload. */
struct mix_stats {
	atomic_ulong ops[OP_NR];
	atomic_ulong bumps;
	atomic_ulong errors;
	atomic_int stop;
};

/* One open file of a mixed-workload thread. */
struct mix_slot {
	int fd;
	int watcher;
	int nonblock;
	uint32_t last;		/* last generation read from it */
	int have_last;
};

struct mix_thread {
	struct mix_stats *st;
	const uint32_t *page;	/* the process's own mapping of the page */
	uint64_t seed;
	unsigned long iters;
};

#define MIX_SLOTS	4
#define MIX_PROCS	2
#define MIX_THREADS	3
#define MIX_ITERS	80000

static void mix_error(struct mix_stats *st, const char *what, int err)
{
	if (atomic_fetch_add(&st->errors, 1) < 10)
		fprintf(stderr, "# stress: %s: %s\n", what, strerror(err));
}

static enum mix_op mix_pick(uint64_t *seed)
{
	unsigned int total = 0, r, op;

	for (op = 0; op < OP_NR; op++)
		total += op_weight[op];
	r = sg_below(seed, total);
	for (op = 0; r >= op_weight[op]; op++)
		r -= op_weight[op];
	return op;
}

/* Read a generation that poll() or the caller knows is there. */
static int mix_read(struct mix_thread *t, struct mix_slot *s, int must)
{
	uint32_t v;
	ssize_t n = read(s->fd, &v, sizeof(v));

	if (n < 0 && errno == EAGAIN && !must)
		return 0;
	if (n != sizeof(v)) {
		mix_error(t->st, must ? "read after EPOLLIN" : "read",
			  n < 0 ? errno : EIO);
		return -1;
	}
	if (s->have_last && !sg_gen_after_eq(v, s->last))
		mix_error(t->st, "generation went backwards", ERANGE);
	s->last = v;
	s->have_last = 1;
	return 1;
}

static void mix_open(struct mix_thread *t, struct mix_slot *s)
{
	s->watcher = sg_below(&t->seed, 2);
	s->nonblock = sg_below(&t->seed, 2);
	s->have_last = 0;
	s->fd = open(SG_DEV, (s->watcher ? O_RDWR : O_RDONLY) | O_CLOEXEC |
		     (s->nonblock ? O_NONBLOCK : 0));
	if (s->fd < 0)
		mix_error(t->st, "open", errno);
}

static void mix_poll(struct mix_thread *t, struct mix_slot *s)
{
	struct pollfd pfd = { .fd = s->fd, .events = POLLIN };
	int n = poll(&pfd, 1, sg_below(&t->seed, 2));

	if (n < 0)
		mix_error(t->st, "poll", errno);
	else if (n && !(pfd.revents & POLLIN))
		mix_error(t->st, "poll revents", EPROTO);
	else if (n)
		mix_read(t, s, 1);
}

static void mix_ack(struct mix_thread *t, struct mix_slot *s)
{
	ssize_t n;

	if (!s->watcher || mix_read(t, s, 0) <= 0)
		return;
	n = write(s->fd, &s->last, sizeof(s->last));
	/* EINVAL only when the generation moved on since the read. */
	if (n < 0 && errno == EINVAL && t->page[0] != s->last)
		return;
	if (n != sizeof(s->last))
		mix_error(t->st, "acknowledge", n < 0 ? errno : EIO);
}

static void mix_wait(struct mix_thread *t, struct mix_slot *s)
{
	if (!ioctl(s->fd, SYSGENID_WAIT_WATCHERS, 1))
		return;
	if (errno == ETIMEDOUT || (errno == EINTR && s->watcher))
		return;
	mix_error(t->st, "wait watchers", errno);
}

static void mix_mmap(struct mix_thread *t, struct mix_slot *s)
{
	/* The counter, then the VM generation fields, then zeros. */
	enum { fields = SYSGENID_PAGE_VM_ID + SYSGENID_VM_ID_SIZE };
	static const char zero[4096 - fields];
	size_t len = sg_below(&t->seed, 2) ? sizeof(uint32_t) : 4096;
	int flags = sg_below(&t->seed, 2) ? MAP_SHARED : MAP_PRIVATE;
	const uint32_t *p = mmap(NULL, len, PROT_READ, flags, s->fd, 0);
	uint32_t before = t->page[0];

	if (p == MAP_FAILED) {
		mix_error(t->st, "mmap", errno);
		return;
	}
	if (!sg_gen_after_eq(p[0], before))
		mix_error(t->st, "mapped generation is stale", ERANGE);
	if (!sg_below(&t->seed, 4) &&
	    memcmp((const char *)p + fields, zero, sizeof(zero)))
		mix_error(t->st, "mapped page not zero after the fields",
			  EPROTO);
	if (!sg_below(&t->seed, 4)) {
		/* The mapping outlives the file. */
		close(s->fd);
		s->fd = -1;
		before = t->page[0];
		if (!sg_gen_after_eq(p[0], before))
			mix_error(t->st, "mapping stale after close", ERANGE);
	}
	munmap((void *)p, len);
}

static void *mix_thread_main(void *arg)
{
	struct mix_thread *t = arg;
	struct mix_slot slots[MIX_SLOTS];
	unsigned long i;
	int k;

	for (k = 0; k < MIX_SLOTS; k++)
		slots[k].fd = -1;
	for (i = 0; i < t->iters; i++) {
		struct mix_slot *s = &slots[sg_below(&t->seed, MIX_SLOTS)];
		enum mix_op op = s->fd < 0 ? OP_OPEN : mix_pick(&t->seed);

		switch (op) {
		case OP_OPEN:
			mix_open(t, s);
			break;
		case OP_CLOSE:
			close(s->fd);
			s->fd = -1;
			break;
		case OP_READ:
			if (s->nonblock)
				mix_read(t, s, 0);
			else
				mix_poll(t, s);
			break;
		case OP_POLL:
			mix_poll(t, s);
			break;
		case OP_ACK:
			mix_ack(t, s);
			break;
		case OP_WAIT:
			mix_wait(t, s);
			break;
		case OP_MMAP:
			mix_mmap(t, s);
			break;
		case OP_NR:
			break;
		}
		atomic_fetch_add(&t->st->ops[op], 1);
	}
	for (k = 0; k < MIX_SLOTS; k++)
		if (slots[k].fd >= 0)
			close(slots[k].fd);
	return NULL;
}

/* One worker process: MIX_THREADS threads over its own page mapping. */
static int mix_process(struct mix_stats *st, uint64_t seed,
		       unsigned long iters)
{
	struct mix_thread t[MIX_THREADS];
	pthread_t tid[MIX_THREADS];
	const uint32_t *page;
	int fd, i;

	fd = open(SG_DEV, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 1;
	page = mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, 0);
	close(fd);
	if (page == MAP_FAILED)
		return 1;
	for (i = 0; i < MIX_THREADS; i++) {
		t[i] = (struct mix_thread){ st, page, seed + i, iters };
		if (pthread_create(&tid[i], NULL, mix_thread_main, &t[i]))
			return 1;
	}
	for (i = 0; i < MIX_THREADS; i++)
		pthread_join(tid[i], NULL);
	return 0;
}

struct bumper {
	struct mix_stats *st;
	uint64_t seed;
	int fd;
};

static void *bumper_main(void *arg)
{
	struct bumper *b = arg;

	while (!atomic_load(&b->st->stop)) {
		struct timespec ts = { 0, sg_below(&b->seed, 1000000) };
		unsigned long cmd = sg_below(&b->seed, 2) ?
			SYSGENID_FORCE_GEN_UPDATE : SYSGENID_TRIGGER_GEN_UPDATE;

		if (ioctl(b->fd, cmd, 0))
			mix_error(b->st, "bump", errno);
		else
			atomic_fetch_add(&b->st->bumps, 1);
		nanosleep(&ts, NULL);
	}
	return NULL;
}

FIXTURE(stress) {
	int fd;			/* an observer of the test's own */
};

FIXTURE_SETUP(stress)
{
	self->fd = open(SG_DEV, O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, self->fd);
	/* Every suite before this one has closed its files. */
	ASSERT_EQ(0, sg_settled_watchers());
}

FIXTURE_TEARDOWN(stress)
{
	close(self->fd);
	EXPECT_EQ(0, sg_sysfs("watchers"));
	EXPECT_EQ(0, sg_sysfs("outdated_watchers"));
}

/*
 * MIX_PROCS processes of MIX_THREADS threads each run a random mix of every
 * operation while two threads bump. Afterwards the generation moved by
 * exactly the number of bumps and no file is left counted.
 */
TEST_F_TIMEOUT(stress, concurrent_mix, 3600)
{
	unsigned long iters = sg_size(MIX_ITERS), total = 0;
	uint64_t seed = (uint64_t)time(NULL) * 2654435761u | 1;
	struct bumper b[2];
	pthread_t btid[2];
	struct mix_stats *st;
	uint32_t gen0, gen1;
	pid_t pid[MIX_PROCS];
	double t0;
	int i, status;

	st = mmap(NULL, sizeof(*st), PROT_READ | PROT_WRITE,
		  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, st);
	TH_LOG("seed %llu, %d processes x %d threads x %lu operations",
	       (unsigned long long)seed, MIX_PROCS, MIX_THREADS, iters);
	gen0 = sg_sysfs("generation");
	t0 = sg_now();
	for (i = 0; i < 2; i++) {
		b[i] = (struct bumper){ st, seed ^ (i + 1), self->fd };
		ASSERT_EQ(0, pthread_create(&btid[i], NULL, bumper_main,
					    &b[i]));
	}
	for (i = 0; i < MIX_PROCS; i++) {
		pid[i] = fork();
		ASSERT_LE(0, pid[i]);
		if (!pid[i])
			_exit(mix_process(st, seed + 100 * (i + 1), iters));
	}
	for (i = 0; i < MIX_PROCS; i++) {
		ASSERT_EQ(pid[i], waitpid(pid[i], &status, 0));
		EXPECT_EQ(0, status);
	}
	atomic_store(&st->stop, 1);
	for (i = 0; i < 2; i++)
		pthread_join(btid[i], NULL);
	gen1 = sg_sysfs("generation");

	for (i = 0; i < OP_NR; i++) {
		TH_LOG("%-6s %lu", op_names[i], atomic_load(&st->ops[i]));
		total += atomic_load(&st->ops[i]);
	}
	TH_LOG("bumps  %lu", atomic_load(&st->bumps));
	TH_LOG("total  %lu operations in %.1f s",
	       total + atomic_load(&st->bumps), sg_now() - t0);
	EXPECT_EQ(0, atomic_load(&st->errors));
	EXPECT_EQ((unsigned long)MIX_PROCS * MIX_THREADS * iters, total);
	EXPECT_EQ((uint32_t)atomic_load(&st->bumps), gen1 - gen0);
	EXPECT_EQ(0, sg_sysfs("watchers"));
	munmap(st, sizeof(*st));
}

#define ACC_THREADS	4
#define ACC_PER_THREAD	16

struct acc_thread {
	int fd[ACC_PER_THREAD];
	int ack;		/* 0: open the watchers, 1: acknowledge */
	int errors;
};

static void *acc_main(void *arg)
{
	struct acc_thread *a = arg;
	uint32_t v;
	int i;

	for (i = 0; i < ACC_PER_THREAD; i++) {
		if (!a->ack) {
			a->fd[i] = open(SG_DEV, O_RDWR | O_NONBLOCK |
					O_CLOEXEC);
			a->errors += a->fd[i] < 0;
			continue;
		}
		if (read(a->fd[i], &v, sizeof(v)) != sizeof(v) ||
		    write(a->fd[i], &v, sizeof(v)) != sizeof(v))
			a->errors++;
	}
	return NULL;
}

static int acc_run(struct acc_thread *a, int ack)
{
	pthread_t tid[ACC_THREADS];
	int i, errors = 0;

	for (i = 0; i < ACC_THREADS; i++) {
		a[i].ack = ack;
		if (pthread_create(&tid[i], NULL, acc_main, &a[i]))
			return -1;
	}
	for (i = 0; i < ACC_THREADS; i++) {
		pthread_join(tid[i], NULL);
		errors += a[i].errors;
	}
	return errors;
}

/*
 * Watchers opened and acknowledged concurrently, with bumps arriving while
 * they open: sysfs counts every one, all are outdated after a bump, none
 * once all acknowledged, and closing outdated ones drops both counts.
 */
TEST_F(stress, quiescent_accounting)
{
	const long n = ACC_THREADS * ACC_PER_THREAD;
	struct acc_thread a[ACC_THREADS] = { 0 };
	struct mix_stats st = { 0 };
	struct bumper b = { &st, 7, self->fd };
	pthread_t btid;
	int i, k;

	ASSERT_EQ(0, pthread_create(&btid, NULL, bumper_main, &b));
	ASSERT_EQ(0, acc_run(a, 0));
	atomic_store(&st.stop, 1);
	pthread_join(btid, NULL);
	ASSERT_EQ(0, st.errors);
	ASSERT_EQ(n, sg_sysfs("watchers"));

	ASSERT_EQ(0, ioctl(self->fd, SYSGENID_FORCE_GEN_UPDATE, 0));
	EXPECT_EQ(n, sg_sysfs("outdated_watchers"));
	EXPECT_EQ(-1, ioctl(self->fd, SYSGENID_WAIT_WATCHERS, 1));
	EXPECT_EQ(ETIMEDOUT, errno);
	EXPECT_EQ(0, acc_run(a, 1));
	EXPECT_EQ(0, sg_sysfs("outdated_watchers"));
	EXPECT_EQ(0, ioctl(self->fd, SYSGENID_WAIT_WATCHERS, 0));

	ASSERT_EQ(0, ioctl(self->fd, SYSGENID_FORCE_GEN_UPDATE, 0));
	for (i = 0; i < ACC_THREADS / 2; i++)
		for (k = 0; k < ACC_PER_THREAD; k++)
			close(a[i].fd[k]);
	EXPECT_EQ(n / 2, sg_sysfs("watchers"));
	EXPECT_EQ(n / 2, sg_sysfs("outdated_watchers"));
	for (; i < ACC_THREADS; i++)
		for (k = 0; k < ACC_PER_THREAD; k++)
			close(a[i].fd[k]);
	EXPECT_EQ(0, sg_sysfs("watchers"));
	EXPECT_EQ(0, sg_sysfs("outdated_watchers"));
	EXPECT_EQ(0, ioctl(self->fd, SYSGENID_WAIT_WATCHERS, 0));
}

/* How a lost-wake-up reader blocks until the generation changes. */
enum sleeper_kind { SL_READ_OBSERVER, SL_READ_WATCHER, SL_POLL_OBSERVER,
		    SL_EPOLL_WATCHER, SL_NR };

struct wake_state {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	int round;		/* the round the main thread started */
	int armed;		/* sleepers about to block in this round */
	int done;		/* sleepers that returned in this round */
	int waiter_go;		/* round in which the waiter may start */
	int waiter_armed;	/* round in which it is about to wait */
	int waiter_done;	/* round in which the waiter returned */
	int errors;
	int rounds;
};

struct sleeper {
	struct wake_state *ws;
	enum sleeper_kind kind;
	pid_t tid;
	uint32_t got;
	int waiter_ret;
};

static void ws_error(struct wake_state *ws, const char *what)
{
	if (ws->errors++ < 10)
		fprintf(stderr, "# lost wake-up test: %s: %s\n", what,
			strerror(errno));
}

/* Block in the way @kind says until the file has a new generation. */
static int sleeper_block(int fd, int ep, enum sleeper_kind kind, uint32_t *v)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	struct epoll_event ev;

	if (kind == SL_POLL_OBSERVER && poll(&pfd, 1, -1) != 1)
		return -1;
	if (kind == SL_EPOLL_WATCHER && epoll_wait(ep, &ev, 1, -1) != 1)
		return -1;
	return read(fd, v, sizeof(*v)) == sizeof(*v) ? 0 : -1;
}

static void *sleeper_main(void *arg)
{
	struct sleeper *s = arg;
	struct wake_state *ws = s->ws;
	int watcher = s->kind == SL_READ_WATCHER || s->kind == SL_EPOLL_WATCHER;
	struct epoll_event ev = { .events = EPOLLIN };
	int fd, ep = -1, r, failed;
	uint32_t v;

	s->tid = syscall(SYS_gettid);
	fd = open(SG_DEV, (watcher ? O_RDWR : O_RDONLY) | O_CLOEXEC);
	if (s->kind == SL_EPOLL_WATCHER) {
		ep = epoll_create1(EPOLL_CLOEXEC);
		epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
	}
	for (r = 1; r <= ws->rounds; r++) {
		pthread_mutex_lock(&ws->lock);
		while (ws->round < r)
			pthread_cond_wait(&ws->cond, &ws->lock);
		ws->armed++;
		pthread_cond_broadcast(&ws->cond);
		pthread_mutex_unlock(&ws->lock);

		failed = sleeper_block(fd, ep, s->kind, &v);
		if (!failed && watcher)
			failed = write(fd, &v, sizeof(v)) != sizeof(v);

		pthread_mutex_lock(&ws->lock);
		if (failed)
			ws_error(ws, "sleeper");
		s->got = v;
		ws->done++;
		pthread_cond_broadcast(&ws->cond);
		pthread_mutex_unlock(&ws->lock);
	}
	if (ep >= 0)
		close(ep);
	close(fd);
	return NULL;
}

/* Waits for watchers, each round, once the main thread says so. */
static void *waiter_main(void *arg)
{
	struct sleeper *s = arg;
	struct wake_state *ws = s->ws;
	int fd = open(SG_DEV, O_RDONLY | O_CLOEXEC);
	int r;

	s->tid = syscall(SYS_gettid);
	for (r = 1; r <= ws->rounds; r++) {
		pthread_mutex_lock(&ws->lock);
		while (ws->waiter_go < r)
			pthread_cond_wait(&ws->cond, &ws->lock);
		ws->waiter_armed = r;
		pthread_cond_broadcast(&ws->cond);
		pthread_mutex_unlock(&ws->lock);

		s->waiter_ret = ioctl(fd, SYSGENID_WAIT_WATCHERS, 0);

		pthread_mutex_lock(&ws->lock);
		if (s->waiter_ret)
			ws_error(ws, "waiter");
		ws->waiter_done = r;
		pthread_cond_broadcast(&ws->cond);
		pthread_mutex_unlock(&ws->lock);
	}
	close(fd);
	return NULL;
}

/* State letter of a task from /proc/<pid>/task/<tid>/stat. */
static char task_state(pid_t pid, pid_t tid)
{
	char path[64], buf[256], *p;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/task/%d/stat", pid, tid);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return '?';
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return '?';
	buf[n] = '\0';
	p = strrchr(buf, ')');
	return p && p[1] && p[2] ? p[2] : '?';
}

/* Wait until the task sleeps interruptibly; false after WAKE_BOUND. */
static int wait_sleeping(pid_t pid, pid_t tid)
{
	double end = sg_now() + WAKE_BOUND;

	while (task_state(pid, tid) != 'S') {
		if (sg_now() > end)
			return 0;
		usleep(200);
	}
	return 1;
}

/* Wait, with the lock held, until *@field reaches @value. */
static int ws_wait(struct wake_state *ws, const int *field, int value)
{
	struct timespec end;

	clock_gettime(CLOCK_REALTIME, &end);
	end.tv_sec += WAKE_BOUND;
	while (*field < value)
		if (pthread_cond_timedwait(&ws->cond, &ws->lock, &end))
			return 0;
	return 1;
}

/* A reader in another process: reports each generation it read. */
static void reader_process(int out, int rounds)
{
	int fd;
	uint32_t v;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	fd = open(SG_DEV, O_RDONLY);
	while (rounds-- && read(fd, &v, sizeof(v)) == sizeof(v))
		if (write(out, &v, sizeof(v)) != sizeof(v))
			break;
	_exit(0);
}

/*
 * Each round, with every sleeper confirmed asleep (blocking read on an
 * observer and on a watcher, poll, epoll, and a read in another process),
 * one bump must wake all of them within WAKE_BOUND seconds with the new
 * value. Then a SYSGENID_WAIT_WATCHERS caller, confirmed asleep behind one
 * outdated watcher, must return 0 once that watcher acknowledges.
 */
TEST_F_TIMEOUT(stress, no_lost_wakeup, 3600)
{
	struct wake_state ws = {
		.lock = PTHREAD_MUTEX_INITIALIZER,
		.cond = PTHREAD_COND_INITIALIZER,
		.rounds = sg_size(1000),
	};
	struct sleeper sl[SL_NR], waiter = { .ws = &ws };
	pthread_t tid[SL_NR], wtid;
	int pipefd[2], lag, r, i, woken = 0;
	pid_t me = getpid(), child;
	uint32_t gen, v;
	double t0 = sg_now(), worst = 0;

	lag = open(SG_DEV, O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, lag);
	ASSERT_EQ(0, pipe(pipefd));
	child = fork();
	ASSERT_LE(0, child);
	if (!child)
		reader_process(pipefd[1], ws.rounds);
	close(pipefd[1]);

	for (i = 0; i < SL_NR; i++) {
		sl[i] = (struct sleeper){ .ws = &ws, .kind = i };
		ASSERT_EQ(0, pthread_create(&tid[i], NULL, sleeper_main,
					    &sl[i]));
	}
	ASSERT_EQ(0, pthread_create(&wtid, NULL, waiter_main, &waiter));

	for (r = 1; r <= ws.rounds; r++) {
		struct pollfd pfd = { .fd = pipefd[0], .events = POLLIN };
		double t;

		pthread_mutex_lock(&ws.lock);
		ws.round = r;
		ws.armed = ws.done = 0;
		pthread_cond_broadcast(&ws.cond);
		ASSERT_TRUE(ws_wait(&ws, &ws.armed, SL_NR));
		pthread_mutex_unlock(&ws.lock);
		for (i = 0; i < SL_NR; i++)
			ASSERT_TRUE(wait_sleeping(me, sl[i].tid));
		ASSERT_TRUE(wait_sleeping(child, child));

		ASSERT_EQ(0, ioctl(self->fd, SYSGENID_FORCE_GEN_UPDATE, 0));
		t = sg_now();
		gen = sg_sysfs("generation");

		pthread_mutex_lock(&ws.lock);
		ASSERT_TRUE(ws_wait(&ws, &ws.done, SL_NR)) {
			TH_LOG("round %d: only %d of %d sleepers woke",
			       r, ws.done, SL_NR);
		}
		pthread_mutex_unlock(&ws.lock);
		ASSERT_EQ(1, poll(&pfd, 1, WAKE_BOUND * 1000));
		ASSERT_EQ(sizeof(v), read(pipefd[0], &v, sizeof(v)));
		EXPECT_EQ(gen, v);
		for (i = 0; i < SL_NR; i++)
			EXPECT_EQ(gen, sl[i].got);
		if (sg_now() - t > worst)
			worst = sg_now() - t;
		woken += SL_NR + 1;

		/* Only the lagging watcher is outdated now. */
		EXPECT_EQ(1, sg_sysfs("outdated_watchers"));
		pthread_mutex_lock(&ws.lock);
		ws.waiter_go = r;
		pthread_cond_broadcast(&ws.cond);
		ASSERT_TRUE(ws_wait(&ws, &ws.waiter_armed, r));
		pthread_mutex_unlock(&ws.lock);
		ASSERT_TRUE(wait_sleeping(me, waiter.tid));
		ASSERT_EQ(sizeof(gen), write(lag, &gen, sizeof(gen)));
		pthread_mutex_lock(&ws.lock);
		ASSERT_TRUE(ws_wait(&ws, &ws.waiter_done, r));
		pthread_mutex_unlock(&ws.lock);
		EXPECT_EQ(0, waiter.waiter_ret);
		woken++;
	}
	for (i = 0; i < SL_NR; i++)
		pthread_join(tid[i], NULL);
	pthread_join(wtid, NULL);
	ASSERT_EQ(child, waitpid(child, NULL, 0));
	close(pipefd[0]);
	close(lag);
	EXPECT_EQ(0, ws.errors);
	TH_LOG("%d rounds, %d wake-ups checked, slowest %.3f s, %.1f s",
	       ws.rounds, woken, worst, sg_now() - t0);
}

TEST_HARNESS_MAIN
