// SPDX-License-Identifier: GPL-2.0
/*
 * Test only (tests/host/34-dt-vmgenid): takes the interrupt of the
 * "microsoft,vmgenid" node without sharing it, as a driver other than
 * vmgenid might, so that sysgenid's request of it fails with -EBUSY.
 */
#include <linux/interrupt.h>
#include <linux/module.h>
#include <linux/of.h>
#include <linux/of_irq.h>

static int irqhog_irq;

static irqreturn_t irqhog_handler(int irq, void *dev_id)
{
	return IRQ_HANDLED;
}

static int __init irqhog_init(void)
{
	struct device_node *np;

	np = of_find_compatible_node(NULL, NULL, "microsoft,vmgenid");
	if (!np)
		return -ENODEV;
	irqhog_irq = of_irq_get(np, 0);
	of_node_put(np);
	if (irqhog_irq <= 0)
		return irqhog_irq ? irqhog_irq : -ENXIO;
	return request_irq(irqhog_irq, irqhog_handler, 0, KBUILD_MODNAME,
			   &irqhog_irq);
}

static void __exit irqhog_exit(void)
{
	free_irq(irqhog_irq, &irqhog_irq);
}

module_init(irqhog_init);
module_exit(irqhog_exit);
MODULE_DESCRIPTION("Holds the VMGenID node's interrupt exclusively (test only)");
MODULE_LICENSE("GPL");
