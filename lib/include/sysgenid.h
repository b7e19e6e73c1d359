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
 * inline; treat them as private.
 */
struct sysgenid {
	int fd;
	unsigned int flags;
	const uint32_t *page;	/* the generation, written by the kernel */
	uint32_t acked;		/* last generation accepted */
};

int sysgenid_open(struct sysgenid *sg, unsigned int flags);
void sysgenid_close(struct sysgenid *sg);
int sysgenid_fd(const struct sysgenid *sg);
int sysgenid_wait(struct sysgenid *sg, int timeout_ms, uint32_t *gen);
int sysgenid_ack(struct sysgenid *sg, uint32_t gen);
int sysgenid_wait_watchers(struct sysgenid *sg, int timeout_ms);
int sysgenid_force_update(struct sysgenid *sg, uint32_t min_gen);

/*
 * The current generation, one load from the shared page (an acquire load,
 * so that nothing this thread does after it is done before it). The page
 * orders nothing but the counter itself. The kernel publishes a new value
 * before it wakes anyone or reports readiness on the fd, so after
 * sysgenid_wait() or an EPOLLIN on sysgenid_fd() this returns the new
 * value or a later one.
 */
static inline uint32_t sysgenid_get(const struct sysgenid *sg)
{
	return __atomic_load_n(sg->page, __ATOMIC_ACQUIRE);
}

/*
 * Non-zero when the current generation differs from the one this handle
 * last accepted (at sysgenid_open() or with sysgenid_ack()): one load and
 * one compare, meant for hot paths.
 */
static inline int sysgenid_changed(const struct sysgenid *sg)
{
	return sysgenid_get(sg) != __atomic_load_n(&sg->acked,
						   __ATOMIC_RELAXED);
}

#ifdef __cplusplus
}
#endif

#endif /* SYSGENID_H */
