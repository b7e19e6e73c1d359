// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * sysgenid_wait_watchers(): immediate when nobody is outdated, -ETIMEDOUT
 * while someone is, -ESTALE for an outdated caller, and a wake-up as soon
 * as the last outdated watcher acknowledges.
 */
#include <pthread.h>

#include "helpers.h"

struct late_ack {
	struct sysgenid *sg;
	uint32_t gen;
};

static void *ack_later(void *arg)
{
	struct late_ack *a = arg;

	sleep_ms(300);
	CHECK_EQ(0, sysgenid_ack(a->sg, a->gen));
	return NULL;
}

int main(void)
{
	struct sysgenid orch, obs, other;
	struct timespec start;
	struct late_ack a;
	pthread_t t;
	long ms;

	require_device();
	CHECK_EQ(0, sysgenid_open(&obs, SYSGENID_OBSERVER));
	CHECK_EQ(0, sysfs_attr("outdated_watchers"));
	CHECK_EQ(0, sysgenid_wait_watchers(&obs, 0));
	CHECK_EQ(0, sysgenid_wait_watchers(&obs, -1));

	CHECK_EQ(0, sysgenid_open(&orch, SYSGENID_WATCHER));
	CHECK_EQ(0, sysgenid_open(&other, SYSGENID_WATCHER));
	a.sg = &other;
	a.gen = bump();
	CHECK_EQ(sysfs_attr("watchers"), sysfs_attr("outdated_watchers"));
	CHECK_EQ(-ESTALE, sysgenid_wait_watchers(&orch, 100));
	CHECK_EQ(-ESTALE, sysgenid_wait_watchers(&orch, -1));
	CHECK_EQ(0, sysgenid_ack(&orch, a.gen));

	CHECK_EQ(-ETIMEDOUT, sysgenid_wait_watchers(&orch, 0));
	clock_gettime(CLOCK_MONOTONIC, &start);
	CHECK_EQ(-ETIMEDOUT, sysgenid_wait_watchers(&obs, 200));
	ms = elapsed_ms(&start);
	CHECK(ms >= 190 && ms < 5000);

	CHECK_EQ(0, pthread_create(&t, NULL, ack_later, &a));
	clock_gettime(CLOCK_MONOTONIC, &start);
	CHECK_EQ(0, sysgenid_wait_watchers(&orch, -1));
	CHECK(elapsed_ms(&start) >= 250);
	CHECK_EQ(0, pthread_join(t, NULL));
	CHECK_EQ(0, sysfs_attr("outdated_watchers"));

	sysgenid_close(&other);
	sysgenid_close(&orch);
	sysgenid_close(&obs);
	return T_PASS;
}
