// SPDX-License-Identifier: GPL-2.0
/*
 * /dev/sysgenid and privilege: forcing a change needs CAP_SYS_ADMIN or
 * CAP_CHECKPOINT_RESTORE in the initial user namespace, observing needs
 * nothing, and watching needs write access to the node (mode 0644).
 *
 * Each unprivileged step runs in a child process that returns an errno
 * (0 for success) or one of the CHILD_* codes below; only the parent
 * uses the harness.
 */

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "sysgenid_util.h"

#define NOBODY		65534
#define QUIET_MS	200

/* Child results that are not an errno. */
#define CHILD_NO_SETUP	200	/* could not drop privileges */
#define CHILD_NO_USERNS	201	/* could not create a user namespace */

/* What a child does before it calls the ioctl. */
enum identity {
	AS_NOBODY,		/* uid and gid 65534, no groups */
	AS_ROOT_IN_USERNS,	/* root in a new user namespace */
	AS_NOBODY_IN_USERNS,	/* 65534, then root of a new user namespace */
	AS_ROOT_WITHOUT_CAPS,	/* root without both capabilities */
	AS_ROOT_CR_ONLY,	/* root without CAP_SYS_ADMIN */
	AS_ROOT_ADMIN_ONLY,	/* root without CAP_CHECKPOINT_RESTORE */
};

struct force_call {
	enum identity who;	/* who calls */
	unsigned int cmd;	/* FORCE_GEN_UPDATE or TRIGGER_GEN_UPDATE */
	unsigned long arg;	/* its argument */
};

/* Remove capabilities @a and @b from every set of this process. */
static int drop_caps(int a, int b)
{
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3];
	int caps[] = { a, b }, i;

	if (syscall(SYS_capget, &hdr, data))
		return -errno;
	for (i = 0; i < 2; i++) {
		if (caps[i] < 0)
			continue;
		data[CAP_TO_INDEX(caps[i])].effective &= ~CAP_TO_MASK(caps[i]);
		data[CAP_TO_INDEX(caps[i])].permitted &= ~CAP_TO_MASK(caps[i]);
		data[CAP_TO_INDEX(caps[i])].inheritable &=
			~CAP_TO_MASK(caps[i]);
	}
	return syscall(SYS_capset, &hdr, data) ? -errno : 0;
}

static int become(enum identity who)
{
	switch (who) {
	case AS_NOBODY:
		return sg_become(NOBODY, NOBODY) ? CHILD_NO_SETUP : 0;
	case AS_ROOT_IN_USERNS:
		return unshare(CLONE_NEWUSER) ? CHILD_NO_USERNS : 0;
	case AS_NOBODY_IN_USERNS:
		if (sg_become(NOBODY, NOBODY))
			return CHILD_NO_SETUP;
		return unshare(CLONE_NEWUSER) ? CHILD_NO_USERNS : 0;
	case AS_ROOT_WITHOUT_CAPS:
		return drop_caps(CAP_SYS_ADMIN, CAP_CHECKPOINT_RESTORE) ?
		       CHILD_NO_SETUP : 0;
	case AS_ROOT_CR_ONLY:
		return drop_caps(CAP_SYS_ADMIN, -1) ? CHILD_NO_SETUP : 0;
	case AS_ROOT_ADMIN_ONLY:
		return drop_caps(CAP_CHECKPOINT_RESTORE, -1) ?
		       CHILD_NO_SETUP : 0;
	}
	return CHILD_NO_SETUP;
}

/* Child: open an observer, change identity, call the ioctl. */
static int force_child(void *arg)
{
	const struct force_call *call = arg;
	int fd, ret;

	fd = open(SYSGENID_DEV, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno;
	ret = become(call->who);
	if (ret)
		return ret;
	return ioctl(fd, call->cmd, call->arg) ? errno : 0;
}

/* Child: open @arg's flags as nobody. */
static int open_child(void *arg)
{
	int fd;

	if (sg_become(NOBODY, NOBODY))
		return CHILD_NO_SETUP;
	fd = open(SYSGENID_DEV, *(int *)arg | O_CLOEXEC);
	return fd < 0 ? errno : 0;
}

FIXTURE(priv) {
	int sock;	/* netlink socket on the kernel's uevent group */
	int fd;		/* an observer for the parent */
	long gen;	/* the generation before the child ran */
	struct sg_uevent ev[4];	/* uevents collected */
};

FIXTURE_SETUP(priv)
{
	if (access(SYSGENID_DEV, F_OK))
		SKIP_SETUP("%s is absent", SYSGENID_DEV);
	if (getuid())
		SKIP_SETUP("needs root");
	self->fd = open(SYSGENID_DEV, O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, self->fd);
	self->sock = sg_uevent_open();
	ASSERT_LE(0, self->sock);
	ASSERT_LE(0, sg_uevent_collect(self->sock, self->ev, 4, QUIET_MS));
	self->gen = sg_sysfs("generation");
	ASSERT_LE(0, self->gen);
}

FIXTURE_TEARDOWN(priv)
{
	EXPECT_EQ(0, close(self->sock));
	EXPECT_EQ(0, close(self->fd));
}

/* The child's call was refused: nothing changed, nothing was announced. */
#define EXPECT_REFUSED(ret) do { \
	EXPECT_EQ(EPERM, (ret)); \
	EXPECT_EQ(self->gen, sg_sysfs("generation")); \
	EXPECT_EQ(0, sg_uevent_collect(self->sock, self->ev, 4, QUIET_MS)); \
} while (0)

/* The child's call went through: one change, one uevent. */
#define EXPECT_ALLOWED(ret) do { \
	EXPECT_EQ(0, (ret)); \
	EXPECT_EQ((__u32)(self->gen + 1), sg_sysfs("generation")); \
	EXPECT_EQ(1, sg_uevent_collect(self->sock, self->ev, 4, QUIET_MS)); \
} while (0)

TEST_F(priv, nobody_force_is_eperm)
{
	struct force_call call = { AS_NOBODY, SYSGENID_FORCE_GEN_UPDATE, 0 };

	EXPECT_REFUSED(sg_run_child(force_child, &call));
}

TEST_F(priv, nobody_trigger_is_eperm)
{
	struct force_call call = { AS_NOBODY, SYSGENID_TRIGGER_GEN_UPDATE, 0 };

	EXPECT_REFUSED(sg_run_child(force_child, &call));
}

TEST_F(priv, nobody_force_above_u32_is_eperm_not_einval)
{
	struct force_call call = {
		AS_NOBODY, SYSGENID_FORCE_GEN_UPDATE, 1UL << 32,
	};

	EXPECT_REFUSED(sg_run_child(force_child, &call));
}

TEST_F(priv, root_in_user_namespace_force_is_eperm)
{
	struct force_call call = {
		AS_ROOT_IN_USERNS, SYSGENID_FORCE_GEN_UPDATE, 0,
	};
	int ret = sg_run_child(force_child, &call);

	if (ret == CHILD_NO_USERNS)
		SKIP(return, "cannot create a user namespace");
	EXPECT_REFUSED(ret);
}

TEST_F(priv, nobody_in_own_user_namespace_force_is_eperm)
{
	struct force_call call = {
		AS_NOBODY_IN_USERNS, SYSGENID_FORCE_GEN_UPDATE, 0,
	};
	int ret = sg_run_child(force_child, &call);

	if (ret == CHILD_NO_USERNS)
		SKIP(return, "unprivileged user namespaces are disabled");
	EXPECT_REFUSED(ret);
}

TEST_F(priv, root_without_both_caps_force_is_eperm)
{
	struct force_call call = {
		AS_ROOT_WITHOUT_CAPS, SYSGENID_FORCE_GEN_UPDATE, 0,
	};

	EXPECT_REFUSED(sg_run_child(force_child, &call));
}

TEST_F(priv, checkpoint_restore_cap_alone_allows_force)
{
	struct force_call call = {
		AS_ROOT_CR_ONLY, SYSGENID_FORCE_GEN_UPDATE, 0,
	};

	EXPECT_ALLOWED(sg_run_child(force_child, &call));
}

TEST_F(priv, sys_admin_cap_alone_allows_force)
{
	struct force_call call = {
		AS_ROOT_ADMIN_ONLY, SYSGENID_FORCE_GEN_UPDATE, 0,
	};

	EXPECT_ALLOWED(sg_run_child(force_child, &call));
}

TEST_F(priv, node_mode_is_0644)
{
	struct stat st;

	ASSERT_EQ(0, stat(SYSGENID_DEV, &st));
	EXPECT_TRUE(S_ISCHR(st.st_mode));
	EXPECT_EQ(0644, st.st_mode & 07777);
}

TEST_F(priv, nobody_open_rdonly_works)
{
	int flags = O_RDONLY;

	EXPECT_EQ(0, sg_run_child(open_child, &flags));
}

TEST_F(priv, nobody_open_rdwr_is_eacces)
{
	int flags = O_RDWR;

	EXPECT_EQ(EACCES, sg_run_child(open_child, &flags));
}

TEST_F(priv, nobody_open_wronly_is_eacces)
{
	int flags = O_WRONLY;

	EXPECT_EQ(EACCES, sg_run_child(open_child, &flags));
}

/*
 * An unprivileged observer: the child maps and waits, the parent bumps
 * once the child says it is ready.
 */
struct observe {
	int ready[2];	/* child to parent: set up and up to date */
	int go[2];	/* parent to child: bumped */
	int fd;		/* the parent's file, to bump through */
	long gen;	/* the generation the parent bumped to */
};

/* Steps of the child that can fail, as its result. */
enum {
	OBSERVE_OK,
	OBSERVE_OPEN = 100,
	OBSERVE_MMAP,
	OBSERVE_NOT_UP_TO_DATE,
	OBSERVE_HANDSHAKE,
	OBSERVE_NO_POLLIN,
	OBSERVE_READ,
	OBSERVE_MISMATCH,
};

static int observe_child(void *arg)
{
	struct observe *o = arg;
	struct pollfd pfd = { .events = POLLIN };
	void *map;
	__u32 gen;
	char c = 0;

	if (sg_become(NOBODY, NOBODY))
		return CHILD_NO_SETUP;
	pfd.fd = open(SYSGENID_DEV, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (pfd.fd < 0)
		return OBSERVE_OPEN;
	map = mmap(NULL, sizeof(gen), PROT_READ, MAP_SHARED, pfd.fd, 0);
	if (map == MAP_FAILED)
		return OBSERVE_MMAP;
	if (read(pfd.fd, &gen, sizeof(gen)) != -1 || errno != EAGAIN)
		return OBSERVE_NOT_UP_TO_DATE;
	if (write(o->ready[1], &c, 1) != 1 || read(o->go[0], &c, 1) != 1)
		return OBSERVE_HANDSHAKE;
	if (poll(&pfd, 1, 5000) != 1)
		return OBSERVE_NO_POLLIN;
	if (read(pfd.fd, &gen, sizeof(gen)) != sizeof(gen))
		return OBSERVE_READ;
	return gen == sg_page_gen(map) ? OBSERVE_OK : OBSERVE_MISMATCH;
}

static void *observe_bumper(void *arg)
{
	struct observe *o = arg;
	char c;

	o->gen = -EPIPE;
	if (read(o->ready[0], &c, 1) != 1)
		return NULL;
	o->gen = sg_bump(o->fd);
	if (write(o->go[1], &c, 1) != 1)
		o->gen = -EPIPE;
	return NULL;
}

TEST_F(priv, nobody_can_read_poll_and_mmap)
{
	struct observe o = { .fd = self->fd };
	pthread_t thread;

	ASSERT_EQ(0, pipe2(o.ready, O_CLOEXEC));
	ASSERT_EQ(0, pipe2(o.go, O_CLOEXEC));
	ASSERT_EQ(0, pthread_create(&thread, NULL, observe_bumper, &o));
	EXPECT_EQ(OBSERVE_OK, sg_run_child(observe_child, &o));
	/* Unblock the bumper if the child died before its handshake. */
	EXPECT_EQ(0, close(o.ready[1]));
	ASSERT_EQ(0, pthread_join(thread, NULL));
	EXPECT_EQ((__u32)(self->gen + 1), o.gen);
	EXPECT_EQ(0, close(o.ready[0]));
	EXPECT_EQ(0, close(o.go[0]));
	EXPECT_EQ(0, close(o.go[1]));
}

TEST_HARNESS_MAIN
