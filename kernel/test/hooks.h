/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The test build of sysgenid, and only it: "make SYSGENID_TEST_HOOKS=1"
 * includes this file before every source file and links test/hooks.c in
 * (see Kbuild). Such a module is
 * built for the tests in the VM and never installed or packaged. Its
 * module parameters:
 *
 *   test_store_delay_us  busy-waits this long between the page store and
 *                        the sequence store of every change, to widen the
 *                        window the memory barriers there close
 *   test_bump_early      calls sysgenid_bump_generation() before the
 *                        initialization allocates anything
 *   test_bump_late       calls it after every free of the page (after a
 *                        failed initialization, and at unload)
 *   test_fail_init       makes the last step of the initialization before
 *                        the device is registered (the vmfork notifier
 *                        registration) fail with ENOMEM
 *   test_vm_store_delay_us busy-waits this long between the generation store
 *                        and the recorded VM generation ID store of a change
 *                        for a new VM generation, to widen the window the
 *                        memory barriers there close
 *   test_vmfork_delay_ms sleeps this long before the change for a new VM
 *                        generation ID (after the kernel's generator was
 *                        reseeded), to widen the window after a restore
 *                        that only the counter alone has (the clones
 *                        test's negative control)
 *   test_system_ram      makes region_intersects() say that every range is
 *                        System RAM, so that the driver offers neither
 *                        VMGenID's page nor VMClock's (but follows both)
 */
#ifndef _SYSGENID_TEST_HOOKS_H
#define _SYSGENID_TEST_HOOKS_H

/* As the driver defines it, before the headers define their default. */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/delay.h>
#include <linux/gfp.h>
#include <linux/random.h>
#include <linux/sysgenid.h>

/* Defined in test/hooks.c, with the module parameters. */
extern unsigned int sysgenid_test_store_delay_us;
extern bool sysgenid_test_bump_early;
extern bool sysgenid_test_bump_late;
extern bool sysgenid_test_fail_init;
extern unsigned int sysgenid_test_vm_store_delay_us;
extern unsigned int sysgenid_test_vmfork_delay_ms;
extern bool sysgenid_test_system_ram;

#define sysgenid_test_store_window()	udelay(READ_ONCE(sysgenid_test_store_delay_us))
#define sysgenid_test_vm_store_window()	udelay(READ_ONCE(sysgenid_test_vm_store_delay_us))
#define sysgenid_test_vmfork_delay()	msleep(READ_ONCE(sysgenid_test_vmfork_delay_ms))

static inline unsigned long sysgenid_test_get_zeroed_page(gfp_t gfp)
{
	if (sysgenid_test_bump_early)
		sysgenid_bump_generation();
	return get_zeroed_page(gfp);
}

#undef get_zeroed_page
#define get_zeroed_page(gfp)	sysgenid_test_get_zeroed_page(gfp)

static inline void sysgenid_test_free_page(unsigned long addr)
{
	free_pages(addr, 0);
	if (sysgenid_test_bump_late)
		sysgenid_bump_generation();
}

#undef free_page
#define free_page(addr)		sysgenid_test_free_page(addr)

static inline int sysgenid_test_register_vmfork(struct notifier_block *nb)
{
	if (sysgenid_test_fail_init)
		return -ENOMEM;
	return register_random_vmfork_notifier(nb);
}

#define register_random_vmfork_notifier(nb)	sysgenid_test_register_vmfork(nb)

#include <linux/ioport.h>
#include <linux/mm.h>

static inline int sysgenid_test_region_intersects(resource_size_t start,
						  size_t size,
						  unsigned long flags,
						  unsigned long desc)
{
	if (sysgenid_test_system_ram)
		return REGION_INTERSECTS;
	return region_intersects(start, size, flags, desc);
}

#define region_intersects(start, size, flags, desc) \
	sysgenid_test_region_intersects(start, size, flags, desc)

#endif /* _SYSGENID_TEST_HOOKS_H */
