// SPDX-License-Identifier: GPL-2.0
/* Helpers shared by the sysgenid selftests (see sysgenid_util.h). */

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/netlink.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "sysgenid_util.h"

#define SG_UEVENT_RCVBUF	(4 << 20)

static int sg_read_file(const char *path, char *buf, size_t len)
{
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	if (n < 0)
		n = -errno;
	close(fd);
	if (n < 0)
		return n;
	buf[n] = '\0';
	return 0;
}

long sg_sysfs(const char *attr)
{
	char path[128], buf[32], *end;
	unsigned long v;
	int ret;

	snprintf(path, sizeof(path), SYSGENID_SYSFS "%s", attr);
	ret = sg_read_file(path, buf, sizeof(buf));
	if (ret)
		return ret;
	errno = 0;
	v = strtoul(buf, &end, 10);
	if (errno || end == buf || *end != '\n')
		return -EINVAL;
	return v;
}

int sg_fdinfo(int fd, char *kind, size_t len, unsigned long *seen)
{
	char path[64], buf[1024], word[16], *k, *s;
	int ret;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	ret = sg_read_file(path, buf, sizeof(buf));
	if (ret)
		return ret;
	k = strstr(buf, "sysgenid-kind: ");
	s = strstr(buf, "sysgenid-seen: ");
	if (!k || !s)
		return -ENOENT;
	if (sscanf(k, "sysgenid-kind: %15s", word) != 1 ||
	    sscanf(s, "sysgenid-seen: %lu", seen) != 1)
		return -EINVAL;
	snprintf(kind, len, "%s", word);
	return 0;
}

long sg_bump(int fd)
{
	if (ioctl(fd, SYSGENID_FORCE_GEN_UPDATE, 0UL))
		return -errno;
	return sg_sysfs("generation");
}

int sg_wait_sleeping(pid_t tid)
{
	char path[64], buf[512], *state;
	long long deadline = sg_now_ms() + 5000;
	int ret;

	snprintf(path, sizeof(path), "/proc/self/task/%d/stat", tid);
	while (sg_now_ms() < deadline) {
		ret = sg_read_file(path, buf, sizeof(buf));
		if (ret)
			return ret;
		state = strrchr(buf, ')');
		if (state && state[1] == ' ' && state[2] == 'S')
			return 0;
		sg_sleep_ms(1);
	}
	return -ETIMEDOUT;
}

void *sg_bad_pointer(void)
{
	void *p;

	p = mmap(NULL, sysconf(_SC_PAGESIZE), PROT_NONE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	return p == MAP_FAILED ? NULL : p;
}

long long sg_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

void sg_sleep_ms(unsigned int ms)
{
	struct timespec ts = {
		.tv_sec = ms / 1000,
		.tv_nsec = (ms % 1000) * 1000000L,
	};

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

int sg_handle_signal(int sig, void (*handler)(int), bool restart)
{
	struct sigaction sa = {
		.sa_handler = handler,
		.sa_flags = restart ? SA_RESTART : 0,
	};

	sigemptyset(&sa.sa_mask);
	return sigaction(sig, &sa, NULL) ? -errno : 0;
}

int sg_uevent_open(void)
{
	struct sockaddr_nl addr = {
		.nl_family = AF_NETLINK,
		.nl_groups = 1,
	};
	int sock, size = SG_UEVENT_RCVBUF;

	sock = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC,
		      NETLINK_KOBJECT_UEVENT);
	if (sock < 0)
		return -errno;
	if (setsockopt(sock, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size)) &&
	    setsockopt(sock, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size)))
		goto out_close;
	if (bind(sock, (struct sockaddr *)&addr, sizeof(addr)))
		goto out_close;
	return sock;

out_close:
	size = -errno;
	close(sock);
	return size;
}

/* Parse one uevent; false if it is not about the sysgenid device. */
static bool sg_uevent_parse(const char *msg, size_t len, struct sg_uevent *ev)
{
	const char *p, *end = msg + len;
	bool ours = false;

	memset(ev, 0, sizeof(*ev));
	for (p = msg; p < end; p += strlen(p) + 1) {
		if (!strncmp(p, "ACTION=", 7)) {
			snprintf(ev->action, sizeof(ev->action), "%s", p + 7);
		} else if (!strncmp(p, "SUBSYSTEM=", 10)) {
			snprintf(ev->subsystem, sizeof(ev->subsystem), "%s",
				 p + 10);
		} else if (!strncmp(p, "DEVPATH=", 8)) {
			size_t n = strlen(p);

			ours = n > strlen("DEVPATH=/sysgenid") &&
			       !strcmp(p + n - 9, "/sysgenid");
		} else if (!strncmp(p, "SYSGENID=", 9)) {
			ev->has_gen = true;
			ev->gen = strtoul(p + 9, NULL, 10);
		}
	}
	return ours;
}

int sg_uevent_collect(int sock, struct sg_uevent *ev, int max,
		      unsigned int quiet_ms)
{
	struct pollfd pfd = { .fd = sock, .events = POLLIN };
	struct sg_uevent one;
	char msg[8192];
	int count = 0;
	ssize_t n;

	for (;;) {
		n = poll(&pfd, 1, quiet_ms);
		if (n < 0)
			return -errno;
		if (!n)
			return count;
		n = recv(sock, msg, sizeof(msg) - 1, MSG_DONTWAIT);
		if (n < 0)
			return -errno;
		msg[n] = '\0';
		if (!sg_uevent_parse(msg, n, &one))
			continue;
		if (count < max)
			ev[count] = one;
		count++;
	}
}

int sg_run_child(int (*fn)(void *), void *arg)
{
	int status;
	pid_t pid;

	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid < 0)
		return -errno;
	if (!pid)
		_exit(fn(arg));
	if (waitpid(pid, &status, 0) != pid)
		return -errno;
	if (!WIFEXITED(status))
		return -ECHILD;
	return WEXITSTATUS(status);
}

int sg_become(uid_t uid, gid_t gid)
{
	if (setgroups(0, NULL) || setgid(gid) || setuid(uid))
		return -errno;
	return 0;
}
