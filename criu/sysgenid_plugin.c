// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * sysgenid_plugin.so: a CRIU plugin for processes that use /dev/sysgenid.
 *
 * Dump: every open sysgenid file (CRIU calls it an "external file") is
 * recorded in its own image, sysgenid-file-<id>.img: its kind, its status
 * flags, the generation it last saw and the generation current at dump.
 * Every mapping of the device is accepted (CRIU then records it as a shared
 * file mapping of the device node, with its address, protection and page
 * offset, and maps it again on restore). The generation current at dump is
 * kept in sysgenid.img.
 *
 * Restore: the plugin's init refuses to start a restore of an image that
 * holds sysgenid state when the device is missing or when this process may
 * not force a generation update (unless SYSGENID_CRIU_ALLOW_STALE=1 says the
 * user accepts restored processes that may keep stale state). Each file is
 * opened again with its access mode and flags. Once every task is restored
 * and before any of them runs, the generation is forced once, to at least
 * the dumped generation plus one: every restored file and mapping sees a
 * generation it has never seen, restored watchers are outdated, and two
 * restores of one image give two different generations.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <criu/criu-plugin.h>
#include <linux/sysgenid.h>

#define DEV_PATH	"/dev/sysgenid"
#define SYSFS_DIR	"/sys/class/misc/sysgenid"
#define GLOBAL_IMG	"sysgenid.img"
#define FILE_IMG	"sysgenid-file-%08x.img"
#define IMG_MAGIC	"sysgenid-criu 1"
#define ALLOW_STALE_ENV	"SYSGENID_CRIU_ALLOW_STALE"

/* CRIU's logger, exported by the criu binary (criu/include/log.h). */
extern void print_on_level(unsigned int loglevel, const char *format, ...)
	__attribute__((format(printf, 2, 3)));
#define LOG_ERROR	1
#define LOG_WARN	2
#define LOG_INFO	3

#define pr_err(fmt, ...) \
	print_on_level(LOG_ERROR, "sysgenid: " fmt, ##__VA_ARGS__)
#define pr_warn(fmt, ...) \
	print_on_level(LOG_WARN, "sysgenid: " fmt, ##__VA_ARGS__)
#define pr_info(fmt, ...) \
	print_on_level(LOG_INFO, "sysgenid: " fmt, ##__VA_ARGS__)

/* Status flags open() can set again; the others are fcntl()'s business. */
#define OPEN_FLAGS	(O_ACCMODE | O_NONBLOCK | O_APPEND | O_NOATIME)

struct file_rec {
	int flags;		/* F_GETFL at dump */
	int watcher;		/* kind at dump */
	uint32_t seen;		/* sysgenid-seen at dump */
	uint32_t gen;		/* generation current at dump */
};

static int forced;		/* restore: the one update of this restore done */
static int allow_stale;

static int allow_stale_env(void)
{
	const char *v = getenv(ALLOW_STALE_ENV);

	return v && !strcmp(v, "1");
}

/* Attribute @name of the device into @buf, NUL-terminated; 0 or -errno. */
static int read_attr(const char *name, char *buf, size_t len)
{
	char path[128];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), SYSFS_DIR "/%s", name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n <= 0)
		return n < 0 ? -errno : -EIO;
	buf[n] = '\0';
	return 0;
}

static int read_sysfs_u32(const char *name, uint32_t *val)
{
	char buf[32], *end;
	unsigned long v;
	int ret;

	ret = read_attr(name, buf, sizeof(buf));
	if (ret)
		return ret;
	errno = 0;
	v = strtoul(buf, &end, 0);
	if (errno || end == buf || v > UINT32_MAX)
		return -EIO;
	*val = v;
	return 0;
}

/* Is this device number the sysgenid misc device of this machine? */
static int is_sysgenid_rdev(dev_t rdev)
{
	unsigned int maj, min;
	char buf[32];

	if (read_attr("dev", buf, sizeof(buf)))
		return 0;
	if (sscanf(buf, "%u:%u", &maj, &min) != 2)
		return 0;
	return major(rdev) == maj && minor(rdev) == min;
}

/* kind and generation seen, from /proc/self/fdinfo/<fd> */
static int parse_fdinfo(int fd, int *watcher, uint32_t *seen)
{
	char path[64], line[256];
	int have_kind = 0, have_seen = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	f = fopen(path, "re");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		char kind[32];

		if (sscanf(line, "sysgenid-kind: %31s", kind) == 1) {
			*watcher = !strcmp(kind, "watcher");
			have_kind = 1;
		} else if (sscanf(line, "sysgenid-seen: %" SCNu32, seen) == 1) {
			have_seen = 1;
		}
	}
	fclose(f);
	return have_kind && have_seen ? 0 : -ENOENT;
}

static int write_img(const char *name, const char *text)
{
	int dir = criu_get_image_dir();
	size_t len = strlen(text);
	int fd;

	fd = openat(dir, name, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0) {
		pr_err("cannot create image %s: %s\n", name, strerror(errno));
		return -1;
	}
	if (write(fd, text, len) != (ssize_t)len) {
		pr_err("cannot write image %s: %s\n", name, strerror(errno));
		close(fd);
		return -1;
	}
	return close(fd);
}

/* 0 and the image's text, -ENOENT if there is none, -1 on error */
static int read_img(const char *name, char *buf, size_t size)
{
	ssize_t n;
	int fd;

	fd = openat(criu_get_image_dir(), name, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT)
			return -ENOENT;
		pr_err("cannot open image %s: %s\n", name, strerror(errno));
		return -1;
	}
	n = read(fd, buf, size - 1);
	close(fd);
	if (n < 0 || strncmp(buf, IMG_MAGIC "\n", sizeof(IMG_MAGIC))) {
		pr_err("image %s is not a sysgenid-criu image\n", name);
		return -1;
	}
	buf[n] = '\0';
	return 0;
}

static int img_field(const char *text, const char *key, uint32_t *val)
{
	char pat[64];
	const char *p;

	snprintf(pat, sizeof(pat), "\n%s ", key);
	p = strstr(text, pat);
	if (!p || sscanf(p + strlen(pat), "%" SCNu32, val) != 1) {
		pr_err("image field %s missing\n", key);
		return -1;
	}
	return 0;
}

/* The generation current at dump, kept in sysgenid.img (the last read). */
static int record_dump_generation(uint32_t *gen)
{
	char text[96];
	int ret;

	ret = read_sysfs_u32("generation", gen);
	if (ret) {
		pr_err("cannot read " SYSFS_DIR "/generation: %s\n",
		       strerror(-ret));
		return -1;
	}
	snprintf(text, sizeof(text), IMG_MAGIC "\ngeneration %" PRIu32 "\n",
		 *gen);
	return write_img(GLOBAL_IMG, text);
}

static int sysgenid_dump_file(int fd, int id)
{
	struct file_rec r;
	char name[64], text[256];
	struct stat st;

	if (fstat(fd, &st) || !S_ISCHR(st.st_mode) ||
	    !is_sysgenid_rdev(st.st_rdev))
		return -ENOTSUP;

	r.flags = fcntl(fd, F_GETFL);
	if (r.flags < 0 || parse_fdinfo(fd, &r.watcher, &r.seen)) {
		pr_err("cannot read the state of file %#x\n", id);
		return -1;
	}
	if (record_dump_generation(&r.gen))
		return -1;

	snprintf(name, sizeof(name), FILE_IMG, (unsigned int)id);
	snprintf(text, sizeof(text),
		 IMG_MAGIC "\nflags %#o\nwatcher %d\nseen %" PRIu32
		 "\ngeneration %" PRIu32 "\n",
		 r.flags, r.watcher, r.seen, r.gen);
	pr_info("dumped file %#x: %s, flags %#o, seen %" PRIu32
		", generation %" PRIu32 "\n", id,
		r.watcher ? "watcher" : "observer", r.flags, r.seen, r.gen);
	return write_img(name, text);
}
CR_PLUGIN_REGISTER_HOOK(CR_PLUGIN_HOOK__DUMP_EXT_FILE, sysgenid_dump_file)

static int sysgenid_restore_file(int id)
{
	char name[64], text[256];
	uint32_t flags, watcher, seen, gen;
	int fd, ret, now;

	snprintf(name, sizeof(name), FILE_IMG, (unsigned int)id);
	ret = read_img(name, text, sizeof(text));
	if (ret == -ENOENT)
		return -ENOTSUP;
	if (ret || img_field(text, "watcher", &watcher) ||
	    img_field(text, "seen", &seen) ||
	    img_field(text, "generation", &gen))
		return -1;
	/* flags are written in octal */
	if (!strstr(text, "\nflags ") ||
	    sscanf(strstr(text, "\nflags ") + 7, "%" SCNo32, &flags) != 1) {
		pr_err("image field flags missing\n");
		return -1;
	}

	fd = open(DEV_PATH, (flags & OPEN_FLAGS) | O_CLOEXEC);
	if (fd < 0) {
		pr_err("cannot open " DEV_PATH " for file %#x (%s): %s\n", id,
		       watcher ? "watcher" : "observer", strerror(errno));
		return -1;
	}
	/* fcntl() is the only way back for O_ASYNC (its owner is CRIU's) */
	if ((flags & O_ASYNC) && fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_ASYNC)) {
		pr_err("cannot set O_ASYNC on file %#x: %s\n", id,
		       strerror(errno));
		close(fd);
		return -1;
	}
	now = fcntl(fd, F_GETFL);
	if ((now ^ (int)flags) & (OPEN_FLAGS | O_ASYNC))
		pr_warn("file %#x: flags %#o, dumped with %#o\n", id, now,
			flags);
	pr_info("restored file %#x as fd %d: %s, flags %#o (seen %" PRIu32
		" and generation %" PRIu32 " at dump)\n", id, fd,
		watcher ? "watcher" : "observer", now, seen, gen);
	return fd;
}
CR_PLUGIN_REGISTER_HOOK(CR_PLUGIN_HOOK__RESTORE_EXT_FILE, sysgenid_restore_file)

static int sysgenid_handle_vma(int fd, const struct stat *st)
{
	uint32_t gen;

	(void)fd;
	if (!S_ISCHR(st->st_mode) || !is_sysgenid_rdev(st->st_rdev))
		return -ENOTSUP;
	if (record_dump_generation(&gen))
		return -1;
	pr_info("mapping of " DEV_PATH " accepted (generation %" PRIu32 ")\n",
		gen);
	return 0;
}
CR_PLUGIN_REGISTER_HOOK(CR_PLUGIN_HOOK__HANDLE_DEVICE_VMA, sysgenid_handle_vma)

/* Does this machine's driver offer the VM generation page (page 1)? */
static int host_has_vm_page(void)
{
	char buf[32];

	return !read_attr("vm_source", buf, sizeof(buf)) &&
	       !strcmp(buf, "mapped\n");
}

/*
 * A library 1.1 handle maps page 1 too, the VM generation page. Restored
 * on a machine whose driver has no VM page (migration out of a VMGenID VM
 * to bare metal or to a hypervisor without it), mapping page 1 again fails
 * (ENODEV) and so would the whole restore. There is no VM generation
 * there to watch, and the generation counter alone still reports every
 * change, so the mapping is given the generation page instead: the
 * library then reads the "live" VM ID from bytes of page 0 that such a
 * driver leaves zero, the same as the (zero) recorded ID in page 0, so the
 * handle sees no pending VM restore, ever, and works as a 1.0 handle does.
 */
static int sysgenid_update_vma(const char *path, const uint64_t addr,
			       const uint64_t old_pgoff, uint64_t *new_pgoff,
			       int *plugin_fd)
{
	long psz = sysconf(_SC_PAGESIZE);
	struct stat st;

	(void)plugin_fd;
	if (stat(path, &st) || !S_ISCHR(st.st_mode) ||
	    !is_sysgenid_rdev(st.st_rdev))
		return -ENOTSUP;
	/* CRIU maps the node again at addr, read-only, at the same offset. */
	*new_pgoff = old_pgoff;
	if (old_pgoff == (uint64_t)SYSGENID_MMAP_VM_PAGE * psz &&
	    !host_has_vm_page()) {
		*new_pgoff = 0;
		pr_warn("mapping at %#" PRIx64 " is of the VM generation page, "
			"which this machine does not have: the generation "
			"page is mapped there instead (the counter alone "
			"reports changes here)\n", addr);
		return 0;
	}
	pr_info("mapping at %#" PRIx64 " offset %#" PRIx64 " kept\n", addr,
		old_pgoff);
	return 0;
}
CR_PLUGIN_REGISTER_HOOK(CR_PLUGIN_HOOK__UPDATE_VMA_MAP, sysgenid_update_vma)

/*
 * Runs in CRIU's master process once per restored task, after every file and
 * mapping is back and before any task runs again; the first call makes the
 * one generation change of this restore. CRIU calls each plugin's hook in
 * turn and stops at the first that returns anything but -ENOTSUP, so this
 * hook always returns -ENOTSUP, having done its work: another plugin's
 * late hook (amdgpu, CUDA: they resume their devices here) must still run
 * for the same task. A failure cannot fail CRIU's restore (it only logs
 * this hook's result), so every restored task is killed rather than left
 * running with stale state: the task of the failing call and each task
 * CRIU calls the hook for after it.
 */
static int sysgenid_resume_late(int pid)
{
	char text[96];
	uint32_t dumped, now = 0;
	unsigned long min;
	int fd, ret;

	if (forced > 0)
		return -ENOTSUP;
	if (forced < 0)
		goto kill_task;
	ret = read_img(GLOBAL_IMG, text, sizeof(text));
	if (ret == -ENOENT)
		return -ENOTSUP;
	forced = -1;
	if (ret || img_field(text, "generation", &dumped))
		goto kill_task;

	/* dumped + 1 wraps to 0 at U32_MAX: then any change will do */
	min = (uint32_t)(dumped + 1);
	fd = open(DEV_PATH, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		pr_err("cannot open " DEV_PATH ": %s\n", strerror(errno));
		goto kill_task;
	}
	if (ioctl(fd, SYSGENID_FORCE_GEN_UPDATE, min)) {
		ret = -errno;
		close(fd);
		if (allow_stale) {
			pr_warn("no generation update (%s): restored processes "
				"keep the generation they had (" ALLOW_STALE_ENV
				"=1)\n", strerror(-ret));
			forced = 1;
			return -ENOTSUP;
		}
		pr_err("cannot force a generation update: %s\n",
		       strerror(-ret));
		goto kill_task;
	}
	close(fd);
	read_sysfs_u32("generation", &now);
	pr_info("restore is generation %" PRIu32 " (%" PRIu32 " at dump)\n",
		now, dumped);
	forced = 1;
	return -ENOTSUP;
kill_task:
	pr_err("killing restored task %d rather than letting it run with "
	       "stale state\n", pid);
	kill(pid, SIGKILL);
	return -ENOTSUP;
}
CR_PLUGIN_REGISTER_HOOK(CR_PLUGIN_HOOK__RESUME_DEVICES_LATE, sysgenid_resume_late)

/*
 * Before a restore of an image that holds sysgenid state, check what the
 * restore will need: the device, and the privilege to force an update. An
 * argument above U32_MAX is refused with EINVAL only after the capability
 * check passed (EPERM otherwise), and changes nothing: an exact probe.
 */
static int check_restore(void)
{
	char text[96];
	int fd, ret;

	ret = read_img(GLOBAL_IMG, text, sizeof(text));
	if (ret == -ENOENT)
		return 0;
	if (ret)
		return -1;

	fd = open(DEV_PATH, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		pr_err("the image holds sysgenid state but " DEV_PATH
		       " cannot be opened (%s): load the sysgenid module; "
		       "restore refused\n", strerror(errno));
		return -1;
	}
	ret = ioctl(fd, SYSGENID_FORCE_GEN_UPDATE, 1UL << 32) ? errno : 0;
	close(fd);
	if (ret == EINVAL)
		return 0;
	if (allow_stale) {
		pr_warn("cannot force a generation update (%s); restoring "
			"anyway because " ALLOW_STALE_ENV "=1: restored "
			"processes will not see a new generation\n",
			ret ? strerror(ret) : "the probe succeeded");
		return 0;
	}
	pr_err("restoring processes that use sysgenid needs a generation "
	       "update, which needs CAP_CHECKPOINT_RESTORE or CAP_SYS_ADMIN "
	       "in the initial user namespace (%s); restore refused "
	       "(set " ALLOW_STALE_ENV "=1 to restore with stale state)\n",
	       ret ? strerror(ret) : "unexpected probe result");
	return -1;
}

static int sysgenid_init(int s)
{
	allow_stale = allow_stale_env();
	if (s == CR_PLUGIN_STAGE__RESTORE)
		return check_restore();
	return 0;
}

static void sysgenid_exit(int s, int ret)
{
	(void)s;
	(void)ret;
}

CR_PLUGIN_REGISTER("sysgenid", sysgenid_init, sysgenid_exit)
