// SPDX-License-Identifier: MIT
/*
 * Watchdog thread: a thread blocks until the system generation changes,
 * rebuilds the state that must be unique to this copy of the system (here
 * a session key), then acknowledges, while the main thread keeps using the
 * key under a lock.
 *
 * Usage: watchdog [COUNT]   handle COUNT changes (default 1), then exit
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include <sysgenid.h>

static pthread_mutex_t key_lock = PTHREAD_MUTEX_INITIALIZER;
static unsigned char session_key[32];

static void rebuild_session_key(void)
{
	pthread_mutex_lock(&key_lock);
	if (getrandom(session_key, sizeof(session_key), 0) < 0)
		abort();
	pthread_mutex_unlock(&key_lock);
}

struct watchdog {
	struct sysgenid sg;
	unsigned long count;
	int err;
};

static void *watchdog_thread(void *arg)
{
	struct watchdog *w = arg;
	uint32_t gen;

	while (w->count) {
		w->err = sysgenid_wait(&w->sg, -1, &gen);
		if (w->err)
			break;
		rebuild_session_key();
		w->err = sysgenid_ack(&w->sg, gen);
		/* -EINVAL: changed again meanwhile; wait returns it. */
		if (w->err == -EINVAL)
			continue;
		if (w->err)
			break;
		printf("generation %u: session key rebuilt\n", gen);
		fflush(stdout);
		w->count--;
	}
	return NULL;
}

int main(int argc, char **argv)
{
	struct watchdog w = { .count = 1 };
	pthread_t thread;
	int ret;

	if (argc > 1)
		w.count = strtoul(argv[1], NULL, 0);
	ret = sysgenid_open(&w.sg, SYSGENID_WATCHER);
	if (ret) {
		fprintf(stderr, "watchdog: sysgenid_open: %s\n",
			strerror(-ret));
		return 1;
	}
	rebuild_session_key();
	ret = pthread_create(&thread, NULL, watchdog_thread, &w);
	if (ret) {
		fprintf(stderr, "watchdog: pthread_create: %s\n",
			strerror(ret));
		sysgenid_close(&w.sg);
		return 1;
	}
	printf("watching generation %u\n", sysgenid_get(&w.sg));
	fflush(stdout);
	pthread_join(thread, NULL);
	sysgenid_close(&w.sg);
	if (w.err) {
		fprintf(stderr, "watchdog: %s\n", strerror(-w.err));
		return 1;
	}
	return 0;
}
