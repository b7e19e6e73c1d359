/* SPDX-License-Identifier: GPL-2.0 */
/*
 * sysgenid: the in-kernel interface for drivers that learn of system
 * generation changes (hypervisor notifications, checkpoint/restore).
 */
#ifndef _LINUX_SYSGENID_H
#define _LINUX_SYSGENID_H

#include <uapi/linux/sysgenid.h>

#if IS_ENABLED(CONFIG_SYSGENID)
void sysgenid_bump_generation(void);
#else
static inline void sysgenid_bump_generation(void) { }
#endif

#endif /* _LINUX_SYSGENID_H */
