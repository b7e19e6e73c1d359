// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Where the driver offers the VM generation page (sysfs vm_source says
 * "mapped"), sysgenid_open() maps it right after the generation page and
 * the fast path uses it: the live ID it finds is the one the generation
 * was made for, so nothing is pending; a forced update is still seen and
 * accepted as before. Without it (tests/host/32-no-vmgenid), the handle is
 * exactly as in 1.0 and the same calls behave the same. The detection of
 * a real restore is tests/host/31-clones.
 */
#include "helpers.h"

/* From the uapi header <linux/sysgenid.h>. */
#define SYSGENID_PAGE_VM_OFFSET	8
#define SYSGENID_PAGE_VM_ID	16
#define SYSGENID_VM_ID_SIZE	16

int main(void)
{
	struct sysgenid sg;
	char source[64] = "";
	const char *base;
	uint32_t gen;
	FILE *f;

	require_device();
	f = fopen("/sys/class/misc/sysgenid/vm_source", "r");
	CHECK(f != NULL);
	CHECK(fgets(source, sizeof(source), f) != NULL);
	fclose(f);
	CHECK_EQ(0, sysgenid_open(&sg, SYSGENID_OBSERVER));
	if (strcmp(source, "mapped\n")) {
		/* As in 1.0: no private bits; the counter alone (below). */
		fprintf(stderr, "no VM generation page: %s", source);
		CHECK_EQ(0, sg.flags);
	} else {
		CHECK(sg.flags & SYSGENID__VM);
		CHECK_EQ(0, sg.flags & SYSGENID_WATCHER);
		base = (const char *)sg.page;
		CHECK_EQ(sysconf(_SC_PAGESIZE) +
			 sg.page[SYSGENID_PAGE_VM_OFFSET / 4],
			 SYSGENID__VM_DIST(sg.flags));
		CHECK_EQ(0, memcmp(base + SYSGENID__VM_DIST(sg.flags),
				   base + SYSGENID_PAGE_VM_ID,
				   SYSGENID_VM_ID_SIZE));
	}
	CHECK_EQ(0, sysgenid_changed(&sg));
	CHECK_EQ(sysfs_attr("generation"), sysgenid_get(&sg));

	gen = sysgenid_get(&sg);
	CHECK_EQ(0, sysgenid_force_update(&sg, 0));
	CHECK(sysgenid_changed(&sg));
	CHECK_EQ((uint32_t)(gen + 1), sysgenid_get(&sg));
	CHECK_EQ(0, sysgenid_ack(&sg, gen + 1));
	CHECK_EQ(0, sysgenid_changed(&sg));
	sysgenid_close(&sg);
	return T_PASS;
}
