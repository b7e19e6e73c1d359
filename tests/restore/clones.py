#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Clones of one snapshot: no stale generation, no repeated outputs.

A guest boots in sgmode=clones: one sgclone (tests/restore/clone.c) per
method spins, checking for a new generation and drawing outputs from a
generator it reseeds on every change. The host snapshots the VM while they
spin, then restores the one snapshot into two new QEMUs, each with its own
VM generation ID; every clone runs until its readers report, 1.5 s after
the resume, and powers off. Per round and kernel:

- lib, read, poll (the library's fast path, non-blocking read(), poll()
  with no timeout; reseeded through sysgenid_seed()): no stale read after
  the resume in either clone, and zero outputs emitted by both clones;
- counter (the negative control: the 4-byte counter alone and getrandom(),
  as clients that know only offset 0 do, alone in its VM; that VM runs the
  test build of the module with its vmfork notifier delayed by CONTROL_DELAY_MS,
  so the window that the counter alone has after every restore is wide
  enough to be seen on every run, whatever the scheduling of the vCPUs):
  stale reads in both clones and outputs repeated across them, in every
  pair, so the test is known to see both;
- peek (the ordering check, first round only: sysgenid_changed() alone on
  the second CPU, never a system call, while read() on the first CPU makes
  the change in a test build that waits ORDERING_DELAY_US between storing
  the generation and the VM generation ID it was made for): no stale check
  in either clone, and the reader did load the half-made change, so that
  storing the two the other way round would have been caught;
- the truth the readers use (the hypervisor's page, read through /dev/mem)
  holds the ID the host gave each clone; the generation moved by exactly
  one; the module unloads and dmesg is clean.

    clones.py check [--kernels "6.1 6.12"] [--rounds 2] [--initrd-dir DIR]
    clones.py bench [--kernels ...] [--rounds N]   the window, side by side
    clones.py demo [--kernels 6.12]    two clones and their first outputs

--initrd-dir DIR uses DIR/<series>/initramfs.cpio.gz (another module, such
as the driver before the VM generation source, for the red run).
"""

import argparse
import itertools
import os
import re
import shutil
import sys
import time
import uuid

sys.dont_write_bytecode = True
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import restore  # noqa: E402
from restore import qemu  # noqa: E402

METHODS = ("lib", "read", "poll", "counter", "peek")
FIXED = ("lib", "read", "poll")
CONTROL = "counter"
# The ordering check: peek (sysgenid_changed() alone, no system call) on the
# second CPU while read makes the change from the first, in the test build
# with ORDERING_DELAY_US between the generation and the recorded ID stores.
PEEK = "peek"
ORDERING_CPUS = {PEEK: 1, "read": 0}
ORDERING = tuple(ORDERING_CPUS)
ORDERING_DELAY_US = 100000
DESCRIPTION = {
    "lib": "library fast path (sysgenid_changed)",
    "read": "non-blocking read()",
    "poll": "poll() with no timeout",
    "counter": "counter alone (control)",
    "peek": "sysgenid_changed(), no syscall",
}
CL = re.compile(r"^@@CL (\S+) (\S+)(?: (.*))?$")
KV = re.compile(r"(\w+)=(\S+)")
SPIN = 1.0          # seconds the readers spin before the snapshot
# The control VM's vmfork notifier sleeps this long (the test build's
# test_vmfork_delay_ms): the natural window is 25-50 ms under emulation, and
# a restore whose notification runs before the reader does shows none.
CONTROL_DELAY_MS = 200
CLONE_TIMEOUT = 120  # from resume until the clone powered off
# Clones of each readers snapshot: three give three pairs, so two rounds
# judge six pairs per kernel.
READER_CLONES = 3


def parse(lines):
    """{method: {"ready": fields, "report": fields, "epochs": [...]}}"""
    out = {}
    for line in lines:
        m = CL.match(line)
        if not m:
            continue
        who, kind, rest = m.group(1), m.group(2), m.group(3) or ""
        d = out.setdefault(who, {"epochs": []})
        fields = dict(KV.findall(rest))
        fields["text"] = rest
        if kind == "epoch":
            ranges = []
            for r in fields.get("ranges", "").split(","):
                if r:
                    lo, hi = r.split("-")
                    ranges.append((int(lo), int(hi)))
            d["epochs"].append((fields.get("fp"), ranges))
        else:
            d[kind] = fields
    return out


def duplicates(a, b):
    """Outputs both clones emitted: same seed, same counter value."""
    n = 0
    for fp_a, ra in a["epochs"]:
        for fp_b, rb in b["epochs"]:
            if fp_a != fp_b:
                continue
            for lo_a, hi_a in ra:
                for lo_b, hi_b in rb:
                    n += max(0, min(hi_a, hi_b) - max(lo_a, lo_b) + 1)
    return n


def one_round(g, checks, methods, fixed_expected=True, nclones=2):
    """Boot, snapshot while the readers of methods spin, restore nclones
    times; returns the clones' parsed reports."""
    c = checks.check

    def ready():
        rep = parse(g.lines)
        return (any("error" in rep.get(m, {}) for m in methods)
                or all("ready" in rep.get(m, {}) for m in methods))
    g.boot(str(uuid.uuid4()), ready=ready)
    boot = parse(g.lines)
    errors = {m: boot[m]["error"]["text"] for m in methods
              if "error" in boot.get(m, {})}
    if errors:
        raise RuntimeError("reader failed: %s" % errors)
    source = boot.get("mode", {}).get("source", {}).get("vm_source", "?")
    vm = boot[methods[0]]["ready"].get("vm")
    print("# %s: vm_source %s, library mapped the VM page: %s"
          % (checks.prefix, source.replace("_", " "), vm), flush=True)
    if fixed_expected:
        c("driver uses the VM generation page (vm_source: mapped)",
          source == "mapped", source)
        c("the library mapped the VM generation page", vm == "1", vm)
    g.pump(timeout=SPIN)
    g.snapshot()
    clones = []
    for n in range(1, nclones + 1):
        guid = str(uuid.uuid4())
        start = len(g.lines)
        g.restore(guid)
        g.pump(lambda: "@@DONE" in g.lines[start:], CLONE_TIMEOUT)
        try:
            g.vm.wait(30)
        except Exception:  # a clone that does not power off is reported
            pass
        lines = g.lines[start:]
        rep = parse(lines)
        name = "clone %d" % n
        want = uuid.UUID(guid).bytes_le.hex()
        c("%s: every reader reported, with the clone's VM generation ID"
          % name,
          all(rep.get(m, {}).get("report", {}).get("id") == want
              for m in methods),
          {m: rep.get(m, {}).get("report") for m in methods})
        done = rep.get("mode", {}).get("done", {})
        c("%s: the generation changed exactly once" % name,
          done.get("generation") == "1", done)
        restore.guest_end(lines, checks, "clones", name)
        clones.append(rep)
    return clones


def stat(rep, m, key):
    try:
        return int(rep[m]["report"][key])
    except (KeyError, ValueError):
        return None


def judge(checks, clones, methods, fixed_expected=True,
          control_expected=True):
    """The window and duplicate checks on one pair of clones."""
    c = checks.check
    a, b = clones
    figures = {}
    for m in methods:
        if not all("report" in r.get(m, {}) for r in clones):
            c("%s: both clones reported" % m, False, "missing report")
            continue
        stale = [stat(r, m, "stale") for r in clones]
        notice = [stat(r, m, "notice_us") for r in clones]
        dups = duplicates(a[m], b[m])
        grnd = [r[m]["report"].get("grnd", "-") for r in clones]
        same_grnd = grnd[0] != "-" and grnd[0] == grnd[1]
        figures[m] = (stale, notice, dups, same_grnd)
        print("# %s: %-38s stale reads %s, resume to notice %s us, "
              "outputs repeated across the clones %d, getrandom() at the "
              "notice %s"
              % (checks.prefix, DESCRIPTION[m], stale, notice, dups,
                 "IDENTICAL " + grnd[0] if same_grnd else "differs"),
              flush=True)
        if m == PEEK:
            between = [stat(r, m, "between") for r in clones]
            print("# %s: %s saw the writer between its two stores %s times"
                  % (checks.prefix, m, between), flush=True)
            c("%s: no stale check while the change was half made" % m,
              stale == [0, 0], stale)
            c("%s: the reader ran between the writer's two stores" % m,
              all(b and b > 0 for b in between), between)
        elif m == CONTROL:
            if control_expected:
                c("control %s: stale reads after resume in both clones" % m,
                  all(s and s > 0 for s in stale), stale)
                c("control %s: outputs repeated across the clones" % m,
                  dups > 0, dups)
        elif fixed_expected:
            c("%s: no stale read after resume in either clone" % m,
              stale == [0, 0], stale)
            c("%s: both clones noticed the change" % m,
              all(t is not None and t >= 0 for t in notice), notice)
            c("%s: zero outputs repeated across the clones" % m,
              dups == 0, dups)
            # "Changed" must mean "the kernel's generator was reseeded":
            # a program that rebuilds from getrandom() on the change must
            # not rebuild what the other clone rebuilt.
            c("%s: getrandom() right after the change differs between "
              "the clones" % m,
              "-" not in grnd and not same_grnd, grnd)
    return figures


def run(series, rounds, report, initrd=None, fixed_expected=True,
        widened=True):
    """Rounds of a readers VM and a control VM. widened: the control VM
    delays its vmfork notifier (CONTROL_DELAY_MS) and its checks apply; the
    bench measures the natural window (widened=False) and checks nothing
    of the control."""
    workdir, logdir = restore.make_dirs("clones-")
    failed = 0
    allfig = []
    t0 = time.monotonic()
    for r in range(1, rounds + 1):
        log_path = os.path.join(logdir, "clones-%s-%d-%%s.log" % (series, r))
        kinds = [("readers", FIXED), ("control", (CONTROL,))]
        if widened and r == 1:
            kinds.append(("ordering", ORDERING))
        for kind, methods in kinds:
            checks = restore.Checks("%s clones round %d %s"
                                    % (series, r, kind), report)
            spec, extra = ",".join(methods), ""
            if kind == "control" and widened:
                extra = (" sgmodule=test sgmodargs=test_vmfork_delay_ms=%d"
                         % CONTROL_DELAY_MS)
            elif kind == "ordering":
                # Pinned; the notifier waits, so that read() makes the change.
                spec = ",".join("%s@%d" % mc for mc in ORDERING_CPUS.items())
                extra = (" sgmodule=test sgmodargs=test_vm_store_delay_us=%d,"
                         "test_vmfork_delay_ms=%d"
                         % (ORDERING_DELAY_US, CONTROL_DELAY_MS))
            with open(log_path % kind, "w") as log:
                g = restore.Guest(series, workdir, log,
                                  "tsc=reliable sgclones=" + spec + extra,
                                  mode="clones", initrd=initrd)
                try:
                    clones = one_round(g, checks, methods, fixed_expected,
                                       READER_CLONES if kind == "readers"
                                       else 2)
                    for i, j in itertools.combinations(range(len(clones)),
                                                       2):
                        pc = restore.Checks("%s clones %d+%d"
                                            % (checks.prefix, i + 1, j + 1),
                                            report)
                        allfig.append(judge(pc, (clones[i], clones[j]),
                                            methods, fixed_expected,
                                            widened))
                        checks.failed += pc.failed
                except Exception as e:  # a step that failed outright
                    checks.check("round completed", False, "%s: %s"
                                 % (type(e).__name__, e))
                finally:
                    g.kill()
            failed += checks.failed
    shutil.rmtree(workdir, ignore_errors=True)
    print("# %s clones: %.1f s, logs %s/clones-%s-*.log"
          % (series, time.monotonic() - t0, logdir, series), flush=True)
    return failed, allfig


def initrd_for(args, series):
    if not args.initrd_dir:
        return None
    return os.path.join(args.initrd_dir, series, "initramfs.cpio.gz")


def skip_reason():
    if not os.path.exists(os.path.join(qemu.BUILD, "guest", "etc",
                                       "sysgenid", "modes", "clones")):
        return "the guest has no clones mode (tests/restore not in GUEST_DIRS)"
    if not shutil.which("qemu-system-x86_64"):
        return "qemu-system-x86_64 is not installed"
    return None


def cmd_check(args):
    tap = restore.Tap()
    why = skip_reason()
    if why:
        print("1..0 # SKIP " + why)
        return 0
    failed = 0
    for series in args.kernels.split():
        initrd = initrd_for(args, series) or qemu.initramfs(series)
        if not os.path.exists(initrd):
            tap.skip(series, "no initramfs")
            continue
        failed += run(series, args.rounds, tap, initrd)[0]
    tap.plan()
    return 1 if failed else 0


# make bench: restore to the last acknowledgment, for these many watchers
# (one epoll loop acknowledging, SYSGENID_WAIT_WATCHERS waiting); the first
# also without the kernel's vmgenid driver (sysgenid alone handles the
# notification).
ACK_WATCHERS = (1, 100, 1000)


def acks_round(series, n, report, initrd=None, append=""):
    """One snapshot of an acks<n> guest restored into two clones; returns
    [(notice ms, last ack ms)] per clone that reported."""
    workdir, logdir = restore.make_dirs("clones-acks-")
    log_path = os.path.join(logdir, "clones-%s-acks%d.log" % (series, n))
    checks = restore.Checks("%s acks%d" % (series, n), report)
    method = "acks%d" % n
    out = []
    with open(log_path, "w") as log:
        g = restore.Guest(series, workdir, log,
                          ("tsc=reliable sgclones=%s %s" % (method, append))
                          .strip(), mode="clones", initrd=initrd)
        try:
            for rep in one_round(g, checks, (method,), fixed_expected=False):
                r = rep.get(method, {}).get("report", {})
                try:
                    out.append((int(r["notice_us"]) / 1000,
                                int(r["acked_us"]) / 1000))
                except (KeyError, ValueError):
                    checks.check("%s reported its times" % method, False, r)
        except Exception as e:  # a step that failed outright
            checks.check("round completed", False, "%s: %s"
                         % (type(e).__name__, e))
        finally:
            g.kill()
    shutil.rmtree(workdir, ignore_errors=True)
    return out


def cmd_bench(args):
    """The window after a restore, through the library and the counter;
    the time from a restore to the last acknowledgment."""
    why = skip_reason()
    if why:
        print("clones bench skipped: " + why)
        return 0
    quiet = restore.Quiet()
    rows = []
    for series in args.kernels.split():
        _, figs = run(series, args.rounds, quiet, initrd_for(args, series),
                      widened=False)
        for m in ("lib", "counter"):
            stale = [s for f in figs if m in f for s in f[m][0]
                     if s is not None]
            notice = [t / 1000 for f in figs if m in f for t in f[m][1]
                      if t is not None and t >= 0]
            dups = [f[m][2] for f in figs if m in f]
            rows.append((series, m, stale, notice, dups))
    print()
    print("window after a restore (%d round(s) per kernel; %d clones of "
          "the readers' snapshot, 2 of the counter's)"
          % (args.rounds, READER_CLONES))
    print("%-6s %-37s %14s %14s %14s" % ("kernel", "reader", "stale reads",
                                         "to notice ms", "repeated"))
    print("%-6s %-37s %14s %14s %14s" % ("", "", "median (max)",
                                         "median (max)", "per pair"))
    for series, m, stale, notice, dups in rows:
        print("%-6s %-37s %14s %14s %14s" % (
            series, DESCRIPTION[m], restore.med(stale, "%d"),
            restore.med(notice, "%.1f"), restore.med(dups, "%d")))
    print()
    print("restore to the last watcher's acknowledgment (SYSGENID_WAIT_"
          "WATCHERS returns), one epoll loop acknowledging, 2 clones")
    print("%-6s %-37s %14s %14s" % ("kernel", "watchers", "to change ms",
                                    "to last ack ms"))
    for series in args.kernels.split():
        runs = [(n, "", "") for n in ACK_WATCHERS]
        runs.append((ACK_WATCHERS[0], restore.no_driver_append(series),
                     ", no vmgenid driver"))
        for n, append, what in runs:
            t = acks_round(series, n, quiet, initrd_for(args, series), append)
            notice = [a for a, _ in t]
            acked = [b for _, b in t]
            print("%-6s %-37s %14s %14s" % (
                series, "%d%s" % (n, what),
                restore.med(notice, "%.1f"), restore.med(acked, "%.1f")),
                flush=True)
    quiet.summary()
    return 0


def cmd_demo(args):
    """Two clones of one snapshot and their first outputs after resume."""
    why = skip_reason()
    if why:
        print("clones demo skipped: " + why)
        return 1
    series = args.kernels.split()[0]
    failures = []

    def collect(name, ok, diag):
        if not ok:
            failures.append("%s (got: %s)" % (name, diag))

    print("\ntwo clones of one snapshot (Linux %s): each restored into its "
          "own QEMU with its own VM generation ID; each reader draws from a "
          "generator it reseeds on every change it notices" % series)
    workdir, logdir = restore.make_dirs("clones-demo-")
    control_dups = 0
    for kind, methods in (("readers", FIXED), ("control", (CONTROL,))):
        log_path = os.path.join(logdir, "clones-demo-%s.log" % kind)
        checks = restore.Checks("demo %s" % kind, collect)
        with open(log_path, "w") as log:
            g = restore.Guest(series, workdir, log,
                              "tsc=reliable sgclones=" + ",".join(methods),
                              mode="clones")
            try:
                clones = one_round(g, checks, methods)
                judge(checks, clones, methods, control_expected=False)
            except Exception as e:  # the story stops here: say why
                checks.check("demo completed", False, "%s: %s"
                             % (type(e).__name__, e))
                clones = []
            finally:
                g.kill()
        for m in methods:
            print("\n%s:" % DESCRIPTION[m])
            for n, rep in enumerate(clones, 1):
                r = rep.get(m, {}).get("report", {})
                print("  clone %d (ID %s): first outputs after resume %s; "
                      "stale reads %s, noticed after %s us"
                      % (n, r.get("id", "?")[:8] + "...",
                         r.get("first", "?").replace(",", " "),
                         r.get("stale", "?"), r.get("notice_us", "?")))
            if len(clones) == 2:
                dups = duplicates(clones[0][m], clones[1][m])
                print("  outputs both clones emitted after resume: %d" % dups)
                if m == CONTROL:
                    control_dups = dups
    shutil.rmtree(workdir, ignore_errors=True)
    print()
    if failures:
        print("the story did not go as it should:")
        for f in failures:
            print("  - " + f)
        return 1
    if control_dups:
        control = "the counter alone did (%d outputs)" % control_dups
    else:
        control = ("the counter alone happened not to in this run (its "
                   "reader was not scheduled between the resume and the "
                   "kernel's change; make bench shows how often)")
    print("clones never repeated each other through the library, read() "
          "and poll(); %s (logs: %s/clones-demo-*.log)" % (control, logdir))
    return 0


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawTextHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    for name, func, rounds in (("check", cmd_check, 2),
                               ("bench", cmd_bench, 2),
                               ("demo", cmd_demo, 1)):
        p = sub.add_parser(name)
        p.add_argument("--kernels",
                       default=os.environ.get("KERNELS", "6.1 6.12 7.3"))
        p.add_argument("--rounds", type=int, default=rounds)
        p.add_argument("--initrd-dir")
        p.set_defaults(func=func)
    args = ap.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
