/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The hypervisor's half of VMClock notifications, for tests/restore:
 * QEMU's vmclock device (10.0 and 11.1) never sends one. Loaded as an
 * extra SSDT (qemu -acpitable file=...), this table does what the VMClock
 * specification asks of a hypervisor that sets
 * VMCLOCK_FLAG_NOTIFICATION_PRESENT: Notify (\_SB.VCLK, 0x80) each time
 * seq_count becomes even. The flag and the counter come from the test,
 * which writes them through qtest as a hypervisor would.
 *
 * AML runs only when the kernel evaluates it, and nothing in QEMU raises
 * an event for this table, so the check is the _TMP of a thermal zone,
 * which the kernel's ACPI thermal driver evaluates every _TZP (100 ms).
 * The guest's own programs never run it. The zone reports 25 C with a
 * critical trip at 100 C, so that the kernel never acts on it.
 */
DefinitionBlock ("", "SSDT", 2, "SYSGEN", "VCLKNTFY", 1)
{
	External (\_SB.VCLK, DeviceObj)

	/* struct vmclock_abi, at QEMU's fixed address (the VCLK _CRS). */
	OperationRegion (VCPG, SystemMemory, 0xFEFFB000, 0x20)
	Field (VCPG, DWordAcc, NoLock, Preserve)
	{
		Offset (0x0C),
		SEQC, 32,	/* seq_count */
		Offset (0x18),
		FLGL, 32,	/* flags, low half: bit 9 NOTIFICATION_PRESENT */
	}

	/* The seq_count last notified. */
	Name (LSEQ, Zero)

	ThermalZone (\_TZ.VCNT)
	{
		Method (_TMP, 0, Serialized)
		{
			Local0 = SEQC
			If ((FLGL & 0x200) && !(Local0 & One) && (Local0 != LSEQ))
			{
				LSEQ = Local0
				Notify (\_SB.VCLK, 0x80)
			}
			Return (2982)
		}

		Method (_CRT, 0, NotSerialized)
		{
			Return (3732)
		}

		Name (_TZP, One)
	}
}
