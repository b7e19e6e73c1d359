/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The test build of sysgenid, and only it: "make SYSGENID_TEST_HOOKS=1"
 * includes this file before sysgenid.c (see Kbuild). Such a module is
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
 *   test_fail_init       makes the last step of the initialization (the
 *                        vmfork notifier registration) fail with ENOMEM
 *   test_vm_store_delay_us busy-waits this long between the generation store
 *                        and the recorded VM generation ID store of a change
 *                        for a new VM generation, to widen the window the
 *                        memory barriers there close
 *   test_vmfork_delay_ms sleeps this long before the change for a new VM
 *                        generation ID (after the kernel's generator was
 *                        reseeded), to widen the window after a restore
 *                        that only the counter alone has (the clones
 *                        test's negative control)
 */
#ifndef _SYSGENID_TEST_HOOKS_H
#define _SYSGENID_TEST_HOOKS_H

/* As sysgenid.c defines it, before the headers define their default. */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/delay.h>
#include <linux/gfp.h>
#include <linux/moduleparam.h>
#include <linux/random.h>
#include <linux/sysgenid.h>

static unsigned int test_store_delay_us;
module_param(test_store_delay_us, uint, 0644);
MODULE_PARM_DESC(test_store_delay_us, "Test build: delay between the page and the sequence store");

static bool test_bump_early;
module_param(test_bump_early, bool, 0444);
MODULE_PARM_DESC(test_bump_early, "Test build: bump before init allocates anything");

static bool test_bump_late;
module_param(test_bump_late, bool, 0444);
MODULE_PARM_DESC(test_bump_late, "Test build: bump after the page is freed");

static bool test_fail_init;
module_param(test_fail_init, bool, 0444);
MODULE_PARM_DESC(test_fail_init, "Test build: fail the last step of init");

static unsigned int test_vm_store_delay_us;
module_param(test_vm_store_delay_us, uint, 0644);
MODULE_PARM_DESC(test_vm_store_delay_us, "Test build: delay between the generation and the recorded ID store");

static unsigned int test_vmfork_delay_ms;
module_param(test_vmfork_delay_ms, uint, 0644);
MODULE_PARM_DESC(test_vmfork_delay_ms, "Test build: delay before the change for a new VM generation ID");

#define sysgenid_test_store_window()	udelay(READ_ONCE(test_store_delay_us))
#define sysgenid_test_vm_store_window()	udelay(READ_ONCE(test_vm_store_delay_us))
#define sysgenid_test_vmfork_delay()	msleep(READ_ONCE(test_vmfork_delay_ms))

static inline unsigned long sysgenid_test_get_zeroed_page(gfp_t gfp)
{
	if (test_bump_early)
		sysgenid_bump_generation();
	return get_zeroed_page(gfp);
}

#undef get_zeroed_page
#define get_zeroed_page(gfp)	sysgenid_test_get_zeroed_page(gfp)

static inline void sysgenid_test_free_page(unsigned long addr)
{
	free_pages(addr, 0);
	if (test_bump_late)
		sysgenid_bump_generation();
}

#undef free_page
#define free_page(addr)		sysgenid_test_free_page(addr)

static inline int sysgenid_test_register_vmfork(struct notifier_block *nb)
{
	if (test_fail_init)
		return -ENOMEM;
	return register_random_vmfork_notifier(nb);
}

#define register_random_vmfork_notifier(nb)	sysgenid_test_register_vmfork(nb)

#endif /* _SYSGENID_TEST_HOOKS_H */
