#!/usr/bin/env python3
"""Run sysgenid's benchmarks in a VM and print one table of ratios.

Boots the test VM in its "bench" mode (vm/init runs bench/mode-bench, which
runs sgbench), reads the paired trials sgbench prints ("@@BENCH row param
ours reference") and reduces each row to the median of the per-trial ratios
ours/reference with its spread. Writes the table and every trial to
$SYSGENID_BUILD/bench/results[-quick].json. docs/performance.md explains
the rows. With --tap, also prints one TAP line per row that produced
numbers as a "# " comment and one TAP test that every row did (for
tests/host/50-bench-quick); targets are reported, never asserted.
"""

import argparse
import json
import os
import statistics
import sys
import time

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(TOP, "vm"))
import qemu  # noqa: E402
import run  # noqa: E402

# row: (what, ours, reference, target ratio, unit); a ratio is ours/reference.
ROWS = {
    "probe-mmap": ("probe: has the generation changed?",
                   "load from the mmap page", "load from ordinary memory",
                   1.1, "ns"),
    "probe-read": ("probe by syscall", "O_NONBLOCK read -> EAGAIN",
                   "the same on an eventfd", 1.2, "ns"),
    "wakeup": ("one wake-up", "bump -> watcher in epoll returns",
               "eventfd write -> epoll returns", 1.2, "ns"),
    "fanout": ("fan-out, N={}", "bump -> all N watchers return",
               "eventfd write with N waiters", 1.3, "ns"),
    "fanout-1file": ("fan-out, N={}, one file",
                     "bump -> one watcher file in epoll N times returns",
                     "eventfd write with N waiters", 1.3, "ns"),
    "bump-cost": ("bump cost, {} idle watchers", "bump ioctl",
                  "the same with 0 watchers", 1.5, "ns"),
    "orchestration": ("orchestration, N={}",
                      "bump -> N acks -> WAIT_WATCHERS returns",
                      "the same barrier from eventfds", 1.5, "ns"),
    "uevent": ("versus uevents", "bump -> watcher woken",
               "bump -> SYSGENID= uevent received", 0.1, "ns"),
    "memory": ("memory, {} open files", "slab per open watcher",
               "slab per open eventfd", 1.0, "B"),
}


def quantile(values, q):
    """Linear-interpolation quantile of a non-empty list."""
    v = sorted(values)
    pos = (len(v) - 1) * q
    lo = int(pos)
    hi = min(lo + 1, len(v) - 1)
    return v[lo] + (v[hi] - v[lo]) * (pos - lo)


def summarize(trials):
    """Group the trials by (row, param); one summary per group, in order."""
    groups = {}
    for row, param, ours, ref in trials:
        groups.setdefault((row, param), []).append((ours, ref))
    out = []
    for (row, param), pairs in groups.items():
        what, o_desc, r_desc, target, unit = ROWS[row]
        ratios = [o / r for o, r in pairs if r > 0]
        if not ratios:
            continue
        med = statistics.median(ratios)
        out.append({
            "row": row, "param": param, "what": what.format(param),
            "ours": o_desc, "reference": r_desc, "unit": unit,
            "trials": len(pairs),
            "ours_median": statistics.median(o for o, _ in pairs),
            "reference_median": statistics.median(r for _, r in pairs),
            "ratio_median": med,
            "ratio_q1": quantile(ratios, 0.25),
            "ratio_q3": quantile(ratios, 0.75),
            "ratio_min": min(ratios), "ratio_max": max(ratios),
            "target": target, "met": med <= target,
            "pairs": pairs,
        })
    return out


def fanout_slopes(rows):
    """ns each extra watcher adds to a fan-out, per N, on both sides."""
    slopes = []
    for kind in ("fanout", "fanout-1file"):
        fan = sorted((r for r in rows if r["row"] == kind),
                     key=lambda r: r["param"])
        for r in fan[1:]:
            extra = r["param"] - fan[0]["param"]
            slopes.append({
                "row": kind, "n": r["param"],
                "ours_ns_per_watcher":
                (r["ours_median"] - fan[0]["ours_median"]) / extra,
                "reference_ns_per_watcher":
                (r["reference_median"] - fan[0]["reference_median"]) / extra,
            })
    return slopes


def bump_growth(rows):
    """How the bump's own cost grows with K idle watchers: each side's
    median at K over its median at K=0 (the ratio column compares the
    sides within one K; this compares one side across K)."""
    rows = sorted((r for r in rows if r["row"] == "bump-cost"),
                  key=lambda r: r["param"])
    if not rows or rows[0]["param"] != 0:
        return []
    base = rows[0]
    return [{"k": r["param"],
             "ours_vs_k0": r["ours_median"] / base["ours_median"],
             "reference_vs_k0":
             r["reference_median"] / base["reference_median"]}
            for r in rows[1:]]


def human(value, unit):
    if unit == "B":
        return "%.0f B" % value
    for scale, name in ((1e6, "ms"), (1e3, "us")):
        if value >= scale:
            return "%.3g %s" % (value / scale, name)
    return "%.3g ns" % value


def table(rows, slopes, growth=()):
    head = ("what", "ours", "reference", "ratio", "IQR", "min..max",
            "target", "met")
    lines = [head]
    for r in rows:
        lines.append((r["what"], human(r["ours_median"], r["unit"]),
                      human(r["reference_median"], r["unit"]),
                      "%.2f" % r["ratio_median"],
                      "%.2f..%.2f" % (r["ratio_q1"], r["ratio_q3"]),
                      "%.2f..%.2f" % (r["ratio_min"], r["ratio_max"]),
                      "<= %g" % r["target"], "yes" if r["met"] else "NO"))
    widths = [max(len(line[i]) for line in lines) for i in range(len(head))]
    text = []
    for i, line in enumerate(lines):
        cells = (c.ljust(w) for c, w in zip(line, widths))
        text.append("  ".join(cells).rstrip())
        if i == 0:
            text.append("  ".join("-" * w for w in widths))
    if slopes:
        text.append("")
        text.append("fan-out cost of each extra watcher (ours / eventfd):")
        for s in slopes:
            text.append("  %-12s N=%-6d %8.0f ns / %8.0f ns" % (
                s["row"], s["n"], s["ours_ns_per_watcher"],
                s["reference_ns_per_watcher"]))
    if growth:
        text.append("")
        text.append("bump cost with K idle watchers over bump cost with none"
                    " (ours / reference):")
        for g in growth:
            text.append("  K=%-7d x%.2f / x%.2f" % (
                g["k"], g["ours_vs_k0"], g["reference_vs_k0"]))
    return "\n".join(text)


def parse(lines):
    """Trials, the mode's comments and its exit status from the console."""
    trials, notes, rc, inside = [], [], None, False
    for line in lines:
        if line.startswith("@@SUITE bench"):
            inside = True
        elif line.startswith("@@END bench"):
            rc = int(line.split()[-1])
            inside = False
        elif inside and line.startswith("@@BENCH "):
            _, row, param, ours, ref = line.split()
            trials.append((row, int(param), float(ours), float(ref)))
        elif inside and line.startswith("# "):
            notes.append(line[2:])
    return trials, notes, rc


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--kernel", default="6.12")
    ap.add_argument("--quick", action="store_true",
                    help="small sizes, well under two minutes")
    ap.add_argument("--memory", type=int, default=2048, help="VM memory, MB")
    ap.add_argument("--tap", action="store_true",
                    help="TAP: one line per row that produced numbers")
    args = ap.parse_args()

    name = "bench-quick" if args.quick else "bench"
    limit = 240 if args.quick else 1800
    for d in ("logs", "bench"):
        os.makedirs(os.path.join(qemu.BUILD, d), exist_ok=True)
    log_path = os.path.join(qemu.BUILD, "logs", name + ".log")
    append = "sgmode=bench sgbench=%s sgtimeout=%d preempt=full" % (
        "quick" if args.quick else "full", limit)

    t0 = time.monotonic()
    with open(log_path, "w") as log:
        vm = qemu.boot_and_wait(args.kernel, timeout=limit + 60, log=log,
                                append=append, memory=args.memory)
    elapsed = time.monotonic() - t0
    trials, notes, rc = parse(vm.lines)
    rows = summarize(trials)
    slopes = fanout_slopes(rows)
    growth = bump_growth(rows)

    checks = run.Results()
    run.parse_guest(checks, args.kernel, vm.lines)
    vm_ok = rc == 0 and all(s == "pass" for _, s, _ in checks.rows)

    result = {"kernel": args.kernel, "quick": args.quick,
              "vm_memory_mb": args.memory, "seconds": round(elapsed, 1),
              "guest": notes, "exit_status": rc, "vm_checks_passed": vm_ok,
              "rows": rows, "fanout_slopes": slopes, "bump_growth": growth}
    out_path = os.path.join(qemu.BUILD, "bench", "results%s.json"
                            % ("-quick" if args.quick else ""))
    with open(out_path, "w") as f:
        json.dump(result, f, indent=1)
        f.write("\n")

    prefix = "# " if args.tap else ""
    report = ["sysgenid benchmarks, kernel %s%s, %.0f s, ratio = ours / "
              "reference (median of paired trials)"
              % (args.kernel, " (quick)" if args.quick else "", elapsed)]
    report += ["guest: " + n for n in notes]
    report += [""] + table(rows, slopes, growth).split("\n") + ["",
               "results: %s, console: %s" % (out_path, log_path)]
    print("\n".join((prefix + line).rstrip() for line in report), flush=True)

    failures = [n for n, s, _ in checks.rows if s != "pass"]
    if rc != 0:
        failures.append("bench mode exit status %s" % rc)
    if not args.tap:
        if failures:
            print("bench: VM run failed: %s" % ", ".join(failures),
                  file=sys.stderr)
        return 1 if failures or not rows else 0

    # Which rows printed numbers is information, not a test each; one test
    # says that none is missing.
    produced = {r["row"] for r in rows}
    for row in ROWS:
        print("# bench %s: %s" % (row, "numbers" if row in produced
                                   else "NO NUMBERS"))
    missing = [row for row in ROWS if row not in produced]
    tap = [(not missing, "every benchmark row produced numbers%s"
            % (" (missing: %s)" % ", ".join(missing) if missing else ""))]
    tap += [(s == "pass", "vm " + n) for n, s, _ in checks.rows]
    tap.append((rc == 0, "vm bench mode exit status"))
    print("1..%d" % len(tap))
    for i, (ok, desc) in enumerate(tap, 1):
        print("%s %d - %s" % ("ok" if ok else "not ok", i, desc))
    return 0 if all(ok for ok, _ in tap) else 1


if __name__ == "__main__":
    sys.exit(main())
