// SPDX-License-Identifier: MIT
/*
 * Fast probe in a hot path: a random-number cache hands out bytes from a
 * pool and checks, on every call, whether the system generation changed
 * since the pool was filled. The check is a few loads from the shared
 * pages and no system call, so it costs nothing measurable; an observer
 * handle is enough because nobody waits for this process to acknowledge.
 *
 * Where the driver offers the VM generation page, the check sees a restored
 * VM from its first instruction, before the kernel has handled the
 * hypervisor's notification; the pool is refilled with sysgenid_seed(), so
 * two clones of one snapshot never share it even while their kernel
 * generators still do. A snapshot can still be taken between the check and
 * the use of the bytes: the check is made again after copying them, and
 * bytes copied across a change are thrown away. See sysgenid(7).
 *
 * Usage: fast-probe [COUNT]   run until COUNT changes were seen (default 1)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sysgenid.h>

struct rng_cache {
	struct sysgenid sg;
	unsigned char pool[4096];
	size_t used;
	unsigned long reseeds;
};

static void rng_refill(struct rng_cache *rc)
{
	if (sysgenid_seed(&rc->sg, rc->pool, sizeof(rc->pool)) < 0)
		abort();
	rc->used = 0;
}

static void rng_get(struct rng_cache *rc, void *buf, size_t len)
{
	do {
		if (sysgenid_changed(&rc->sg)) {
			/* Take the generation first, then build fresh state. */
			uint32_t gen = sysgenid_get(&rc->sg);

			rng_refill(rc);
			sysgenid_ack(&rc->sg, gen);
			rc->reseeds++;
			printf("generation %u: pool reseeded\n", gen);
			fflush(stdout);
		}
		if (rc->used + len > sizeof(rc->pool))
			rng_refill(rc);
		memcpy(buf, rc->pool + rc->used, len);
		rc->used += len;
		/* Changed while copying: these bytes may be another copy's. */
	} while (sysgenid_changed(&rc->sg));
}

int main(int argc, char **argv)
{
	unsigned long count = argc > 1 ? strtoul(argv[1], NULL, 0) : 1;
	struct timespec pause = { 0, 1000000 };
	struct rng_cache *rc;
	unsigned long calls = 0;
	unsigned char nonce[16];
	int ret;

	rc = calloc(1, sizeof(*rc));
	if (!rc)
		return 1;
	ret = sysgenid_open(&rc->sg, SYSGENID_OBSERVER);
	if (ret) {
		fprintf(stderr, "fast-probe: sysgenid_open: %s\n",
			strerror(-ret));
		free(rc);
		return 1;
	}
	rng_refill(rc);
	printf("watching generation %u\n", sysgenid_get(&rc->sg));
	fflush(stdout);
	while (rc->reseeds < count) {
		rng_get(rc, nonce, sizeof(nonce));
		calls++;
		/* Stands for the rest of the work between two requests. */
		nanosleep(&pause, NULL);
	}
	printf("%lu nonces handed out\n", calls);
	sysgenid_close(&rc->sg);
	free(rc);
	return 0;
}
