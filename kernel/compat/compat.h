/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Out-of-tree builds only: what newer kernels have and older ones lack, so
 * that sysgenid.c reads as the upstream driver would. Included before
 * anything else, so it only defines macros.
 */
#ifndef _SYSGENID_COMPAT_H
#define _SYSGENID_COMPAT_H

#include <linux/version.h>

#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 3, 0)
/* 6.3 made vma->vm_flags read-only and added helpers to change it. */
#define vm_flags_mod(vma, set, clear) \
	((vma)->vm_flags = ((vma)->vm_flags | (set)) & ~(clear))
#endif

#endif /* _SYSGENID_COMPAT_H */
