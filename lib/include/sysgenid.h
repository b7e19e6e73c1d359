/* SPDX-License-Identifier: LGPL-2.1-or-later OR MIT */
/*
 * libsysgenid: a small library for the Linux system generation counter,
 * /dev/sysgenid. The counter changes whenever the system may have been
 * duplicated (a virtual machine or container restored from a snapshot or
 * cloned); software that keeps state unique to one running copy (random
 * pools, UUID generators, session keys) uses it to know when to rebuild it.
 *
 * Every function that returns an int returns 0 (or a documented
 * non-negative value) on success and a negative errno value on failure; no
 * function sets errno on purpose. The facility is described in sysgenid(7),
 * each function in its own page in section 3.
 *
 * Thread safety: a struct sysgenid may be read by any number of threads at
 * once with sysgenid_get(), sysgenid_changed() and sysgenid_fd(). The
 * other functions change the handle and must not run concurrently on the
 * same handle (give each thread its own handle or hold a lock); different
 * handles are independent.
 */
#ifndef SYSGENID_H
#define SYSGENID_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* sysgenid_open() flags */
#define SYSGENID_OBSERVER	0u	/* read-only, not counted */
#define SYSGENID_WATCHER	(1u << 0) /* counted, must acknowledge */

/*
 * One open file of /dev/sysgenid and its read-only mapping. The fields are
 * visible only so that sysgenid_get() and sysgenid_changed() can be
 * inline; treat them as private. The layout is that of version 1.0.
 */
struct sysgenid {
	int fd;
	unsigned int flags;	/* SYSGENID_WATCHER, and the private bits below */
	const uint32_t *page;	/* the generation, written by the kernel */
	uint32_t acked;		/* last generation accepted */
};

/*
 * Private bits of struct sysgenid's flags, set by sysgenid_open() of
 * library version 1.1 and later (1.0 never sets them, so inline code
 * built against this header keeps working with it): the VM generation
 * page is mapped right after the generation page, and the live VM
 * generation ID is SYSGENID__VM_DIST(flags) bytes from sg->page; with
 * SYSGENID__VM_COUNTER (1.4), the page is VMClock's and the "ID" its
 * generation counter, which clones of one snapshot share.
 */
#define SYSGENID__VM		(1u << 31)
#define SYSGENID__VM_COUNTER	(1u << 15)
#define SYSGENID__VM_SHIFT	16
#define SYSGENID__VM_DIST(f)	((((f) & ~SYSGENID__VM) >> SYSGENID__VM_SHIFT) * 8u)
#define SYSGENID__VM_ID		16	/* SYSGENID_PAGE_VM_ID of the uapi */

int sysgenid_open(struct sysgenid *sg, unsigned int flags);
void sysgenid_close(struct sysgenid *sg);
int sysgenid_fd(const struct sysgenid *sg);
int sysgenid_wait(struct sysgenid *sg, int timeout_ms, uint32_t *gen);
int sysgenid_ack(struct sysgenid *sg, uint32_t gen);
int sysgenid_wait_watchers(struct sysgenid *sg, int timeout_ms);
int sysgenid_force_update(struct sysgenid *sg, uint32_t min_gen);
int sysgenid_seed(struct sysgenid *sg, void *buf, size_t len);

/* sysgenid_seed2() flags (library 1.3) */
#define SYSGENID_SEED_CLONE_UNIQUE	(1u << 0) /* fail unless clone-unique */
int sysgenid_seed2(struct sysgenid *sg, void *buf, size_t len,
		   unsigned int flags);
uint32_t sysgenid__refresh(const struct sysgenid *sg);
int sysgenid__sync(const struct sysgenid *sg, uint32_t *gen);

/*
 * With the VM generation page mapped: non-zero when the hypervisor's VM
 * generation ID differs from the one the kernel's current generation was
 * made for, i.e. the system was restored and the kernel has not changed
 * the generation yet. Stores the generation in *gen. The loads are
 * ordered as the uapi header says: recorded ID, generation, live ID (the
 * kernel stores the generation before the recorded ID). The IDs are
 * compared 32 bits at a time: the 16 bytes are no atomic unit anyway, and
 * 64-bit atomic loads would need libatomic on 32-bit machines.
 */
static inline int sysgenid__vm_stale(const struct sysgenid *sg,
				     uint32_t *gen)
{
	const char *base = (const char *)sg->page;
	const uint32_t *rec = (const uint32_t *)(base + SYSGENID__VM_ID);
	const uint32_t *live =
		(const uint32_t *)(base + SYSGENID__VM_DIST(sg->flags));
	uint32_t r[4];
	int i, differ = 0;

	for (i = 0; i < 4; i++)
		r[i] = __atomic_load_n(&rec[i], __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	*gen = __atomic_load_n(sg->page, __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	for (i = 0; i < 4; i++)
		differ |= r[i] != __atomic_load_n(&live[i], __ATOMIC_RELAXED);
	return differ;
}

/*
 * The current generation, loaded from the shared page (acquire loads, so
 * that nothing this thread does after it is done before it). The page
 * orders nothing but the counter itself. The kernel publishes a new value
 * before it wakes anyone or reports readiness on the fd, so after
 * sysgenid_wait() or an EPOLLIN on sysgenid_fd() this returns the new
 * value or a later one. With the VM generation page mapped, a restore the
 * kernel has not handled yet is seen here first: then one system call
 * returns once the kernel has reseeded its random number generator and
 * changed the generation, and the new value is returned (the old one if
 * that call failed: sysgenid_changed() reports the error).
 */
static inline uint32_t sysgenid_get(const struct sysgenid *sg)
{
	uint32_t gen;

	if (!(sg->flags & SYSGENID__VM))
		return __atomic_load_n(sg->page, __ATOMIC_ACQUIRE);
	if (sysgenid__vm_stale(sg, &gen))
		sysgenid__sync(sg, &gen);
	return gen;
}

/*
 * 1 when the current generation differs from the one this handle last
 * accepted (at sysgenid_open() or with sysgenid_ack()), else 0: a few
 * loads and compares and no system call, meant for hot paths. With the VM
 * generation page mapped, a restore that the kernel has not handled yet
 * costs one system call, which returns once the kernel's generator has
 * been reseeded and the generation changed, so that state rebuilt from
 * getrandom() on a change never repeats another clone's. A negative errno
 * value if that call failed: the system was restored all the same.
 */
static inline int sysgenid_changed(const struct sysgenid *sg)
{
	uint32_t gen;
	int ret;

	if (!(sg->flags & SYSGENID__VM)) {
		gen = __atomic_load_n(sg->page, __ATOMIC_ACQUIRE);
	} else if (sysgenid__vm_stale(sg, &gen)) {
		ret = sysgenid__sync(sg, &gen);
		if (ret < 0)
			return ret;
	}
	return gen != __atomic_load_n(&sg->acked, __ATOMIC_RELAXED);
}

#ifdef __cplusplus
}
#endif

#endif /* SYSGENID_H */
