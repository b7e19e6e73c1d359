// SPDX-License-Identifier: GPL-2.0
/*
 * Out-of-tree builds only: where the VM generation ID is, found the way
 * the vmgenid driver finds it, for kernels whose vmgenid driver does not
 * tell (vm.c asks vmgenid_id_address() in the tree). Debian builds vmgenid
 * in, so the module cannot change it; instead it reads the ACPI device
 * itself and installs a notify handler beside vmgenid's, so that a restore
 * reaches sysgenid whether or not vmgenid is bound (with CONFIG_VMGENID=n,
 * or kept from probing).
 *
 * The words returned are those of sysfs vm_source.
 */

#include <linux/acpi.h>
#include <linux/slab.h>

#ifdef CONFIG_ACPI
/* The VMGenID device, whose notifications sysgenid handles too. */
static acpi_handle sysgenid_compat_handle;
static void (*sysgenid_compat_notify)(void);

static void sysgenid_compat_acpi_notify(acpi_handle handle, u32 event,
					void *data)
{
	sysgenid_compat_notify();
}

/* The address in the result of ADDR: a package of two integers. */
static const char * __init sysgenid_compat_addr(const union acpi_object *pkg,
						phys_addr_t *addr)
{
	if (!pkg || pkg->type != ACPI_TYPE_PACKAGE || pkg->package.count != 2 ||
	    pkg->package.elements[0].type != ACPI_TYPE_INTEGER ||
	    pkg->package.elements[1].type != ACPI_TYPE_INTEGER)
		return "bad-addr";
	*addr = (u64)pkg->package.elements[0].integer.value |
		(u64)pkg->package.elements[1].integer.value << 32;
	return NULL;
}

/*
 * The physical address of the VM generation ID, from the ADDR method of
 * the VMGenID device (low and high 32 bits). ACPICA upper-cases _HID and
 * _CID strings, so QEMU's compatible ID "VM_Gen_Counter" matches
 * "VM_GEN_COUNTER", as in the vmgenid driver.
 */
const char * __init sysgenid_compat_vm_locate(phys_addr_t *addr)
{
	static const char * const ids[] = { "VMGENCTR", "VM_GEN_COUNTER" };
	struct acpi_buffer buf = { ACPI_ALLOCATE_BUFFER, NULL };
	struct acpi_device *adev = NULL;
	acpi_status status;
	const char *why;
	unsigned int i;

	for (i = 0; !adev && i < ARRAY_SIZE(ids); i++)
		adev = acpi_dev_get_first_match_dev(ids[i], NULL, -1);
	if (!adev)
		return "no-device";

	status = acpi_evaluate_object(adev->handle, "ADDR", NULL, &buf);
	sysgenid_compat_handle = adev->handle;
	acpi_dev_put(adev);
	if (ACPI_FAILURE(status))
		return "no-addr-method";

	why = sysgenid_compat_addr(buf.pointer, addr);
	kfree(buf.pointer);
	return why;
}

int __init sysgenid_compat_vm_listen(void (*notify)(void))
{
	acpi_status status;

	sysgenid_compat_notify = notify;
	status = acpi_install_notify_handler(sysgenid_compat_handle,
					     ACPI_DEVICE_NOTIFY,
					     sysgenid_compat_acpi_notify, NULL);
	return ACPI_FAILURE(status) ? -ENODEV : 0;
}

void sysgenid_compat_vm_unlisten(void)
{
	acpi_remove_notify_handler(sysgenid_compat_handle, ACPI_DEVICE_NOTIFY,
				   sysgenid_compat_acpi_notify);
}
#else
const char * __init sysgenid_compat_vm_locate(phys_addr_t *addr)
{
	return "no-acpi";
}

int __init sysgenid_compat_vm_listen(void (*notify)(void))
{
	return -ENODEV;
}

void sysgenid_compat_vm_unlisten(void)
{
}
#endif
