#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Run the selftests built by the kernel's selftest build in the VM.

    kselftest-vm.py FIRST DIR PROG...

Boots Debian's 6.12 kernel under QEMU with the project's module built from
kernel/ (the series' driver is those same files; only the out-of-tree
build around them differs) and an initramfs whose only suites are the
programs PROG in DIR. A kernel built from the series (7.3) would cost a
full kernel build. Prints one TAP line per test, numbered from
FIRST, and writes how many it printed to build/upstream/kselftest-vm.count.
"""

import os
import subprocess
import sys
import tempfile

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(TOP, "vm"))
import qemu  # noqa: E402
import run  # noqa: E402

SERIES = "6.12"


def main():
    first, ksft, progs = int(sys.argv[1]), sys.argv[2], sys.argv[3:]
    work = os.path.join(qemu.BUILD, "upstream")
    module = os.path.join(qemu.BUILD, SERIES, "module", "sysgenid.ko")
    n = first - 1
    results = run.Results()
    if not os.path.exists(module):
        subprocess.run(["make", "-s", "-C", TOP, "modules",
                        "KERNELS=" + SERIES], stdout=subprocess.DEVNULL)
    if not os.path.exists(module):
        results.add("kselftest/module", "fail", "no " + module)
    else:
        with tempfile.TemporaryDirectory() as root:
            os.chmod(root, 0o755)	# it becomes the guest's /
            lib = os.path.join(root, "usr/libexec/sysgenid/kselftest")
            suites = os.path.join(root, "etc/sysgenid/suites")
            os.makedirs(lib)
            os.makedirs(suites)
            for i, p in enumerate(progs):
                subprocess.run(["install", "-m", "0755",
                                os.path.join(ksft, p), lib], check=True)
                os.symlink("/usr/libexec/sysgenid/kselftest/" + p,
                           os.path.join(suites, "%02d-%s" % (60 + i, p)))
            initrd = os.path.join(work, "kselftest.cpio.gz")
            subprocess.run(["sh", os.path.join(TOP, "vm/mkinitramfs.sh"),
                            module, initrd, root], check=True)
        log = os.path.join(work, "logs", "kselftest-vm.log")
        with open(log, "w") as f:
            vm = qemu.boot_and_wait(SERIES, timeout=900, initrd=initrd,
                                    log=f, append="sgtimeout=300")
        run.parse_guest(results, "kselftest", vm.lines)
    failed = 0
    for name, status, detail in results.rows:
        n += 1
        if status == "fail":
            failed += 1
            print("not ok %d - %s%s" % (n, name, ": " + detail if detail
                                        else ""))
        elif status == "skip":
            print("ok %d - %s # SKIP %s" % (n, name, detail))
        else:
            print("ok %d - %s" % (n, name))
    c = results.count()
    print("# kselftest in the VM: %d passed, %d failed, %d skipped"
          % (c["pass"], c["fail"], c["skip"]))
    with open(os.path.join(work, "kselftest-vm.count"), "w") as f:
        f.write("%d\n" % (n - first + 1))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
