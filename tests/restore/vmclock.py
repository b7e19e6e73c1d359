# SPDX-License-Identifier: GPL-2.0
"""QEMU's vmclock device from the host: its page, the qtest socket
through which a test writes vm_generation_counter as a hypervisor that
bumps it would (QEMU 10.0 and 11.1 never do; docs/vmclock.md), and the
ACPI table that sends the notifications such a hypervisor sends."""

import os
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "..", "vm"))
import qemu  # noqa: E402

PAGE = 0xfeffb000          # hw/acpi/vmclock.c, QEMU 10.0 (the _CRS says so)
SEQ, FLAGS, GEN = PAGE + 12, PAGE + 24, PAGE + 0x68
GEN_PRESENT = 1 << 8       # VMCLOCK_FLAG_VM_GEN_COUNTER_PRESENT
NOTIFY_PRESENT = 1 << 9    # VMCLOCK_FLAG_NOTIFICATION_PRESENT
# make qemu10 (vm/fetch-qemu.sh): the first Debian QEMU with the device.
QEMU10 = os.path.join(qemu.BUILD, "qemu-10.0", "qemu-system-x86_64")


def qtest_args(path):
    """QEMU arguments for a qtest socket at path; TCG stays the
    accelerator, and without -qtest-log every line lands on stderr."""
    return ["-qtest", "unix:%s,server=on,wait=off" % path,
            "-qtest-log", "/dev/null"]


class QTest:
    """QEMU's qtest protocol on -qtest unix:PATH,server=on,wait=off."""

    def __init__(self, path, timeout=10):
        self.sock = qemu.connect_unix(path, timeout)
        self.file = self.sock.makefile("rw")

    def cmd(self, line):
        self.file.write(line + "\n")
        self.file.flush()
        reply = self.file.readline().split()
        if not reply or reply[0] != "OK":
            raise RuntimeError("qtest %r: %r" % (line, reply))
        return int(reply[1], 16) if len(reply) > 1 else None

    def close(self):
        self.file.close()
        self.sock.close()


def set_generation(qt, value, flags=GEN_PRESENT):
    """Write vm_generation_counter as a hypervisor would: seq_count odd,
    counter and its flag (and any other flags), seq_count even again."""
    seq = qt.cmd("readl %#x" % SEQ)
    qt.cmd("writel %#x %#x" % (SEQ, (seq | 1)))
    qt.cmd("writeq %#x %#x" % (GEN, value))
    qt.cmd("writeq %#x %#x" % (FLAGS, qt.cmd("readq %#x" % FLAGS) | flags))
    qt.cmd("writel %#x %#x" % (SEQ, (seq | 1) + 1))


def notify_table():
    """The SSDT that sends the notifications QEMU's device does not
    (vmclock-notify.asl), compiled by iasl into build/acpi; its path."""
    src = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                       "vmclock-notify.asl")
    out = os.path.join(qemu.BUILD, "acpi", "vmclock-notify")
    aml = out + ".aml"
    if (not os.path.exists(aml)
            or os.path.getmtime(aml) < os.path.getmtime(src)):
        os.makedirs(os.path.dirname(out), exist_ok=True)
        subprocess.run(["iasl", "-p", out, src], check=True,
                       stdout=subprocess.DEVNULL)
    return aml
