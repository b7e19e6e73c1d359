// SPDX-License-Identifier: MIT
/*
 * Orchestrator: a service manager that, after each change of the system
 * generation, keeps its service paused until every watcher on the system
 * (the applications and libraries that rebuild unique state) has
 * acknowledged the new generation, or until a deadline passes.
 *
 * Usage: orchestrator [TIMEOUT_MS [COUNT]]
 *   wait at most TIMEOUT_MS (default 5000) for the others, handle COUNT
 *   changes (default 1); exit status 1 if a deadline passed.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sysgenid.h>

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000;
}

static int handle_change(struct sysgenid *sg, uint32_t gen, int timeout_ms)
{
	long deadline = now_ms() + timeout_ms, left;
	int ret;

	printf("generation %u: service paused\n", gen);
	/* This watcher is up to date: count only the others. */
	ret = sysgenid_ack(sg, gen);
	if (ret)
		return ret;
	/* A signal (-EINTR) is no reason to stop waiting before the deadline. */
	do {
		left = deadline - now_ms();
		ret = sysgenid_wait_watchers(sg, left > 0 ? (int)left : 0);
	} while (ret == -EINTR);
	if (ret == -ETIMEDOUT)
		printf("generation %u: deadline passed, resuming anyway\n",
		       gen);
	else if (!ret)
		printf("generation %u: all watchers up to date, "
		       "service resumed\n", gen);
	fflush(stdout);
	return ret;
}

int main(int argc, char **argv)
{
	int timeout_ms = argc > 1 ? atoi(argv[1]) : 5000;
	unsigned long count = argc > 2 ? strtoul(argv[2], NULL, 0) : 1;
	struct sysgenid sg;
	int late = 0, ret;
	uint32_t gen;

	ret = sysgenid_open(&sg, SYSGENID_WATCHER);
	if (ret) {
		fprintf(stderr, "orchestrator: sysgenid_open: %s\n",
			strerror(-ret));
		return 1;
	}
	printf("watching generation %u\n", sysgenid_get(&sg));
	fflush(stdout);
	while (count) {
		ret = sysgenid_wait(&sg, -1, &gen);
		if (!ret)
			ret = handle_change(&sg, gen, timeout_ms);
		/*
		 * -EINVAL from the ack or -ESTALE from the wait for the others:
		 * the generation changed again meanwhile, so this watcher is
		 * outdated; handle the newer one (sysgenid_wait() returns it at
		 * once).
		 */
		if (ret == -EINVAL || ret == -ESTALE)
			continue;
		if (ret == -ETIMEDOUT)
			late = 1;
		else if (ret)
			break;
		ret = 0;
		count--;
	}
	sysgenid_close(&sg);
	if (ret)
		fprintf(stderr, "orchestrator: %s\n", strerror(-ret));
	return ret || late;
}
