/* SPDX-License-Identifier: GPL-2.0 */
/*
 * For kernels whose <linux/vmclock-abi.h> is missing (before 6.13) or has
 * no generation counter (before 7.0): the fields of struct vmclock_abi
 * that vmclock.c reads, at the offsets of the hypervisor's ABI, under the
 * mainline names. The clock fields between flags and the counter are
 * opaque here. Kbuild puts this directory on the include path only for
 * such kernels.
 */
#ifndef _SYSGENID_COMPAT_VMCLOCK_ABI_H
#define _SYSGENID_COMPAT_VMCLOCK_ABI_H

#include <linux/bits.h>
#include <linux/build_bug.h>
#include <linux/stddef.h>
#include <linux/types.h>

struct vmclock_abi {
	__le32 magic;
#define VMCLOCK_MAGIC	0x4b4c4356	/* "VCLK" */
	__le32 size;
	__le16 version;
	__u8 counter_id;
	__u8 time_type;
	__le32 seq_count;		/* odd while the hypervisor writes */
	__le64 disruption_marker;
	__le64 flags;
#define VMCLOCK_FLAG_VM_GEN_COUNTER_PRESENT	BIT(8)
#define VMCLOCK_FLAG_NOTIFICATION_PRESENT	BIT(9)
	__u8 clock[0x68 - 0x20];
	__le64 vm_generation_counter;
};

static_assert(offsetof(struct vmclock_abi, seq_count) == 0x0c);
static_assert(offsetof(struct vmclock_abi, flags) == 0x18);
static_assert(offsetof(struct vmclock_abi, vm_generation_counter) == 0x68);

#endif /* _SYSGENID_COMPAT_VMCLOCK_ABI_H */
