/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The hypervisor's VMGenID page as the tests see it, independent of the
 * driver: QEMU patches the guest-physical address of its GUID buffer into
 * the SSDT's VGIA name (NameOp "VGIA" DWordPrefix <address>), and the ID
 * is 40 bytes into that buffer (QEMU's VMGENID_GUID_OFFSET). root maps it
 * through /dev/mem: the page is not System RAM, so STRICT_DEVMEM allows it.
 */
#ifndef SYSGENID_TEST_VGIA_H
#define SYSGENID_TEST_VGIA_H

#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define VGIA_GUID_OFFSET	40

/* The address in the VGIA name, or 0 with errno set. */
static inline uint64_t vgia_find(void)
{
	static const uint8_t name[] = { 0x08, 'V', 'G', 'I', 'A', 0x0c };
	uint8_t buf[65536];
	uint64_t addr = 0;
	ssize_t n, j;
	glob_t g;
	size_t i;
	int f;

	if (glob("/sys/firmware/acpi/tables/SSDT*", 0, NULL, &g)) {
		errno = ENOENT;
		return 0;
	}
	for (i = 0; i < g.gl_pathc && !addr; i++) {
		f = open(g.gl_pathv[i], O_RDONLY);
		if (f < 0)
			continue;
		n = read(f, buf, sizeof(buf));
		close(f);
		for (j = 0; j + 10 <= n && !addr; j++)
			if (!memcmp(buf + j, name, sizeof(name)))
				addr = (uint64_t)buf[j + 6] |
				       (uint64_t)buf[j + 7] << 8 |
				       (uint64_t)buf[j + 8] << 16 |
				       (uint64_t)buf[j + 9] << 24;
	}
	globfree(&g);
	if (!addr)
		errno = ENOENT;
	return addr;
}

/*
 * The live 16-byte VM generation ID, mapped through /dev/mem with @prot
 * (PROT_READ, or PROT_READ | PROT_WRITE to play the hypervisor), or NULL
 * with errno set.
 */
static inline volatile uint64_t *vgia_map_id(int prot)
{
	uint64_t addr = vgia_find();
	long psz = sysconf(_SC_PAGESIZE);
	char *p;
	int mem;

	if (!addr)
		return NULL;
	addr += VGIA_GUID_OFFSET;
	/* Not O_SYNC: the kernel maps the page write-back, and an uncached
	 * mapping of it would conflict (EAGAIN). */
	mem = open("/dev/mem", (prot & PROT_WRITE ? O_RDWR : O_RDONLY) |
		   O_CLOEXEC);
	if (mem < 0)
		return NULL;
	p = mmap(NULL, psz, prot, MAP_SHARED, mem, addr & ~(psz - 1));
	close(mem);
	if (p == MAP_FAILED)
		return NULL;
	return (volatile uint64_t *)(p + (addr & (psz - 1)));
}

#endif /* SYSGENID_TEST_VGIA_H */
