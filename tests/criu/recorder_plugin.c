// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * recorder_plugin.so: a second CRIU plugin for suite 50-criu, standing in
 * for one such as amdgpu's or CUDA's that resumes its devices in
 * RESUME_DEVICES_LATE. Its late hook appends "<pid> <generation>" to the
 * file named by $SGCR_RECORDER_LOG, the generation being the one current
 * when it ran, and returns -ENOTSUP as a plugin with nothing of its own to
 * stop does, so that the order in which CRIU runs the two plugins shows.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criu/criu-plugin.h>

static int recorder_resume_late(int pid)
{
	const char *log = getenv("SGCR_RECORDER_LOG");
	char gen[32] = "?", line[64];
	ssize_t n;
	int fd;

	if (!log)
		return -ENOTSUP;
	fd = open("/sys/class/misc/sysgenid/generation", O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		n = read(fd, gen, sizeof(gen) - 1);
		gen[n > 0 ? n : 0] = '\0';
		gen[strcspn(gen, "\n")] = '\0';
		close(fd);
	}
	snprintf(line, sizeof(line), "%d %s\n", pid, gen);
	fd = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	if (fd >= 0) {
		if (write(fd, line, strlen(line)) < 0)
			perror("recorder");
		close(fd);
	}
	return -ENOTSUP;
}
CR_PLUGIN_REGISTER_HOOK(CR_PLUGIN_HOOK__RESUME_DEVICES_LATE, recorder_resume_late)

static int recorder_init(int stage)
{
	(void)stage;
	return 0;
}

static void recorder_exit(int stage, int ret)
{
	(void)stage;
	(void)ret;
}

CR_PLUGIN_REGISTER("sgcr-recorder", recorder_init, recorder_exit)
