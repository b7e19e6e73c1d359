#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""What QEMU's vmclock device shows a guest across a snapshot restore.

Boots a scratch busybox guest (tests/restore/vmclock-guest.sh as PID 1)
with -device vmclock under $SYSGENID_QEMU (make qemu10), saves it, restores
it into a new QEMU and, with --set-gen, writes vm_generation_counter from
the host through the qtest socket between -incoming and cont, as a
hypervisor that bumps the counter would. Prints the guest's @@ lines.
docs/vmclock.md has the results.

    make qemu10 initramfs
    SYSGENID_QEMU=build/qemu-10.0/qemu-system-x86_64 \\
        python3 tests/restore/vmclock-probe.py --kernel 7.3 --set-gen 0x1234
"""

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "vm"))
import qemu  # noqa: E402
from vmclock import QTest, qtest_args, set_generation  # noqa: E402


def initrd(series, out):
    """busybox, vmclock-guest.sh as /init and, where the kernel has it,
    ptp_vmclock for modprobe."""
    build = qemu.BUILD
    root = tempfile.mkdtemp(dir=os.path.dirname(out))
    script = """set -e
cd "$1"; mkdir -p bin sbin usr/bin usr/sbin proc sys dev
cp /bin/busybox bin/
for a in $(/bin/busybox --list-full); do [ -e "$a" ] || ln -s /bin/busybox "$a"; done
install -m 0755 "$2" init
k=$(cat "$3/version"); m=$3/root/lib/modules/$k
f=$(find "$m/kernel" -name 'ptp_vmclock.ko*' | head -n 1)
if [ -n "$f" ]; then
	mkdir -p lib/modules/$k/extra && xz -dc "$f" >lib/modules/$k/extra/ptp_vmclock.ko
	cp "$m/modules.builtin" "$m/modules.builtin.modinfo" "$m/modules.order" lib/modules/$k/ && depmod -b . "$k"
fi
find . | cpio -o -H newc --quiet | gzip -1 >"$4"
cd / && rm -rf "$1"
"""
    subprocess.run(["sh", "-c", script, "sh", root,
                    os.path.join(HERE, "vmclock-guest.sh"),
                    os.path.join(build, "kernels", series), out], check=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--kernel", default="6.12")
    ap.add_argument("--set-gen", type=lambda s: int(s, 0),
                    help="write this vm_generation_counter before cont")
    ap.add_argument("--vmgenid", default="auto", help='"" for none')
    ap.add_argument("--watch", type=float, default=5)
    a = ap.parse_args()

    work = os.path.join(qemu.BUILD, "run", "vmclock-%d" % os.getpid())
    os.makedirs(work)
    rd, state = os.path.join(work, "initrd.gz"), os.path.join(work, "state.bin")
    qsock = os.path.join(work, "qtest.sock")
    initrd(a.kernel, rd)
    kw = dict(initrd=rd, append="tsc=reliable", vmgenid=a.vmgenid, qmp=True)
    extra = ["-device", "vmclock", "-nic", "none"]

    t = time.monotonic()
    vm = qemu.VM(a.kernel, extra=extra, name="vmclock-a", **kw).start()
    try:
        vm.expect("^@@READY", timeout=300)
        print("# boot %.1f s (%s)" % (time.monotonic() - t, vm.qemu), flush=True)
        vm.qmp.cmd("stop")
        t = time.monotonic()
        vm.qmp.cmd("migrate", uri="exec:cat > " + state)
        while vm.qmp.cmd("query-migrate")["status"] not in ("completed", "failed"):
            time.sleep(0.02)
        print("# save %.2f s" % (time.monotonic() - t), flush=True)
    finally:
        lines = list(vm.lines)
        vm.kill()

    if a.set_gen is not None:
        extra += qtest_args(qsock)
    t = time.monotonic()
    vm2 = qemu.VM(a.kernel, extra=extra, incoming="exec:cat " + state,
                  name="vmclock-b", **kw).start()
    try:
        while vm2.qmp.cmd("query-status")["status"] == "inmigrate":
            time.sleep(0.02)
        print("# restore %.2f s, %s" % (time.monotonic() - t,
                                        vm2.qmp.cmd("query-status")["status"]),
              flush=True)
        if a.set_gen is not None:
            set_generation(QTest(qsock), a.set_gen)
        vm2.qmp.cmd("cont")
        time.sleep(a.watch)
        print("# after cont: %s" % vm2.qmp.cmd("query-status")["status"])
    finally:
        vm2.kill()
        shutil.rmtree(work)
    for line in lines + ["# restored"] + vm2.lines:
        if line.startswith(("@@", "#")):
            print(line)


if __name__ == "__main__":
    main()
