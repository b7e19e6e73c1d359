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

#include <linux/device.h>
#include <linux/fs.h>
#include <linux/gfp.h>
#include <linux/miscdevice.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/poll.h>
#include <linux/ratelimit.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/sysgenid.h>
#include <linux/uaccess.h>
#include <linux/wait.h>
#include <linux/workqueue.h>

#include "internal.h"

/**
 * struct sysgenid_file - what one open file of /dev/sysgenid remembers
 * @seen_seq: number of the last change the file has seen (an observer) or
 *	acknowledged (a watcher); the file is outdated while it differs from
 *	sysgenid_seq, whatever the generation value is
 * @seen_gen: the generation value that change produced
 */
struct sysgenid_file {
	unsigned long seen_seq;
	u32 seen_gen;
};

/*
 * sysgenid_lock protects every counter below and the fields of each struct
 * sysgenid_file. It is taken with interrupts disabled because
 * sysgenid_bump_generation() may be called from hard interrupt context.
 * sysfs reads the three counters it shows without it (READ_ONCE(), one
 * value each), and sysgenid_poll() sysgenid_seq (see sysgenid_set_locked()).
 *
 * sysgenid_seq counts changes; it is unsigned long so that it is read and
 * written in one access everywhere. A file 2^32 changes behind on a 32-bit
 * machine would look up to date: no system is restored that often.
 */
DEFINE_SPINLOCK(sysgenid_lock);
static unsigned long sysgenid_seq;	/* changes since the module loaded */
u32 sysgenid_gen;			/* the generation, also in *sysgenid_page */
static unsigned int sysgenid_watchers;	/* open files with write access */
static unsigned int sysgenid_outdated;	/* watchers with seen_seq != sysgenid_seq */

/*
 * Changes whose uevent is still to be sent: the generations uevent_first,
 * uevent_first + 1, ... , sysgenid_gen. Only sysgenid_bump_generation(),
 * which always adds one, leaves uevents pending; every other change first
 * takes them over (sysgenid_take_uevents_locked()), so this run is always
 * contiguous and always ends at the current generation.
 */
static u32 uevent_first;
static u32 uevent_pending;

/* The page userspace maps; written only under sysgenid_lock. */
u32 *sysgenid_page;

/*
 * Set under sysgenid_lock once the page and the misc device exist, and
 * cleared under it before either goes away: sysgenid_bump_generation(),
 * which a built-in caller may reach before this driver is initialized or
 * after it failed to, does nothing while it is false.
 */
bool sysgenid_ready;

/* read() and poll() wait here for a change. */
static DECLARE_WAIT_QUEUE_HEAD(sysgenid_read_wq);
/* SYSGENID_WAIT_WATCHERS waits here for the last acknowledgment. */
static DECLARE_WAIT_QUEUE_HEAD(sysgenid_ack_wq);

/* Serializes sending uevents, so that they go out in generation order. */
DEFINE_MUTEX(sysgenid_uevent_lock);

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
 * before any uevent is sent.
 *
 * sysgenid_poll() reads sysgenid_seq without the lock. The release store
 * below orders the page store before the new sequence number, and pairs
 * with the acquire load there: a caller that poll() told of this change
 * finds @gen (or a later value) in the page. sysgenid_wake() takes the
 * wait queue's lock after this store, and poll_wait() queues the poller
 * under that lock before its load, so a poller is either woken and polled
 * again or loads the new sequence number, as in eventfd_poll().
 */
void sysgenid_set_locked(u32 gen)
{
	lockdep_assert_held(&sysgenid_lock);
	WRITE_ONCE(sysgenid_gen, gen);
	WRITE_ONCE(sysgenid_outdated, sysgenid_watchers);
	WRITE_ONCE(sysgenid_page[SYSGENID_PAGE_GENERATION / sizeof(u32)], gen);
	sysgenid_test_store_window();
	/* Pairs with smp_load_acquire() in sysgenid_poll(). */
	smp_store_release(&sysgenid_seq, sysgenid_seq + 1);
}

/*
 * Wake every reader and poller of every file. The wake-up is not
 * exclusive (nr_exclusive 0): all files share sysgenid_read_wq, so waking
 * one EPOLLEXCLUSIVE waiter, as wake_up_interruptible_poll() would, could
 * leave the waiters of every other file asleep.
 */
void sysgenid_wake(void)
{
	__wake_up(&sysgenid_read_wq, TASK_INTERRUPTIBLE, 0,
		  poll_to_key(EPOLLIN | EPOLLRDNORM));
	wake_up_interruptible_all(&sysgenid_ack_wq);
}

/* Send one uevent for each of @count generations starting at @first. */
void sysgenid_send_uevents(u32 first, u32 count)
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

/*
 * Take over the uevents still to be sent: returns how many, the first of
 * them in *@first. The caller sends them, under sysgenid_uevent_lock.
 */
u32 sysgenid_take_uevents_locked(u32 *first)
{
	u32 count = uevent_pending;

	lockdep_assert_held(&sysgenid_lock);
	*first = uevent_first;
	uevent_pending = 0;
	return count;
}

static void sysgenid_uevent_work(struct work_struct *work)
{
	u32 first, count;

	mutex_lock(&sysgenid_uevent_lock);
	spin_lock_irq(&sysgenid_lock);
	count = sysgenid_take_uevents_locked(&first);
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
void sysgenid_bump_generation_locked(void)
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

static int sysgenid_open(struct inode *inode, struct file *file)
{
	struct sysgenid_file *sf;

	sysgenid_vm_sync();
	sf = kmalloc_obj(*sf, GFP_KERNEL_ACCOUNT);
	if (!sf)
		return -ENOMEM;

	spin_lock_irq(&sysgenid_lock);
	sf->seen_seq = sysgenid_seq;
	sf->seen_gen = sysgenid_gen;
	if (sysgenid_is_watcher(file))
		WRITE_ONCE(sysgenid_watchers, sysgenid_watchers + 1);
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
	if (!was_outdated)
		return false;
	WRITE_ONCE(sysgenid_outdated, sysgenid_outdated - 1);
	return !sysgenid_outdated;
}

static int sysgenid_release(struct inode *inode, struct file *file)
{
	struct sysgenid_file *sf = file->private_data;
	bool last = false;

	if (sysgenid_is_watcher(file)) {
		spin_lock_irq(&sysgenid_lock);
		last = sysgenid_ack_locked(sf);
		WRITE_ONCE(sysgenid_watchers, sysgenid_watchers - 1);
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
	unsigned long seq;
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

	/*
	 * For an observer, a read that reached userspace consumes the change,
	 * unless a concurrent read of the same file consumed a later one.
	 */
	if (!sysgenid_is_watcher(file)) {
		spin_lock_irq(&sysgenid_lock);
		if ((long)(seq - sf->seen_seq) > 0) {
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
	unsigned long seq;

	sysgenid_vm_sync();
	poll_wait(file, &sysgenid_read_wq, wait);

	/* Pairs with smp_store_release() in sysgenid_set_locked(). */
	seq = smp_load_acquire(&sysgenid_seq);
	return READ_ONCE(sf->seen_seq) != seq ? EPOLLIN | EPOLLRDNORM : 0;
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
 * The generation page is supplied on demand rather than inserted at mmap()
 * time, so that a mapping survives madvise(MADV_DONTNEED) and the like: the
 * next load faults the page in again. The mapping holds a reference to the
 * file, and the file one to this module, so the page outlives every
 * mapping. sysgenid_mmap() lets no other offset be mapped here.
 */
static vm_fault_t sysgenid_page_fault(struct vm_fault *vmf)
{
	struct page *page = virt_to_page(sysgenid_page);

	if (vmf->pgoff)
		return VM_FAULT_SIGBUS;
	get_page(page);
	vmf->page = page;
	return 0;
}

static const struct vm_operations_struct sysgenid_page_ops = {
	.fault = sysgenid_page_fault,
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
	vma->vm_ops = &sysgenid_page_ops;
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

static ssize_t generation_show(struct device *dev,
			       struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%u\n", READ_ONCE(sysgenid_gen));
}
static DEVICE_ATTR_RO(generation);

static ssize_t watchers_show(struct device *dev,
			     struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%u\n", READ_ONCE(sysgenid_watchers));
}
static DEVICE_ATTR_RO(watchers);

static ssize_t outdated_watchers_show(struct device *dev,
				      struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%u\n", READ_ONCE(sysgenid_outdated));
}
static DEVICE_ATTR_RO(outdated_watchers);

static struct attribute *sysgenid_attrs[] = {
	&dev_attr_generation.attr,
	&dev_attr_watchers.attr,
	&dev_attr_outdated_watchers.attr,
	NULL
};

static const struct attribute_group sysgenid_group = {
	.attrs = sysgenid_attrs,
};

static const struct attribute_group *sysgenid_groups[] = {
	&sysgenid_group,
#if IS_ENABLED(CONFIG_SYSGENID_VM)
	&sysgenid_vm_group,
#endif
#if IS_ENABLED(CONFIG_SYSGENID_VMCLOCK)
	&sysgenid_vmclock_group,
#endif
	NULL
};

static struct miscdevice sysgenid_misc = {
	.minor	= MISC_DYNAMIC_MINOR,
	.name	= "sysgenid",
	.fops	= &sysgenid_fops,
	.groups	= sysgenid_groups,
	.mode	= 0644,
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

	/*
	 * Changes a source reports before the device exists do nothing
	 * (sysgenid_ready); the VM source finds a new ID still pending, and
	 * the first system call has the change made.
	 */
	ret = sysgenid_vm_init();
	if (ret)
		goto out_page;

	/* Last: once the device exists, it may be opened. */
	ret = misc_register(&sysgenid_misc);
	if (ret)
		goto out_vm;
	sysgenid_set_ready(true);
	return 0;

out_vm:
	sysgenid_vm_exit();
out_page:
	free_page((unsigned long)sysgenid_page);
	sysgenid_page = NULL;
	return ret;
}

static void __exit sysgenid_exit(void)
{
	sysgenid_set_ready(false);
	misc_deregister(&sysgenid_misc);
	sysgenid_vm_exit();
	free_page((unsigned long)sysgenid_page);
	sysgenid_page = NULL;
}

/* After the vmgenid driver has probed, when both are built in. */
late_initcall(sysgenid_init);
module_exit(sysgenid_exit);

MODULE_DESCRIPTION("System generation ID: tells userspace the system was cloned or restored");
MODULE_LICENSE("GPL");
