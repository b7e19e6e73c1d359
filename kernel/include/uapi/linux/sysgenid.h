/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * sysgenid: the system generation counter, userspace ABI.
 *
 * /dev/sysgenid exposes one system-wide 32-bit counter that changes every
 * time the system generation changes, for instance when a virtual machine or
 * container is restored from a snapshot or cloned. Software that keeps state
 * which must be unique to one running copy (random pools, UUID generators,
 * session keys) learns of the change and rebuilds that state.
 *
 * The counter is 0 when the driver loads. Every change makes it differ from
 * its previous value; an ordinary change adds one, and the value wraps
 * modulo 2^32, so compare values only for (in)equality.
 *
 * An open file is a *watcher* if it was opened with write access and an
 * *observer* if it was opened O_RDONLY. Watchers are counted: after each
 * change they stay outdated until they write() the new value back, and
 * SYSGENID_WAIT_WATCHERS waits until none is outdated.
 *
 *   read()   4 bytes, the current generation in native endianness, once the
 *            file has not seen the current generation (blocks otherwise,
 *            or fails with EAGAIN under O_NONBLOCK)
 *   write()  4 bytes, the current generation: acknowledges it (watchers)
 *   poll()   EPOLLIN while the file has not seen the current generation
 *   mmap()   offset 0, at most one page, read-only and not executable:
 *            the generation page below (the counter, then the VM
 *            generation fields, then zeros); offset one page, exactly one
 *            page, read-only and not executable: the VM generation page,
 *            where the driver has a safe source (see below)
 *
 * The full description is Documentation/misc-devices/sysgenid.rst.
 */
#ifndef _UAPI_LINUX_SYSGENID_H
#define _UAPI_LINUX_SYSGENID_H

#include <linux/ioctl.h>

#define SYSGENID_IOCTL			0xE4

/*
 * Wait until no watcher is outdated. The argument is a timeout in
 * milliseconds, 0 for none. Returns 0 when no watcher is outdated, fails
 * with ETIMEDOUT when the timeout expires and with EINTR when the calling
 * file is itself an outdated watcher (it must acknowledge first). A finite
 * timeout is a deadline: a signal ends the wait with EINTR and the call is
 * never restarted; without a timeout a signal restarts it under SA_RESTART.
 */
#define SYSGENID_WAIT_WATCHERS		_IO(SYSGENID_IOCTL, 1)

/*
 * Change the generation now. The argument is the minimum generation: the
 * counter becomes max(argument, current + 1), and always changes. Needs
 * CAP_CHECKPOINT_RESTORE or CAP_SYS_ADMIN in the initial user namespace.
 */
#define SYSGENID_FORCE_GEN_UPDATE	_IO(SYSGENID_IOCTL, 2)

/* The same as SYSGENID_FORCE_GEN_UPDATE, under the number later drivers use. */
#define SYSGENID_TRIGGER_GEN_UPDATE	_IO(SYSGENID_IOCTL, 3)

/* Byte offset of the generation counter (a __u32) in the mapped page. */
#define SYSGENID_PAGE_GENERATION	0

/*
 * VM generation source. Where the hypervisor writes a VM generation ID into
 * guest memory before the guest runs again (VMGenID), a restored guest can
 * read the new ID before the kernel has been told of the restore. The
 * driver then offers two more things, both read-only:
 *
 *  - the VM generation page: mmap() at offset SYSGENID_MMAP_VM_PAGE pages
 *    (one page) maps the hypervisor's own page, which holds the live
 *    16-byte VM generation ID at byte SYSGENID_PAGE_VM_OFFSET (read from
 *    the generation page) and nothing else. Without a safe source the
 *    mmap() fails with ENODEV and the flag below is clear.
 *  - in the generation page, after the counter: SYSGENID_PAGE_FLAGS, the
 *    offset of the ID in the VM page, and SYSGENID_PAGE_VM_ID, the VM
 *    generation ID the current generation was made for.
 *
 * The generation is stale exactly when the recorded ID differs from the
 * live one. To decide without a system call, load in this order, with a
 * read barrier (an acquire fence) between each load and the next:
 *
 *	recorded = page[SYSGENID_PAGE_VM_ID]		(16 bytes)
 *	gen = page[SYSGENID_PAGE_GENERATION]
 *	live = vm_page[vm_offset]			(16 bytes)
 *
 * If recorded equals live, gen is current. If they differ, a restore
 * happened that gen does not reflect yet: make any system call on the
 * device (open, read, write, poll, ioctl). It returns once the kernel's
 * random number generator has been reseeded with the new ID and the
 * generation changed (once per VM generation ID), so that getrandom()
 * after it differs between clones; then load again.
 *
 * With a VMClock generation counter (sysfs vmclock_source), where the
 * hypervisor declares its VMClock structure in a page of its own, that
 * page is the VM generation page instead, and SYSGENID_PAGE_F_VMCLOCK is
 * set rather than SYSGENID_PAGE_F_VM: the 16 bytes at vm_offset are
 * vm_generation_counter (little-endian) and the 8 bytes after the
 * structure, which it leaves zero; the loads and the rule are the same.
 * The page holds clock data that the hypervisor gives every guest, and
 * nothing else. The counter is the same in every clone of one snapshot:
 * it tells that a restore happened, never which clone this is. Without a
 * VM generation page, a system call reports a restore at once and the
 * generation page within the driver's VMClock poll period.
 */
#define SYSGENID_PAGE_FLAGS		4	/* __u32, SYSGENID_PAGE_F_* */
#define SYSGENID_PAGE_VM_OFFSET		8	/* __u32, ID's offset in VM page */
#define SYSGENID_PAGE_VM_ID		16	/* 16 bytes, recorded VM ID */
#define SYSGENID_VM_ID_SIZE		16

/* The VM generation page can be mapped and the VM fields are valid. */
#define SYSGENID_PAGE_F_VM		(1U << 0)
/* The same, and the page is VMClock's: never set with SYSGENID_PAGE_F_VM. */
#define SYSGENID_PAGE_F_VMCLOCK		(1U << 1)

/* mmap() offset of the VM generation page, in pages. */
#define SYSGENID_MMAP_VM_PAGE		1

#endif /* _UAPI_LINUX_SYSGENID_H */
