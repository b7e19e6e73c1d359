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
 *            the first 4 bytes hold the current generation, the rest of
 *            the page is zero
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

#endif /* _UAPI_LINUX_SYSGENID_H */
