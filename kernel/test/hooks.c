// SPDX-License-Identifier: GPL-2.0
/*
 * The module parameters of the test build; test/hooks.h says what each
 * one does. Linked into the module only by "make SYSGENID_TEST_HOOKS=1".
 */

#include <linux/moduleparam.h>
#include <linux/types.h>

unsigned int sysgenid_test_store_delay_us;
module_param_named(test_store_delay_us, sysgenid_test_store_delay_us, uint, 0644);
MODULE_PARM_DESC(test_store_delay_us, "Test build: delay between the page and the sequence store");

bool sysgenid_test_bump_early;
module_param_named(test_bump_early, sysgenid_test_bump_early, bool, 0444);
MODULE_PARM_DESC(test_bump_early, "Test build: bump before init allocates anything");

bool sysgenid_test_bump_late;
module_param_named(test_bump_late, sysgenid_test_bump_late, bool, 0444);
MODULE_PARM_DESC(test_bump_late, "Test build: bump after the page is freed");

bool sysgenid_test_fail_init;
module_param_named(test_fail_init, sysgenid_test_fail_init, bool, 0444);
MODULE_PARM_DESC(test_fail_init, "Test build: fail the last step of init");

unsigned int sysgenid_test_vm_store_delay_us;
module_param_named(test_vm_store_delay_us, sysgenid_test_vm_store_delay_us, uint, 0644);
MODULE_PARM_DESC(test_vm_store_delay_us, "Test build: delay between the generation and the recorded ID store");

unsigned int sysgenid_test_vmfork_delay_ms;
module_param_named(test_vmfork_delay_ms, sysgenid_test_vmfork_delay_ms, uint, 0644);
MODULE_PARM_DESC(test_vmfork_delay_ms, "Test build: delay before the change for a new VM generation ID");

bool sysgenid_test_system_ram;
module_param_named(test_system_ram, sysgenid_test_system_ram, bool, 0444);
MODULE_PARM_DESC(test_system_ram, "Test build: every range is System RAM (no VM page offered)");
