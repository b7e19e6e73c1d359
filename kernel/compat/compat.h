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

/*
 * Kconfig keeps the in-tree driver off architectures whose data caches may
 * alias (see its help text); out of tree, refuse to build there. Kernels
 * before 6.9 lack ARCH_HAS_CPU_CACHE_ALIASING: name the architectures that
 * select it in 6.9.
 */
#if defined(CONFIG_ARCH_HAS_CPU_CACHE_ALIASING) || defined(CONFIG_ARM) || \
	defined(CONFIG_ARC) || defined(CONFIG_CSKY) || defined(CONFIG_M68K) || \
	defined(CONFIG_MIPS) || defined(CONFIG_NIOS2) || \
	defined(CONFIG_PARISC) || defined(CONFIG_SUPERH) || \
	defined(CONFIG_SPARC) || defined(CONFIG_XTENSA)
#error "sysgenid needs an architecture whose data caches do not alias"
#endif

#endif /* _SYSGENID_COMPAT_H */
