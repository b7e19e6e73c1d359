// SPDX-License-Identifier: GPL-2.0
/*
 * A VM generation ID written while the guest runs is one change. VMGenID
 * promises no atomicity and has no sequence counter: a hypervisor may store
 * the 16 bytes in pieces while vCPUs run, and only its notification says
 * that it is done. The test plays such a hypervisor through /dev/mem (the
 * ID's page, found as tests/restore/vgia.h says): it stores the first half
 * of a new ID, waits, then the second half, sends no notification, while
 * readers make system calls on the device all along. Exactly one change
 * must follow, for the whole new ID, with one uevent; a driver that made a
 * change for the half-written ID would make a second one for the whole.
 *
 * QEMU-specific, so not a selftest of the series. Run late (66-torn): it
 * leaves the VM at a new ID, with the generation and the recorded ID moved
 * once.
 */

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "sysgenid_util.h"
#include "vgia.h"

#define HALF_GAP_MS	150	/* between the hypervisor's two stores */
#define SETTLE_MS	2500	/* the driver waits 1 s for a notification */
#define QUIET_MS	300
#define READERS		2

struct reader {
	pthread_t thread;
	int fd;
	atomic_bool *stop;
	__u32 max_seen;		/* highest generation a read() returned */
	long calls;
};

/* Non-blocking read() and poll() in turn, until told to stop. */
static void *reader(void *arg)
{
	struct reader *r = arg;
	struct pollfd pfd = { .fd = r->fd, .events = POLLIN };
	__u32 v;

	while (!atomic_load(r->stop)) {
		if (read(r->fd, &v, sizeof(v)) == sizeof(v) &&
		    v > r->max_seen)
			r->max_seen = v;
		poll(&pfd, 1, 0);
		r->calls++;
		sg_sleep_ms(1);
	}
	return NULL;
}

FIXTURE(torn) {
	volatile uint64_t *live;	/* the hypervisor's ID, writable */
	void *gen;			/* the generation page */
	int fd, sock;
	size_t page;
};

FIXTURE_SETUP(torn)
{
	char source[64] = "";
	FILE *f;

	if (access(SYSGENID_DEV, F_OK))
		SKIP_SETUP("%s is absent", SYSGENID_DEV);
	f = fopen(SYSGENID_SYSFS "vm_source", "r");
	ASSERT_NE(NULL, f);
	ASSERT_NE(NULL, fgets(source, sizeof(source), f));
	fclose(f);
	if (strcmp(source, "mapped\n"))
		SKIP_SETUP("the VM generation source is not in use: %s", source);
	self->live = vgia_map_id(PROT_READ | PROT_WRITE);
	ASSERT_NE(NULL, self->live) TH_LOG("VMGenID page: %s", strerror(errno));
	self->fd = open(SYSGENID_DEV, O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, self->fd);
	self->page = sysconf(_SC_PAGESIZE);
	self->gen = mmap(NULL, self->page, PROT_READ, MAP_SHARED, self->fd, 0);
	ASSERT_NE(MAP_FAILED, self->gen);
	self->sock = sg_uevent_open();
	ASSERT_LE(0, self->sock);
}

FIXTURE_TEARDOWN(torn)
{
	close(self->sock);
	munmap(self->gen, self->page);
	close(self->fd);
}

TEST_F_TIMEOUT(torn, id_written_in_halves_is_one_change, 60)
{
	const char *recorded = (const char *)self->gen + SYSGENID_PAGE_VM_ID;
	struct reader r[READERS];
	struct sg_uevent ev[4];
	uint64_t old[2], new[2];
	atomic_bool stop = false;
	__u32 gen0;
	int i, n;

	gen0 = sg_page_gen(self->gen);
	old[0] = self->live[0];
	old[1] = self->live[1];
	ASSERT_EQ(0, memcmp(recorded, old, sizeof(old)));
	new[0] = ~old[0];
	new[1] = ~old[1];

	for (i = 0; i < READERS; i++) {
		r[i].fd = open(SYSGENID_DEV, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
		ASSERT_LE(0, r[i].fd);
		r[i].stop = &stop;
		r[i].max_seen = gen0;
		r[i].calls = 0;
		ASSERT_EQ(0, pthread_create(&r[i].thread, NULL, reader, &r[i]));
	}
	sg_sleep_ms(50);

	self->live[0] = new[0];
	sg_sleep_ms(HALF_GAP_MS);
	self->live[1] = new[1];
	sg_sleep_ms(SETTLE_MS);

	atomic_store(&stop, true);
	for (i = 0; i < READERS; i++) {
		pthread_join(r[i].thread, NULL);
		TH_LOG("reader %d: %ld calls, highest generation read %u",
		       i, r[i].calls, r[i].max_seen);
		EXPECT_LT(0, r[i].calls);
		EXPECT_EQ(gen0 + 1, r[i].max_seen);
		close(r[i].fd);
	}
	EXPECT_EQ(gen0 + 1, sg_page_gen(self->gen));
	EXPECT_EQ(gen0 + 1, sg_sysfs("generation"));
	EXPECT_EQ(0, memcmp(recorded, new, sizeof(new)))
		TH_LOG("the change was made for a half-written ID");
	n = sg_uevent_collect(self->sock, ev, 4, QUIET_MS);
	EXPECT_EQ(1, n);
	if (n >= 1) {
		EXPECT_TRUE(ev[0].has_gen);
		EXPECT_EQ(gen0 + 1, ev[0].gen);
	}
}

TEST_HARNESS_MAIN
