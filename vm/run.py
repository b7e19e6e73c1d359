#!/usr/bin/env python3
"""Run sysgenid's tests and print one summary line,
"N passed, N failed, N skipped".

Host tests are the executables in tests/host/ (TAP on stdout, or just an
exit status: 0 pass, 77 skip, anything else fail), each under a time limit.
Guest tests run inside one VM per kernel: vm/init runs each suite under
/etc/sysgenid/suites and this script reads the TAP they print, the @@RESULT
lines of vm/init itself, and dmesg, which must hold no splat.

What counts: a skip is a skip, never a pass, and only a skip whose reason
is on an allow-list (HOST_SKIPS, GUEST_SKIPS) for that very test may be
one at all, and no more of them than the list allows: on a machine that
`make check` prepared (root, the packages vm/host-deps.sh installs, a VM
that always has the device) any other skip is a failure. "# SKIPPED" is a
skip; `not ok ... # TODO` and `# XFAIL` are failures, so is a suite that
reports more or fewer tests than its plan or numbers a test out of its
place, a guest suite with no TAP output or whose last line has no newline
(cut off), and a suite listed in vm/suites that did not run.
"""

import argparse
import os
import re
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import qemu  # noqa: E402

# A test line: "ok" or "not ok" as a word of its own (never "ok," or
# "okay"), an optional number, an optional "-", a description, and an
# optional directive. TAP takes any word that begins with SKIP or TODO as
# that directive ("# SKIPPED" is a skip); XFAIL and XPASS (kselftest) are
# read too, so that neither can pass as a plain "ok".
TAP = re.compile(r"^(not )?ok(?:\s+(\d+)(?=\s|$))?(?:\s+-(?=\s|$))?(?:\s+(.*?))?\s*"
                 r"(?:#\s*(SKIP|TODO|XFAIL|XPASS)\S*\s*(.*))?$", re.I)
PLAN = re.compile(r"^1\.\.(\d+)\s*(#\s*SKIP\S*\s*(.*))?", re.I)
SKIP_LINE = re.compile(r"^#\s*SKIP\S*\s*(.*)", re.I)
# vm/init's end marker, where a suite's last output had no newline and
# the marker was glued to it.
END_IN_LINE = re.compile(r"^(.*?)@@END (\S+) (-?\d+)$")
RUN_LINE = re.compile(r"^#\s+RUN\s+(\S+)")

# The only skips a host test may report under `make check`; each is a
# condition that a fresh CI machine, which `make check` prepares itself,
# cannot meet. Any other skip (tool missing, not root, no initramfs) means
# the preparation failed, and fails the test. An entry is (test name,
# reason, label, how many may skip in one run): a skip must match both
# regexes (the name is searched in the full row name, "host/NAME/..." or
# "SERIES/SUITE/TEST"), and more skips under one entry than its count
# fail. An entry of two fields (reason, label), as callers outside this
# file may still add, matches on the reason alone.
HOST_SKIPS = [
    # 50-bench-quick: the caller left 6.12 out of KERNELS.
    (r"^host/50-bench-quick(/|$)", r"not in KERNELS", "kernel not selected",
     1),
    # 70-dkms on a host shared by several checkouts: another run holds the
    # dkms lock, or a sysgenid dkms tree that is not the test's own exists.
    (r"^host/70-dkms(/|$)", r"another dkms test holds the lock",
     "shared host", 1),
    (r"^host/70-dkms(/|$)", r"exists and was not made by this test",
     "shared host", 1),
]
# The only tests that may skip in the VM: those that need a facility that
# exists only on a debug kernel (debug/), which Debian's kernels are not
# built with: three failslab tests and two kmemleak tests of 69-debug.
# Never a whole suite (its row name has no test part).
GUEST_SKIPS = [
    (r"/69-debug/failslab\.\w+$", r"^no failslab or fail-nth\b",
     "debug kernel only", 3),
    (r"/69-debug/kmemleak\.\w+$", r"^no kmemleak\b", "debug kernel only", 2),
]

# Kernel arguments of every VM that runs the suites. page_poison=1:
# Debian's kernels have CONFIG_PAGE_POISONING, and with it a write to a
# freed page (the driver's own page after a failed init, say) is reported
# as "pagealloc: memory corruption" with a stack when the page is next
# allocated, which fails dmesg-clean and the test build's checks. It costs
# nothing measurable here.
CHECK_APPEND = "page_poison=1"

# Suites that every `make check` VM must run (one name a line).
MANIFEST = os.path.join(os.path.dirname(os.path.abspath(__file__)), "suites")

# Anything the kernel prints when something went wrong in kernel code.
SPLAT = re.compile(
    r"BUG:|WARNING:|Oops|general protection fault|Call Trace:|kernel BUG"
    r"|UBSAN:|KASAN:|kmemleak:.*(suspected|new)|INFO: task .* blocked"
    r"|possible (recursive|circular) locking|inconsistent lock state"
    r"|RCU stall|self-detected stall|Kernel panic|refcount_t:|list_(add|del) corruption"
    r"|sleeping function called from invalid context|scheduling while atomic"
    r"|BUG kmalloc|Slab corruption|bad page state|page dumped because"
    # sysgenid's own: a change made without the reseed it must follow.
    r"|sysgenid: kernel generator not reseeded")


class Results:
    def __init__(self):
        self.rows = []  # (name, status, detail)

    def add(self, name, status, detail=""):
        self.rows.append((name, status, detail))
        if status != "pass" or os.environ.get("SYSGENID_VERBOSE"):
            print("%-4s %s%s" % (status.upper(), name,
                                 (": " + detail) if detail else ""), flush=True)

    def count(self, prefix=""):
        c = {"pass": 0, "fail": 0, "skip": 0}
        for name, status, _ in self.rows:
            if name.startswith(prefix):
                c[status] += 1
        return c


def skip_entry(entry):
    """(name regex, reason regex, label, most) of an allow-list entry."""
    if len(entry) == 2:
        return (r"", entry[0], entry[1], None)
    return entry


def skip(results, name, reason, allowed):
    """A skip whose test and reason are allowed, or a failure; returns
    failures."""
    reason = (reason or "").strip() or "no reason given"
    if allowed is None:
        results.add(name, "skip", reason)
        return 0
    for entry in allowed:
        npat, rpat, label, _ = skip_entry(entry)
        if re.search(npat, name) and re.search(rpat, reason):
            results.add(name, "skip", "[%s] %s" % (label, reason))
            return 0
    results.add(name, "fail", "skipped where it must run: " + reason)
    return 1


def check_skip_counts(results, prefix, allowed):
    """More allowed skips under one entry than it allows fail; returns
    failures."""
    failed = 0
    for entry in allowed or ():
        npat, rpat, label, most = skip_entry(entry)
        if most is None:
            continue
        hits = [n for n, status, detail in results.rows
                if status == "skip" and n.startswith(prefix + "/")
                and re.search(npat, n)
                and detail.startswith("[%s] " % label)
                and re.search(rpat, detail[len(label) + 3:])]
        if len(hits) > most:
            failed += 1
            results.add("%s/skips" % prefix, "fail",
                        "%d skips match /%s/ (%s), at most %d may"
                        % (len(hits), npat, label, most))
    return failed


def parse_tap(results, prefix, lines, rc=None, allowed=None, need_tap=False):
    """Count the top-level TAP lines of one suite; returns failures seen.

    allowed: the skip reasons accepted (None: any). need_tap: a suite that
    prints no test at all fails even if it exits 0.
    """
    plan, plan_skip, seen, failed = None, None, 0, 0
    last_run = None
    for line in lines:
        m = RUN_LINE.match(line)
        if m:
            last_run = m.group(1)
        m = PLAN.match(line)
        if m and plan is None:
            plan, plan_skip = int(m.group(1)), m.group(2) and (m.group(3) or "")
            continue
        m = TAP.match(line)
        if not m:
            continue
        seen += 1
        # Some kselftest versions print "ok N # SKIP ..." with no name.
        desc = m.group(3) or last_run or "test %d" % seen
        last_run = None
        name = "%s/%s" % (prefix, desc)
        directive = (m.group(4) or "").upper()
        # A number, where given, is the test's place: a repeated "ok 1"
        # must not stand in for a test that never reported.
        if m.group(2) is not None and int(m.group(2)) != seen:
            failed += 1
            results.add(prefix + "/numbering", "fail",
                        "test %d reported as number %s (%s)"
                        % (seen, m.group(2), desc))
        if m.group(1):
            failed += 1
            results.add(name, "fail", "TODO: a known failure is still a "
                        "failure" if directive == "TODO" else "")
        elif directive == "SKIP":
            failed += skip(results, name, m.group(5), allowed)
        elif directive in ("XFAIL", "XPASS"):
            failed += 1
            results.add(name, "fail", "%s is not a pass" % directive)
        else:
            results.add(name, "pass")
    if plan == 0 and seen == 0:
        failed += skip(results, prefix, plan_skip if plan_skip is not None
                       else "1..0 without a reason", allowed)
    elif plan is None and seen:
        failed += 1
        results.add(prefix + "/plan", "fail", "no 1..N plan")
    elif plan is not None and seen < plan:
        failed += 1
        results.add(prefix + "/complete", "fail",
                    "%d of %d planned tests reported" % (seen, plan))
    elif plan is not None and seen > plan:
        failed += 1
        results.add(prefix + "/plan", "fail",
                    "%d tests reported, %d planned" % (seen, plan))
    if rc not in (None, 0) and not failed:
        failed += 1
        results.add(prefix + "/exit", "fail", "exit status %s" % rc)
    if need_tap and seen == 0 and plan is None and not failed:
        failed += 1
        results.add(prefix, "fail", "no TAP output (exit status %s)" % rc)
    return failed


def host_result(results, prefix, rc, out, log_path):
    """Classify one finished host test: TAP, or its exit status."""
    if rc is None:
        results.add(prefix, "fail", "time limit exceeded, killed; see %s"
                    % log_path)
    elif any(TAP.match(line) or PLAN.match(line) for line in out):
        parse_tap(results, prefix, out, rc, HOST_SKIPS)
        check_skip_counts(results, prefix, HOST_SKIPS)
    elif rc == 77:
        reasons = [m.group(1) for m in map(SKIP_LINE.match, out) if m]
        skip(results, prefix, reasons[-1] if reasons else
             (out[0] if out else ""), HOST_SKIPS)
    else:
        results.add(prefix, "pass" if rc == 0 else "fail",
                    "" if rc == 0 else "exit %d, see %s" % (rc, log_path))


def run_one_host_test(path, limit):
    """Run @path in its own process group; (exit status or None, output)."""
    proc = subprocess.Popen([path], cwd=qemu.TOP, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True,
                            start_new_session=True)
    try:
        out, _ = proc.communicate(timeout=limit)
        return proc.returncode, out
    except subprocess.TimeoutExpired:
        # The test and whatever it started (QEMU, make) go together.
        os.killpg(proc.pid, signal.SIGKILL)
        out, _ = proc.communicate()
        return None, out + "\n# killed after %d s\n" % limit


def run_host_tests(results, only, limit):
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
        rc, output = run_one_host_test(path, limit)
        log_path = os.path.join(qemu.BUILD, "logs", "host-%s.log" % name)
        with open(log_path, "w") as log:
            log.write(output)
        host_result(results, "host/" + name, rc, output.splitlines(),
                    log_path)
        print("# host %s: %.1f s" % (name, time.monotonic() - t0), flush=True)


def read_manifest(path=MANIFEST):
    """The suite names listed in @path (comments and blank lines ignored)."""
    with open(path) as f:
        return [line.split("#")[0].strip() for line in f
                if line.split("#")[0].strip()]


def parse_guest(results, series, lines, expected=None, strict=False,
                allowed=None):
    """Read one VM's console: suites, vm/init's results, dmesg.

    strict (the suites of `make check`): a suite must print TAP, and only
    the reasons in allowed (by default GUEST_SKIPS) may skip. expected:
    suite names that must have run.
    """
    prefix = series
    suite, body, dmesg, in_dmesg = None, [], [], False
    done = False
    ran = []
    if strict and allowed is None:
        allowed = GUEST_SKIPS
    def end_suite(rc, why=None):
        name = "%s/%s" % (prefix, suite)
        parse_tap(results, name, body, rc, allowed, need_tap=strict)
        if why:
            results.add(name + "/console", "fail", why)

    for line in lines:
        if in_dmesg:
            if line.startswith("@@DMESG-END"):
                in_dmesg = False
            else:
                dmesg.append(line)
            continue
        m = END_IN_LINE.match(line)
        if (suite is not None and m and m.group(2) == suite
                and not line.startswith("@@END ")):
            # The suite's last line had no newline: it was cut off (a
            # program killed mid-line) or is not TAP; count what it said
            # and fail the suite.
            body.append(m.group(1))
            end_suite(int(m.group(3)), "its output did not end with a "
                      "newline (cut off?): %r" % m.group(1)[-60:])
            suite = None
        elif line.startswith("@@SUITE "):
            if suite is not None:
                end_suite(-1, "no @@END before the next suite")
            suite, body = line.split(None, 1)[1], []
            ran.append(suite)
        elif line.startswith("@@END ") and suite:
            rc = line.split()[-1]
            end_suite(int(rc))
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
        end_suite(-1, "no @@END: the console ended inside the suite")
    check_skip_counts(results, prefix, allowed)
    for name in expected or ():
        if name not in ran:
            results.add("%s/%s" % (prefix, name), "fail",
                        "listed in vm/suites but did not run")
    splats = [line for line in dmesg if SPLAT.search(line)]
    results.add(prefix + "/dmesg-clean", "fail" if splats or not done else "pass",
                "; ".join(splats[:5]))
    results.add(prefix + "/vm-completed", "pass" if done else "fail",
                "" if done else "no @@DONE from the guest (crash or hang)")


def stray_int3(lines):
    """True if the guest died of multi-threaded TCG's stray int3 (NOTES.md):
    an int3 oops in the kernel's own text. The kernel patches its text with
    int3 (static keys, text_poke_bp()); under MTTCG another vCPU can still
    run a translation that holds the int3 after the patch is done. An
    oops whose RIP is in a module ("[module]" after the symbol) is not
    this, and neither is any other splat."""
    for i, line in enumerate(lines):
        if "Oops: int3" in line:
            rip = [x for x in lines[i:i + 8] if "RIP: 0010:" in x]
            return bool(rip) and "[" not in rip[0].split("RIP: 0010:")[1]
    return False


def run_guest(results, series, args):
    log_path = os.path.join(qemu.BUILD, "logs", "%s-check.log" % series)
    t0 = time.monotonic()
    append = "sgtimeout=%d %s %s" % (args.suite_timeout, CHECK_APPEND,
                                     args.append or "")
    with open(log_path, "w") as log:
        vm = qemu.boot_and_wait(series, timeout=args.timeout, log=log,
                                append=append.strip(), initrd=args.initrd)
    if stray_int3(vm.lines):
        # Says nothing about sysgenid: run the guest again, single-threaded,
        # and keep the first log.
        os.replace(log_path, log_path.replace("-check.log", "-check-int3.log"))
        print("# %s: guest died of a stray int3 in kernel text (TCG, NOTES.md); "
              "running it again with single-threaded TCG" % series, flush=True)
        with open(log_path, "w") as log:
            vm = qemu.boot_and_wait(series, timeout=args.timeout, log=log,
                                    append=append.strip(), initrd=args.initrd,
                                    single_thread=True)
    parse_guest(results, series, vm.lines,
                expected=None if args.no_manifest else read_manifest(),
                strict=True)
    c = results.count(series + "/")
    print("# %s: %d passed, %d failed, %d skipped in %.0f s (%d boot%s), log %s"
          % (series, c["pass"], c["fail"], c["skip"], time.monotonic() - t0,
             vm.attempts, "s" if vm.attempts > 1 else "", log_path), flush=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--kernels", default="6.1 6.12 7.3")
    ap.add_argument("--no-host", action="store_true")
    ap.add_argument("--no-guest", action="store_true")
    ap.add_argument("--host-only", metavar="REGEX", default=None,
                    help="run only the host tests whose name matches")
    ap.add_argument("--timeout", type=int, default=1500,
                    help="seconds one VM may run")
    ap.add_argument("--suite-timeout", type=int, default=600)
    ap.add_argument("--append", default="", help="extra kernel arguments")
    ap.add_argument("--host-timeout", type=int, default=1800,
                    help="seconds one host test may run")
    ap.add_argument("--no-manifest", action="store_true",
                    help="do not require the suites of vm/suites (for an "
                    "initramfs built with a subset of GUEST_DIRS)")
    ap.add_argument("--initrd", default=None,
                    help="boot this initramfs instead of the built one "
                    "(one kernel; for mutation runs)")
    args = ap.parse_args()

    os.makedirs(os.path.join(qemu.BUILD, "logs"), exist_ok=True)
    results = Results()
    t0 = time.monotonic()
    if not args.no_host:
        run_host_tests(results, args.host_only, args.host_timeout)
    if not args.no_guest:
        for series in args.kernels.split():
            run_guest(results, series, args)
    c = results.count()
    for name, status, detail in results.rows:
        if status == "skip":
            print("# skipped: %s: %s" % (name, detail))
    print("# total time %.0f s" % (time.monotonic() - t0))
    print("%d passed, %d failed, %d skipped" % (c["pass"], c["fail"], c["skip"]))
    return 1 if c["fail"] else 0


if __name__ == "__main__":
    sys.exit(main())
