/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by the sysgenid selftests. They know nothing of the test
 * harness: each returns a value or a negative errno, and the tests decide
 * what is a failure.
 */
#ifndef SYSGENID_UTIL_H
#define SYSGENID_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include <linux/types.h>
#include <linux/sysgenid.h>

#define SYSGENID_DEV	"/dev/sysgenid"
#define SYSGENID_SYSFS	"/sys/class/misc/sysgenid/"

/*
 * For FIXTURE_SETUP, with kselftest_harness.h included before this file.
 * A harness with FIXTURE_TEARDOWN_PARENT (6.9 on) runs setup and body in
 * a process of their own, with the results shared: end that process. The
 * 6.1 harness, which the out-of-tree tests use, runs the body anyway:
 * leave through its own exit from a failed ASSERT instead, which skips the
 * body and the teardown and reports the skip.
 */
#ifdef FIXTURE_TEARDOWN_PARENT
#define SKIP_SETUP(fmt, ...)	SKIP(_exit(KSFT_SKIP), fmt, ##__VA_ARGS__)
#else
#define SKIP_SETUP(fmt, ...) \
	SKIP(longjmp(_metadata->env, 1), fmt, ##__VA_ARGS__)
#endif

/* The generation in a mapped page, as the CPU sees it now. */
static inline __u32 sg_page_gen(const void *page)
{
	return __atomic_load_n((const __u32 *)page +
			       SYSGENID_PAGE_GENERATION / sizeof(__u32),
			       __ATOMIC_ACQUIRE);
}

/* Value of a sysfs attribute of the device, or -errno. */
long sg_sysfs(const char *attr);

/* The fdinfo "sysgenid-kind" (into @kind) and "sysgenid-seen" of @fd. */
int sg_fdinfo(int fd, char *kind, size_t len, unsigned long *seen);

/* FORCE_GEN_UPDATE(0) through @fd; the new generation, or -errno. */
long sg_bump(int fd);

/* Wait until thread @tid sleeps (is blocked in a syscall): 0 or -errno. */
int sg_wait_sleeping(pid_t tid);

/* An address no access is allowed to (a PROT_NONE page), or NULL. */
void *sg_bad_pointer(void);

/* Monotonic time in milliseconds, and a sleep of @ms milliseconds. */
long long sg_now_ms(void);
void sg_sleep_ms(unsigned int ms);

/* Install @handler for @sig, with SA_RESTART if @restart. */
int sg_handle_signal(int sig, void (*handler)(int), bool restart);

/* One KOBJ uevent of the sysgenid device, as read from netlink. */
struct sg_uevent {
	char action[16];	/* ACTION= */
	char subsystem[16];	/* SUBSYSTEM= */
	bool has_gen;		/* SYSGENID= was present */
	__u32 gen;		/* its value */
};

/* A netlink socket subscribed to kernel uevents, or -errno. */
int sg_uevent_open(void);

/*
 * Collect the sysgenid uevents arriving on @sock until none came for
 * @quiet_ms, at most @max of them into @ev (more are counted, not stored).
 * Returns how many arrived, or -errno.
 */
int sg_uevent_collect(int sock, struct sg_uevent *ev, int max,
		      unsigned int quiet_ms);

/*
 * Run @fn(@arg) in a child process and return its result (0 to 255), or
 * -errno if the child could not run or died.
 */
int sg_run_child(int (*fn)(void *), void *arg);

/* Drop every group and become @uid/@gid: 0 or -errno. */
int sg_become(uid_t uid, gid_t gid);

#endif /* SYSGENID_UTIL_H */
