/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Out-of-tree builds only: the differences between the kernels we support,
 * so that the driver's files read as they do upstream, written for the
 * newest kernel. Included before anything else, so pr_fmt is defined here
 * as the driver defines it.
 */
#ifndef _SYSGENID_COMPAT_H
#define _SYSGENID_COMPAT_H

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/version.h>

#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 17, 0)
/*
 * 6.17 removed pfn_t: vmf_insert_mixed() takes a plain pfn since. Before,
 * it takes a pfn_t, which __pfn_to_pfn_t() makes from the pfn.
 */
#include <linux/mm.h>
#include <linux/pfn_t.h>
#define vmf_insert_mixed(vma, addr, pfn) \
	vmf_insert_mixed(vma, addr, __pfn_to_pfn_t(pfn, 0))
#endif

/* 7.0 added kmalloc_obj(): kmalloc() of the size of its first argument. */
#include <linux/slab.h>
#ifndef kmalloc_obj
#define kmalloc_obj(obj, gfp)	kmalloc(sizeof(obj), gfp)
#endif

#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 3, 0)
/* 6.3 made vma->vm_flags read-only and added helpers to change it. */
#define vm_flags_mod(vma, set, clear) \
	((vma)->vm_flags = ((vma)->vm_flags | (set)) & ~(clear))
#endif

/*
 * Kconfig keeps the in-tree driver off architectures whose data caches may
 * alias (see its help text); out of tree, refuse to build there. Kernels
 * before 6.9 lack ARCH_HAS_CPU_CACHE_ALIASING: name the architectures that
 * select it in 6.9.
 */
#if defined(CONFIG_ARCH_HAS_CPU_CACHE_ALIASING) || defined(CONFIG_ARM) || \
	defined(CONFIG_ARC) || defined(CONFIG_CSKY) || defined(CONFIG_M68K) || \
	defined(CONFIG_MIPS) || defined(CONFIG_NIOS2) || \
	defined(CONFIG_PARISC) || defined(CONFIG_SUPERH) || \
	defined(CONFIG_SPARC) || defined(CONFIG_XTENSA)
#error "sysgenid needs an architecture whose data caches do not alias"
#endif

/*
 * add_vmfork_randomness() is exported only when the vmgenid driver is a
 * module, and Debian builds it in. What it does before it runs the vmfork
 * notifiers is public: mix the ID in, then reseed through the RNDRESEEDCRNG
 * ioctl of /dev/urandom, which needs CAP_SYS_ADMIN and so works from a
 * workqueue, with the kernel's credentials, where sysgenid calls it. (The
 * function itself is out of reach: its address from a kprobe would be an
 * indirect call into a function that has no ENDBR on IBT machines.)
 */
#include <linux/err.h>
#include <linux/fs.h>
#include <linux/fs_struct.h>
#include <linux/kdev_t.h>
#include <linux/random.h>

static inline bool sysgenid_compat_vmfork_randomness(const void *id,
						     size_t len)
{
	struct file *f;
	long ret = -ENODEV;

	add_device_randomness(id, len);
#ifdef scoped_with_init_fs
	/*
	 * Where kernel threads resolve paths in an empty root of their own
	 * (7.3), /dev is that of userspace's init.
	 */
	scoped_with_init_fs()
		f = filp_open("/dev/urandom", O_RDONLY, 0);
#else
	f = filp_open("/dev/urandom", O_RDONLY, 0);
#endif
	if (IS_ERR(f)) {
		pr_warn_once("cannot open /dev/urandom to reseed: %ld\n", PTR_ERR(f));
		return false;
	}
	/* Only the kernel's own random device: char 1:9. */
	if (S_ISCHR(file_inode(f)->i_mode) &&
	    file_inode(f)->i_rdev == MKDEV(1, 9) && f->f_op->unlocked_ioctl)
		ret = f->f_op->unlocked_ioctl(f, RNDRESEEDCRNG, 0);
	filp_close(f, NULL);
	if (ret)
		pr_warn_once("RNDRESEEDCRNG: %ld\n", ret);
	return !ret;
}

#define sysgenid_vmfork_randomness sysgenid_compat_vmfork_randomness

/* compat/vmgenid.c: the VMGenID device, for kernels whose vmgenid won't say. */
#include <linux/types.h>

const char *sysgenid_compat_vm_locate(phys_addr_t *addr);
int sysgenid_compat_vm_listen(void (*notify)(void));
void sysgenid_compat_vm_unlisten(void);

#define sysgenid_vm_locate sysgenid_compat_vm_locate
#define sysgenid_vm_listen sysgenid_compat_vm_listen
#define sysgenid_vm_unlisten sysgenid_compat_vm_unlisten

#endif /* _SYSGENID_COMPAT_H */
