// SPDX-License-Identifier: GPL-2.0
/*
 * SYSGENID_FORCE_GEN_UPDATE: the generation change a checkpoint/restore
 * tool asks for when it restores a container or a process tree, which no
 * hypervisor reports. The caller needs CAP_CHECKPOINT_RESTORE (or
 * CAP_SYS_ADMIN) in the initial user namespace, because the generation is
 * the whole system's: a container must not make every other one rebuild.
 */

#include <linux/capability.h>
#include <linux/kernel.h>
#include <linux/minmax.h>
#include <linux/mutex.h>
#include <linux/spinlock.h>
#include <linux/sysgenid.h>
#include <linux/user_namespace.h>

#include "internal.h"

/*
 * Set the generation to max(@min_gen, current + 1), current + 1 wrapping:
 * it always changes. Unlike a bump, the change is announced before the
 * call returns, after the uevents of the bumps before it, so that the
 * uevents stay in generation order.
 */
long sysgenid_force_update(unsigned long min_gen)
{
	u32 first, count, gen;

	if (!checkpoint_restore_ns_capable(&init_user_ns))
		return -EPERM;
	if (upper_32_bits(min_gen))
		return -EINVAL;

	mutex_lock(&sysgenid_uevent_lock);
	spin_lock_irq(&sysgenid_lock);
	count = sysgenid_take_uevents_locked(&first);
	gen = max_t(u32, min_gen, sysgenid_gen + 1);
	if (gen == sysgenid_gen)
		gen++;
	sysgenid_set_locked(gen);
	spin_unlock_irq(&sysgenid_lock);

	sysgenid_wake();
	sysgenid_send_uevents(first, count);
	sysgenid_send_uevents(gen, 1);
	mutex_unlock(&sysgenid_uevent_lock);

	return 0;
}
