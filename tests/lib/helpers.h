/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Helpers for the libsysgenid tests. Each test is one program that exits
 * T_PASS, T_FAIL or T_SKIP (77); CHECK() prints what failed and where.
 */
#ifndef SYSGENID_TEST_HELPERS_H
#define SYSGENID_TEST_HELPERS_H

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <grp.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "sysgenid.h"

#define T_PASS	0
#define T_FAIL	1
#define T_SKIP	77

#define CHECK(cond) do {						\
	if (!(cond)) {							\
		fprintf(stderr, "%s:%d: check failed: %s\n",		\
			__FILE__, __LINE__, #cond);			\
		exit(T_FAIL);						\
	}								\
} while (0)

/* Compare a call's result with the value expected, and show both. */
#define CHECK_EQ(expected, actual) do {					\
	long long e_ = (expected), a_ = (actual);			\
	if (e_ != a_) {							\
		fprintf(stderr, "%s:%d: %s: expected %lld, got %lld\n",	\
			__FILE__, __LINE__, #actual, e_, a_);		\
		exit(T_FAIL);						\
	}								\
} while (0)

static inline void require_device(void)
{
	if (access("/dev/sysgenid", F_OK)) {
		fprintf(stderr, "/dev/sysgenid missing\n");
		exit(T_SKIP);
	}
}

/* A numeric attribute of the misc device in sysfs. */
static inline long sysfs_attr(const char *name)
{
	char path[128];
	long val = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/sys/class/misc/sysgenid/%s", name);
	f = fopen(path, "r");
	CHECK(f != NULL);
	CHECK(fscanf(f, "%ld", &val) == 1);
	fclose(f);
	return val;
}

/* The value of "@key: " in /proc/self/fdinfo/@fd, as a string. */
static inline const char *fdinfo(int fd, const char *key)
{
	static char val[64];
	char path[64], line[128];
	size_t len = strlen(key);
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	f = fopen(path, "r");
	CHECK(f != NULL);
	val[0] = '\0';
	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, key, len) && line[len] == ':') {
			sscanf(line + len + 1, "%63s", val);
			break;
		}
	}
	fclose(f);
	return val;
}

static inline long elapsed_ms(const struct timespec *start)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (now.tv_sec - start->tv_sec) * 1000 +
	       (now.tv_nsec - start->tv_nsec) / 1000000;
}

static inline void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/* Change the generation through an observer handle; returns the new one. */
static inline uint32_t bump(void)
{
	struct sysgenid sg;
	uint32_t gen;

	CHECK_EQ(0, sysgenid_open(&sg, SYSGENID_OBSERVER));
	CHECK_EQ(0, sysgenid_force_update(&sg, 0));
	gen = sysgenid_get(&sg);
	sysgenid_close(&sg);
	return gen;
}

/* Run @fn in a child process as nobody (65534); returns its exit status. */
static inline int as_nobody(int (*fn)(void))
{
	int status;
	pid_t pid;

	pid = fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		if (setgroups(0, NULL) || setgid(65534) || setuid(65534))
			_exit(T_FAIL);
		_exit(fn());
	}
	CHECK(waitpid(pid, &status, 0) == pid);
	CHECK(WIFEXITED(status));
	return WEXITSTATUS(status);
}

#endif /* SYSGENID_TEST_HELPERS_H */
