#!/usr/bin/env python3
"""The real-system test: the packages on a booted bookworm under systemd.

Builds the disk and the initrd (mkroot.sh), boots them in QEMU with a VM
generation ID, lets the guest's systest.service check the module, the
udev rule, the group and the sysgenid-exec@ unit, then snapshots the VM
when the guest asks (@@RESTORE-READY) and restores the snapshot in a new
QEMU with another generation ID, as NOTES.md describes. Prints the guest's
TAP and "N passed, N failed"; exits non-zero on any failure.
"""

import argparse
import os
import re
import signal
import subprocess
import sys
import time
import uuid

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(HERE)), "vm"))
import qemu  # noqa: E402

TAP = re.compile(r"^(not )?ok \d+ - (.*)$")


def boot(args, work, log, guid, incoming=None):
    vm = qemu.VM(args.series, initrd=os.path.join(work, "initrd.cpio.gz"),
                 append="root=/dev/vda", vmgenid=guid, memory=768, qmp=True,
                 incoming=incoming, name="system", log=log,
                 extra=["-drive", "file=%s,if=virtio,format=raw,cache=unsafe"
                        % os.path.join(work, "disk.img")])
    return vm.start()


def save(vm, path):
    """Stop the VM and write its state to path (a snapshot)."""
    vm.qmp.cmd("stop")
    vm.qmp.cmd("migrate", uri="exec:cat > %s" % path)
    deadline = time.monotonic() + 120
    while True:
        status = vm.qmp.cmd("query-migrate").get("status")
        if status == "completed":
            return
        if status in ("failed", "cancelled") or time.monotonic() > deadline:
            raise RuntimeError("snapshot: migration %s" % status)
        time.sleep(0.1)


def resume_incoming(vm):
    deadline = time.monotonic() + 120
    while vm.qmp.cmd("query-status").get("status") == "inmigrate":
        if time.monotonic() > deadline:
            raise RuntimeError("restore: incoming migration never finished")
        time.sleep(0.1)
    vm.qmp.cmd("cont")


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--debs", required=True, help="directory with the .debs")
    ap.add_argument("--series", default="6.12")
    ap.add_argument("--work", default=os.path.join(qemu.BUILD, "system"))
    ap.add_argument("--timeout", type=int, default=600,
                    help="seconds the guest may take to boot and test")
    args = ap.parse_args()
    # Killed (a time limit, ^C): still stop the VMs in the finally below.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))

    t0 = time.monotonic()
    os.makedirs(os.path.join(qemu.BUILD, "logs"), exist_ok=True)
    subprocess.run(["sh", os.path.join(HERE, "mkroot.sh"), args.debs,
                    args.work, args.series], check=True)
    t_built = time.monotonic()
    log_path = os.path.join(qemu.BUILD, "logs", "system-%s.log" % args.series)
    state = os.path.join(args.work, "snapshot.bin")
    lines, failures, vms = [], [], []
    with open(log_path, "w") as log:
        try:
            vm = boot(args, args.work, log, str(uuid.uuid4()))
            vms.append(vm)
            vm.expect(r"^@@SYSTEST-BEGIN", timeout=args.timeout)
            t_booted = time.monotonic()
            vm.expect(r"^@@RESTORE-READY", timeout=args.timeout)
            save(vm, state)
            vm.kill()
            log.write("# host: snapshot saved, restoring with a new GUID\n")
            new = boot(args, args.work, log, str(uuid.uuid4()),
                       incoming="exec:cat %s" % state)
            vms.append(new)
            resume_incoming(new)
            new.expect(r"^@@SYSTEST-END", timeout=args.timeout)
            new.wait(120)
        except (TimeoutError, EOFError, RuntimeError, OSError) as e:
            failures.append("host: %s" % e)
            t_booted = t_booted if "t_booted" in locals() else time.monotonic()
        finally:
            for v in vms:
                v.kill()
                lines += v.lines
            if os.path.exists(state):
                os.unlink(state)

    passed = failed = 0
    planned = None
    for line in lines:
        m = TAP.match(line)
        if m:
            print(line)
            if m.group(1):
                failed += 1
            else:
                passed += 1
        elif line.startswith("# ") or line.startswith("@@"):
            print(line)
        m = re.match(r"^1\.\.(\d+)$", line)
        if m:
            planned = int(m.group(1))
    if planned is None or planned != passed + failed:
        failures.append("host: %d of %s planned tests reported"
                        % (passed + failed, planned))
    for f in failures:
        print("not ok - " + f)
    failed += len(failures)
    print("# build %.0f s, boot to test %.0f s, whole run %.0f s, log %s"
          % (t_built - t0, t_booted - t_built, time.monotonic() - t0, log_path))
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
