// SPDX-License-Identifier: GPL-2.0
/*
 * The VMClock source of sysgenid.
 *
 * A hypervisor with VMClock declares one memory range, the _CRS of the
 * ACPI device AMZNC10C ("VMCLOCK"), holding struct vmclock_abi. Where it
 * sets VMCLOCK_FLAG_VM_GEN_COUNTER_PRESENT, it changes
 * vm_generation_counter before a restored or cloned guest runs again,
 * under the structure's seq_count (odd while it writes).
 *
 * The counter says that the guest was restored, not which copy it is:
 * clones of one snapshot read the same value. So a new counter is handled
 * as a new VM generation ID is (vm.c, sysgenid_vm_restore()): the kernel's
 * generator is reseeded before the generation changes, and one change is
 * made per restore whichever of the two sources notices it first
 * (sysgenid_vm_change() records both). The reseed draws on the input
 * pool, which holds interrupt timings of each clone's own since the
 * resume; the counter and the cycle counter of the moment go in with it.
 *
 * Where the hypervisor declares the structure in a page of its own (the
 * range starts on a page, spans at least one, is not System RAM, and the
 * first page holds nothing after the structure), that page is the one
 * vm.c offers userspace as the VM generation page, if the counter was
 * offered at load or VMGenID has no page to offer: a restore is then known
 * without a system call, as with VMGenID. It holds clock data that the
 * hypervisor gives every guest, which ptp_vmclock maps for userspace too,
 * and nothing else. The mainline vmclock driver, where it is bound, owns
 * the device; this source only reads the page, through its own mapping.
 *
 * Besides every system call on the device, two things make the change
 * for a new counter. A hypervisor that sets
 * VMCLOCK_FLAG_NOTIFICATION_PRESENT sends an ACPI notification to the
 * device each time seq_count becomes even; the handler is installed
 * whatever the flag says at load (ptp_vmclock's may be there too: ACPICA
 * keeps a list), since a restore can bring a hypervisor that notifies.
 * And a delayed work reads the page every vmclock_poll_ms, also while
 * the hypervisor notifies: a restore onto one that does not must still
 * wake sleepers, and the read is cheap.
 */

#include <linux/acpi.h>
#include <linux/device.h>
#include <linux/io.h>
#include <linux/ioport.h>
#include <linux/jiffies.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/string.h>
#include <linux/sysfs.h>
#include <linux/vmclock-abi.h>
#include <linux/workqueue.h>

#include "internal.h"

static bool vmclock = true;
module_param(vmclock, bool, 0444);
MODULE_PARM_DESC(vmclock, "Change the generation when the VMClock generation counter changes (default: on)");

static unsigned int vmclock_poll_ms = 100;
module_param(vmclock_poll_ms, uint, 0444);
MODULE_PARM_DESC(vmclock_poll_ms, "How often to read the VMClock page, in ms; 0: only on system calls (default: 100)");

/*
 * How often a read is retried while the hypervisor updates the page; an
 * update it cannot see now the next read sees.
 */
#define SYSGENID_VMCLOCK_TRIES	100

/* Why the page is not read, one word for sysfs vmclock_source. */
static const char *sysgenid_vmclock_why = "no-device";
/* The hypervisor's structure (read-only use), or NULL when not in use. */
static const struct vmclock_abi *sysgenid_vmclock_page;
/* The counter the last VM-driven change was made for. */
static u64 sysgenid_vmclock_made_for;
/* The structure's page frame, when the page can be offered to userspace. */
static unsigned long sysgenid_vmclock_pfn;
/* Whether the hypervisor offered the counter when the driver loaded. */
static bool sysgenid_vmclock_counted;
/* The counter when the last vmfork notification came, under sysgenid_lock. */
static u64 sysgenid_vmclock_notified_for;
/* The device, while its notifications are handled. */
static struct acpi_device *sysgenid_vmclock_adev;

/*
 * The generation counter under seq_count; false if the hypervisor does
 * not offer it (now), or stays in the middle of an update.
 */
static bool sysgenid_vmclock_read(u64 *counter, u64 *marker)
{
	const struct vmclock_abi *clk = sysgenid_vmclock_page;
	unsigned int tries;
	u64 flags;
	u32 seq;

	for (tries = 0; tries < SYSGENID_VMCLOCK_TRIES; tries++) {
		/* Odd while the hypervisor writes: the recheck below fails. */
		seq = le32_to_cpu(READ_ONCE(clk->seq_count)) & ~1U;
		/* Pairs with the hypervisor's barrier after seq_count. */
		virt_rmb();
		flags = le64_to_cpu(READ_ONCE(clk->flags));
		*counter = le64_to_cpu(READ_ONCE(clk->vm_generation_counter));
		*marker = le64_to_cpu(READ_ONCE(clk->disruption_marker));
		/* Pairs with the hypervisor's barrier before seq_count. */
		virt_rmb();
		if (seq == le32_to_cpu(READ_ONCE(clk->seq_count)))
			return flags & VMCLOCK_FLAG_VM_GEN_COUNTER_PRESENT;
		cpu_relax();
	}
	return false;
}

/*
 * Lock-free: true if the counter differs from the one the current
 * generation was made for. The ordering is that of the VM generation ID,
 * argued in sysgenid_vm_change(): the counter is recorded after the
 * generation, and a reader that finds it recorded reads the generation
 * after the smp_rmb() here.
 */
bool sysgenid_vmclock_pending(void)
{
	u64 counter, marker;

	if (!sysgenid_vmclock_page)
		return false;
	if (sysgenid_vmclock_read(&counter, &marker) &&
	    counter != READ_ONCE(sysgenid_vmclock_made_for))
		return true;
	/* Pairs with smp_wmb() in sysgenid_vm_change(). */
	smp_rmb();
	return false;
}

/* Under sysgenid_lock, after the generation changed: see sysgenid_vm_change(). */
void sysgenid_vmclock_made_locked(void)
{
	u64 counter, marker;

	if (sysgenid_vmclock_page && sysgenid_vmclock_read(&counter, &marker))
		WRITE_ONCE(sysgenid_vmclock_made_for, counter);
}

/*
 * At a vmfork notification, where no VMGenID page tells which ID it is
 * for: true if the counter changed since the last notification, so that
 * the notification is for a restore the counter reports too (a hypervisor
 * changes both), which must not be a second change. False without the
 * counter, or for a notification with the counter unchanged: a new VM
 * generation ID alone.
 */
bool sysgenid_vmclock_notified(void)
{
	u64 counter, marker;
	unsigned long flags;
	bool changed;

	if (!sysgenid_vmclock_page ||
	    !sysgenid_vmclock_read(&counter, &marker))
		return false;
	spin_lock_irqsave(&sysgenid_lock, flags);
	changed = counter != sysgenid_vmclock_notified_for;
	sysgenid_vmclock_notified_for = counter;
	spin_unlock_irqrestore(&sysgenid_lock, flags);
	return changed;
}

/* What the reseed for a restore mixes in from the page: counter, marker. */
void sysgenid_vmclock_seed(u64 seed[2])
{
	if (!sysgenid_vmclock_page ||
	    !sysgenid_vmclock_read(&seed[0], &seed[1]))
		memset(seed, 0, 2 * sizeof(*seed));
}

/*
 * The page vm.c may offer userspace, and where the counter is in it; false
 * if it may not (see above), or if the hypervisor did not offer the
 * counter at load and @only is false (there is another page to offer).
 */
bool sysgenid_vmclock_offer(bool only, const void **page, unsigned long *pfn,
			    unsigned int *offset)
{
	if (!sysgenid_vmclock_pfn || (!sysgenid_vmclock_counted && !only))
		return false;
	*page = sysgenid_vmclock_page;
	*pfn = sysgenid_vmclock_pfn;
	*offset = offsetof(struct vmclock_abi, vm_generation_counter);
	return true;
}

static void sysgenid_vmclock_poll_fn(struct work_struct *work);
static DECLARE_DELAYED_WORK(sysgenid_vmclock_poll, sysgenid_vmclock_poll_fn);

static void sysgenid_vmclock_poll_fn(struct work_struct *work)
{
	if (sysgenid_vmclock_pending())
		sysgenid_vm_restore();
	schedule_delayed_work(&sysgenid_vmclock_poll,
			      msecs_to_jiffies(vmclock_poll_ms));
}

/*
 * The hypervisor's notification: on kacpi_notify, a workqueue, as
 * sysgenid_vm_restore() needs. One that finds the counter unchanged (the
 * hypervisor notifies every update of the page) changes nothing.
 */
static void sysgenid_vmclock_notify(acpi_handle handle, u32 event, void *data)
{
	if (sysgenid_vmclock_pending())
		sysgenid_vm_restore();
}

/* The first memory range of the device's _CRS. */
static int sysgenid_vmclock_range(struct acpi_device *adev, struct resource *r)
{
	struct resource_entry *entry;
	LIST_HEAD(list);
	int ret;

	ret = acpi_dev_get_resources(adev, &list, NULL, NULL);
	if (ret < 0)
		return ret;
	ret = -ENOENT;
	list_for_each_entry(entry, &list, node) {
		if (resource_type(entry->res) == IORESOURCE_MEM) {
			*r = *entry->res;
			ret = 0;
			break;
		}
	}
	acpi_dev_free_resource_list(&list);
	return ret;
}

/*
 * Whether the page that starts the range holds the structure and nothing
 * else, so that userspace may map it: see above. The structure is checked
 * already (magic, version, size).
 */
static bool __init sysgenid_vmclock_whole_page(const struct resource *r)
{
	const void *clk = sysgenid_vmclock_page;

	return PAGE_ALIGNED(r->start) && resource_size(r) >= PAGE_SIZE &&
	       region_intersects(r->start, PAGE_SIZE, IORESOURCE_SYSTEM_RAM,
				 IORES_DESC_NONE) == REGION_DISJOINT &&
	       !memchr_inv(clk + sizeof(struct vmclock_abi), 0,
			   PAGE_SIZE - sizeof(struct vmclock_abi));
}

/* Find and check the hypervisor's structure; NULL when in use, else why not. */
static const char * __init sysgenid_vmclock_probe(void)
{
	const char *why = "no-memory";
	const struct vmclock_abi *clk;
	struct acpi_device *adev;
	u64 counter, marker;
	struct resource r;

	adev = acpi_dev_get_first_match_dev("AMZNC10C", NULL, -1);
	if (!adev)
		adev = acpi_dev_get_first_match_dev("VMCLOCK", NULL, -1);
	if (!adev)
		return "no-device";
	if (sysgenid_vmclock_range(adev, &r))
		goto put;
	if (resource_size(&r) < sizeof(*clk)) {
		why = "too-small";
		goto put;
	}

	/* Shared with the hypervisor, as ptp_vmclock maps it: decrypted. */
	clk = memremap(r.start, resource_size(&r), MEMREMAP_WB | MEMREMAP_DEC);
	if (!clk) {
		why = "memremap-failed";
		goto put;
	}
	if (le32_to_cpu(clk->magic) != VMCLOCK_MAGIC)
		why = "bad-magic";
	else if (le16_to_cpu(clk->version) != 1)
		why = "bad-version";
	else if (le32_to_cpu(clk->size) < sizeof(*clk) ||
		 le32_to_cpu(clk->size) > resource_size(&r))
		why = "too-small";
	else
		why = NULL;
	if (why) {
		memunmap((void *)clk);
		goto put;
	}

	sysgenid_vmclock_page = clk;
	/* Whatever it is at load, flag or not: a later one is a change. */
	sysgenid_vmclock_counted = sysgenid_vmclock_read(&counter, &marker);
	if (sysgenid_vmclock_whole_page(&r))
		sysgenid_vmclock_pfn = PHYS_PFN(r.start);
	sysgenid_vmclock_made_for = counter;
	sysgenid_vmclock_notified_for = counter;

	/* Optional: without it, the poll and system calls see a restore. */
	if (ACPI_SUCCESS(acpi_install_notify_handler(adev->handle,
						     ACPI_DEVICE_NOTIFY,
						     sysgenid_vmclock_notify,
						     NULL))) {
		sysgenid_vmclock_adev = adev;
		return NULL;
	}
	pr_warn("VMClock notifications not handled\n");
	acpi_dev_put(adev);
	return NULL;
put:
	acpi_dev_put(adev);
	return why;
}

/* At load, from sysgenid_vm_init(), before the device exists. */
void __init sysgenid_vmclock_init(void)
{
	if (!vmclock) {
		sysgenid_vmclock_why = "disabled";
		return;
	}
	sysgenid_vmclock_why = sysgenid_vmclock_probe();
	pr_debug("VMClock source: %s\n", sysgenid_vmclock_why ?: "mapped");
	if (sysgenid_vmclock_page && vmclock_poll_ms)
		schedule_delayed_work(&sysgenid_vmclock_poll,
				      msecs_to_jiffies(vmclock_poll_ms));
}

/* Once no file is open, and no bump can change the generation. */
void sysgenid_vmclock_exit(void)
{
	if (!sysgenid_vmclock_page)
		return;
	/* Waits for a handler that runs. */
	if (sysgenid_vmclock_adev) {
		acpi_remove_notify_handler(sysgenid_vmclock_adev->handle,
					   ACPI_DEVICE_NOTIFY,
					   sysgenid_vmclock_notify);
		acpi_dev_put(sysgenid_vmclock_adev);
		sysgenid_vmclock_adev = NULL;
	}
	cancel_delayed_work_sync(&sysgenid_vmclock_poll);
	memunmap((void *)sysgenid_vmclock_page);
	sysgenid_vmclock_page = NULL;
	sysgenid_vmclock_pfn = 0;
}

/*
 * "mapped" while the hypervisor offers the counter, "no-counter" while the
 * page is read but does not, else why the page is not read.
 */
static ssize_t vmclock_source_show(struct device *dev,
				   struct device_attribute *attr, char *buf)
{
	u64 counter, marker;

	if (!sysgenid_vmclock_page)
		return sysfs_emit(buf, "%s\n", sysgenid_vmclock_why);
	return sysfs_emit(buf, "%s\n",
			  sysgenid_vmclock_read(&counter, &marker) ?
			  "mapped" : "no-counter");
}
static DEVICE_ATTR_RO(vmclock_source);

/*
 * What makes the change for a new counter before a system call does:
 * "acpi" while the hypervisor declares notifications and the handler is
 * installed, else "poll" while the delayed work runs, else "none". The
 * flag alone needs no seq_count: one word, and a stale one is harmless.
 */
static ssize_t vmclock_notify_show(struct device *dev,
				   struct device_attribute *attr, char *buf)
{
	const struct vmclock_abi *clk = sysgenid_vmclock_page;
	const char *how = "none";

	if (clk && sysgenid_vmclock_adev &&
	    le64_to_cpu(READ_ONCE(clk->flags)) &
	    VMCLOCK_FLAG_NOTIFICATION_PRESENT)
		how = "acpi";
	else if (clk && vmclock_poll_ms)
		how = "poll";
	return sysfs_emit(buf, "%s\n", how);
}
static DEVICE_ATTR_RO(vmclock_notify);

static struct attribute *sysgenid_vmclock_attrs[] = {
	&dev_attr_vmclock_source.attr,
	&dev_attr_vmclock_notify.attr,
	NULL
};

const struct attribute_group sysgenid_vmclock_group = {
	.attrs = sysgenid_vmclock_attrs,
};
