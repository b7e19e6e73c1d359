// SPDX-License-Identifier: GPL-2.0
/*
 * The VM generation source of sysgenid: no stale window after a restore,
 * and never ahead of the kernel's random number generator.
 *
 * A hypervisor with VMGenID writes a new 16-byte VM generation ID into
 * guest memory before a restored or cloned guest runs again, then sends a
 * notification (ACPI, or an interrupt on device-tree machines), which the
 * kernel handles tens of milliseconds later under emulation.
 * add_vmfork_randomness() mixes the new ID into the kernel's generator,
 * reseeds it and only then runs the vmfork notifiers.
 * "The generation changed" must mean "getrandom() already differs from the
 * other clone's": most programs rebuild their state from getrandom() when
 * told of a change, and acknowledge.
 *
 * So the one change for a new ID is made from the vmfork notifier, after
 * the reseed (sysgenid_vm_change()). The vmgenid driver, which owns the
 * device, runs the notifiers when the hypervisor notifies. A system call
 * that finds a new ID and no notification within SYSGENID_VM_NOTIFY_WAIT
 * has the generator reseeded and the change made itself
 * (sysgenid_vm_restore()): no caller waits on a hypervisor that does not
 * notify.
 *
 * The driver maps the hypervisor's page itself (the page vmgenid reads the
 * ID from) so that a restore is known at once: every system call compares
 * the live ID with the one the last VM-driven change was made for
 * (sysgenid_vm_made_for) and, while they differ, waits for the change
 * (sysgenid_vm_sync()) rather than report the generation before it.
 * Userspace gets the same view (the VM generation page at mmap offset
 * SYSGENID_MMAP_VM_PAGE, and the recorded ID in the generation page), so
 * that it knows without a system call when it must make one. A live ID
 * read while the hypervisor writes it, which VMGenID allows, only starts
 * such a wait: the change is made for the ID read after the notification.
 *
 * The hypervisor page is offered to userspace only when that exposes
 * nothing but VM generation data: the ID does not straddle a page, the page
 * is not System RAM that the kernel allocates from, and every byte of it
 * other than the ID is zero at load. Otherwise the driver works without
 * the page (the vmfork notifier bumps) and sysfs vm_source says why, in one
 * word.
 */

#include <linux/device.h>
#include <linux/io.h>
#include <linux/ioport.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/notifier.h>
#include <linux/random.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <linux/sysfs.h>
#include <linux/sysgenid.h>
#include <linux/wait.h>
#include <linux/workqueue.h>

#include "internal.h"

/*
 * What the source needs from the rest of the kernel. Out of tree, where
 * Debian's vmgenid and random.c offer none of it, compat/ provides these.
 *
 * sysgenid_vmfork_randomness() mixes a new VM generation ID into the
 * kernel's generator, reseeds it and runs the vmfork notifiers; false if
 * the generator could not be reseeded. sysgenid_vm_locate() finds the ID:
 * the vmgenid driver, which owns the device (ACPI or device tree), says
 * where it is; it returns NULL or why not, in one word. vmgenid notifies
 * through add_vmfork_randomness(), so the source has nothing to listen to
 * itself.
 */
#ifndef sysgenid_vm_locate
#include <linux/vmgenid.h>

static bool sysgenid_vmfork_randomness(const void *id, size_t len)
{
	add_vmfork_randomness(id, len);
	return true;
}

static const char * __init sysgenid_vm_locate(phys_addr_t *addr)
{
	return vmgenid_id_address(addr) ? "no-device" : NULL;
}

static int __init sysgenid_vm_listen(void (*notify)(void))
{
	return 0;
}

static void sysgenid_vm_unlisten(void)
{
}
#endif

static bool vmgenid = true;
module_param(vmgenid, bool, 0444);
MODULE_PARM_DESC(vmgenid, "Change the generation when the VM generation ID changes (default: on)");

#define SYSGENID_VM_MAPPED	"mapped"

/*
 * How long a system call that found a new ID waits for the notification
 * before it has the generator reseeded and the change made itself: a
 * hypervisor must notify, but a guest must not hang if it does not.
 */
#define SYSGENID_VM_NOTIFY_WAIT	HZ

/*
 * Why the page is or is not in use, one word for sysfs vm_source (see
 * Documentation/ABI/testing/sysfs-class-misc-sysgenid).
 */
static const char *sysgenid_vm_mode = "no-device";
/* The hypervisor's page (read-only use), or NULL when not in use. */
static const void *sysgenid_vm_page;
static unsigned long sysgenid_vm_pfn;
static unsigned int sysgenid_vm_offset;
/*
 * The VM generation page offered to userspace (VMClock's or VMGenID's, see
 * sysgenid_vm_offer()) and where in it the 16 bytes are that the
 * generation page records; NULL when none is offered.
 */
static const void *sysgenid_vm_user;
static unsigned long sysgenid_vm_user_pfn;
static unsigned int sysgenid_vm_user_offset;
/* The ID the last VM-driven change was made for, as in the page. */
static u64 sysgenid_vm_made_for[2];
/* System calls wait here for the change for a new ID. */
static DECLARE_WAIT_QUEUE_HEAD(sysgenid_vm_wq);
/* Serializes sysgenid_vm_restore(): one reseed per new ID from here. */
static DEFINE_MUTEX(sysgenid_vm_lock);
/* The task in sysgenid_vm_restore()'s reseed, whose vmfork is its own. */
static struct task_struct *sysgenid_vm_reseeder;

static void sysgenid_vm_live(u64 id[2])
{
	const u64 *live = sysgenid_vm_page + sysgenid_vm_offset;

	id[0] = READ_ONCE(live[0]);
	id[1] = READ_ONCE(live[1]);
}

/*
 * Lock-free: true if the hypervisor's ID differs from the one the current
 * generation was made for. The ordering is argued at the stores, in
 * sysgenid_vm_change().
 */
static bool sysgenid_vm_pending(void)
{
	u64 live[2];

	if (!sysgenid_vm_page)
		return false;
	sysgenid_vm_live(live);
	if (live[0] != READ_ONCE(sysgenid_vm_made_for[0]) ||
	    live[1] != READ_ONCE(sysgenid_vm_made_for[1]))
		return true;
	/* Pairs with smp_wmb() in sysgenid_vm_change(). */
	smp_rmb();
	return false;
}

/*
 * Make the one change for a new VM generation ID, if it is not made yet.
 * Called by the vmfork notifier, after add_vmfork_randomness() reseeded
 * the kernel's generator with the new ID, and for a new VMClock generation
 * counter (vmclock.c) after sysgenid_vm_restore() had it reseeded.
 *
 * The generation is stored before the ID and counter it was made for (the
 * copy in the generation page of the VM generation page's 16 bytes,
 * sysgenid_vm_made_for and VMClock's), with smp_wmb() between. It pairs
 * with the smp_rmb() in sysgenid_vm_pending() and
 * sysgenid_vmclock_pending(), and in userspace with the read barrier
 * between the recorded ID and the generation that the uapi header asks
 * for: a reader that finds the new recorded ID finds the new generation. A
 * reader that finds the old recorded ID compares it with the live one,
 * which the hypervisor stored while no vCPU ran (VMGenID's ID, VMClock's
 * counter) and which is therefore new after a restore: it finds them
 * different and knows that a change is due. Either way, no reader takes
 * the old generation for the current one once the guest runs again.
 */
static void sysgenid_vm_change(void)
{
	u64 *recorded = (u64 *)((u8 *)sysgenid_page + SYSGENID_PAGE_VM_ID);
	unsigned long flags;
	u64 live[2];

	if (!sysgenid_vm_pending() && !sysgenid_vmclock_pending())
		return;
	sysgenid_test_vmfork_delay();

	spin_lock_irqsave(&sysgenid_lock, flags);
	if (!sysgenid_ready ||
	    (!sysgenid_vm_pending() && !sysgenid_vmclock_pending())) {
		/* Being removed, or another path made the change first. */
		spin_unlock_irqrestore(&sysgenid_lock, flags);
		return;
	}
	sysgenid_bump_generation_locked();
	sysgenid_test_vm_store_window();
	/*
	 * Pairs with smp_rmb() in sysgenid_vm_pending() and
	 * sysgenid_vmclock_pending(), and with userspace's.
	 */
	smp_wmb();
	if (sysgenid_vm_page) {
		sysgenid_vm_live(live);
		WRITE_ONCE(sysgenid_vm_made_for[0], live[0]);
		WRITE_ONCE(sysgenid_vm_made_for[1], live[1]);
	}
	/* One change for one restore, whichever source noticed it. */
	sysgenid_vmclock_made_locked();
	if (sysgenid_vm_user) {
		const u64 *user = sysgenid_vm_user + sysgenid_vm_user_offset;

		WRITE_ONCE(recorded[0], READ_ONCE(user[0]));
		WRITE_ONCE(recorded[1], READ_ONCE(user[1]));
	}
	spin_unlock_irqrestore(&sysgenid_lock, flags);

	sysgenid_wake();
	wake_up_all(&sysgenid_vm_wq);
}

/*
 * Have the kernel's generator reseeded with the new ID (or VMClock
 * counter) and the change made for it, if neither is done yet.
 * add_vmfork_randomness() runs the vmfork notifiers after the reseed, this
 * driver's among them; where it is not reachable the reseed comes without
 * them, and the change is made here. A VMClock counter is the same in
 * every clone of a snapshot: the cycle counter of the moment goes in with
 * it, beside what the input pool gathered since the resume. From a
 * workqueue only: the out-of-tree reseed needs the kernel's credentials
 * (compat/compat.h).
 */
void sysgenid_vm_restore(void)
{
	struct {
		u64 id[2];
		u64 vmclock[2];
		unsigned long cycles;
	} seed = { };

	mutex_lock(&sysgenid_vm_lock);
	if (sysgenid_vm_pending() || sysgenid_vmclock_pending()) {
		if (sysgenid_vm_page)
			sysgenid_vm_live(seed.id);
		sysgenid_vmclock_seed(seed.vmclock);
		seed.cycles = random_get_entropy();
		WRITE_ONCE(sysgenid_vm_reseeder, current);
		if (!sysgenid_vmfork_randomness(&seed, sizeof(seed)))
			pr_warn_once("kernel generator not reseeded for a new VM generation\n");
		WRITE_ONCE(sysgenid_vm_reseeder, NULL);
		sysgenid_vm_change();
	}
	mutex_unlock(&sysgenid_vm_lock);
}

static void sysgenid_vm_work_fn(struct work_struct *work)
{
	sysgenid_vm_restore();
}

static DECLARE_WORK(sysgenid_vm_work, sysgenid_vm_work_fn);

/* sysgenid_vm_restore() from the workqueue, and wait for it. */
static void sysgenid_vm_restore_now(void)
{
	schedule_work(&sysgenid_vm_work);
	flush_work(&sysgenid_vm_work);
}

/*
 * At the start of every system call on the device: if the hypervisor's ID
 * is new, wait until the change for it is made (after the reseed), so that
 * the call reports the new generation and never the one before it. Cheap
 * (two 16-byte loads) when nothing is pending. A fatal signal ends the
 * wait; without a notification in SYSGENID_VM_NOTIFY_WAIT the caller has
 * the change made itself.
 */
void sysgenid_vm_sync(void)
{
	long ret;

	if (likely(!sysgenid_vm_pending())) {
		if (likely(!sysgenid_vmclock_pending()))
			return;
		/* VMClock sends nothing to wait for: have it made now. */
		sysgenid_vm_restore_now();
		return;
	}
	ret = wait_event_killable_timeout(sysgenid_vm_wq,
					  !sysgenid_vm_pending(),
					  SYSGENID_VM_NOTIFY_WAIT);
	if (!ret)
		sysgenid_vm_restore_now();
}

/* A notification of the hypervisor's, where the source listens itself. */
static void sysgenid_vm_notified(void)
{
	schedule_work(&sysgenid_vm_work);
}

/*
 * The vmfork notifier: compare when a source is in use, else bump. The
 * reseed of sysgenid_vm_restore() runs it too (in the tree), for a change
 * that is made there. Without a VMGenID page, a notification for a
 * restore whose new VMClock counter made the change already is no second
 * change: a notification after the counter changed is for that restore
 * (sysgenid_vmclock_notified()).
 */
static void sysgenid_vm_fork(void)
{
	bool counted = false;

	if (READ_ONCE(sysgenid_vm_reseeder) == current)
		return;
	if (!sysgenid_vm_page)
		counted = sysgenid_vmclock_notified();
	if (sysgenid_vm_page || sysgenid_vmclock_pending())
		sysgenid_vm_change();
	else if (!counted)
		sysgenid_bump_generation();
}

/*
 * A special PTE for the hypervisor's page frame (no struct page is used or
 * referenced). VM_MIXEDMAP rather than VM_PFNMAP (io_remap_pfn_range()) so
 * that madvise() accepts MADV_DONTNEED; the next access faults the frame
 * in again.
 */
static vm_fault_t sysgenid_vmgen_fault(struct vm_fault *vmf)
{
	return vmf_insert_mixed(vmf->vma, vmf->address, sysgenid_vm_user_pfn);
}

static const struct vm_operations_struct sysgenid_vmgen_ops = {
	.fault = sysgenid_vmgen_fault,
};

/*
 * mmap() of the VM generation page: exactly one page, never writable or
 * executable. The PFN is inserted at fault time, so that a mapping
 * emptied by madvise(MADV_DONTNEED) finds the page again.
 */
int sysgenid_vm_mmap(struct vm_area_struct *vma)
{
	if (!sysgenid_vm_user)
		return -ENODEV;
	if (vma_pages(vma) != 1)
		return -EINVAL;
	if (vma->vm_flags & (VM_WRITE | VM_EXEC))
		return -EPERM;

	vm_flags_mod(vma, VM_IO | VM_MIXEDMAP | VM_DONTEXPAND | VM_DONTDUMP,
		     VM_MAYWRITE | VM_MAYEXEC);
	/* The memory the driver reads (MEMREMAP_DEC), not its encrypted view. */
	vma->vm_page_prot = pgprot_decrypted(vma->vm_page_prot);
	vma->vm_ops = &sysgenid_vmgen_ops;
	return 0;
}

/* Decide whether the hypervisor's page is safe to use; see above. */
static const char * __init sysgenid_vm_probe(void)
{
	unsigned int offset;
	phys_addr_t addr;
	const char *why;
	void *page;

	why = sysgenid_vm_locate(&addr);
	if (why)
		return why;

	offset = offset_in_page(addr);
	if (offset + SYSGENID_VM_ID_SIZE > PAGE_SIZE)
		return "id-straddles-page";
	if (!IS_ALIGNED(offset, sizeof(u64)))
		return "id-unaligned";
	if (region_intersects(addr - offset, PAGE_SIZE, IORESOURCE_SYSTEM_RAM,
			      IORES_DESC_NONE) != REGION_DISJOINT)
		return "system-ram";

	/* Shared with the hypervisor, as vmgenid maps it: decrypted. */
	page = memremap(addr - offset, PAGE_SIZE, MEMREMAP_WB | MEMREMAP_DEC);
	if (!page)
		return "memremap-failed";
	if (memchr_inv(page, 0, offset) ||
	    memchr_inv(page + offset + SYSGENID_VM_ID_SIZE, 0,
		       PAGE_SIZE - offset - SYSGENID_VM_ID_SIZE)) {
		memunmap(page);
		return "shared-page";
	}
	/* Before the page is in use: a notification finds nothing pending. */
	if (sysgenid_vm_listen(sysgenid_vm_notified)) {
		memunmap(page);
		return "no-notify-handler";
	}

	sysgenid_vm_page = page;
	sysgenid_vm_pfn = PHYS_PFN(addr);
	sysgenid_vm_offset = offset;
	sysgenid_vm_live(sysgenid_vm_made_for);
	return SYSGENID_VM_MAPPED;
}

/*
 * Choose the VM generation page that userspace may map: VMClock's, a page
 * the hypervisor declares whole, where it offered the counter at load or
 * VMGenID has no page; else VMGenID's. One page is enough: a restore
 * changes both. Nobody can map the generation page yet: plain stores.
 */
static void __init sysgenid_vm_offer(void)
{
	u32 *fields = sysgenid_page;
	u32 flag = SYSGENID_PAGE_F_VMCLOCK;

	if (!sysgenid_vmclock_offer(!sysgenid_vm_page, &sysgenid_vm_user,
				    &sysgenid_vm_user_pfn,
				    &sysgenid_vm_user_offset)) {
		if (!sysgenid_vm_page)
			return;
		sysgenid_vm_user = sysgenid_vm_page;
		sysgenid_vm_user_pfn = sysgenid_vm_pfn;
		sysgenid_vm_user_offset = sysgenid_vm_offset;
		flag = SYSGENID_PAGE_F_VM;
	}
	fields[SYSGENID_PAGE_FLAGS / sizeof(u32)] = flag;
	fields[SYSGENID_PAGE_VM_OFFSET / sizeof(u32)] = sysgenid_vm_user_offset;
	memcpy((u8 *)sysgenid_page + SYSGENID_PAGE_VM_ID,
	       sysgenid_vm_user + sysgenid_vm_user_offset, SYSGENID_VM_ID_SIZE);
}

static int sysgenid_vmfork(struct notifier_block *nb, unsigned long action,
			   void *data)
{
	sysgenid_vm_fork();
	return NOTIFY_DONE;
}

static struct notifier_block sysgenid_vmfork_nb = {
	.notifier_call = sysgenid_vmfork,
};

/* Stop using the hypervisor's page; nothing waits in sysgenid_vm_sync(). */
static void sysgenid_vm_unmap(void)
{
	if (!sysgenid_vm_page)
		return;
	sysgenid_vm_unlisten();
	cancel_work_sync(&sysgenid_vm_work);
	memunmap((void *)sysgenid_vm_page);
	sysgenid_vm_page = NULL;
}

/*
 * At load, after the generation page exists and before the device does.
 * Notifications that come before the device exists change nothing
 * (sysgenid_ready); a new ID is then still pending, and the first system
 * call has the change made.
 */
int __init sysgenid_vm_init(void)
{
	int ret;

	sysgenid_vmclock_init();
	sysgenid_vm_mode = vmgenid ? sysgenid_vm_probe() : "disabled";
	pr_debug("VM generation source: %s\n", sysgenid_vm_mode);
	sysgenid_vm_offer();
	if (!vmgenid)
		return 0;

	ret = register_random_vmfork_notifier(&sysgenid_vmfork_nb);
	if (ret) {
		sysgenid_vm_user = NULL;
		sysgenid_vm_unmap();
		sysgenid_vmclock_exit();
	}
	return ret;
}

/* Once no file is open, and no bump can change the generation. */
void sysgenid_vm_exit(void)
{
	sysgenid_vm_user = NULL;
	sysgenid_vmclock_exit();
	cancel_work_sync(&sysgenid_vm_work);
	if (!vmgenid)
		return;
	unregister_random_vmfork_notifier(&sysgenid_vmfork_nb);
	sysgenid_vm_unmap();
}

static ssize_t vm_source_show(struct device *dev,
			      struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%s\n", sysgenid_vm_mode);
}
static DEVICE_ATTR_RO(vm_source);

/* Which page mmap() offers as the VM generation page, if any. */
static ssize_t vm_page_show(struct device *dev, struct device_attribute *attr,
			    char *buf)
{
	const char *what = "none";

	if (sysgenid_vm_user)
		what = sysgenid_vm_user == sysgenid_vm_page ? "vmgenid" :
							      "vmclock";
	return sysfs_emit(buf, "%s\n", what);
}
static DEVICE_ATTR_RO(vm_page);

static struct attribute *sysgenid_vm_attrs[] = {
	&dev_attr_vm_source.attr,
	&dev_attr_vm_page.attr,
	NULL
};

const struct attribute_group sysgenid_vm_group = {
	.attrs = sysgenid_vm_attrs,
};
