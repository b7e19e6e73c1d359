// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * sysgenid_wait_watchers() interrupted by a signal (a handler without
 * SA_RESTART) returns -EINTR, and only then: an outdated caller gets
 * -ESTALE (see wait-watchers.c), so a retry loop can tell the two apart.
 */
#include <signal.h>

#include "helpers.h"

static void on_alarm(int sig)
{
	(void)sig;
}

int main(void)
{
	struct sigaction sa = { .sa_handler = on_alarm };
	struct sysgenid orch, other;
	uint32_t gen;

	require_device();
	CHECK_EQ(0, sigaction(SIGALRM, &sa, NULL));
	CHECK_EQ(0, sysgenid_open(&orch, SYSGENID_WATCHER));
	CHECK_EQ(0, sysgenid_open(&other, SYSGENID_WATCHER));
	gen = bump();
	CHECK_EQ(0, sysgenid_ack(&orch, gen));

	/* Up to date itself, waiting for @other: a signal is -EINTR. */
	alarm(1);
	CHECK_EQ(-EINTR, sysgenid_wait_watchers(&orch, -1));
	CHECK_EQ(1, sysfs_attr("outdated_watchers"));

	CHECK_EQ(0, sysgenid_ack(&other, gen));
	CHECK_EQ(0, sysgenid_wait_watchers(&orch, -1));
	sysgenid_close(&other);
	sysgenid_close(&orch);
	return T_PASS;
}
