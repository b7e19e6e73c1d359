// SPDX-License-Identifier: GPL-2.0-or-later
/* Unknown open flags are refused before anything is opened. */
#include <fcntl.h>

#include "helpers.h"

int main(void)
{
	struct sysgenid sg = { .fd = -1 };
	int probe;

	require_device();
	CHECK_EQ(-EINVAL, sysgenid_open(&sg, 1u << 1));
	CHECK_EQ(-EINVAL, sysgenid_open(&sg, SYSGENID_WATCHER | 1u << 31));
	CHECK_EQ(-1, sg.fd);
	/* No descriptor leaked: the next one is the lowest free number. */
	probe = open("/dev/null", O_RDONLY);
	CHECK_EQ(3, probe);
	close(probe);
	return T_PASS;
}
