// SPDX-License-Identifier: GPL-2.0
/*
 * Test only (tests/host/34-dt-vmgenid): takes the interrupt of the
 * "microsoft,vmgenid" node without sharing it, so that sysgenid's request
 * of it fails with -EBUSY. By default as a driver other than vmgenid
 * might; with as_vmgenid=1 as a vmgenid that does not share its interrupt
 * would: a platform driver of that name, bound to the node's device (the
 * real vmgenid kept from probing), whose handler does nothing.
 */
#include <linux/interrupt.h>
#include <linux/module.h>
#include <linux/of.h>
#include <linux/of_irq.h>
#include <linux/platform_device.h>

static bool as_vmgenid;
module_param(as_vmgenid, bool, 0444);
MODULE_PARM_DESC(as_vmgenid, "Bind to the node as a platform driver named vmgenid");

static int irqhog_irq;

static irqreturn_t irqhog_handler(int irq, void *dev_id)
{
	return IRQ_HANDLED;
}

static int irqhog_probe(struct platform_device *pdev)
{
	int irq = platform_get_irq(pdev, 0);

	if (irq < 0)
		return irq;
	return devm_request_irq(&pdev->dev, irq, irqhog_handler, 0,
				KBUILD_MODNAME, pdev);
}

static const struct of_device_id irqhog_of_ids[] = {
	{ .compatible = "microsoft,vmgenid" },
	{ }
};

static struct platform_driver irqhog_driver = {
	.probe = irqhog_probe,
	.driver = {
		.name = "vmgenid",
		.of_match_table = irqhog_of_ids,
	},
};

static int __init irqhog_init(void)
{
	struct device_node *np;

	if (as_vmgenid)
		return platform_driver_register(&irqhog_driver);

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
	if (as_vmgenid)
		platform_driver_unregister(&irqhog_driver);
	else
		free_irq(irqhog_irq, &irqhog_irq);
}

module_init(irqhog_init);
module_exit(irqhog_exit);
MODULE_DESCRIPTION("Holds the VMGenID node's interrupt exclusively (test only)");
MODULE_LICENSE("GPL");
