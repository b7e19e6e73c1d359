// SPDX-License-Identifier: GPL-2.0
/*
 * sgclone: one reader of the clones test (tests/host/31-clones) and of
 * `make demo`. It spins from before a snapshot until well after a restore,
 * checking for a new generation in one way and drawing outputs from a
 * generator that it reseeds whenever it notices one:
 *
 *	lib	sysgenid_changed() / sysgenid_get() of libsysgenid, reseeded
 *		through sysgenid_seed()
 *	read	non-blocking read() on an observer file, sysgenid_seed()
 *	poll	poll() with no timeout on an observer file, sysgenid_seed()
 *	counter	the negative control: the 4-byte counter at offset 0 alone
 *		(as AWS-LC reads it), reseeded from getrandom() alone
 *	peek	the page loads of sysgenid_changed() alone, never a system
 *		call on the device, and no outputs: the ordering check (see
 *		peek() below)
 *	acksN	N watcher files that acknowledge every change from one
 *		epoll loop, and an orchestrator in SYSGENID_WAIT_WATCHERS:
 *		the time from the resume to the last acknowledgment (make
 *		bench; see acks() below)
 *
 * "sgclone METHOD CPU" pins the reader to CPU first.
 *
 * Ground truth comes from outside the driver: the hypervisor's VMGenID page,
 * mapped read-only through /dev/mem at the address QEMU's ACPI table gives
 * (the VGIA name in the SSDT; the ID is 40 bytes in). The hypervisor writes
 * the new ID before the restored guest runs, so an iteration that loads a
 * new ID there runs after the resume.
 *
 * Each iteration: load the true ID; check (a "stale read" when the true ID
 * is new but the check says unchanged); reseed if changed, and take 16
 * bytes from getrandom() as every program that rebuilds its state from the
 * kernel's generator does (the first such draw after the resume is
 * reported: two clones must never share it, or "changed" came before the
 * kernel's generator was reseeded); draw an output
 * (SHA-256 of seed and counter); load the true ID and check again, and
 * discard the output if the check now says changed; else emit it. Emitted
 * outputs whose second true-ID load was new were emitted after the resume.
 * Two clones emit the same output exactly when they emit the same counter
 * value under the same seed, so the report gives, per seed, a fingerprint
 * and the ranges of counter values emitted after the resume; the host
 * intersects the two clones' ranges.
 *
 * The check's negative control (the counter alone) runs in a VM whose
 * module delays its vmfork notifier (tests/restore/clones.py), so that the
 * window the counter has is seen on every run; make bench measures the
 * natural one.
 *
 * Lines (stdout, the serial console):
 *	@@CL <method> ready id=<true ID> vm=<1 if the library mapped the VM page>
 *	@@CL <method> report id=<true ID> stale=<n> notice_us=<t>
 *		grnd=<getrandom() bytes drawn at the notice> ...
 *	@@CL <method> epoch fp=<seed fingerprint> ranges=<a-b,...>
 *	@@CL <method> end
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <poll.h>
#include <sched.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>
#include <linux/sysgenid.h>

#include "sysgenid.h"
#include "../../lib/src/sha256.h"
#include "vgia.h"

#define DEV		"/dev/sysgenid"
#define AFTER_NS	1500000000LL	/* keep going this long after resume */
#define MAX_EPOCHS	64
#define MAX_RANGES	64
#define FIRST_OUTPUTS	3

struct epoch {
	uint8_t fp[8];
	unsigned int nranges;
	uint64_t lo[MAX_RANGES], hi[MAX_RANGES];
};

static const char *method;
static const volatile uint64_t *truth;
static struct sysgenid sg;
static int fd = -1;
static uint32_t counter_seen;
static const uint32_t *counter_page;
static uint8_t seed[32];
/* getrandom() at the last reseed, and at the first one after the resume. */
static uint8_t grnd[16], notice_grnd[16];
static struct epoch epochs[MAX_EPOCHS];
static unsigned int nepochs;
/* The first outputs emitted after the resume, for make demo. */
static char first[FIRST_OUTPUTS * 17 + 1];
static unsigned int nfirst;

static void say(const char *fmt, ...)
{
	char line[1024];
	va_list ap;
	int n;

	n = snprintf(line, sizeof(line), "@@CL %s ", method);
	va_start(ap, fmt);
	n += vsnprintf(line + n, sizeof(line) - n - 1, fmt, ap);
	va_end(ap);
	if (n > (int)sizeof(line) - 2)
		n = sizeof(line) - 2;
	line[n++] = '\n';
	if (write(STDOUT_FILENO, line, n) != n)
		exit(1);
}

static void die(const char *what)
{
	say("error %s: %s", what, strerror(errno));
	exit(1);
}

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void map_truth(void)
{
	truth = vgia_map_id(PROT_READ);
	if (!truth)
		die("mapping the VMGenID page through /dev/mem");
}

static void id_hex(const uint64_t id[2], char out[33])
{
	const uint8_t *b = (const uint8_t *)id;
	int i;

	for (i = 0; i < 16; i++)
		sprintf(out + 2 * i, "%02x", b[i]);
}

static void load_truth(uint64_t id[2])
{
	id[0] = truth[0];
	id[1] = truth[1];
}

static int same_id(const uint64_t a[2], const uint64_t b[2])
{
	return a[0] == b[0] && a[1] == b[1];
}

/* The method's check: non-zero if it says the generation changed. */
static int check(void)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	uint32_t v;

	if (!strcmp(method, "lib"))
		return sysgenid_changed(&sg);
	if (!strcmp(method, "counter"))
		return __atomic_load_n(counter_page, __ATOMIC_ACQUIRE) !=
		       counter_seen;
	if (!strcmp(method, "read"))
		return read(fd, &v, sizeof(v)) == sizeof(v) ||
		       (errno != EAGAIN ? (die("read"), 0) : 0);
	if (poll(&pfd, 1, 0) < 0)
		die("poll");
	return pfd.revents & POLLIN;
}

/*
 * With @accept, accept the change the check reported ("read" consumed it
 * by reading; "poll" reads to consume it; the library acknowledges); then
 * reseed, starting a new epoch.
 */
static void reseed(int accept)
{
	struct epoch *e;
	uint32_t v;
	int err;

	if (!accept) {
		/* the first seed, at start */
	} else if (!strcmp(method, "lib")) {
		err = sysgenid_ack(&sg, sysgenid_get(&sg));
		if (err)
			errno = -err, die("sysgenid_ack");
	} else if (!strcmp(method, "poll")) {
		if (read(fd, &v, sizeof(v)) != sizeof(v))
			die("read after poll");
	} else if (!strcmp(method, "counter")) {
		counter_seen = __atomic_load_n(counter_page, __ATOMIC_ACQUIRE);
	}
	if (getrandom(grnd, sizeof(grnd), 0) != sizeof(grnd))
		die("getrandom");
	if (!strcmp(method, "counter")) {
		if (getrandom(seed, sizeof(seed), 0) != sizeof(seed))
			die("getrandom");
	} else {
		err = sysgenid_seed(&sg, seed, sizeof(seed));
		if (err)
			errno = -err, die("sysgenid_seed");
	}
	if (nepochs == MAX_EPOCHS) {
		errno = ENOSPC;
		die("too many reseeds");
	}
	e = &epochs[nepochs++];
	memset(e, 0, sizeof(*e));
	{
		struct sysgenid__sha256 c;
		uint8_t h[32];

		sysgenid__sha256_init(&c);
		sysgenid__sha256_update(&c, seed, sizeof(seed));
		sysgenid__sha256_final(&c, h);
		memcpy(e->fp, h, sizeof(e->fp));
	}
}

static void draw(uint64_t ctr, uint8_t out[32])
{
	struct sysgenid__sha256 c;

	sysgenid__sha256_init(&c);
	sysgenid__sha256_update(&c, seed, sizeof(seed));
	sysgenid__sha256_update(&c, &ctr, sizeof(ctr));
	sysgenid__sha256_final(&c, out);
}

static void emitted_after_resume(uint64_t ctr)
{
	struct epoch *e = &epochs[nepochs - 1];

	if (e->nranges && e->hi[e->nranges - 1] + 1 == ctr) {
		e->hi[e->nranges - 1] = ctr;
		return;
	}
	if (e->nranges == MAX_RANGES) {
		errno = ENOSPC;
		die("too many ranges");
	}
	e->lo[e->nranges] = e->hi[e->nranges] = ctr;
	e->nranges++;
}

/*
 * After a reseed for a change: the seed is now valid for the ID the
 * hypervisor shows. The first such reseed after the restore is the notice;
 * if the restore came between the last load of the truth and the check
 * that saw it, the resume is placed at @checked, the time just before that
 * check (which may have waited in the kernel for the change).
 */
static void accepted(int64_t *resumed, int64_t *noticed, int64_t checked,
		     const uint64_t boot_id[2], uint64_t cur[2])
{
	load_truth(cur);
	if (same_id(cur, boot_id) || *noticed)
		return;
	*noticed = now_ns();
	memcpy(notice_grnd, grnd, sizeof(grnd));
	if (!*resumed)
		*resumed = checked;
}

static void setup(void)
{
	long psz = sysconf(_SC_PAGESIZE);
	int err;

	map_truth();
	err = sysgenid_open(&sg, SYSGENID_OBSERVER);
	if (err)
		errno = -err, die("sysgenid_open");
	if (!strcmp(method, "read") || !strcmp(method, "poll")) {
		fd = open(DEV, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
		if (fd < 0)
			die("open " DEV);
	} else if (!strcmp(method, "counter")) {
		/* As AWS-LC: map 4 bytes, close, plain loads. */
		int f = open(DEV, O_RDONLY | O_CLOEXEC);
		void *p;

		if (f < 0)
			die("open " DEV);
		p = mmap(NULL, 4, PROT_READ, MAP_SHARED, f, 0);
		if (p == MAP_FAILED)
			die("mmap " DEV);
		close(f);
		counter_page = p;
		counter_seen = *counter_page;
	} else if (strcmp(method, "lib") && strcmp(method, "peek")) {
		errno = EINVAL;
		die("unknown method");
	}
	(void)psz;
}

/*
 * The ordering check of the VM generation source. A change for a new VM
 * generation ID stores the generation, then (smp_wmb()) the ID it was made
 * for; sysgenid_changed() loads the recorded ID, then (acquire fence) the
 * generation, then the live ID. A reader that finds the recorded ID equal
 * to the live one must therefore find the new generation too: then
 * sysgenid_changed() says "changed" from the resume on, without any system
 * call, until the handle acknowledges (which peek never does). Were the two
 * stores the other way round, a reader between them would find the new ID
 * recorded with the old generation, and be told "unchanged".
 *
 * The host runs this reader in the test build of the module, which widens
 * the gap between the two stores (test_vm_store_delay_us), while another
 * reader pinned to another CPU makes the change with a read(). peek counts
 * stale checks (the truth is new, sysgenid_changed() says unchanged: must
 * be none) and the loads that found the writer between its two stores
 * (generation new, ID not yet recorded: some, or the check proved nothing).
 */
/*
 * What sysgenid_changed() decides from the page alone: stale (a restore
 * not yet handled), or a generation other than the accepted one. Where
 * the library would then make its system call, peek does not.
 */
static int changed_no_syscall(void)
{
	uint32_t gen;

	if (sysgenid__vm_stale(&sg, &gen))
		return 1;
	return gen != sg.acked;
}

static void peek(const uint64_t boot_id[2])
{
	const uint64_t *rec = (const uint64_t *)
		((const char *)sg.page + SYSGENID__VM_ID);
	uint64_t stale = 0, between = 0, iters = 0, id[2];
	int64_t resumed = 0, noticed = 0, t;
	uint32_t boot_gen = sg.acked;
	char hex[33];

	if (!(sg.flags & SYSGENID__VM)) {
		errno = ENODEV;
		die("peek needs the VM generation page");
	}
	for (;;) {
		iters++;
		load_truth(id);
		if (changed_no_syscall()) {
			if (!noticed)
				noticed = now_ns();
		} else if (!same_id(id, boot_id)) {
			stale++;
		}
		/* Recorded ID first, then the generation, as the library. */
		if (__atomic_load_n(&rec[0], __ATOMIC_RELAXED) == boot_id[0] &&
		    __atomic_load_n(&rec[1], __ATOMIC_RELAXED) == boot_id[1]) {
			__atomic_thread_fence(__ATOMIC_ACQUIRE);
			if (__atomic_load_n(sg.page, __ATOMIC_RELAXED) != boot_gen)
				between++;
		}
		t = now_ns();
		if (!resumed && !same_id(id, boot_id))
			resumed = t;
		if (resumed && t - resumed > AFTER_NS)
			break;
	}
	id_hex(id, hex);
	say("report id=%s stale=%llu notice_us=%lld between=%llu iters=%llu",
	    hex, (unsigned long long)stale,
	    noticed ? (long long)(noticed - resumed) / 1000 : -1LL,
	    (unsigned long long)between, (unsigned long long)iters);
	say("end");
}

/* acksN: the watchers' epoll loop, until every one acknowledged once. */
struct acks {
	int n, epfd, *fds;
	uint32_t boot_gen;
};

static void *ack_loop(void *arg)
{
	struct acks *a = arg;
	struct epoll_event ev[64];
	int acked = 0, i, k;
	uint32_t v;

	while (acked < a->n) {
		k = epoll_wait(a->epfd, ev, 64, -1);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0)
			die("epoll_wait");
		for (i = 0; i < k; i++) {
			int f = a->fds[ev[i].data.u32];

			if (read(f, &v, sizeof(v)) != sizeof(v))
				continue;	/* woken, already handled */
			if (write(f, &v, sizeof(v)) != sizeof(v))
				die("acknowledge");
			acked += v != a->boot_gen;
		}
	}
	return NULL;
}

/*
 * acksN: N watchers, acknowledged from one epoll loop (a thread), and an
 * orchestrator (this thread) that waits for the change with a blocking
 * read() and then for the watchers with SYSGENID_WAIT_WATCHERS. A third
 * thread polls the truth every millisecond to time the resume. Reports
 * the time from the resume to the change (notice_us) and to the return of
 * SYSGENID_WAIT_WATCHERS (acked_us).
 */
static void acks(int n, const uint64_t boot_id[2])
{
	struct rlimit rl = { n + 64, n + 64 };
	struct epoll_event ev = { .events = EPOLLIN };
	int64_t resumed = 0, seen, done;
	struct acks a = { .n = n };
	uint64_t id[2];
	pthread_t ackt;
	char hex[33];
	uint32_t v;
	int orch, i;

	if (setrlimit(RLIMIT_NOFILE, &rl))
		die("setrlimit");
	a.fds = calloc(n, sizeof(*a.fds));
	a.epfd = epoll_create1(EPOLL_CLOEXEC);
	orch = open(DEV, O_RDONLY | O_CLOEXEC);
	if (!a.fds || a.epfd < 0 || orch < 0)
		die("acks setup");
	for (i = 0; i < n; i++) {
		a.fds[i] = open(DEV, O_RDWR | O_NONBLOCK | O_CLOEXEC);
		ev.data.u32 = i;
		if (a.fds[i] < 0 || epoll_ctl(a.epfd, EPOLL_CTL_ADD, a.fds[i], &ev))
			die("acks watcher");
	}
	a.boot_gen = sg.acked;
	if (pthread_create(&ackt, NULL, ack_loop, &a))
		die("pthread_create");
	say("ready id=%s vm=%d", "-", !!(sg.flags & SYSGENID__VM));

	/* The orchestrator's read blocks until the change; time the resume
	 * from a child thread's view of the truth: here, after the fact, the
	 * resume is the first millisecond tick that saw the new ID. */
	{
		struct timespec ms = { 0, 1000000 };
		pid_t pid;
		int pfd[2];

		if (pipe(pfd))
			die("pipe");
		pid = fork();
		if (pid < 0)
			die("fork");
		if (!pid) {
			do {
				nanosleep(&ms, NULL);
				load_truth(id);
			} while (same_id(id, boot_id));
			resumed = now_ns();
			if (write(pfd[1], &resumed, sizeof(resumed)) < 0)
				_exit(1);
			_exit(0);
		}
		if (read(orch, &v, sizeof(v)) != sizeof(v))
			die("orchestrator read");
		seen = now_ns();
		if (ioctl(orch, SYSGENID_WAIT_WATCHERS, 0))
			die("SYSGENID_WAIT_WATCHERS");
		done = now_ns();
		if (read(pfd[0], &resumed, sizeof(resumed)) != sizeof(resumed))
			die("resume time");
	}
	pthread_join(ackt, NULL);
	load_truth(id);
	id_hex(id, hex);
	say("report id=%s stale=0 notice_us=%lld acked_us=%lld watchers=%d",
	    hex, (long long)(seen - resumed) / 1000,
	    (long long)(done - resumed) / 1000, n);
	say("end");
}

int main(int argc, char **argv)
{
	uint64_t ctr = 0, emitted = 0, discarded = 0, stale = 0, iters = 0;
	uint64_t boot_id[2], cur[2], id[2], id2[2];
	int64_t resumed = 0, noticed = 0, t;
	char hex[33], grnd_hex[33];
	uint8_t out[32];
	unsigned int i, j;
	int changed;

	if (argc != 2 && argc != 3) {
		fprintf(stderr, "usage: %s lib|read|poll|counter|peek [CPU]\n",
			argv[0]);
		return 2;
	}
	method = argv[1];
	if (argc == 3) {
		cpu_set_t set;

		CPU_ZERO(&set);
		CPU_SET(atoi(argv[2]), &set);
		if (sched_setaffinity(0, sizeof(set), &set))
			die("sched_setaffinity");
	}
	if (!strncmp(method, "acks", 4)) {
		int n = atoi(method + 4);

		if (n < 1) {
			errno = EINVAL;
			die("acksN needs N >= 1");
		}
		map_truth();
		if (sysgenid_open(&sg, SYSGENID_OBSERVER))
			die("sysgenid_open");
		load_truth(boot_id);
		acks(n, boot_id);
		return 0;
	}
	setup();
	load_truth(boot_id);
	id_hex(boot_id, hex);
	if (strcmp(method, "peek"))
		reseed(0);
	say("ready id=%s vm=%d", hex, !!(sg.flags & SYSGENID__VM));
	if (!strcmp(method, "peek")) {
		peek(boot_id);
		return 0;
	}

	memcpy(cur, boot_id, sizeof(cur));
	for (;;) {
		iters++;
		load_truth(id);
		/* Before the check: a system call may wait for the change. */
		t = now_ns();
		changed = check();
		if (!resumed && !same_id(id, boot_id))
			resumed = t;
		/* The system was restored, and this check says it was not. */
		if (!same_id(id, cur) && !changed)
			stale++;
		if (changed) {
			reseed(1);
			accepted(&resumed, &noticed, t, boot_id, cur);
		}
		draw(ctr++, out);
		load_truth(id2);
		t = now_ns();
		if (check()) {
			/* Changed while drawing: never emit it; reseed now. */
			discarded++;
			reseed(1);
			accepted(&resumed, &noticed, t, boot_id, cur);
			continue;
		}
		if (!same_id(id2, boot_id)) {
			emitted++;
			emitted_after_resume(ctr - 1);
			if (nfirst < FIRST_OUTPUTS)
				for (i = 0; i < 8; i++)
					sprintf(first + 17 * nfirst + 2 * i,
						i == 7 ? "%02x," : "%02x",
						out[i]);
			nfirst += nfirst < FIRST_OUTPUTS;
		}
		if (resumed && now_ns() - resumed > AFTER_NS)
			break;
	}

	id_hex(id, hex);
	if (nfirst)
		first[17 * nfirst - 1] = '\0';
	for (i = 0; i < sizeof(notice_grnd); i++)
		sprintf(grnd_hex + 2 * i, "%02x", notice_grnd[i]);
	say("report id=%s stale=%llu notice_us=%lld grnd=%s emitted=%llu "
	    "discarded=%llu reseeds=%u iters=%llu first=%s", hex,
	    (unsigned long long)stale,
	    noticed ? (long long)(noticed - resumed) / 1000 : -1LL,
	    noticed ? grnd_hex : "-",
	    (unsigned long long)emitted, (unsigned long long)discarded,
	    nepochs, (unsigned long long)iters, nfirst ? first : "-");
	for (i = 0; i < nepochs; i++) {
		char ranges[MAX_RANGES * 42] = "", fp[17];
		size_t n = 0;

		if (!epochs[i].nranges)
			continue;
		for (j = 0; j < 8; j++)
			sprintf(fp + 2 * j, "%02x", epochs[i].fp[j]);
		for (j = 0; j < epochs[i].nranges; j++)
			n += snprintf(ranges + n, sizeof(ranges) - n, "%s%llu-%llu",
				      j ? "," : "",
				      (unsigned long long)epochs[i].lo[j],
				      (unsigned long long)epochs[i].hi[j]);
		say("epoch fp=%s ranges=%s", fp, ranges);
	}
	say("end");
	return 0;
}
