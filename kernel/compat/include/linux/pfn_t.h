/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Out-of-tree builds only, for kernels without <linux/pfn_t.h>: Kbuild puts
 * compat/include after the kernel's own headers (-idirafter), so this file
 * is found only where the kernel has none. Linux 6.17 removed pfn_t, and
 * with it this header; vmf_insert_mixed() takes a plain pfn since. The
 * driver is written for the kernels that have pfn_t (as the v5 patch is):
 * there, __pfn_to_pfn_t(pfn, 0) makes the pfn_t; here it is the pfn.
 */
#ifndef _SYSGENID_COMPAT_PFN_T_H
#define _SYSGENID_COMPAT_PFN_T_H

#define __pfn_to_pfn_t(pfn, flags) ((void)(flags), (unsigned long)(pfn))

#endif /* _SYSGENID_COMPAT_PFN_T_H */
