/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The fake device's controls (fakedev.c). */
#ifndef FAKEDEV_H
#define FAKEDEV_H
#include <stdint.h>
/* fresh device: vm 0 (no VM page), 1 (VMGenID's) or FAKEDEV_VMCLOCK */
void fakedev_reset(int vm);
#define FAKEDEV_VMCLOCK	2	/* SYSGENID_PAGE_F_VMCLOCK */
void fakedev_set_vm_id(int byte);	/* live and recorded ID: nothing pending */
void fakedev_restore(int byte);		/* hypervisor's new ID, not yet handled */
void fakedev_change(void);		/* the driver changes the generation */
void fakedev_change_at_mmap(int on);	/* ... between open() and the load */
void fakedev_no_fdinfo(int on);		/* /proc/self/fdinfo unreadable */
void fakedev_fixed_random(int on);	/* getrandom() the same in every clone */
unsigned long fakedev_syscalls(void);
uint32_t fakedev_generation(void);
int fakedev_outdated(int fd);
#endif
