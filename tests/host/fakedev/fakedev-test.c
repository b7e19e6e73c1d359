// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * libsysgenid against the fake device (fakedev.c): the promises of the
 * fast path that a real VM shows only by timing, made deterministic.
 * TAP on stdout.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "sysgenid.h"
#include "fakedev.h"

static int n, failed;

static void t(int ok, const char *name)
{
	n++;
	failed += !ok;
	printf("%s %d - %s\n", ok ? "ok" : "not ok", n, name);
}

/* After a restore the driver has not handled yet, one system call, then
 * the new value: sysgenid_get(), sysgenid_changed(), sysgenid__refresh(). */
static void restore_seen(void)
{
	struct sysgenid sg;
	uint32_t g0;
	unsigned long calls;

	fakedev_reset(1);
	if (sysgenid_open(&sg, SYSGENID_OBSERVER)) {
		t(0, "open the fake device");
		return;
	}
	t(sg.flags & SYSGENID__VM, "the VM generation page is mapped");
	g0 = sysgenid_get(&sg);
	calls = fakedev_syscalls();
	t(sysgenid_changed(&sg) == 0 && fakedev_syscalls() == calls,
	  "nothing pending: sysgenid_changed() is 0 and makes no system call");
	fakedev_restore(0x22);
	t(sysgenid_changed(&sg) == 1, "a pending restore: changed() says 1");
	t(fakedev_syscalls() == calls + 1, "... after exactly one system call");
	t(fakedev_generation() == g0 + 1 && sysgenid_get(&sg) == g0 + 1,
	  "... which made the driver change the generation");
	fakedev_restore(0x33);
	t(sysgenid_get(&sg) == g0 + 2,
	  "sysgenid_get() on a pending restore returns the new generation");
	fakedev_restore(0x44);
	t(sysgenid__refresh(&sg) == g0 + 3,
	  "sysgenid__refresh() (1.1 inline code) returns the new generation");
	sysgenid_close(&sg);
}

/* Two clones of one snapshot: the same getrandom() bytes, other VM IDs. */
static void seed_clones(void)
{
	unsigned char a[32], b[32], c[32];
	struct sysgenid sg;
	int ret;

	fakedev_reset(1);
	fakedev_fixed_random(1);
	if (sysgenid_open(&sg, SYSGENID_OBSERVER)) {
		t(0, "open the fake device");
		return;
	}
	fakedev_set_vm_id(0x11);
	ret = sysgenid_seed(&sg, a, sizeof(a));
	fakedev_set_vm_id(0x12);
	ret |= sysgenid_seed(&sg, b, sizeof(b));
	t(!ret && memcmp(a, b, sizeof(a)),
	  "identical kernel generators, other VM IDs: other seeds");
	fakedev_set_vm_id(0x11);
	ret = sysgenid_seed2(&sg, c, sizeof(c), SYSGENID_SEED_CLONE_UNIQUE);
	t(!ret && !memcmp(a, c, sizeof(a)),
	  "sysgenid_seed2(CLONE_UNIQUE) with a VM ID: the same material");
	fakedev_set_vm_id(0);
	memset(c, 0xee, sizeof(c));
	ret = sysgenid_seed2(&sg, c, sizeof(c), SYSGENID_SEED_CLONE_UNIQUE);
	t(ret == -EOPNOTSUPP && c[0] == 0xee && c[31] == 0xee,
	  "CLONE_UNIQUE with an all-zero VM ID: -EOPNOTSUPP, nothing written");
	t(sysgenid_seed2(&sg, c, sizeof(c), 2) == -EINVAL,
	  "sysgenid_seed2() with an unknown flag: -EINVAL");
	sysgenid_close(&sg);

	fakedev_reset(0);
	fakedev_fixed_random(1);
	if (sysgenid_open(&sg, SYSGENID_OBSERVER)) {
		t(0, "open the fake device without a VM page");
		return;
	}
	t(!(sg.flags & SYSGENID__VM), "no VM page: a 1.0-style handle");
	ret = sysgenid_seed2(&sg, c, sizeof(c), SYSGENID_SEED_CLONE_UNIQUE);
	t(ret == -EOPNOTSUPP, "no VM page: CLONE_UNIQUE fails with -EOPNOTSUPP");
	t(sysgenid_seed(&sg, c, sizeof(c)) == 0,
	  "no VM page: sysgenid_seed() still succeeds (as documented)");
	sysgenid_close(&sg);
}

/*
 * VMClock's page as the VM generation page (SYSGENID_PAGE_F_VMCLOCK): the
 * same fast path, but its counter is no clone-unique ID; both flags at
 * once are no layout the library knows.
 */
static void vmclock_page(void)
{
	unsigned char c[32];
	struct sysgenid sg;
	unsigned long calls;
	uint32_t g0;

	fakedev_reset(FAKEDEV_VMCLOCK);
	if (sysgenid_open(&sg, SYSGENID_OBSERVER)) {
		t(0, "open the fake device with VMClock's page");
		return;
	}
	t((sg.flags & SYSGENID__VM) && (sg.flags & SYSGENID__VM_COUNTER),
	  "VMClock's page is mapped as the VM generation page, as a counter");
	g0 = sysgenid_get(&sg);
	calls = fakedev_syscalls();
	t(sysgenid_changed(&sg) == 0 && fakedev_syscalls() == calls,
	  "VMClock: nothing pending, no system call");
	fakedev_restore(0x22);
	t(sysgenid_changed(&sg) == 1 && fakedev_syscalls() == calls + 1 &&
	  sysgenid_get(&sg) == g0 + 1,
	  "VMClock: a new counter is seen, one system call, new generation");
	memset(c, 0xee, sizeof(c));
	t(sysgenid_seed2(&sg, c, sizeof(c), SYSGENID_SEED_CLONE_UNIQUE) ==
	  -EOPNOTSUPP && c[0] == 0xee && c[31] == 0xee,
	  "VMClock: CLONE_UNIQUE on a non-zero counter: -EOPNOTSUPP, nothing "
	  "written");
	t(sysgenid_seed(&sg, c, sizeof(c)) == 0,
	  "VMClock: sysgenid_seed() succeeds");
	sysgenid_close(&sg);

	fakedev_reset(1 | FAKEDEV_VMCLOCK);
	if (sysgenid_open(&sg, SYSGENID_OBSERVER)) {
		t(0, "open the fake device with both VM flags");
		return;
	}
	t(!(sg.flags & SYSGENID__VM),
	  "both SYSGENID_PAGE_F_VM and _VMCLOCK: the VM page is not used");
	sysgenid_close(&sg);
}

/* A change between open() and the load in sysgenid_open(). */
static void open_race(int fdinfo)
{
	struct sysgenid sg;
	char name[160];
	uint32_t gen = 0;

	fakedev_reset(1);
	fakedev_no_fdinfo(!fdinfo);
	fakedev_change_at_mmap(1);
	if (sysgenid_open(&sg, SYSGENID_WATCHER)) {
		t(0, "open the fake device as a watcher");
		return;
	}
	snprintf(name, sizeof(name), "a change right after open()%s: the "
		 "watcher is outdated in the driver and changed() says 1",
		 fdinfo ? "" : " (no fdinfo)");
	t(fakedev_outdated(sysgenid_fd(&sg)) && sysgenid_changed(&sg) == 1,
	  name);
	t(sysgenid_wait(&sg, 0, &gen) == 0 && sysgenid_ack(&sg, gen) == 0 &&
	  !fakedev_outdated(sysgenid_fd(&sg)) && sysgenid_changed(&sg) == 0,
	  "... and acknowledging it clears both");
	sysgenid_close(&sg);

	fakedev_reset(1);
	fakedev_no_fdinfo(!fdinfo);
	if (sysgenid_open(&sg, SYSGENID_WATCHER)) {
		t(0, "open the fake device as a watcher");
		return;
	}
	t(!fakedev_outdated(sysgenid_fd(&sg)) && sysgenid_changed(&sg) == 0,
	  "no change after open(): not outdated, changed() says 0");
	sysgenid_close(&sg);
}

int main(void)
{
	restore_seen();
	seed_clones();
	vmclock_page();
	open_race(1);
	open_race(0);
	printf("1..%d\n", n);
	return failed ? 1 : 0;
}
