// SPDX-License-Identifier: GPL-2.0
/*
 * Out-of-tree builds only: where the VM generation ID is, found the way
 * the vmgenid driver finds it, for kernels whose vmgenid driver does not
 * tell (vm.c asks vmgenid_id_address() in the tree). Debian builds vmgenid
 * in, so the module cannot change it; instead it reads the device itself
 * and handles its notifications beside vmgenid, so that a restore reaches
 * sysgenid whether or not vmgenid is bound (with CONFIG_VMGENID=n, or kept
 * from probing).
 *
 * The device is an ACPI device (x86, and arm64 machines booted with ACPI)
 * or a device-tree node compatible with "microsoft,vmgenid" (Firecracker
 * on arm64). ACPI is asked first where the kernel has both; a machine
 * booted with ACPI has no device-tree devices, and one booted with a
 * device tree no ACPI namespace, so at most one of them answers.
 *
 * The words returned are those of sysfs vm_source.
 */

#include <linux/acpi.h>
#include <linux/device.h>
#include <linux/interrupt.h>
#include <linux/irqdomain.h>
#include <linux/of.h>
#include <linux/of_address.h>
#include <linux/of_irq.h>
#include <linux/of_platform.h>
#include <linux/platform_device.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <uapi/linux/sysgenid.h>

/* What a source without a VMGenID device returns. */
static const char sysgenid_compat_no_device[] = "no-device";

/* Where sysgenid_compat_vm_locate() found the device. */
static enum {
	SYSGENID_COMPAT_NONE,
	SYSGENID_COMPAT_ACPI,
	SYSGENID_COMPAT_OF,
} sysgenid_compat_via;

/* Called for each notification of the device's. */
static void (*sysgenid_compat_notify)(void);

#ifdef CONFIG_ACPI
/* The VMGenID device, whose notifications sysgenid handles too. */
static acpi_handle sysgenid_compat_handle;

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
static const char * __init sysgenid_compat_acpi_locate(phys_addr_t *addr)
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
		return sysgenid_compat_no_device;

	status = acpi_evaluate_object(adev->handle, "ADDR", NULL, &buf);
	sysgenid_compat_handle = adev->handle;
	acpi_dev_put(adev);
	if (ACPI_FAILURE(status))
		return "no-addr-method";

	why = sysgenid_compat_addr(buf.pointer, addr);
	kfree(buf.pointer);
	return why;
}

static int __init sysgenid_compat_acpi_listen(void)
{
	acpi_status status;

	status = acpi_install_notify_handler(sysgenid_compat_handle,
					     ACPI_DEVICE_NOTIFY,
					     sysgenid_compat_acpi_notify, NULL);
	return ACPI_FAILURE(status) ? -ENODEV : 0;
}

static void sysgenid_compat_acpi_unlisten(void)
{
	acpi_remove_notify_handler(sysgenid_compat_handle, ACPI_DEVICE_NOTIFY,
				   sysgenid_compat_acpi_notify);
}
#else
static const char * __init sysgenid_compat_acpi_locate(phys_addr_t *addr)
{
	return sysgenid_compat_no_device;
}

static int __init sysgenid_compat_acpi_listen(void)
{
	return -ENODEV;
}

static void sysgenid_compat_acpi_unlisten(void)
{
}
#endif

#ifdef CONFIG_OF
/*
 * The device-tree binding (Documentation/devicetree/bindings/rng/
 * microsoft,vmgenid.yaml): the first reg is the 16-byte ID, and the one
 * interrupt is raised after the hypervisor wrote a new one.
 */
#define SYSGENID_COMPAT_OF_COMPATIBLE	"microsoft,vmgenid"

/* The interrupt sysgenid requested, or 0. */
static unsigned int sysgenid_compat_irq;

/* The first enabled VMGenID node, with a reference, or NULL. */
static struct device_node * __init sysgenid_compat_of_node(void)
{
	struct device_node *np;

	for_each_compatible_node(np, NULL, SYSGENID_COMPAT_OF_COMPATIBLE) {
		if (of_device_is_available(np))
			return np;
	}
	return NULL;
}

static const char * __init sysgenid_compat_of_locate(phys_addr_t *addr)
{
	struct device_node *np = sysgenid_compat_of_node();
	struct resource res;
	int ret;

	if (!np)
		return sysgenid_compat_no_device;
	ret = of_address_to_resource(np, 0, &res);
	of_node_put(np);
	if (ret)
		return "no-reg";
	if (resource_size(&res) < SYSGENID_VM_ID_SIZE)
		return "reg-too-small";
	*addr = res.start;
	return NULL;
}

static irqreturn_t sysgenid_compat_of_irq_handler(int irq, void *dev_id)
{
	sysgenid_compat_notify();
	return IRQ_HANDLED;
}

/* Whether the vmgenid driver is bound to the device of node np. */
static bool __init sysgenid_compat_of_vmgenid_bound(struct device_node *np)
{
	struct platform_device *pdev = of_find_device_by_node(np);
	bool bound;

	if (!pdev)
		return false;
	device_lock(&pdev->dev);
	bound = pdev->dev.driver && !strcmp(pdev->dev.driver->name, "vmgenid");
	device_unlock(&pdev->dev);
	put_device(&pdev->dev);
	return bound;
}

/*
 * The mapping of the node's interrupt is the same for every user of it
 * (of_irq_get() finds an existing one): dispose of it only once nobody
 * has the interrupt requested, vmgenid included.
 */
static void sysgenid_compat_of_put_irq(unsigned int irq)
{
	if (!irq_has_action(irq))
		irq_dispose_mapping(irq);
}

/*
 * Request the node's interrupt, shared: vmgenid requests it with
 * IRQF_SHARED as well, and then both handlers run. Should the interrupt
 * be held exclusively (-EBUSY) by vmgenid bound to this node, a vmgenid
 * that does not share it, vmgenid's own handler calls
 * add_vmfork_randomness(), whose vmfork notifiers make sysgenid's change:
 * the restore is heard without a handler here, and the page stays in use
 * (without a notification at all, the first system call would still make
 * the change after SYSGENID_VM_NOTIFY_WAIT). Anyone else holding the
 * interrupt of this node is a device tree that is wrong: fail.
 */
static int __init sysgenid_compat_of_listen(void)
{
	struct device_node *np = sysgenid_compat_of_node();
	int irq, ret;

	if (!np)
		return -ENODEV;
	irq = of_irq_get(np, 0);
	if (irq <= 0) {
		of_node_put(np);
		return irq ? irq : -ENXIO;
	}
	ret = request_irq(irq, sysgenid_compat_of_irq_handler, IRQF_SHARED,
			  KBUILD_MODNAME, &sysgenid_compat_irq);
	if (!ret) {
		sysgenid_compat_irq = irq;
	} else {
		if (ret == -EBUSY && sysgenid_compat_of_vmgenid_bound(np))
			ret = 0;
		sysgenid_compat_of_put_irq(irq);
	}
	of_node_put(np);
	return ret;
}

static void sysgenid_compat_of_unlisten(void)
{
	if (!sysgenid_compat_irq)
		return;
	free_irq(sysgenid_compat_irq, &sysgenid_compat_irq);
	sysgenid_compat_of_put_irq(sysgenid_compat_irq);
	sysgenid_compat_irq = 0;
}
#else
static const char * __init sysgenid_compat_of_locate(phys_addr_t *addr)
{
	return sysgenid_compat_no_device;
}

static int __init sysgenid_compat_of_listen(void)
{
	return -ENODEV;
}

static void sysgenid_compat_of_unlisten(void)
{
}
#endif

const char * __init sysgenid_compat_vm_locate(phys_addr_t *addr)
{
	const char *why;

	if (!IS_ENABLED(CONFIG_ACPI) && !IS_ENABLED(CONFIG_OF))
		return "no-acpi";

	why = sysgenid_compat_acpi_locate(addr);
	if (why != sysgenid_compat_no_device) {
		if (!why)
			sysgenid_compat_via = SYSGENID_COMPAT_ACPI;
		return why;
	}
	why = sysgenid_compat_of_locate(addr);
	if (!why)
		sysgenid_compat_via = SYSGENID_COMPAT_OF;
	return why;
}

int __init sysgenid_compat_vm_listen(void (*notify)(void))
{
	sysgenid_compat_notify = notify;
	switch (sysgenid_compat_via) {
	case SYSGENID_COMPAT_ACPI:
		return sysgenid_compat_acpi_listen();
	case SYSGENID_COMPAT_OF:
		return sysgenid_compat_of_listen();
	default:
		return -ENODEV;
	}
}

void sysgenid_compat_vm_unlisten(void)
{
	switch (sysgenid_compat_via) {
	case SYSGENID_COMPAT_ACPI:
		sysgenid_compat_acpi_unlisten();
		break;
	case SYSGENID_COMPAT_OF:
		sysgenid_compat_of_unlisten();
		break;
	default:
		break;
	}
}
