// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The library unmaps only what it mapped. After sysgenid_open() the
 * application maps a page of its own, asking for the address right after
 * the generation page (where the library reserves room for the VM
 * generation page): on a system without that page the reservation must
 * not have been given back and then unmapped again by sysgenid_close().
 * The application's page stays mapped and intact through the close, and
 * the library's own pages are gone after it. Meaningful with and without
 * the VM generation page (tests/host/32-no-vmgenid runs it without).
 */
#include <sys/mman.h>

#include "helpers.h"

static int mapped(const void *addr, size_t len)
{
	unsigned char vec;

	/* mincore() fails with ENOMEM for a range that is not mapped. */
	if (mincore((void *)addr, len, &vec) == 0)
		return 1;
	CHECK_EQ(ENOMEM, errno);
	return 0;
}

int main(void)
{
	size_t psz = sysconf(_SC_PAGESIZE);
	struct sysgenid sg, other;
	const char *lib;
	unsigned char *app;
	int vm, i;

	require_device();
	CHECK_EQ(0, sysgenid_open(&sg, SYSGENID_OBSERVER));
	lib = (const char *)sg.page;
	vm = !!(sg.flags & SYSGENID__VM);

	app = mmap((void *)(lib + psz), psz, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(app != MAP_FAILED);
	fprintf(stderr, "VM page %s; application page %s the reserved room\n",
		vm ? "mapped" : "absent",
		(const char *)app == lib + psz ? "landed in" : "not in");
	memset(app, 0xa5, psz);

	/* A second handle opened and closed meanwhile changes nothing. */
	CHECK_EQ(0, sysgenid_open(&other, SYSGENID_WATCHER));
	sysgenid_close(&other);
	sysgenid_close(&sg);

	CHECK(mapped(app, psz));
	for (i = 0; i < (int)psz; i++)
		CHECK_EQ(0xa5, app[i]);
	CHECK(!mapped(lib, psz));
	if ((const char *)app != lib + psz)
		CHECK(!mapped(lib + psz, psz));
	CHECK_EQ(0, munmap(app, psz));
	return T_PASS;
}
