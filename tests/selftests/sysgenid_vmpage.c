// SPDX-License-Identifier: GPL-2.0
/*
 * /dev/sysgenid's VM generation source: the VM fields of the generation
 * page and the VM generation page at mmap offset SYSGENID_MMAP_VM_PAGE
 * (read-only, never writable or executable, one page, the hypervisor's ID
 * and zeros, survives MADV_DONTNEED). The test VM has QEMU's vmgenid
 * device; without one the driver must say so and refuse the mapping.
 */

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "sysgenid_util.h"

#define VM_DEVICE	"/sys/bus/acpi/devices/QEMUVGID:00"

#define VMCLOCK_DEVICE	"/sys/bus/acpi/devices/AMZNC10C:00"

static int sysfs_word(const char *name, char *buf, size_t len)
{
	char path[128];
	FILE *f;

	snprintf(path, sizeof(path), SYSGENID_SYSFS "%s", name);
	f = fopen(path, "r");

	if (!f)
		return -errno;
	if (!fgets(buf, len, f))
		buf[0] = '\0';
	fclose(f);
	buf[strcspn(buf, "\n")] = '\0';
	return 0;
}

/* The values Documentation/ABI/testing/sysfs-class-misc-sysgenid lists. */
static int vm_source_word(const char *source)
{
	static const char * const words[] = {
		"mapped", "disabled", "no-device", "no-addr-method",
		"bad-addr", "id-straddles-page", "id-unaligned", "system-ram",
		"memremap-failed", "shared-page", "no-notify-handler",
		"no-acpi", "no-reg", "reg-too-small",
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(words); i++)
		if (!strcmp(source, words[i]))
			return 1;
	return 0;
}

static int vm_source(char *buf, size_t len)
{
	return sysfs_word("vm_source", buf, len);
}

/*
 * sysfs vmclock_source: one of the words the ABI document lists, and
 * "no-device" exactly when ACPI has no VMClock device.
 */
TEST(vmclock_source_word)
{
	static const char * const words[] = {
		"mapped", "no-counter", "disabled", "no-device", "no-memory",
		"too-small", "memremap-failed", "bad-magic", "bad-version",
	};
	char source[64];
	size_t i;

	if (access(SYSGENID_DEV, F_OK))
		SKIP(return, "%s is absent", SYSGENID_DEV);
	ASSERT_EQ(0, sysfs_word("vmclock_source", source, sizeof(source)));
	for (i = 0; i < ARRAY_SIZE(words); i++)
		if (!strcmp(source, words[i]))
			break;
	EXPECT_LT(i, ARRAY_SIZE(words)) TH_LOG("vmclock_source \"%s\"", source);
	EXPECT_EQ(!!access(VMCLOCK_DEVICE, F_OK), !strcmp(source, "no-device"))
		TH_LOG("vmclock_source \"%s\"", source);
}

/*
 * sysfs vmclock_notify: "acpi", "poll" or "none", and "none" whenever the
 * VMClock structure is not read: nothing can notice a new counter then.
 */
TEST(vmclock_notify_word)
{
	char how[64], source[64];

	if (access(SYSGENID_DEV, F_OK))
		SKIP(return, "%s is absent", SYSGENID_DEV);
	ASSERT_EQ(0, sysfs_word("vmclock_source", source, sizeof(source)));
	ASSERT_EQ(0, sysfs_word("vmclock_notify", how, sizeof(how)));
	EXPECT_TRUE(!strcmp(how, "acpi") || !strcmp(how, "poll") ||
		    !strcmp(how, "none"))
		TH_LOG("vmclock_notify \"%s\"", how);
	if (strcmp(source, "mapped") && strcmp(source, "no-counter"))
		EXPECT_STREQ("none", how) TH_LOG("vmclock_source \"%s\"", source);
}

static __u32 field(const void *page, size_t off)
{
	return __atomic_load_n((const __u32 *)((const char *)page + off),
			       __ATOMIC_RELAXED);
}

FIXTURE(vm) {
	int fd;
	size_t page;
	void *gen;	/* the generation page */
};

FIXTURE_VARIANT(vm) {
	int flags;
	int write_errno;	/* who refuses PROT_WRITE, MAP_SHARED */
};

FIXTURE_VARIANT_ADD(vm, observer) {
	.flags = O_RDONLY,
	.write_errno = EACCES,
};

FIXTURE_VARIANT_ADD(vm, watcher) {
	.flags = O_RDWR,
	.write_errno = EPERM,
};

FIXTURE_SETUP(vm)
{
	char source[64];

	if (access(SYSGENID_DEV, F_OK))
		SKIP_SETUP("%s is absent", SYSGENID_DEV);
	ASSERT_EQ(0, vm_source(source, sizeof(source)));
	self->fd = open(SYSGENID_DEV, variant->flags | O_CLOEXEC);
	ASSERT_LE(0, self->fd);
	self->page = sysconf(_SC_PAGESIZE);
	self->gen = mmap(NULL, self->page, PROT_READ, MAP_SHARED, self->fd, 0);
	ASSERT_NE(MAP_FAILED, self->gen);
	if (access(VM_DEVICE, F_OK)) {
		/* No VMGenID device: no flag, no page, and sysfs says so. */
		EXPECT_EQ(0, field(self->gen, SYSGENID_PAGE_FLAGS));
		EXPECT_EQ(MAP_FAILED, mmap(NULL, self->page, PROT_READ,
					   MAP_SHARED, self->fd,
					   SYSGENID_MMAP_VM_PAGE * self->page));
		EXPECT_EQ(ENODEV, errno);
		EXPECT_STREQ("no-device", source);
		SKIP_SETUP("no VMGenID device (%s)", source);
	}
	ASSERT_STREQ("mapped", source);
}

FIXTURE_TEARDOWN(vm)
{
	EXPECT_EQ(0, munmap(self->gen, self->page));
	EXPECT_EQ(0, close(self->fd));
}

static void *map_vm(size_t len, int prot,
		    int flags, int fd, size_t page)
{
	return mmap(NULL, len, prot, flags, fd, SYSGENID_MMAP_VM_PAGE * page);
}

TEST_F(vm, fields_describe_the_vm_page)
{
	__u32 off = field(self->gen, SYSGENID_PAGE_VM_OFFSET);
	unsigned char *p;
	size_t i;

	EXPECT_EQ(SYSGENID_PAGE_F_VM, field(self->gen, SYSGENID_PAGE_FLAGS));
	ASSERT_GE(self->page - SYSGENID_VM_ID_SIZE, off);
	p = map_vm(self->page, PROT_READ, MAP_SHARED, self->fd,
		   self->page);
	ASSERT_NE(MAP_FAILED, p);
	/* Not restored since load: the recorded ID is the live one. */
	EXPECT_EQ(0, memcmp(p + off, (char *)self->gen + SYSGENID_PAGE_VM_ID,
			    SYSGENID_VM_ID_SIZE));
	/* Nothing but the ID is exposed. */
	for (i = 0; i < self->page; i++)
		if (p[i] && (i < off || i >= off + SYSGENID_VM_ID_SIZE))
			break;
	EXPECT_EQ(self->page, i);
	for (i = 0; i < SYSGENID_VM_ID_SIZE && !p[off + i]; i++)
		;
	EXPECT_GT(SYSGENID_VM_ID_SIZE, i);	/* an ID, not zeros */
	EXPECT_EQ(0, munmap(p, self->page));
}

TEST_F(vm, private_mapping_reads_the_same)
{
	unsigned char *s, *p;

	s = map_vm(self->page, PROT_READ, MAP_SHARED, self->fd,
		   self->page);
	p = map_vm(self->page, PROT_READ, MAP_PRIVATE, self->fd,
		   self->page);
	ASSERT_NE(MAP_FAILED, s);
	ASSERT_NE(MAP_FAILED, p);
	EXPECT_EQ(0, memcmp(s, p, self->page));
	EXPECT_EQ(0, munmap(s, self->page));
	EXPECT_EQ(0, munmap(p, self->page));
}

TEST_F(vm, survives_madv_dontneed_and_close)
{
	unsigned char *p, copy[64];
	__u32 off = field(self->gen, SYSGENID_PAGE_VM_OFFSET);
	int fd = open(SYSGENID_DEV, O_RDONLY | O_CLOEXEC);

	ASSERT_LE(0, fd);
	p = map_vm(self->page, PROT_READ, MAP_SHARED, fd,
		   self->page);
	ASSERT_NE(MAP_FAILED, p);
	ASSERT_EQ(0, close(fd));
	memcpy(copy, p + off, SYSGENID_VM_ID_SIZE);
	ASSERT_EQ(0, madvise(p, self->page, MADV_DONTNEED));
	EXPECT_EQ(0, memcmp(copy, p + off, SYSGENID_VM_ID_SIZE));
	EXPECT_EQ(0, munmap(p, self->page));
}

TEST_F(vm, writable_shared_is_refused)
{
	EXPECT_EQ(MAP_FAILED, map_vm(self->page,
				     PROT_READ | PROT_WRITE, MAP_SHARED,
				     self->fd, self->page));
	EXPECT_EQ(variant->write_errno, errno);
}

TEST_F(vm, writable_private_is_eperm)
{
	EXPECT_EQ(MAP_FAILED, map_vm(self->page,
				     PROT_READ | PROT_WRITE, MAP_PRIVATE,
				     self->fd, self->page));
	EXPECT_EQ(EPERM, errno);
}

TEST_F(vm, executable_is_eperm)
{
	EXPECT_EQ(MAP_FAILED, map_vm(self->page,
				     PROT_READ | PROT_EXEC, MAP_SHARED,
				     self->fd, self->page));
	EXPECT_EQ(EPERM, errno);
}

TEST_F(vm, mprotect_write_or_exec_is_eacces)
{
	void *p = map_vm(self->page, PROT_READ, MAP_PRIVATE,
			 self->fd, self->page);

	ASSERT_NE(MAP_FAILED, p);
	EXPECT_EQ(-1, mprotect(p, self->page, PROT_READ | PROT_WRITE));
	EXPECT_EQ(EACCES, errno);
	EXPECT_EQ(-1, mprotect(p, self->page, PROT_READ | PROT_EXEC));
	EXPECT_EQ(EACCES, errno);
	EXPECT_EQ(0, munmap(p, self->page));
}

TEST_F(vm, longer_than_a_page_is_einval)
{
	EXPECT_EQ(MAP_FAILED, map_vm(2 * self->page, PROT_READ,
				     MAP_SHARED, self->fd, self->page));
	EXPECT_EQ(EINVAL, errno);
}

TEST_F(vm, mremap_grow_fails)
{
	void *p = map_vm(self->page, PROT_READ, MAP_SHARED,
			 self->fd, self->page);

	ASSERT_NE(MAP_FAILED, p);
	EXPECT_EQ(MAP_FAILED, mremap(p, self->page, 2 * self->page,
				     MREMAP_MAYMOVE));
	EXPECT_EQ(0, munmap(p, self->page));
}

/* A forced update is not a VM generation change: the VM fields stay. */
TEST_F(vm, forced_update_keeps_the_recorded_id)
{
	unsigned char before[SYSGENID_VM_ID_SIZE];
	long gen;

	memcpy(before, (char *)self->gen + SYSGENID_PAGE_VM_ID,
	       sizeof(before));
	gen = sg_bump(self->fd);
	ASSERT_LE(0, gen);
	EXPECT_EQ(gen, sg_page_gen(self->gen));
	EXPECT_EQ(0, memcmp(before, (char *)self->gen + SYSGENID_PAGE_VM_ID,
			    sizeof(before)));
	EXPECT_EQ(SYSGENID_PAGE_F_VM, field(self->gen, SYSGENID_PAGE_FLAGS));
}

/*
 * The VM generation page is offered exactly when sysfs vm_source says
 * "mapped". Otherwise the flags are clear, mmap() of the page fails with
 * ENODEV, and with no VMGenID device at all vm_source says so. Whatever it
 * says is one of the words Documentation/ABI lists.
 */
TEST(offered_exactly_when_mapped)
{
	size_t page = sysconf(_SC_PAGESIZE);
	char source[64];
	void *gen, *vm;
	int fd, err;

	if (access(SYSGENID_DEV, F_OK))
		SKIP(return, "%s is absent", SYSGENID_DEV);
	ASSERT_EQ(0, vm_source(source, sizeof(source)));
	EXPECT_TRUE(vm_source_word(source)) TH_LOG("vm_source \"%s\"", source);
	fd = open(SYSGENID_DEV, O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, fd);
	gen = mmap(NULL, page, PROT_READ, MAP_SHARED, fd, 0);
	ASSERT_NE(MAP_FAILED, gen);
	vm = mmap(NULL, page, PROT_READ, MAP_SHARED, fd,
		  SYSGENID_MMAP_VM_PAGE * page);
	err = errno;
	if (!strcmp(source, "mapped")) {
		EXPECT_NE(MAP_FAILED, vm);
		EXPECT_EQ(SYSGENID_PAGE_F_VM, field(gen, SYSGENID_PAGE_FLAGS));
		if (vm != MAP_FAILED)
			EXPECT_EQ(0, munmap(vm, page));
	} else {
		EXPECT_EQ(MAP_FAILED, vm);
		EXPECT_EQ(ENODEV, err);
		EXPECT_EQ(0, field(gen, SYSGENID_PAGE_FLAGS));
		if (access(VM_DEVICE, F_OK))
			EXPECT_STREQ("no-device", source);
	}
	EXPECT_EQ(0, munmap(gen, page));
	EXPECT_EQ(0, close(fd));
}

TEST_HARNESS_MAIN
