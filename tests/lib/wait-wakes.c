// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * A blocked sysgenid_wait() wakes with the new generation. A watcher then
 * keeps seeing it until it acknowledges; an observer's wait consumes it.
 */
#include <pthread.h>

#include "helpers.h"

struct waiter {
	struct sysgenid sg;
	uint32_t gen;
	int ret;
};

static void *wait_thread(void *arg)
{
	struct waiter *w = arg;

	w->ret = sysgenid_wait(&w->sg, -1, &w->gen);
	return NULL;
}

int main(void)
{
	struct waiter obs = { .ret = 1 }, wat = { .ret = 1 };
	pthread_t t1, t2;
	uint32_t gen, again;

	require_device();
	CHECK_EQ(0, sysgenid_open(&obs.sg, SYSGENID_OBSERVER));
	CHECK_EQ(0, sysgenid_open(&wat.sg, SYSGENID_WATCHER));
	CHECK_EQ(0, pthread_create(&t1, NULL, wait_thread, &obs));
	CHECK_EQ(0, pthread_create(&t2, NULL, wait_thread, &wat));
	sleep_ms(200);
	CHECK_EQ(1, obs.ret);
	CHECK_EQ(1, wat.ret);
	gen = bump();
	CHECK_EQ(0, pthread_join(t1, NULL));
	CHECK_EQ(0, pthread_join(t2, NULL));
	CHECK_EQ(0, obs.ret);
	CHECK_EQ(0, wat.ret);
	CHECK_EQ(gen, obs.gen);
	CHECK_EQ(gen, wat.gen);

	CHECK_EQ(-ETIMEDOUT, sysgenid_wait(&obs.sg, 0, &again));
	CHECK_EQ(0, sysgenid_wait(&wat.sg, 0, &again));
	CHECK_EQ(gen, again);
	CHECK_EQ(0, sysgenid_ack(&wat.sg, gen));
	CHECK_EQ(-ETIMEDOUT, sysgenid_wait(&wat.sg, 0, &again));

	sysgenid_close(&wat.sg);
	sysgenid_close(&obs.sg);
	return T_PASS;
}
