// SPDX-License-Identifier: GPL-2.0
/*
 * Security suite for /dev/sysgenid: a process that gave up its capabilities
 * cannot change the generation, whatever way it gave them up; no route
 * leads to a writable view of the mapped page (mmap, mprotect, mremap,
 * /proc/<pid>/mem, process_vm_writev, ptrace); the page holds nothing but
 * the counter.
 */
#define _GNU_SOURCE
#include <linux/capability.h>
#include <signal.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "sg_stress.h"

#ifndef CAP_CHECKPOINT_RESTORE
#define CAP_CHECKPOINT_RESTORE	40
#endif

#define PAGE		4096
#define TRY_FORCE_ENV	"SG_SECURITY_TRY_FORCE"

/*
 * When the suite re-executes itself with TRY_FORCE_ENV set, it only tries
 * a forced update and exits with the errno it got (0 on success).
 */
static void __attribute__((constructor)) try_force_helper(void)
{
	int fd;

	if (!getenv(TRY_FORCE_ENV))
		return;
	fd = open(SG_DEV, O_RDONLY);
	if (fd < 0)
		_exit(100);
	_exit(ioctl(fd, SYSGENID_FORCE_GEN_UPDATE, 0) ? errno : 0);
}

static int drop_all_caps(void)
{
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct data[2] = { 0 };

	return syscall(SYS_capset, &hdr, data);
}

static int drop_bump_caps_from_bset(void)
{
	return prctl(PR_CAPBSET_DROP, CAP_SYS_ADMIN, 0, 0, 0) ||
	       prctl(PR_CAPBSET_DROP, CAP_CHECKPOINT_RESTORE, 0, 0, 0);
}

/* FORCE and TRIGGER through @fd both fail with EPERM, changing nothing. */
static int bump_refused(struct __test_metadata *_metadata, int fd)
{
	long gen = sg_sysfs("generation");

	EXPECT_EQ(-1, ioctl(fd, SYSGENID_FORCE_GEN_UPDATE, 0));
	EXPECT_EQ(EPERM, errno);
	EXPECT_EQ(-1, ioctl(fd, SYSGENID_TRIGGER_GEN_UPDATE, 0));
	EXPECT_EQ(EPERM, errno);
	EXPECT_EQ(gen, sg_sysfs("generation"));
	return _metadata->passed;
}

FIXTURE(priv) {
	int fd;			/* opened while still privileged */
};

FIXTURE_SETUP(priv)
{
	/* The suite runs as root: it can open a watcher and bump. */
	self->fd = open(SG_DEV, O_RDWR);
	ASSERT_LE(0, self->fd);
	ASSERT_EQ(0, ioctl(self->fd, SYSGENID_FORCE_GEN_UPDATE, 0));
}

FIXTURE_TEARDOWN(priv)
{
	close(self->fd);
}

/* uid 0 with empty capability sets (capset), on old and new files. */
TEST_F(priv, bump_refused_after_capset_drop)
{
	int fd;

	ASSERT_EQ(0, drop_all_caps());
	ASSERT_EQ(0, getuid());
	bump_refused(_metadata, self->fd);
	fd = open(SG_DEV, O_RDONLY);
	ASSERT_LE(0, fd);
	bump_refused(_metadata, fd);
	close(fd);
}

/* Capabilities gone from the bounding set, then setuid to a user. */
TEST_F(priv, bump_refused_after_bset_drop_and_setuid)
{
	ASSERT_EQ(0, drop_bump_caps_from_bset());
	ASSERT_EQ(0, setgid(1000));
	ASSERT_EQ(0, setuid(1000));
	bump_refused(_metadata, self->fd);
}

/* A setuid to a user alone drops the permitted set, too. */
TEST_F(priv, bump_refused_after_setuid_nobody)
{
	ASSERT_EQ(0, setgid(65534));
	ASSERT_EQ(0, setuid(65534));
	bump_refused(_metadata, self->fd);
}

/*
 * Run this program again as uid 0 through execv(), after dropping the bump
 * capabilities from the bounding set if @drop_bset, and return the errno
 * its forced update got (0 if allowed).
 */
static int exec_try_force(struct __test_metadata *_metadata, bool drop_bset)
{
	int status;
	pid_t pid;

	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		char *argv[] = { "try-force", NULL };

		setenv(TRY_FORCE_ENV, "1", 1);
		if (drop_bset && drop_bump_caps_from_bset())
			_exit(101);
		execv("/proc/self/exe", argv);
		_exit(102);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	return WEXITSTATUS(status);
}

/* Still uid 0, but a program executed after the bounding-set drop. */
TEST_F(priv, bump_refused_after_bset_drop_and_exec)
{
	EXPECT_EQ(EPERM, exec_try_force(_metadata, true));
}

/* The control for the test above: the same exec, privileges kept. */
TEST_F(priv, bump_allowed_after_exec_with_caps)
{
	EXPECT_EQ(0, exec_try_force(_metadata, false));
}

FIXTURE(map) {
	int ro, rw;		/* an observer and a watcher */
	uint32_t *shared;	/* a MAP_SHARED mapping of the observer */
	uint32_t *private;	/* a MAP_PRIVATE mapping of the watcher */
	uint32_t gen;		/* the generation at setup */
};

FIXTURE_SETUP(map)
{
	self->ro = open(SG_DEV, O_RDONLY);
	ASSERT_LE(0, self->ro);
	self->rw = open(SG_DEV, O_RDWR);
	ASSERT_LE(0, self->rw);
	self->shared = mmap(NULL, PAGE, PROT_READ, MAP_SHARED, self->ro, 0);
	ASSERT_NE(MAP_FAILED, self->shared);
	self->private = mmap(NULL, PAGE, PROT_READ, MAP_PRIVATE, self->rw, 0);
	ASSERT_NE(MAP_FAILED, self->private);
	self->gen = sg_sysfs("generation");
	ASSERT_EQ(self->gen, self->shared[0]);
}

/* Whatever was tried, every view of the page still shows the generation. */
FIXTURE_TEARDOWN(map)
{
	uint32_t *fresh;

	fresh = mmap(NULL, PAGE, PROT_READ, MAP_SHARED, self->ro, 0);
	ASSERT_NE(MAP_FAILED, fresh);
	EXPECT_EQ(self->gen, sg_sysfs("generation"));
	EXPECT_EQ(self->gen, fresh[0]);
	EXPECT_EQ(self->gen, self->shared[0]);
	EXPECT_EQ(self->gen, self->private[0]);
	munmap(fresh, PAGE);
	munmap(self->shared, PAGE);
	munmap(self->private, PAGE);
	close(self->rw);
	close(self->ro);
}

TEST_F(map, mmap_writable_refused)
{
	static const int flags[] = { MAP_SHARED, MAP_PRIVATE };
	unsigned int i;

	for (i = 0; i < 2; i++) {
		EXPECT_EQ(MAP_FAILED, mmap(NULL, PAGE, PROT_READ | PROT_WRITE,
					   flags[i], self->rw, 0));
		EXPECT_EQ(EPERM, errno);
		EXPECT_EQ(MAP_FAILED, mmap(NULL, PAGE, PROT_WRITE, flags[i],
					   self->rw, 0));
		EXPECT_EQ(EPERM, errno);
	}
	/* The VFS refuses a shared writable mapping of a read-only file. */
	EXPECT_EQ(MAP_FAILED, mmap(NULL, PAGE, PROT_READ | PROT_WRITE,
				   MAP_SHARED, self->ro, 0));
	EXPECT_EQ(EACCES, errno);
	EXPECT_EQ(MAP_FAILED, mmap(NULL, PAGE, PROT_READ | PROT_WRITE,
				   MAP_PRIVATE, self->ro, 0));
	EXPECT_EQ(EPERM, errno);
}

TEST_F(map, mprotect_write_refused)
{
	EXPECT_EQ(-1, mprotect(self->shared, PAGE, PROT_READ | PROT_WRITE));
	EXPECT_EQ(EACCES, errno);
	EXPECT_EQ(-1, mprotect(self->private, PAGE, PROT_READ | PROT_WRITE));
	EXPECT_EQ(EACCES, errno);
	EXPECT_EQ(-1, mprotect(self->private, PAGE, PROT_WRITE));
	EXPECT_EQ(EACCES, errno);
}

/* mremap can neither grow the mapping nor make a moved copy writable. */
TEST_F(map, mremap_grow_refused_move_stays_read_only)
{
	void *moved;

	EXPECT_EQ(MAP_FAILED, mremap(self->shared, PAGE, 2 * PAGE, 0));
	EXPECT_EQ(MAP_FAILED, mremap(self->shared, PAGE, 2 * PAGE,
				     MREMAP_MAYMOVE));
	EXPECT_EQ(MAP_FAILED, mremap(self->private, PAGE, 2 * PAGE,
				     MREMAP_MAYMOVE));
	moved = mremap(self->private, PAGE, PAGE, MREMAP_MAYMOVE |
		       MREMAP_FIXED, (char *)self->private + 64 * PAGE);
	ASSERT_NE(MAP_FAILED, moved);
	self->private = moved;
	EXPECT_EQ(-1, mprotect(moved, PAGE, PROT_READ | PROT_WRITE));
	EXPECT_EQ(EACCES, errno);
}

/* /proc/self/mem writes with FOLL_FORCE: it must not break the page. */
TEST_F(map, proc_mem_write_refused)
{
	uint32_t bad = ~self->gen;
	int mem = open("/proc/self/mem", O_RDWR);

	ASSERT_LE(0, mem);
	EXPECT_EQ(-1, pwrite(mem, &bad, sizeof(bad),
			     (off_t)(uintptr_t)self->shared));
	EXPECT_EQ(-1, pwrite(mem, &bad, sizeof(bad),
			     (off_t)(uintptr_t)self->private));
	close(mem);
}

TEST_F(map, process_vm_writev_refused)
{
	uint32_t bad = ~self->gen;
	struct iovec local = { &bad, sizeof(bad) };
	struct iovec remote[2] = {
		{ self->shared, sizeof(bad) },
		{ self->private, sizeof(bad) },
	};

	EXPECT_EQ(-1, process_vm_writev(getpid(), &local, 1, &remote[0], 1, 0));
	EXPECT_EQ(EFAULT, errno);
	EXPECT_EQ(-1, process_vm_writev(getpid(), &local, 1, &remote[1], 1, 0));
	EXPECT_EQ(EFAULT, errno);
}

/* A tracer's PTRACE_POKEDATA into its tracee's mapping fails. */
TEST_F(map, ptrace_poke_refused)
{
	int status, i;
	pid_t pid;
	long word;

	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		if (ptrace(PTRACE_TRACEME, 0, NULL, NULL))
			_exit(1);
		raise(SIGSTOP);
		_exit(0);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFSTOPPED(status));
	/* The child shares the parent's mappings' addresses after fork. */
	for (i = 0; i < 2; i++) {
		void *addr = i ? (void *)self->private : (void *)self->shared;

		errno = 0;
		word = ptrace(PTRACE_PEEKDATA, pid, addr, NULL);
		ASSERT_EQ(0, errno);
		EXPECT_EQ(self->gen, (uint32_t)word);
		EXPECT_EQ(-1, ptrace(PTRACE_POKEDATA, pid, addr,
				     (void *)~word));
		errno = 0;
		EXPECT_EQ(word, ptrace(PTRACE_PEEKDATA, pid, addr, NULL));
	}
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
}

/*
 * After many updates, ordinary and forced to random values, the page holds
 * the generation in its first four bytes, then the VM generation fields
 * (which forced updates never touch), and zeroes everywhere else.
 */
TEST_F(map, page_holds_only_counter)
{
	enum { fields = SYSGENID_PAGE_VM_ID + SYSGENID_VM_ID_SIZE };
	static const char zero[PAGE - fields];
	char vm[fields - sizeof(uint32_t)];
	uint64_t seed = time(NULL);
	uint32_t v;
	int i;

	for (i = 1; i <= 2000; i++) {
		unsigned long min = i % 3 ? 0 : (uint32_t)sg_rand(&seed);

		ASSERT_EQ(0, ioctl(self->rw, i & 1 ? SYSGENID_FORCE_GEN_UPDATE :
				   SYSGENID_TRIGGER_GEN_UPDATE, min));
		ASSERT_EQ(sizeof(v), read(self->ro, &v, sizeof(v)));
		ASSERT_EQ(v, self->shared[0]);
		ASSERT_EQ(v, self->private[0]);
		if (i == 1)
			memcpy(vm, self->shared + 1, sizeof(vm));
		if (i % 100 == 0) {
			ASSERT_EQ(0, memcmp((char *)self->shared + fields, zero,
					    sizeof(zero)));
			ASSERT_EQ(0, memcmp((char *)self->private + fields,
					    zero, sizeof(zero)));
			ASSERT_EQ(0, memcmp(self->shared + 1, vm, sizeof(vm)));
			ASSERT_EQ(0, memcmp(self->private + 1, vm, sizeof(vm)));
		}
	}
	EXPECT_EQ(v, sg_sysfs("generation"));
	self->gen = v;
}

TEST_HARNESS_MAIN
