/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the parts of the sysgenid driver share: the core (core.c) owns the
 * counter, the device and the generation page; the VM generation source
 * (vm.c), the VMClock source (vmclock.c) and the checkpoint/restore
 * trigger (restore.c) change the generation through it.
 */
#ifndef _SYSGENID_INTERNAL_H
#define _SYSGENID_INTERNAL_H

#include <linux/errno.h>
#include <linux/mm_types.h>
#include <linux/mutex.h>
#include <linux/spinlock.h>
#include <linux/sysfs.h>
#include <linux/types.h>

/*
 * The test build (out of tree only: test/hooks.h, "make
 * SYSGENID_TEST_HOOKS=1") widens the windows between the stores of a
 * change that the memory barriers order, and delays the change for a new
 * VM generation ID; in every other build these are nothing.
 */
#ifndef sysgenid_test_store_window
#define sysgenid_test_store_window()	do { } while (0)
#endif
#ifndef sysgenid_test_vm_store_window
#define sysgenid_test_vm_store_window()	do { } while (0)
#endif
#ifndef sysgenid_test_vmfork_delay
#define sysgenid_test_vmfork_delay()	do { } while (0)
#endif

/* core.c */
extern spinlock_t sysgenid_lock;
extern struct mutex sysgenid_uevent_lock;
extern u32 sysgenid_gen;
extern u32 *sysgenid_page;
extern bool sysgenid_ready;

void sysgenid_set_locked(u32 gen);
void sysgenid_bump_generation_locked(void);
u32 sysgenid_take_uevents_locked(u32 *first);
void sysgenid_send_uevents(u32 first, u32 count);
void sysgenid_wake(void);

/* vm.c: the VM generation source */
#if IS_ENABLED(CONFIG_SYSGENID_VM)
int sysgenid_vm_init(void);
void sysgenid_vm_exit(void);
void sysgenid_vm_sync(void);
int sysgenid_vm_mmap(struct vm_area_struct *vma);
void sysgenid_vm_restore(void);
extern const struct attribute_group sysgenid_vm_group;
#else
static inline int sysgenid_vm_init(void)
{
	return 0;
}

static inline void sysgenid_vm_exit(void)
{
}

static inline void sysgenid_vm_sync(void)
{
}

static inline int sysgenid_vm_mmap(struct vm_area_struct *vma)
{
	return -ENODEV;
}
#endif

/* vmclock.c: the VMClock source, which vm.c's restore handling serves */
#if IS_ENABLED(CONFIG_SYSGENID_VMCLOCK)
void sysgenid_vmclock_init(void);
void sysgenid_vmclock_exit(void);
bool sysgenid_vmclock_pending(void);
bool sysgenid_vmclock_notified(void);
void sysgenid_vmclock_made_locked(void);
void sysgenid_vmclock_seed(u64 seed[2]);
bool sysgenid_vmclock_offer(bool only, const void **page, unsigned long *pfn,
			    unsigned int *offset);
extern const struct attribute_group sysgenid_vmclock_group;
#else
static inline void sysgenid_vmclock_init(void)
{
}

static inline void sysgenid_vmclock_exit(void)
{
}

static inline bool sysgenid_vmclock_pending(void)
{
	return false;
}

static inline bool sysgenid_vmclock_notified(void)
{
	return false;
}

static inline void sysgenid_vmclock_made_locked(void)
{
}

static inline void sysgenid_vmclock_seed(u64 seed[2])
{
	seed[0] = 0;
	seed[1] = 0;
}

static inline bool sysgenid_vmclock_offer(bool only, const void **page,
					  unsigned long *pfn,
					  unsigned int *offset)
{
	return false;
}
#endif

/* restore.c: SYSGENID_FORCE_GEN_UPDATE */
#if IS_ENABLED(CONFIG_SYSGENID_RESTORE)
long sysgenid_force_update(unsigned long min_gen);
#else
static inline long sysgenid_force_update(unsigned long min_gen)
{
	return -ENOTTY;
}
#endif

#endif /* _SYSGENID_INTERNAL_H */
