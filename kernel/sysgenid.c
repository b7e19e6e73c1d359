// SPDX-License-Identifier: GPL-2.0
/*
 * System generation ID: a counter that changes every time the system this
 * kernel runs on is cloned or restored from a snapshot, so that software
 * keeping state that must be unique to one running copy can rebuild it.
 *
 * The counter is exposed through /dev/sysgenid: in a page userspace maps
 * read-only, through read() and poll() on every open file, and through an
 * acknowledgment protocol in which files opened for writing ("watchers")
 * confirm each new generation so that an orchestrator can wait for all of
 * them. Documentation/misc-devices/sysgenid.rst describes the interface.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/acpi.h>
#include <linux/capability.h>
#include <linux/compiler.h>
#include <linux/device.h>
#include <linux/fs.h>
#include <linux/io.h>
#include <linux/ioport.h>
#include <linux/miscdevice.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/pfn_t.h>
#include <linux/poll.h>
#include <linux/random.h>
#include <linux/ratelimit.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <linux/sysgenid.h>
#include <linux/uaccess.h>
#include <linux/wait.h>
#include <linux/workqueue.h>

/*
 * The test build (out of tree only: kernel/test/hooks.h, included by
 * "make SYSGENID_TEST_HOOKS=1") widens the windows between the stores of a
 * change that the memory barriers order, and delays the vmfork notifier;
 * in every other build these are nothing.
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

/*
 * Mix a new VM generation ID into the kernel's generator and reseed it,
 * then run the vmfork notifiers: add_vmfork_randomness(). Out of tree,
 * where it is not exported, compat/compat.h reseeds without the notifiers.
 * Returns false if the generator could not be reseeded (the ID is still
 * mixed in).
 */
#ifndef sysgenid_vmfork_randomness
static bool sysgenid_vmfork_randomness(const void *id, size_t len)
{
#if IS_ENABLED(CONFIG_VMGENID)
	add_vmfork_randomness(id, len);
	return true;
#else
	add_device_randomness(id, len);
	return false;
#endif
}
#endif

static bool vmgenid = true;
module_param(vmgenid, bool, 0444);
MODULE_PARM_DESC(vmgenid, "Change the generation when the VM generation ID changes (default: on)");

/**
 * struct sysgenid_file - what one open file of /dev/sysgenid remembers
 * @seen_seq: number of the last change the file has seen (an observer) or
 *	acknowledged (a watcher); the file is outdated while it differs from
 *	sysgenid_seq, whatever the generation value is
 * @seen_gen: the generation value that change produced
 */
struct sysgenid_file {
	u64 seen_seq;
	u32 seen_gen;
};

/*
 * sysgenid_lock protects every counter below and the fields of each struct
 * sysgenid_file. It is taken with interrupts disabled because
 * sysgenid_bump_generation() may be called from hard interrupt context.
 */
static DEFINE_SPINLOCK(sysgenid_lock);
static u64 sysgenid_seq;		/* changes since the module loaded */
static u32 sysgenid_gen;		/* the generation, also in *sysgenid_page */
static unsigned int sysgenid_watchers;	/* open files with write access */
static unsigned int sysgenid_outdated;	/* watchers with seen_seq != sysgenid_seq */

/*
 * Changes whose uevent is still to be sent: the generations uevent_first,
 * uevent_first + 1, ... , sysgenid_gen. Only sysgenid_bump_generation(),
 * which always adds one, leaves uevents pending; every other change first
 * takes over the pending ones, so this run is always contiguous and always
 * ends at the current generation.
 */
static u32 uevent_first;
static u32 uevent_pending;

/* The page userspace maps; written only under sysgenid_lock. */
static u32 *sysgenid_page;

/*
 * Set under sysgenid_lock once the page and the misc device exist, and
 * cleared under it before either goes away: sysgenid_bump_generation(),
 * which a built-in caller may reach before this driver is initialized or
 * after it failed to, does nothing while it is false.
 */
static bool sysgenid_ready;

/* read() and poll() wait here for a change. */
static DECLARE_WAIT_QUEUE_HEAD(sysgenid_read_wq);
/* SYSGENID_WAIT_WATCHERS waits here for the last acknowledgment. */
static DECLARE_WAIT_QUEUE_HEAD(sysgenid_ack_wq);

/* Serializes sending uevents, so that they go out in generation order. */
static DEFINE_MUTEX(sysgenid_uevent_lock);

static struct miscdevice sysgenid_misc;

static bool sysgenid_file_outdated(const struct sysgenid_file *sf)
{
	lockdep_assert_held(&sysgenid_lock);
	return sf->seen_seq != sysgenid_seq;
}

static bool sysgenid_is_watcher(const struct file *file)
{
	return file->f_mode & FMODE_WRITE;
}

/*
 * Make @gen the current generation. The page is written here, under the
 * lock, so it holds the new value before sysgenid_wake() wakes anyone and
 * before any uevent is sent: whoever is woken finds the new value there.
 *
 * sysgenid_poll() reads sysgenid_seq without the lock, so the page store
 * must also be visible before the new sequence number is:
 *
 *   sysgenid_set_locked()           sysgenid_poll(), then userspace
 *   WRITE_ONCE(page, gen)     (A)   READ_ONCE(sysgenid_seq)      (C)
 *   smp_wmb()                       smp_rmb()
 *   WRITE_ONCE(sysgenid_seq)  (B)   returns EPOLLIN; load of page (D)
 *
 * The smp_wmb() here pairs with the smp_rmb() in sysgenid_poll(): if (C)
 * reads the value (B) stored (or, on 32-bit, either half of it), (D) finds
 * (A) or a later value. (D) is a load of the same task after the syscall
 * returns, so the smp_rmb() orders it after (C) like any later load; a
 * task that migrates to another CPU in between sees everything it saw
 * before, as the scheduler guarantees. smp_store_release() cannot replace
 * the pair because sysgenid_seq is 64 bits wide also on 32-bit machines.
 * Readers under sysgenid_lock need neither barrier: the lock orders them.
 */
static void sysgenid_set_locked(u32 gen)
{
	lockdep_assert_held(&sysgenid_lock);
	sysgenid_gen = gen;
	sysgenid_outdated = sysgenid_watchers;
	WRITE_ONCE(sysgenid_page[SYSGENID_PAGE_GENERATION / sizeof(u32)], gen);
	sysgenid_test_store_window();
	/* Page before sequence number; pairs with sysgenid_poll()'s smp_rmb(). */
	smp_wmb();
	WRITE_ONCE(sysgenid_seq, sysgenid_seq + 1);
}

/*
 * Wake every reader and poller of every file. The wake-up is not
 * exclusive (nr_exclusive 0): all files share sysgenid_read_wq, so waking
 * one EPOLLEXCLUSIVE waiter, as wake_up_interruptible_poll() would, could
 * leave the waiters of every other file asleep.
 */
static void sysgenid_wake(void)
{
	__wake_up(&sysgenid_read_wq, TASK_INTERRUPTIBLE, 0,
		  poll_to_key(EPOLLIN | EPOLLRDNORM));
	wake_up_interruptible_all(&sysgenid_ack_wq);
}

/* Send one uevent for each of @count generations starting at @first. */
static void sysgenid_send_uevents(u32 first, u32 count)
{
	char env[sizeof("SYSGENID=4294967295")];
	char *envp[2] = { env, NULL };
	int ret;

	lockdep_assert_held(&sysgenid_uevent_lock);
	for (; count; count--, first++) {
		snprintf(env, sizeof(env), "SYSGENID=%u", first);
		ret = kobject_uevent_env(&sysgenid_misc.this_device->kobj,
					 KOBJ_CHANGE, envp);
		if (ret)
			pr_warn_ratelimited("uevent for generation %u not sent: %d\n",
					    first, ret);
	}
}

static void sysgenid_uevent_work(struct work_struct *work)
{
	u32 first, count;

	mutex_lock(&sysgenid_uevent_lock);
	spin_lock_irq(&sysgenid_lock);
	first = uevent_first;
	count = uevent_pending;
	uevent_pending = 0;
	spin_unlock_irq(&sysgenid_lock);
	sysgenid_send_uevents(first, count);
	mutex_unlock(&sysgenid_uevent_lock);
}

static DECLARE_WORK(sysgenid_uevent_worker, sysgenid_uevent_work);

/*
 * One more generation, announced by the uevent work. The work is queued
 * under the lock, so that sysgenid_set_ready(false) either finds it queued,
 * and flushes it, or stops the caller from queueing it.
 */
static void sysgenid_bump_generation_locked(void)
{
	lockdep_assert_held(&sysgenid_lock);
	if (!uevent_pending)
		uevent_first = sysgenid_gen + 1;
	uevent_pending++;
	sysgenid_set_locked(sysgenid_gen + 1);
	schedule_work(&sysgenid_uevent_worker);
}

/**
 * sysgenid_bump_generation() - report that the system generation changed
 *
 * Description: Adds one to the generation counter (wrapping at 2^32),
 * marks every watcher outdated and wakes everyone waiting for a change.
 * The counter and the mapped page change before this function returns; the
 * uevent that announces the new generation is sent shortly after from a
 * workqueue. Before the driver is initialized, after it failed to
 * initialize and while it is being removed, the call does nothing.
 *
 * Context: Process, softirq or hard interrupt context, with or without
 * interrupts disabled; on PREEMPT_RT, where interrupt handlers run in
 * threads, from a threaded handler (not a raw hard interrupt handler,
 * because sysgenid_lock is a spinlock_t). Never from NMI context.
 */
void sysgenid_bump_generation(void)
{
	unsigned long flags;

	spin_lock_irqsave(&sysgenid_lock, flags);
	if (!sysgenid_ready) {
		spin_unlock_irqrestore(&sysgenid_lock, flags);
		return;
	}
	sysgenid_bump_generation_locked();
	spin_unlock_irqrestore(&sysgenid_lock, flags);

	sysgenid_wake();
}
EXPORT_SYMBOL_GPL(sysgenid_bump_generation);

/*
 * VM generation source: no stale window after a restore, and never ahead
 * of the kernel's random number generator.
 *
 * A hypervisor with VMGenID writes a new 16-byte VM generation ID into
 * guest memory before a restored or cloned guest runs again, then sends an
 * ACPI notification, which the kernel handles tens of milliseconds later
 * under emulation. add_vmfork_randomness() mixes the new ID into the
 * kernel's generator, reseeds it and only then runs the vmfork notifiers.
 * "The generation changed" must mean "getrandom() already differs from the
 * other clone's": most programs rebuild their state from getrandom() when
 * told of a change, and acknowledge.
 *
 * So the one change for a new ID is made from the vmfork notifier, after
 * the reseed (sysgenid_vm_change()). The driver does not depend on another
 * driver for it: its own ACPI notify handler has the generator reseeded
 * through add_vmfork_randomness() as well (sysgenid_vm_restore()), so the
 * notifier runs whether or not the kernel's vmgenid driver is bound; when
 * both are, the generator is reseeded twice and the change is still made
 * once, for the ID.
 *
 * The driver maps the hypervisor's page itself (the page the ACPI device's
 * ADDR method points into, the memory the kernel's vmgenid driver reads)
 * so that a restore is known at once: every system call compares the live
 * ID with the one the last VM-driven change was made for
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
 * other than the ID is zero at load. Otherwise the driver works as without
 * this section (the vmfork notifier bumps) and sysfs vm_source says why.
 *
 * Ordering of a VM-driven change, made under sysgenid_lock:
 *
 *   sysgenid_vm_change()                 reader (userspace, or
 *                                         sysgenid_vm_pending())
 *   store generation, sysgenid_seq       load recorded ID
 *   smp_wmb()                            smp_rmb() / acquire fence
 *   store recorded ID (page and          load generation / sysgenid_seq
 *     sysgenid_vm_made_for)              (userspace: rmb, load live ID)
 *
 * A reader that finds the new recorded ID therefore finds the new
 * generation. The live ID is stored by the hypervisor while no vCPU runs,
 * so after a restore every load of it returns the new ID: a reader that
 * still finds the old recorded ID finds it different from the live one.
 * Either way the reader knows of the change.
 */

#define SYSGENID_VM_MAPPED	"mapped"

/*
 * How long a system call that found a new ID waits for the notification
 * before it has the generator reseeded and the change made itself: a
 * hypervisor must notify, but a guest must not hang if it does not.
 */
#define SYSGENID_VM_NOTIFY_WAIT	HZ

/* Why the source is or is not in use; read by sysfs vm_source. */
static const char *sysgenid_vm_mode = "no VMGenID device";
/* The hypervisor's page (read-only use), or NULL when not in use. */
static const void *sysgenid_vm_page;
static unsigned long sysgenid_vm_pfn;
static unsigned int sysgenid_vm_offset;
/* The ID the last VM-driven change was made for, as in the page. */
static u64 sysgenid_vm_made_for[2];
/* The VMGenID device, whose notifications the driver handles too. */
static acpi_handle sysgenid_vm_handle;
/* System calls wait here for the change for a new ID. */
static DECLARE_WAIT_QUEUE_HEAD(sysgenid_vm_wq);
/* Serializes sysgenid_vm_restore(): one reseed per new ID from here. */
static DEFINE_MUTEX(sysgenid_vm_lock);

static void sysgenid_vm_live(u64 id[2])
{
	const u64 *live = sysgenid_vm_page + sysgenid_vm_offset;

	id[0] = READ_ONCE(live[0]);
	id[1] = READ_ONCE(live[1]);
}

/*
 * Lock-free: true if the hypervisor's ID differs from the one the current
 * generation was made for. When it returns false, the smp_rmb() (pairing
 * with the smp_wmb() in sysgenid_vm_change()) makes the caller's later
 * lock-free loads of sysgenid_seq see the change made for this ID.
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
	/* Pairs with smp_wmb() in sysgenid_vm_change(): ID, then sequence. */
	smp_rmb();
	return false;
}

/*
 * Make the one change for a new VM generation ID, if it is not made yet.
 * Called by the vmfork notifier, after add_vmfork_randomness() reseeded
 * the kernel's generator with the new ID.
 */
static void sysgenid_vm_change(void)
{
	u64 *recorded = (u64 *)((u8 *)sysgenid_page + SYSGENID_PAGE_VM_ID);
	unsigned long flags;
	u64 live[2];

	if (!sysgenid_vm_pending())
		return;
	sysgenid_test_vmfork_delay();

	spin_lock_irqsave(&sysgenid_lock, flags);
	sysgenid_vm_live(live);
	if (!sysgenid_ready || (live[0] == sysgenid_vm_made_for[0] &&
				live[1] == sysgenid_vm_made_for[1])) {
		/* Being removed, or another path made the change first. */
		spin_unlock_irqrestore(&sysgenid_lock, flags);
		return;
	}
	sysgenid_bump_generation_locked();
	sysgenid_test_vm_store_window();
	/* The generation before the ID it was made for: see above. */
	smp_wmb();
	WRITE_ONCE(recorded[0], live[0]);
	WRITE_ONCE(recorded[1], live[1]);
	WRITE_ONCE(sysgenid_vm_made_for[0], live[0]);
	WRITE_ONCE(sysgenid_vm_made_for[1], live[1]);
	spin_unlock_irqrestore(&sysgenid_lock, flags);

	sysgenid_wake();
	wake_up_all(&sysgenid_vm_wq);
}

/*
 * Have the kernel's generator reseeded with the new ID and the change made
 * for it, if neither is done yet. add_vmfork_randomness() runs the vmfork
 * notifiers after the reseed, this driver's among them; where it is not
 * reachable the reseed comes without them, and the change is made here.
 * From a workqueue only: the out-of-tree reseed needs the kernel's
 * credentials (compat/compat.h).
 */
static void sysgenid_vm_restore(void)
{
	u64 live[2];

	mutex_lock(&sysgenid_vm_lock);
	if (sysgenid_vm_pending()) {
		sysgenid_vm_live(live);
		if (!sysgenid_vmfork_randomness(live, sizeof(live)))
			pr_warn_once("kernel generator not reseeded for a new VM generation ID\n");
		sysgenid_vm_change();
	}
	mutex_unlock(&sysgenid_vm_lock);
}

static void sysgenid_vm_work_fn(struct work_struct *work)
{
	sysgenid_vm_restore();
}

static DECLARE_WORK(sysgenid_vm_work, sysgenid_vm_work_fn);

/*
 * At the start of every system call on the device: if the hypervisor's ID
 * is new, wait until the change for it is made (after the reseed), so that
 * the call reports the new generation and never the one before it. Cheap
 * (two 16-byte loads) when nothing is pending. A fatal signal ends the
 * wait; without a notification in SYSGENID_VM_NOTIFY_WAIT the caller has
 * the change made itself.
 */
static void sysgenid_vm_sync(void)
{
	long ret;

	if (likely(!sysgenid_vm_pending()))
		return;
	ret = wait_event_killable_timeout(sysgenid_vm_wq,
					  !sysgenid_vm_pending(),
					  SYSGENID_VM_NOTIFY_WAIT);
	if (!ret) {
		schedule_work(&sysgenid_vm_work);
		flush_work(&sysgenid_vm_work);
	}
}

#ifdef CONFIG_ACPI
/* The VMGenID device's notification, beside the vmgenid driver's own. */
static void sysgenid_vm_notify(acpi_handle handle, u32 event, void *data)
{
	schedule_work(&sysgenid_vm_work);
}
#endif

/* The vmfork notifier: compare when the source is in use, else bump. */
static void sysgenid_vm_fork(void)
{
	if (sysgenid_vm_page)
		sysgenid_vm_change();
	else
		sysgenid_bump_generation();
}

/*
 * A special PTE for the hypervisor's page frame (no struct page is used or
 * referenced). VM_MIXEDMAP rather than VM_PFNMAP so that madvise() accepts
 * MADV_DONTNEED; the next access faults the frame in again.
 */
static vm_fault_t sysgenid_vmgen_fault(struct vm_fault *vmf)
{
	return vmf_insert_mixed(vmf->vma, vmf->address,
				__pfn_to_pfn_t(sysgenid_vm_pfn, 0));
}

static const struct vm_operations_struct sysgenid_vmgen_ops = {
	.fault = sysgenid_vmgen_fault,
};

/*
 * mmap() of the VM generation page: exactly one page, never writable or
 * executable. The PFN is inserted at fault time, so that a mapping
 * emptied by madvise(MADV_DONTNEED) finds the page again.
 */
static int sysgenid_vm_mmap(struct vm_area_struct *vma)
{
	if (!sysgenid_vm_page)
		return -ENODEV;
	if (vma_pages(vma) != 1)
		return -EINVAL;
	if (vma->vm_flags & (VM_WRITE | VM_EXEC))
		return -EPERM;

	vm_flags_mod(vma, VM_IO | VM_MIXEDMAP | VM_DONTEXPAND | VM_DONTDUMP,
		     VM_MAYWRITE | VM_MAYEXEC);
	vma->vm_ops = &sysgenid_vmgen_ops;
	return 0;
}

#ifdef CONFIG_ACPI
/* The address in the result of ADDR: a package of two integers. */
static const char * __init sysgenid_vm_addr(const union acpi_object *pkg,
					    phys_addr_t *addr)
{
	if (!pkg || pkg->type != ACPI_TYPE_PACKAGE || pkg->package.count != 2 ||
	    pkg->package.elements[0].type != ACPI_TYPE_INTEGER ||
	    pkg->package.elements[1].type != ACPI_TYPE_INTEGER)
		return "bad ADDR package";
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
static const char * __init sysgenid_vm_find(phys_addr_t *addr)
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
		return "no VMGenID device";

	status = acpi_evaluate_object(adev->handle, "ADDR", NULL, &buf);
	sysgenid_vm_handle = adev->handle;
	acpi_dev_put(adev);
	if (ACPI_FAILURE(status))
		return "no ADDR method";

	why = sysgenid_vm_addr(buf.pointer, addr);
	kfree(buf.pointer);
	return why;
}

static int __init sysgenid_vm_listen(void)
{
	acpi_status status;

	status = acpi_install_notify_handler(sysgenid_vm_handle,
					     ACPI_DEVICE_NOTIFY,
					     sysgenid_vm_notify, NULL);
	return ACPI_FAILURE(status) ? -ENODEV : 0;
}

static void sysgenid_vm_unlisten(void)
{
	acpi_remove_notify_handler(sysgenid_vm_handle, ACPI_DEVICE_NOTIFY,
				   sysgenid_vm_notify);
}
#else
static const char * __init sysgenid_vm_find(phys_addr_t *addr)
{
	return "no ACPI";
}

static int __init sysgenid_vm_listen(void)
{
	return -ENODEV;
}

static void sysgenid_vm_unlisten(void)
{
}
#endif

/* Decide whether the hypervisor's page is safe to use; see above. */
static const char * __init sysgenid_vm_probe(void)
{
	u32 *fields = sysgenid_page;
	unsigned int offset;
	phys_addr_t addr;
	const char *why;
	void *page;

	if (!vmgenid)
		return "vmgenid=0";
	why = sysgenid_vm_find(&addr);
	if (why)
		return why;

	offset = offset_in_page(addr);
	if (offset + SYSGENID_VM_ID_SIZE > PAGE_SIZE)
		return "ID straddles a page";
	if (!IS_ALIGNED(offset, sizeof(u64)))
		return "ID not aligned";
	if (region_intersects(addr - offset, PAGE_SIZE, IORESOURCE_SYSTEM_RAM,
			      IORES_DESC_NONE) != REGION_DISJOINT)
		return "page is System RAM";

	page = memremap(addr - offset, PAGE_SIZE, MEMREMAP_WB);
	if (!page)
		return "memremap failed";
	if (memchr_inv(page, 0, offset) ||
	    memchr_inv(page + offset + SYSGENID_VM_ID_SIZE, 0,
		       PAGE_SIZE - offset - SYSGENID_VM_ID_SIZE)) {
		memunmap(page);
		return "page shared with other data";
	}
	/* Before the page is in use: a notification finds nothing pending. */
	if (sysgenid_vm_listen()) {
		memunmap(page);
		return "no notify handler";
	}

	sysgenid_vm_page = page;
	sysgenid_vm_pfn = PHYS_PFN(addr);
	sysgenid_vm_offset = offset;
	sysgenid_vm_live(sysgenid_vm_made_for);
	/* Nobody can map the page yet: plain stores. */
	fields[SYSGENID_PAGE_FLAGS / sizeof(u32)] = SYSGENID_PAGE_F_VM;
	fields[SYSGENID_PAGE_VM_OFFSET / sizeof(u32)] = offset;
	memcpy((u8 *)sysgenid_page + SYSGENID_PAGE_VM_ID, sysgenid_vm_made_for,
	       SYSGENID_VM_ID_SIZE);
	return SYSGENID_VM_MAPPED;
}

/* At load, after the generation page exists and before the device does. */
static void __init sysgenid_vm_init(void)
{
	sysgenid_vm_mode = sysgenid_vm_probe();
	pr_debug("VM generation source: %s\n", sysgenid_vm_mode);
}

/* Once no file is open: nothing waits in sysgenid_vm_sync(). */
static void sysgenid_vm_exit(void)
{
	if (!sysgenid_vm_page)
		return;
	sysgenid_vm_unlisten();
	cancel_work_sync(&sysgenid_vm_work);
	memunmap((void *)sysgenid_vm_page);
	sysgenid_vm_page = NULL;
}

static ssize_t vm_source_show(struct device *dev,
			      struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%s\n", sysgenid_vm_mode);
}
static DEVICE_ATTR_RO(vm_source);

/* End of the VM generation source. */

static int sysgenid_open(struct inode *inode, struct file *file)
{
	struct sysgenid_file *sf;

	sysgenid_vm_sync();
	sf = kmalloc(sizeof(*sf), GFP_KERNEL_ACCOUNT);
	if (!sf)
		return -ENOMEM;

	spin_lock_irq(&sysgenid_lock);
	sf->seen_seq = sysgenid_seq;
	sf->seen_gen = sysgenid_gen;
	if (sysgenid_is_watcher(file))
		sysgenid_watchers++;
	spin_unlock_irq(&sysgenid_lock);

	file->private_data = sf;
	return stream_open(inode, file);
}

/*
 * Mark the watcher @sf up to date. Returns true if it was the last outdated
 * one, in which case the caller wakes SYSGENID_WAIT_WATCHERS.
 */
static bool sysgenid_ack_locked(struct sysgenid_file *sf)
{
	bool was_outdated = sysgenid_file_outdated(sf);

	WRITE_ONCE(sf->seen_seq, sysgenid_seq);
	sf->seen_gen = sysgenid_gen;
	return was_outdated && !--sysgenid_outdated;
}

static int sysgenid_release(struct inode *inode, struct file *file)
{
	struct sysgenid_file *sf = file->private_data;
	bool last = false;

	if (sysgenid_is_watcher(file)) {
		spin_lock_irq(&sysgenid_lock);
		last = sysgenid_ack_locked(sf);
		sysgenid_watchers--;
		spin_unlock_irq(&sysgenid_lock);
	}
	if (last)
		wake_up_interruptible_all(&sysgenid_ack_wq);

	kfree(sf);
	return 0;
}

static ssize_t sysgenid_read(struct file *file, char __user *buf,
			     size_t count, loff_t *ppos)
{
	struct sysgenid_file *sf = file->private_data;
	u64 seq;
	u32 gen;
	int ret;

	sysgenid_vm_sync();
	if (!count)
		return 0;
	if (count < sizeof(gen))
		return -EINVAL;

	spin_lock_irq(&sysgenid_lock);
	if (!sysgenid_file_outdated(sf)) {
		if (file->f_flags & O_NONBLOCK)
			ret = -EAGAIN;
		else
			ret = wait_event_interruptible_lock_irq(sysgenid_read_wq,
								sysgenid_file_outdated(sf),
								sysgenid_lock);
		if (ret) {
			spin_unlock_irq(&sysgenid_lock);
			return ret;
		}
	}
	seq = sysgenid_seq;
	gen = sysgenid_gen;
	spin_unlock_irq(&sysgenid_lock);

	if (copy_to_user(buf, &gen, sizeof(gen)))
		return -EFAULT;

	/* For an observer, a read that reached userspace consumes the change. */
	if (!sysgenid_is_watcher(file)) {
		spin_lock_irq(&sysgenid_lock);
		if (seq > sf->seen_seq) {
			WRITE_ONCE(sf->seen_seq, seq);
			sf->seen_gen = gen;
		}
		spin_unlock_irq(&sysgenid_lock);
	}
	return sizeof(gen);
}

static ssize_t sysgenid_write(struct file *file, const char __user *buf,
			      size_t count, loff_t *ppos)
{
	struct sysgenid_file *sf = file->private_data;
	bool last;
	u32 gen;

	sysgenid_vm_sync();
	if (count != sizeof(gen))
		return -EINVAL;
	if (copy_from_user(&gen, buf, sizeof(gen)))
		return -EFAULT;

	spin_lock_irq(&sysgenid_lock);
	if (gen != sysgenid_gen) {
		spin_unlock_irq(&sysgenid_lock);
		return -EINVAL;
	}
	last = sysgenid_ack_locked(sf);
	spin_unlock_irq(&sysgenid_lock);

	if (last)
		wake_up_interruptible_all(&sysgenid_ack_wq);
	return sizeof(gen);
}

static __poll_t sysgenid_poll(struct file *file, poll_table *wait)
{
	struct sysgenid_file *sf = file->private_data;
	bool changed;

	sysgenid_vm_sync();
	poll_wait(file, &sysgenid_read_wq, wait);

	/*
	 * The one lock-free read of the state. poll_wait() queues this file
	 * on sysgenid_read_wq under the queue's lock before the loads below,
	 * and a change stores sysgenid_seq before sysgenid_wake() takes that
	 * lock to wake the queue:
	 *
	 *   change                          poll
	 *   WRITE_ONCE(sysgenid_seq)        lock(read_wq); queue; unlock
	 *   lock(read_wq); wake; unlock     READ_ONCE(sysgenid_seq)
	 *
	 * Either the poller was queued before the wake-up, which then polls
	 * it again, or its lock of the queue came after the waker's unlock
	 * and its load sees the new sequence number. A load torn by a
	 * concurrent change on a 32-bit machine is covered the same way; one
	 * torn by this file's own acknowledgment can only report EPOLLIN
	 * once too often, as eventfd_poll() may.
	 *
	 * The smp_rmb() pairs with the smp_wmb() in sysgenid_set_locked():
	 * a caller told EPOLLIN by a new sequence number finds the page
	 * written for it (see the comment there).
	 */
	changed = READ_ONCE(sf->seen_seq) != READ_ONCE(sysgenid_seq);
	/* Pairs with the smp_wmb() in sysgenid_set_locked(). */
	smp_rmb();
	return changed ? EPOLLIN | EPOLLRDNORM : 0;
}

/* An outdated watcher must acknowledge before it may wait for the others. */
static bool sysgenid_caller_outdated(struct file *file)
{
	return sysgenid_is_watcher(file) &&
	       sysgenid_file_outdated(file->private_data);
}

static long sysgenid_wait_watchers(struct file *file, unsigned long msecs)
{
	long timeout = MAX_SCHEDULE_TIMEOUT;
	long ret;

	/*
	 * msecs_to_jiffies() takes an unsigned int, and turns every value from
	 * 2^31 ms (about 24.8 days) up into MAX_JIFFY_OFFSET: such a timeout
	 * in effect never expires.
	 */
	if (msecs)
		timeout = msecs_to_jiffies(min_t(unsigned long, msecs, UINT_MAX));

	spin_lock_irq(&sysgenid_lock);
	ret = wait_event_interruptible_lock_irq_timeout(sysgenid_ack_wq,
							!sysgenid_outdated ||
							sysgenid_caller_outdated(file),
							sysgenid_lock, timeout);
	if (ret > 0)
		ret = sysgenid_caller_outdated(file) ? -EINTR : 0;
	else if (!ret)
		ret = -ETIMEDOUT;
	else if (msecs)
		/*
		 * A finite timeout is a deadline. A restarted ioctl() would
		 * wait the whole timeout again, so a signal ends the call.
		 */
		ret = -EINTR;
	spin_unlock_irq(&sysgenid_lock);

	return ret;
}

static long sysgenid_force_update(unsigned long min_gen)
{
	u32 first, count, gen;

	if (!checkpoint_restore_ns_capable(&init_user_ns))
		return -EPERM;
	if (upper_32_bits(min_gen))
		return -EINVAL;

	mutex_lock(&sysgenid_uevent_lock);
	spin_lock_irq(&sysgenid_lock);
	first = uevent_first;
	count = uevent_pending;
	uevent_pending = 0;
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

static long sysgenid_ioctl(struct file *file, unsigned int cmd,
			   unsigned long arg)
{
	sysgenid_vm_sync();
	switch (cmd) {
	case SYSGENID_WAIT_WATCHERS:
		return sysgenid_wait_watchers(file, arg);
	case SYSGENID_FORCE_GEN_UPDATE:
	case SYSGENID_TRIGGER_GEN_UPDATE:
		return sysgenid_force_update(arg);
	default:
		return -ENOTTY;
	}
}

/*
 * The page behind page offset @pgoff of a mapping, or NULL. Offset 0 is
 * the generation page; sysgenid_mmap() lets no other offset be mapped.
 */
static struct page *sysgenid_mapped_page(pgoff_t pgoff)
{
	if (pgoff == 0)
		return virt_to_page(sysgenid_page);
	return NULL;
}

/*
 * Pages are supplied on demand rather than inserted at mmap() time, so that
 * a mapping survives madvise(MADV_DONTNEED) and the like: the next load
 * faults the page in again. The mapping holds a reference to the file,
 * and the file one to this module, so the page outlives every mapping.
 */
static vm_fault_t sysgenid_vm_fault(struct vm_fault *vmf)
{
	struct page *page = sysgenid_mapped_page(vmf->pgoff);

	if (!page)
		return VM_FAULT_SIGBUS;
	get_page(page);
	vmf->page = page;
	return 0;
}

static const struct vm_operations_struct sysgenid_vm_ops = {
	.fault = sysgenid_vm_fault,
};

static int sysgenid_mmap(struct file *file, struct vm_area_struct *vma)
{
	if (vma->vm_pgoff == SYSGENID_MMAP_VM_PAGE)
		return sysgenid_vm_mmap(vma);
	if (vma->vm_pgoff || vma_pages(vma) > 1)
		return -EINVAL;
	if (vma->vm_flags & (VM_WRITE | VM_EXEC))
		return -EPERM;

	/*
	 * Never writable or executable later either (mprotect() fails with
	 * EACCES), and never larger than the page.
	 */
	vm_flags_mod(vma, VM_DONTEXPAND | VM_DONTDUMP, VM_MAYWRITE | VM_MAYEXEC);
	vma->vm_ops = &sysgenid_vm_ops;
	return 0;
}

static void sysgenid_show_fdinfo(struct seq_file *m, struct file *file)
{
	struct sysgenid_file *sf = file->private_data;
	u32 gen;

	spin_lock_irq(&sysgenid_lock);
	gen = sf->seen_gen;
	spin_unlock_irq(&sysgenid_lock);

	seq_printf(m, "sysgenid-kind: %s\n",
		   sysgenid_is_watcher(file) ? "watcher" : "observer");
	seq_printf(m, "sysgenid-seen: %u\n", gen);
}

static const struct file_operations sysgenid_fops = {
	.owner		= THIS_MODULE,
	.open		= sysgenid_open,
	.release	= sysgenid_release,
	.read		= sysgenid_read,
	.write		= sysgenid_write,
	.poll		= sysgenid_poll,
	.unlocked_ioctl	= sysgenid_ioctl,
	.compat_ioctl	= sysgenid_ioctl,
	.mmap		= sysgenid_mmap,
	.show_fdinfo	= sysgenid_show_fdinfo,
};

static unsigned int sysgenid_read_locked(const unsigned int *value)
{
	unsigned int v;

	spin_lock_irq(&sysgenid_lock);
	v = *value;
	spin_unlock_irq(&sysgenid_lock);
	return v;
}

static ssize_t generation_show(struct device *dev,
			       struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%u\n", sysgenid_read_locked(&sysgenid_gen));
}
static DEVICE_ATTR_RO(generation);

static ssize_t watchers_show(struct device *dev,
			     struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%u\n", sysgenid_read_locked(&sysgenid_watchers));
}
static DEVICE_ATTR_RO(watchers);

static ssize_t outdated_watchers_show(struct device *dev,
				      struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%u\n", sysgenid_read_locked(&sysgenid_outdated));
}
static DEVICE_ATTR_RO(outdated_watchers);

static struct attribute *sysgenid_attrs[] = {
	&dev_attr_generation.attr,
	&dev_attr_watchers.attr,
	&dev_attr_outdated_watchers.attr,
	&dev_attr_vm_source.attr,
	NULL
};
ATTRIBUTE_GROUPS(sysgenid);

static struct miscdevice sysgenid_misc = {
	.minor	= MISC_DYNAMIC_MINOR,
	.name	= "sysgenid",
	.fops	= &sysgenid_fops,
	.groups	= sysgenid_groups,
	.mode	= 0644,
};

static int sysgenid_vmfork(struct notifier_block *nb, unsigned long action,
			   void *data)
{
	sysgenid_vm_fork();
	return NOTIFY_DONE;
}

static struct notifier_block sysgenid_vmfork_nb = {
	.notifier_call = sysgenid_vmfork,
};

/*
 * Let sysgenid_bump_generation() change the generation, or stop it. Set
 * under sysgenid_lock, which the bump takes to test it: the page and the
 * misc device, which exist before sysgenid_ready is set, are visible to
 * every bump that finds it set. Once it is cleared no bump queues the
 * uevent work any more, and the work queued before is flushed here.
 */
static void sysgenid_set_ready(bool ready)
{
	spin_lock_irq(&sysgenid_lock);
	sysgenid_ready = ready;
	spin_unlock_irq(&sysgenid_lock);
	if (!ready)
		flush_work(&sysgenid_uevent_worker);
}

static int __init sysgenid_init(void)
{
	int ret;

	sysgenid_page = (u32 *)get_zeroed_page(GFP_KERNEL);
	if (!sysgenid_page)
		return -ENOMEM;
	sysgenid_vm_init();

	/*
	 * Notifications that come before the device exists change nothing
	 * (sysgenid_ready); a new VM generation ID is then still pending,
	 * and the first system call has the change made.
	 */
	if (vmgenid) {
		ret = register_random_vmfork_notifier(&sysgenid_vmfork_nb);
		if (ret)
			goto out_vm;
	}

	/* Last: once the device exists, it may be opened. */
	ret = misc_register(&sysgenid_misc);
	if (ret)
		goto out_unregister;
	sysgenid_set_ready(true);
	return 0;

out_unregister:
	if (vmgenid)
		unregister_random_vmfork_notifier(&sysgenid_vmfork_nb);
out_vm:
	sysgenid_vm_exit();
	free_page((unsigned long)sysgenid_page);
	sysgenid_page = NULL;
	return ret;
}

static void __exit sysgenid_exit(void)
{
	if (vmgenid)
		unregister_random_vmfork_notifier(&sysgenid_vmfork_nb);
	sysgenid_set_ready(false);
	misc_deregister(&sysgenid_misc);
	sysgenid_vm_exit();
	free_page((unsigned long)sysgenid_page);
	sysgenid_page = NULL;
}

module_init(sysgenid_init);
module_exit(sysgenid_exit);

MODULE_DESCRIPTION("System generation ID: tells userspace the system was cloned or restored");
MODULE_LICENSE("GPL");
