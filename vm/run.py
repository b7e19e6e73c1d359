#!/usr/bin/env python3
"""Run sysgenid's tests and print one summary line, "N passed, N failed".

Host tests are the executables in tests/host/ (TAP on stdout, or just an
exit status: 0 pass, 77 skip, anything else fail). Guest tests run inside
one VM per kernel: vm/init runs each suite under /etc/sysgenid/suites and
this script reads the TAP they print, the @@RESULT lines of vm/init itself,
and dmesg, which must hold no splat.
"""

import argparse
import os
import re
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import qemu  # noqa: E402

TAP = re.compile(r"^(not )?ok\b\s*\d*\s*-?\s*(.*?)\s*(#\s*(SKIP|TODO)\b.*)?$", re.I)
PLAN = re.compile(r"^1\.\.(\d+)")

# Anything the kernel prints when something went wrong in kernel code.
SPLAT = re.compile(
    r"BUG:|WARNING:|Oops|general protection fault|Call Trace:|kernel BUG"
    r"|UBSAN:|KASAN:|kmemleak:.*(suspected|new)|INFO: task .* blocked"
    r"|possible (recursive|circular) locking|inconsistent lock state"
    r"|RCU stall|self-detected stall|Kernel panic|refcount_t:|list_(add|del) corruption"
    r"|sleeping function called from invalid context|scheduling while atomic"
    r"|BUG kmalloc|Slab corruption|bad page state|page dumped because")


class Results:
    def __init__(self):
        self.rows = []  # (name, status, detail)

    def add(self, name, status, detail=""):
        self.rows.append((name, status, detail))
        if status == "fail" or os.environ.get("SYSGENID_VERBOSE"):
            print("%-4s %s%s" % (status.upper(), name,
                                 (": " + detail) if detail else ""), flush=True)

    def count(self, prefix=""):
        c = {"pass": 0, "fail": 0, "skip": 0}
        for name, status, _ in self.rows:
            if name.startswith(prefix):
                c[status] += 1
        return c


def parse_tap(results, prefix, lines, rc=None):
    """Count the top-level TAP lines of one suite; returns failures seen."""
    plan, seen, failed = None, 0, 0
    for line in lines:
        m = PLAN.match(line)
        if m:
            plan = int(m.group(1))
            continue
        m = TAP.match(line)
        if not m:
            continue
        seen += 1
        desc = m.group(2) or "test %d" % seen
        directive = (m.group(4) or "").upper()
        if directive == "SKIP":
            results.add("%s/%s" % (prefix, desc), "skip", m.group(3))
        elif m.group(1) and directive != "TODO":
            failed += 1
            results.add("%s/%s" % (prefix, desc), "fail")
        else:
            results.add("%s/%s" % (prefix, desc), "pass")
    if plan is not None and seen < plan:
        failed += 1
        results.add(prefix + "/complete", "fail",
                    "%d of %d planned tests reported" % (seen, plan))
    if rc not in (None, 0) and not failed:
        failed += 1
        results.add(prefix + "/exit", "fail", "exit status %s" % rc)
    if seen == 0 and rc in (None, 0) and plan != 0:
        results.add(prefix, "pass")
    return failed


def run_host_tests(results, only):
    hdir = os.path.join(qemu.TOP, "tests", "host")
    if not os.path.isdir(hdir):
        return
    for name in sorted(os.listdir(hdir)):
        path = os.path.join(hdir, name)
        if not os.access(path, os.X_OK) or os.path.isdir(path):
            continue
        if only and not re.search(only, name):
            continue
        t0 = time.monotonic()
        proc = subprocess.run([path], cwd=qemu.TOP, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True)
        out = proc.stdout.splitlines()
        log_path = os.path.join(qemu.BUILD, "logs", "host-%s.log" % name)
        with open(log_path, "w") as log:
            log.write(proc.stdout)
        prefix = "host/" + name
        if any(TAP.match(line) for line in out):
            parse_tap(results, prefix, out, proc.returncode)
        elif proc.returncode == 77:
            results.add(prefix, "skip")
        else:
            results.add(prefix, "pass" if proc.returncode == 0 else "fail",
                        "" if proc.returncode == 0 else "exit %d, see %s"
                        % (proc.returncode, log_path))
        print("# host %s: %.1f s" % (name, time.monotonic() - t0), flush=True)


def parse_guest(results, series, lines):
    prefix = series
    suite, body, dmesg, in_dmesg = None, [], [], False
    done = False
    for line in lines:
        if in_dmesg:
            if line.startswith("@@DMESG-END"):
                in_dmesg = False
            else:
                dmesg.append(line)
            continue
        if line.startswith("@@SUITE "):
            suite, body = line.split(None, 1)[1], []
        elif line.startswith("@@END ") and suite:
            rc = line.split()[-1]
            parse_tap(results, "%s/%s" % (prefix, suite), body, int(rc))
            suite = None
        elif line.startswith("@@RESULT "):
            _, name, status = line.split(None, 2)
            results.add("%s/%s" % (prefix, name),
                        "pass" if status == "ok" else "fail")
        elif line.startswith("@@DMESG-BEGIN"):
            in_dmesg = True
        elif line.startswith("@@DONE"):
            done = True
        elif suite is not None:
            body.append(line)
    if suite is not None:
        parse_tap(results, "%s/%s" % (prefix, suite), body, -1)
    splats = [line for line in dmesg if SPLAT.search(line)]
    results.add(prefix + "/dmesg-clean", "fail" if splats or not done else "pass",
                "; ".join(splats[:5]))
    results.add(prefix + "/vm-completed", "pass" if done else "fail",
                "" if done else "no @@DONE from the guest (crash or hang)")


def run_guest(results, series, args):
    log_path = os.path.join(qemu.BUILD, "logs", "%s-check.log" % series)
    t0 = time.monotonic()
    append = "sgtimeout=%d %s" % (args.suite_timeout, args.append or "")
    with open(log_path, "w") as log:
        vm = qemu.boot_and_wait(series, timeout=args.timeout, log=log,
                                append=append.strip())
    parse_guest(results, series, vm.lines)
    c = results.count(series + "/")
    print("# %s: %d passed, %d failed, %d skipped in %.0f s (%d boot%s), log %s"
          % (series, c["pass"], c["fail"], c["skip"], time.monotonic() - t0,
             vm.attempts, "s" if vm.attempts > 1 else "", log_path), flush=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--kernels", default="6.1 6.12")
    ap.add_argument("--no-host", action="store_true")
    ap.add_argument("--no-guest", action="store_true")
    ap.add_argument("--host-only", metavar="REGEX", default=None,
                    help="run only the host tests whose name matches")
    ap.add_argument("--timeout", type=int, default=1500,
                    help="seconds one VM may run")
    ap.add_argument("--suite-timeout", type=int, default=600)
    ap.add_argument("--append", default="", help="extra kernel arguments")
    args = ap.parse_args()

    os.makedirs(os.path.join(qemu.BUILD, "logs"), exist_ok=True)
    results = Results()
    t0 = time.monotonic()
    if not args.no_host:
        run_host_tests(results, args.host_only)
    if not args.no_guest:
        for series in args.kernels.split():
            run_guest(results, series, args)
    c = results.count()
    print("# total time %.0f s" % (time.monotonic() - t0))
    print("%d passed, %d failed, %d skipped" % (c["pass"], c["fail"], c["skip"]))
    return 1 if c["fail"] else 0


if __name__ == "__main__":
    sys.exit(main())
