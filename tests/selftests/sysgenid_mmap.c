// SPDX-License-Identifier: GPL-2.0
/*
 * /dev/sysgenid mmap(): one read-only page at offset 0 whose first four
 * bytes are the generation, for observers and watchers alike.
 */

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <sys/mman.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "sysgenid_util.h"

FIXTURE(map) {
	int fd;		/* the file to map, or -1 once closed */
	int bumper;	/* another file, to bump the generation through */
	size_t page;	/* the page size */
};

FIXTURE_VARIANT(map) {
	int flags;		/* access mode of the file to map */
	int shared_write_errno;	/* who refuses PROT_WRITE, MAP_SHARED */
};

/* The VFS itself refuses a writable shared map of a read-only file. */
FIXTURE_VARIANT_ADD(map, observer) {
	.flags = O_RDONLY,
	.shared_write_errno = EACCES,
};

FIXTURE_VARIANT_ADD(map, watcher) {
	.flags = O_RDWR,
	.shared_write_errno = EPERM,
};

FIXTURE_SETUP(map)
{
	if (access(SYSGENID_DEV, F_OK))
		SKIP_SETUP("%s is absent", SYSGENID_DEV);
	self->fd = open(SYSGENID_DEV, variant->flags | O_CLOEXEC);
	ASSERT_LE(0, self->fd);
	self->bumper = open(SYSGENID_DEV, O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, self->bumper);
	self->page = sysconf(_SC_PAGESIZE);
}

FIXTURE_TEARDOWN(map)
{
	EXPECT_EQ(0, close(self->bumper));
	if (self->fd >= 0)
		EXPECT_EQ(0, close(self->fd));
}

/* A thread that waits for a change by read() or poll(), then looks. */
struct waiter {
	int fd;			/* the file to wait on */
	bool use_poll;		/* poll() rather than read() */
	const void *map;	/* the mapped page */
	pid_t tid;		/* the waiting thread */
	atomic_bool started;	/* tid is valid */
	__u32 gen;		/* the generation read(), if read */
	__u32 seen;		/* what the page held right after */
	int ret;		/* 0, or -errno */
};

static void *waiter_thread(void *arg)
{
	struct pollfd pfd;
	struct waiter *w = arg;

	w->tid = gettid();
	atomic_store(&w->started, true);
	if (w->use_poll) {
		pfd.fd = w->fd;
		pfd.events = POLLIN;
		w->ret = poll(&pfd, 1, 10000) == 1 ? 0 : -ETIMEDOUT;
	} else {
		w->ret = read(w->fd, &w->gen, sizeof(w->gen)) ==
			 sizeof(w->gen) ? 0 : -errno;
	}
	w->seen = sg_page_gen(w->map);
	return NULL;
}

static void *map_gen(size_t len, int prot, int flags, int fd)
{
	return mmap(NULL, len, prot, flags, fd, 0);
}

TEST_F(map, mmap_four_bytes_shared_holds_generation)
{
	void *p = map_gen(4, PROT_READ, MAP_SHARED, self->fd);

	ASSERT_NE(MAP_FAILED, p);
	EXPECT_EQ(sg_sysfs("generation"), sg_page_gen(p));
	EXPECT_EQ(0, munmap(p, 4));
}

/* Zero after the fields the uapi header defines (sysgenid_vmpage.c). */
TEST_F(map, mmap_page_private_holds_generation_and_zeros)
{
	unsigned char *p;
	size_t i;

	p = map_gen(self->page, PROT_READ, MAP_PRIVATE, self->fd);
	ASSERT_NE(MAP_FAILED, p);
	EXPECT_EQ(sg_sysfs("generation"), sg_page_gen(p));
	for (i = SYSGENID_PAGE_VM_ID + SYSGENID_VM_ID_SIZE; i < self->page; i++)
		if (p[i])
			break;
	EXPECT_EQ(self->page, i);
	EXPECT_EQ(0, munmap(p, self->page));
}

TEST_F(map, mmap_shared_follows_bump)
{
	void *p = map_gen(self->page, PROT_READ, MAP_SHARED,
				    self->fd);
	long gen;

	ASSERT_NE(MAP_FAILED, p);
	gen = sg_bump(self->bumper);
	ASSERT_LE(0, gen);
	EXPECT_EQ(gen, sg_page_gen(p));
	EXPECT_EQ(0, munmap(p, self->page));
}

TEST_F(map, mmap_private_follows_bump)
{
	void *p = map_gen(4, PROT_READ, MAP_PRIVATE, self->fd);
	long gen;

	ASSERT_NE(MAP_FAILED, p);
	gen = sg_bump(self->bumper);
	ASSERT_LE(0, gen);
	EXPECT_EQ(gen, sg_page_gen(p));
	EXPECT_EQ(0, munmap(p, 4));
}

/*
 * Block a thread in read() or poll() on @fd with the page mapped, bump, and
 * return the generation of the bump; the thread records in @w what the
 * page held when it woke.
 */
static long bump_under_waiter(struct __test_metadata *_metadata,
			      struct waiter *w, int bumper)
{
	pthread_t thread;
	long gen;

	w->map = map_gen(4, PROT_READ, MAP_SHARED, w->fd);
	ASSERT_NE(MAP_FAILED, w->map);
	ASSERT_EQ(0, pthread_create(&thread, NULL, waiter_thread, w));
	while (!atomic_load(&w->started))
		sg_sleep_ms(1);
	ASSERT_EQ(0, sg_wait_sleeping(w->tid));
	gen = sg_bump(bumper);
	ASSERT_LE(0, gen);
	ASSERT_EQ(0, pthread_join(thread, NULL));
	EXPECT_EQ(0, w->ret);
	return gen;
}

TEST_F(map, mmap_updated_before_read_returns)
{
	struct waiter w = { .fd = self->fd };
	long gen = bump_under_waiter(_metadata, &w, self->bumper);

	EXPECT_EQ(gen, w.gen);
	EXPECT_EQ(gen, w.seen);
}

TEST_F(map, mmap_updated_before_poll_reports)
{
	struct waiter w = { .fd = self->fd, .use_poll = true };
	long gen = bump_under_waiter(_metadata, &w, self->bumper);

	EXPECT_EQ(gen, w.seen);
}

TEST_F(map, mmap_shared_writable_is_refused)
{
	EXPECT_EQ(MAP_FAILED, map_gen(4, PROT_READ | PROT_WRITE, MAP_SHARED,
				      self->fd));
	EXPECT_EQ(variant->shared_write_errno, errno);
}

TEST_F(map, mmap_private_writable_is_eperm)
{
	EXPECT_EQ(MAP_FAILED, map_gen(4, PROT_READ | PROT_WRITE, MAP_PRIVATE,
				      self->fd));
	EXPECT_EQ(EPERM, errno);
}

/* Offset SYSGENID_MMAP_VM_PAGE is the VM page (sysgenid_vmpage.c). */
TEST_F(map, mmap_offset_not_zero_is_einval)
{
	EXPECT_EQ(MAP_FAILED, mmap(NULL, 4, PROT_READ, MAP_SHARED, self->fd,
				   (SYSGENID_MMAP_VM_PAGE + 1) * self->page));
	EXPECT_EQ(EINVAL, errno);
}

TEST_F(map, mmap_longer_than_page_is_einval)
{
	EXPECT_EQ(MAP_FAILED, map_gen(self->page + 1, PROT_READ, MAP_SHARED,
				      self->fd));
	EXPECT_EQ(EINVAL, errno);
}

TEST_F(map, mprotect_shared_write_is_eacces)
{
	void *p = map_gen(4, PROT_READ, MAP_SHARED, self->fd);

	ASSERT_NE(MAP_FAILED, p);
	EXPECT_EQ(-1, mprotect(p, 4, PROT_READ | PROT_WRITE));
	EXPECT_EQ(EACCES, errno);
	EXPECT_EQ(0, munmap(p, 4));
}

TEST_F(map, mprotect_private_write_is_eacces)
{
	void *p = map_gen(4, PROT_READ, MAP_PRIVATE, self->fd);

	ASSERT_NE(MAP_FAILED, p);
	EXPECT_EQ(-1, mprotect(p, 4, PROT_READ | PROT_WRITE));
	EXPECT_EQ(EACCES, errno);
	EXPECT_EQ(0, munmap(p, 4));
}

TEST_F(map, mremap_grow_fails)
{
	void *p = map_gen(self->page, PROT_READ, MAP_SHARED, self->fd);

	ASSERT_NE(MAP_FAILED, p);
	EXPECT_EQ(MAP_FAILED, mremap(p, self->page, 2 * self->page,
				     MREMAP_MAYMOVE));
	EXPECT_EQ(EFAULT, errno);
	EXPECT_EQ(0, munmap(p, self->page));
}

TEST_F(map, mapping_survives_close)
{
	void *p = map_gen(4, PROT_READ, MAP_SHARED, self->fd);
	long gen;

	ASSERT_NE(MAP_FAILED, p);
	ASSERT_EQ(0, close(self->fd));
	self->fd = -1;
	EXPECT_EQ(sg_sysfs("generation"), sg_page_gen(p));
	gen = sg_bump(self->bumper);
	ASSERT_LE(0, gen);
	EXPECT_EQ(gen, sg_page_gen(p));
	EXPECT_EQ(0, munmap(p, 4));
}

/* What a child that maps the page, drops it and loads it again finds. */
struct dropped {
	int fd;		/* the file to map */
	int bumper;	/* a file to bump through */
	int flags;	/* MAP_SHARED or MAP_PRIVATE */
	size_t page;	/* the page size */
};

/*
 * In a child, so that a SIGBUS kills the child, not the test: 0 if the
 * page holds the new generation after MADV_DONTNEED and a bump, 1 if it
 * holds something else, 2 if a call failed.
 */
static int dropped_child(void *arg)
{
	struct dropped *d = arg;
	const void *p;
	long gen;

	p = mmap(NULL, d->page, PROT_READ, d->flags, d->fd, 0);
	if (p == MAP_FAILED)
		return 2;
	(void)sg_page_gen(p);
	if (madvise((void *)p, d->page, MADV_DONTNEED))
		return 2;
	gen = sg_bump(d->bumper);
	if (gen < 0)
		return 2;
	return sg_page_gen(p) == (__u32)gen ? 0 : 1;
}

TEST_F(map, mmap_shared_survives_madv_dontneed)
{
	struct dropped d = { self->fd, self->bumper, MAP_SHARED, self->page };

	EXPECT_EQ(0, sg_run_child(dropped_child, &d));
}

TEST_F(map, mmap_private_survives_madv_dontneed)
{
	struct dropped d = { self->fd, self->bumper, MAP_PRIVATE, self->page };

	EXPECT_EQ(0, sg_run_child(dropped_child, &d));
}

TEST_F(map, mmap_exec_is_eperm)
{
	EXPECT_EQ(MAP_FAILED, map_gen(4, PROT_READ | PROT_EXEC, MAP_SHARED,
				      self->fd));
	EXPECT_EQ(EPERM, errno);
	EXPECT_EQ(MAP_FAILED, map_gen(4, PROT_READ | PROT_EXEC, MAP_PRIVATE,
				      self->fd));
	EXPECT_EQ(EPERM, errno);
}

TEST_F(map, mprotect_exec_is_eacces)
{
	void *p = map_gen(4, PROT_READ, MAP_SHARED, self->fd);

	ASSERT_NE(MAP_FAILED, p);
	EXPECT_EQ(-1, mprotect(p, 4, PROT_READ | PROT_EXEC));
	EXPECT_EQ(EACCES, errno);
	EXPECT_EQ(0, munmap(p, 4));
}

TEST_HARNESS_MAIN
