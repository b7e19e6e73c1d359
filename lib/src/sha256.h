/* SPDX-License-Identifier: LGPL-2.1-or-later OR MIT */
/* SHA-256, internal to libsysgenid (not exported from the shared library). */
#ifndef SYSGENID_SHA256_H
#define SYSGENID_SHA256_H

#include <stddef.h>
#include <stdint.h>

struct sysgenid__sha256 {
	uint32_t h[8];
	uint64_t len;
	uint8_t buf[64];
};

void sysgenid__sha256_init(struct sysgenid__sha256 *c);
void sysgenid__sha256_update(struct sysgenid__sha256 *c, const void *data,
			     size_t len);
void sysgenid__sha256_final(struct sysgenid__sha256 *c, uint8_t out[32]);

#endif /* SYSGENID_SHA256_H */
