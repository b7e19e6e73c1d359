#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Write sysgenid as a patch series against Debian's linux-source-6.12.

Everything in the series is derived, at the time this runs, from kernel/,
Documentation/ and tests/selftests/ of this repository, and from the
fragments next to this script (commit messages, cover letter, MAINTAINERS).
The files are placed where they go in a kernel tree, the out-of-tree
compatibility code is left out, and each patch is made as one commit on top
of a git repository of the Debian source tree (build/upstream/linux), with
git's plumbing, so that the tree is never checked out for it. Then
`git format-patch` writes the series to build/patches/.

    upstream/series.py [--base-only] [--out DIR]

The driver is cut into three patches (the device, the VM backend, the
forced update for checkpoint/restore) by upstream/csplit.py; the feature
definitions are FEATURES below.
"""

import argparse
import os
import re
import shutil
import subprocess
import sys
import textwrap

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(HERE)
sys.path.insert(0, HERE)
import csplit  # noqa: E402

BUILD = os.environ.get("SYSGENID_BUILD", os.path.join(TOP, "build"))
WORK = os.path.join(BUILD, "upstream")
LINUX = os.path.join(WORK, "linux")
DEBS = os.path.join(BUILD, "debs")
SERIES = "6.12"
BASE_REF = "refs/tags/debian-base"
BRANCH = "sysgenid"

# The identity of every commit and of the series' mails.
AUTHOR_NAME = "sysgenid developers"
AUTHOR_EMAIL = "sysgenid@lists.example.org"
SUBJECT_PREFIX = "PATCH v6"

# Where things go in the kernel tree.
DRIVER = "drivers/misc/sysgenid.c"
UAPI = "include/uapi/linux/sysgenid.h"
KAPI = "include/linux/sysgenid.h"
DOC = "Documentation/misc-devices/sysgenid.rst"
ABI = "Documentation/ABI/testing/sysfs-class-misc-sysgenid"
DOC_INDEX = "Documentation/misc-devices/index.rst"
IOCTL_DOC = "Documentation/userspace-api/ioctl/ioctl-number.rst"
KSFT = "tools/testing/selftests/sysgenid"

# The driver patches, each naming what the later ones add (see csplit.py):
# (identifier regex, stand-alone comment regex, include regex).
FEATURES = {
    "vm": (r"^sysgenid_vm|vmfork|vmgenid|^vm_source$|bump_generation|"
           r"^uevent_|_uevent_work|SYSGENID_VM_|SYSGENID_MMAP_VM|"
           r"SYSGENID_PAGE_F_VM|SYSGENID_PAGE_VM",
           r"VM generation source",
           r"linux/acpi\.h|linux/io\.h|linux/ioport\.h|linux/random\.h|"
           r"linux/workqueue\.h"),
    "force": (r"force_update|FORCE_GEN_UPDATE|TRIGGER_GEN_UPDATE", None,
              r"linux/capability\.h"),
}

# Out-of-tree only: the test build's hooks (kernel/test/hooks.h), cut from
# every stage like a feature that never lands.
OUT_OF_TREE = (r"^sysgenid_test_", r"test build", None)

# Sections of the project's document that are about the project, not the
# kernel interface (moved to docs/ by the project; dropped here if present).
PROJECT_SECTIONS = r"(Differences from|Example|Examples|Performance|" \
                   r"Benchmark|Measured)"


def run(cmd, cwd=None, env=None, stdin=None, check=True):
    r = subprocess.run(cmd, cwd=cwd, env=env, input=stdin,
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       text=True)
    if check and r.returncode:
        sys.exit("upstream: %s failed:\n%s%s" % (" ".join(cmd), r.stdout,
                                                  r.stderr))
    return r.stdout


def git(*args, env=None, stdin=None):
    e = dict(os.environ)
    e.update(env or {})
    return run(["git", "-C", LINUX] + list(args), env=e, stdin=stdin)


def read(path):
    with open(os.path.join(TOP, path)) as f:
        return f.read()


# --- the base tree ---------------------------------------------------------

def newest(pkg, prefix):
    out = run(["apt-cache", "madison", pkg], check=False)
    vers = [ln.split("|")[1].strip() for ln in out.splitlines()
            if ln.count("|") >= 2]
    vers = [v for v in vers if v.startswith(prefix)]
    if not vers:
        return None
    return run(["sh", "-c", "printf '%s\\n' \"$@\" | sort -V | tail -n 1",
                "sh"] + vers).strip()


def source_version():
    """The linux-source-6.12 version that matches the tested kernel, found
    the way vm/fetch-kernels.sh finds the image."""
    meta = newest("linux-image-amd64", SERIES + ".")
    if not meta:
        sys.exit("upstream: no %s kernel in apt" % SERIES)
    deps = run(["apt-cache", "show", "linux-image-amd64=" + meta])
    m = re.search(r"^Depends: .*?(linux-image-[\w.+-]+)", deps, re.M)
    image = m.group(1)
    out = run(["apt-cache", "madison", image])
    return out.splitlines()[0].split("|")[1].strip()


def ensure_base():
    stamp = os.path.join(LINUX, ".git", "sysgenid-base")
    if os.path.exists(stamp):
        return open(stamp).read().strip()
    ver = source_version()
    pkg = "linux-source-" + SERIES
    os.makedirs(DEBS, exist_ok=True)
    deb = os.path.join(DEBS, "%s_%s_all.deb" % (pkg, ver.replace(":", "%3a")))
    if not os.path.exists(deb):
        print("upstream: downloading %s %s" % (pkg, ver), flush=True)
        run(["apt-get", "download", "-qq", "-o", "APT::Sandbox::User=root",
             "%s=%s" % (pkg, ver)], cwd=DEBS)
    print("upstream: extracting the tree", flush=True)
    tmp = LINUX + ".tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    shutil.rmtree(LINUX, ignore_errors=True)
    os.makedirs(tmp)
    inner = "./usr/src/%s.tar.xz" % pkg
    run(["sh", "-c", "dpkg-deb --fsys-tarfile \"$1\" | tar -xO \"$2\" | "
         "tar -xJ --strip-components=1 -C \"$3\"", "sh", deb, inner, tmp])
    print("upstream: committing the tree to git", flush=True)
    env = ident_env("2025-01-01T00:00:00Z")
    e = dict(os.environ, **env)
    run(["git", "init", "-q"], cwd=tmp)
    # Debian's .gitignore ignores the whole top level: add with -f.
    run(["git", "add", "-f", "-A"], cwd=tmp)
    run(["git", "commit", "-q", "-m",
         "Debian %s %s" % (pkg, ver)], cwd=tmp, env=e)
    run(["git", "tag", "debian-base"], cwd=tmp)
    os.rename(tmp, LINUX)
    with open(stamp, "w") as f:
        f.write(ver + "\n")
    return ver


def ident_env(date):
    return {"GIT_AUTHOR_NAME": AUTHOR_NAME, "GIT_AUTHOR_EMAIL": AUTHOR_EMAIL,
            "GIT_COMMITTER_NAME": AUTHOR_NAME,
            "GIT_COMMITTER_EMAIL": AUTHOR_EMAIL,
            "GIT_AUTHOR_DATE": date, "GIT_COMMITTER_DATE": date}


# --- transformations -------------------------------------------------------

def driver_stages():
    """The driver source after each driver patch, and the symbols that the
    upstream series no longer exports."""
    src = read("kernel/sysgenid.c")
    src, unexported = csplit.unexport(src)
    final = csplit.cut(src, *OUT_OF_TREE)
    orphaned_comments(src, final)
    no_force = csplit.cut(final, *FEATURES["force"])
    base = csplit.cut(no_force, *FEATURES["vm"])
    return [base, no_force, final], unexported


def orphaned_comments(src, final):
    """The out-of-tree cut drops a stand-alone comment that mentions the
    test build with the hook it describes. A comment whose next item
    stays in the series is about something else (a sentence on the test
    hooks inside, say, the ordering argument), and dropping it would lose
    that text from the series with nothing else failing: refuse."""
    items = [it for it in csplit.parse(src) if it.kind != "blank"]
    for it, nxt in zip(items, items[1:]):
        if it.kind == "comment" and it.text() not in final and \
                nxt.text() in final:
            sys.exit("upstream: the out-of-tree cut would drop this comment "
                     "of kernel/sysgenid.c, which describes code that "
                     "stays:\n%s" % it.text())


def kapi_header(unexported):
    """include/linux/sysgenid.h, or None when all it declared was the
    export the series drops."""
    path = "kernel/include/linux/sysgenid.h"
    if not os.path.exists(os.path.join(TOP, path)):
        return None
    text = read(path)
    code = csplit.strip_code(text)
    rest = []
    for ln in code.splitlines():
        s = ln.strip()
        if not s or s.startswith("#") or s in ("{", "}", "{ }"):
            continue
        if any(re.search(r"\b%s\b" % n, s) for n in unexported):
            continue
        rest.append(s)
    return text if rest else None


def kconfig_entry():
    lines = [ln for ln in read("kernel/Kconfig").splitlines()
             if not ln.startswith("# SPDX")]
    return "\n".join(lines).strip("\n") + "\n"


def kbuild_lines():
    """The obj- lines of kernel/Kbuild, without its out-of-tree block."""
    out, skip = [], 0
    for ln in read("kernel/Kbuild").splitlines():
        if re.match(r"\s*if(n?eq|n?def)\b", ln):
            skip += 1
            continue
        if skip and ln.strip() == "endif":
            skip -= 1
            continue
        if skip or ln.startswith("#") or not ln.strip():
            continue
        out.append(ln)
    return out


def rst_sections(text):
    """Split rST text into (title, lines) at === underlined titles."""
    lines = text.splitlines(keepends=True)
    secs, cur, title = [], [], None
    i = 0
    while i < len(lines):
        if i + 1 < len(lines) and re.match(r"^=+\s*$", lines[i + 1]) and \
                lines[i].strip() and not re.match(r"^=+\s*$", lines[i]) and \
                (i == 0 or not re.match(r"^=+\s*$", lines[i - 1])):
            secs.append((title, cur))
            cur, title = [], lines[i].strip()
        cur.append(lines[i])
        i += 1
    secs.append((title, cur))
    return secs


def documentation(unexported):
    text = read("Documentation/misc-devices/sysgenid.rst")
    out, dropped = [], []
    for title, lines in rst_sections(text):
        if title and re.match(PROJECT_SECTIONS, title):
            dropped.append(title)
            continue
        out.extend(lines)
    text = "".join(out).rstrip("\n") + "\n"
    if unexported:
        # Nothing is exported in the series: document the function by name.
        text = re.sub(r"(\.\. kernel-doc:: %s\n)(\s+):export:\n" %
                      re.escape(DRIVER),
                      lambda m: m.group(1) + m.group(2) + ":identifiers: " +
                      " ".join(unexported) + "\n", text)
        for name in unexported:
            text = re.sub(r"Drivers that learn of a system generation "
                          r"change\s+call\s+``%s\(\)``" % name,
                          "``%s()`` may be called" % name, text)
            note = textwrap.fill(
                "``%s()`` is not exported: its callers are the driver's own "
                "sources of change. A driver that learns of generation "
                "changes in another way would export it together with its "
                "call." % name, 76)
            text = re.sub(r"(\.\. kernel-doc:: %s\n(?:\s+:.*\n)*)\n" %
                          re.escape(DRIVER),
                          lambda m: m.group(1) + "\n" + note + "\n\n",
                          text, count=1)
    return text, dropped


def insert_sorted(lines, new, start, stop, key):
    """Insert line new among lines[start:stop], sorted by key()."""
    for i in range(start, stop):
        if key(lines[i]) > key(new):
            lines.insert(i, new)
            return lines
    lines.insert(stop, new)
    return lines


def doc_index(text):
    lines = text.splitlines(keepends=True)
    start = next(i for i, ln in enumerate(lines) if "toctree" in ln)
    i = start + 1
    while i < len(lines) and (lines[i].strip().startswith(":") or
                              not lines[i].strip()):
        i += 1
    stop = i
    while stop < len(lines) and lines[stop].startswith("   ") and \
            lines[stop].strip():
        stop += 1
    return "".join(insert_sorted(lines, "   sysgenid\n", i, stop,
                                 lambda s: s.strip()))


def ioctl_numbers(text):
    uapi = read("kernel/include/uapi/linux/sysgenid.h")
    code = int(re.search(r"#define\s+SYSGENID_IOCTL\s+(0x[0-9A-Fa-f]+)",
                         uapi).group(1), 16)
    seqs = [int(n, 0) for n in
            re.findall(r"_IO\w*\(SYSGENID_IOCTL,\s*(\w+)", uapi)]
    lo, hi = min(seqs), max(seqs)
    seq = "%02X" % lo if lo == hi else "%02X-%02X" % (lo, hi)
    # The columns of the table: 4, 5, 57 characters, then the comment.
    entry = "0x%02X  %-5s  %-57s %s\n" % (code, seq, "uapi/linux/sysgenid.h",
                                           "System generation ID driver")
    lines = text.splitlines(keepends=True)
    for i, ln in enumerate(lines):
        m = re.match(r"0x([0-9A-F]{2})\s", ln)
        if m and int(m.group(1), 16) > code:
            lines.insert(i, entry)
            break
    else:
        sys.exit("upstream: no place for 0x%02X in %s" % (code, IOCTL_DOC))
    return "".join(lines)


def maintainers(text, files):
    """MAINTAINERS with our entry, listing files, in alphabetical order."""
    head = read("upstream/MAINTAINERS").rstrip("\n").splitlines()
    head = [ln for ln in head if not ln.startswith("#")]
    title = head[0]
    entry = head + ["F:\t%s" % f for f in sorted(files)]
    lines = text.splitlines()
    start = next(i for i, ln in enumerate(lines) if ln == "3C59X NETWORK DRIVER")
    # drop an entry of ours from an earlier patch
    if title in lines:
        i = lines.index(title)
        j = i
        while j < len(lines) and lines[j].strip():
            j += 1
        del lines[i:j + 1]
    i = start
    while i < len(lines):
        if lines[i] and (i == 0 or not lines[i - 1].strip()) and \
                i + 1 < len(lines) and re.match(r"^[A-Z]:\t", lines[i + 1]) \
                and lines[i].upper() > title.upper():
            break
        i += 1
    lines[i:i] = entry + [""]
    return "\n".join(lines) + "\n"


def selftests():
    """tools/testing/selftests/sysgenid/, from tests/selftests/."""
    src = os.path.join(TOP, "tests/selftests")
    files, progs = {}, []
    for name in sorted(os.listdir(src)):
        if not name.endswith((".c", ".h")):
            continue
        text = read("tests/selftests/" + name)
        text = re.sub(r'#include ["<]kselftest_harness\.h[">]',
                      '#include "../kselftest_harness.h"', text)
        text = re.sub(r'#include ["<]kselftest\.h[">]',
                      '#include "../kselftest.h"', text)
        files["%s/%s" % (KSFT, name)] = text
        if name.endswith(".c") and "TEST_HARNESS_MAIN" in text:
            progs.append(name[:-2])
    helpers = [n for n in files if n.endswith(".c") and
               os.path.basename(n)[:-2] not in progs]
    hdrs = [os.path.basename(n) for n in files if n.endswith(".h")]
    mk = ["# SPDX-License-Identifier: GPL-2.0",
          "CFLAGS += -O2 -Wall $(KHDR_INCLUDES) -pthread",
          "LDLIBS += -pthread", "",
          "TEST_GEN_PROGS := " + " \\\n\t".join(progs), ""]
    if hdrs:
        mk += ["LOCAL_HDRS += " + " ".join(hdrs), ""]
    mk += ["include ../lib.mk", ""]
    if helpers:
        mk += ["$(TEST_GEN_PROGS): " +
               " ".join(os.path.basename(h) for h in helpers)]
    files[KSFT + "/Makefile"] = "\n".join(mk).rstrip("\n") + "\n"
    files[KSFT + "/.gitignore"] = "# SPDX-License-Identifier: GPL-2.0-only\n" \
        + "".join(p + "\n" for p in progs)
    cfg = read("tests/selftests/config")
    files[KSFT + "/config"] = cfg
    return files, progs


def selftests_targets(text):
    lines = text.splitlines(keepends=True)
    idx = [i for i, ln in enumerate(lines) if ln.startswith("TARGETS += ")]
    return "".join(insert_sorted(lines, "TARGETS += sysgenid\n", idx[0],
                                 idx[-1] + 1, lambda s: s.split()[-1]))


def perf_table():
    """The results table of docs/performance.md, as plain text."""
    path = os.path.join(TOP, "docs/performance.md")
    if not os.path.exists(path):
        return "(docs/performance.md is missing)\n"
    text = read("docs/performance.md")
    m = re.search(r"^## Results\n(.*?)(?=^## )", text, re.M | re.S)
    body = m.group(1) if m else text
    rows = []
    for ln in body.splitlines():		# the first table only
        if ln.startswith("|"):
            rows.append(ln)
        elif rows:
            break
    if not rows:
        return "(no table in docs/performance.md)\n"
    cells = [[c.strip().replace("**", "") for c in r.strip("|").split("|")]
             for r in rows if not re.match(r"^\|\s*-", r)]
    keep = [i for i, h in enumerate(cells[0])
            if h in ("what", "ours", "reference", "ratio", "IQR")]
    cells = [[r[i] for i in keep] for r in cells]
    width = [max(len(r[i]) for r in cells) for i in range(len(keep))]
    out = []
    for r in cells:
        out.append("  " + "  ".join(c.ljust(w) for c, w in
                                     zip(r, width)).rstrip())
    return "\n".join(out) + "\n"


def v5_changes(unexported):
    """Bullets of the "Differences from the v5 patch" material, wherever
    the project keeps it (the kernel document or docs/)."""
    sources = [("Documentation/misc-devices/sysgenid.rst", "rst")]
    docs = os.path.join(TOP, "docs")
    if os.path.isdir(docs):
        sources += [("docs/" + n, "md") for n in sorted(os.listdir(docs))
                    if n.endswith(".md")]
    for path, kind in sources:
        text = read(path)
        if kind == "rst":
            for title, lines in rst_sections(text):
                if title and re.match(r"Differences from (the )?v5", title):
                    return bullets("".join(lines[2:]), unexported)
        else:
            m = re.search(r"^#+ [^\n]*(differences from|changes since|"
                          r"since) (the )?v5[^\n]*\n(.*?)(?=^#+ |\Z)", text,
                          re.M | re.S | re.I)
            if m:
                return bullets(m.group(3), unexported)
    return "  (no list of differences from v5 found in the project)\n"


def bullets(text, unexported=()):
    out = []
    for para in re.split(r"\n(?=\s*[-*] )", text.strip()):
        para = para.strip()
        if not re.match(r"[-*] ", para):
            continue
        if unexported and "EXPORT_SYMBOL" in para:
            continue		# the series answers the export on its own
        words = re.sub(r"``|`", "", para[2:]).split()
        line = " -"
        for w in words:
            if len(line) + len(w) + 1 > 72:
                out.append(line)
                line = "  "
            line += " " + w
        out.append(line)
    return "\n".join(out) + "\n"


# --- the series ------------------------------------------------------------

def message(name, **subst):
    text = read("upstream/messages/" + name)
    for k, v in subst.items():
        text = text.replace("@%s@" % k, v)
    left = re.findall(r"@[A-Z_]+@", text)
    if left:
        sys.exit("upstream: %s: unknown %s" % (name, left))
    return text.rstrip("\n") + "\n\nSigned-off-by: %s <%s>\n" % (
        AUTHOR_NAME, AUTHOR_EMAIL)


def build_patches(ver):
    stages, unexported = driver_stages()
    kapi = kapi_header(unexported)
    doc, dropped = documentation(unexported)
    tests, progs = selftests()
    base = lambda p: git("show", "%s:%s" % (BASE_REF, p))  # noqa: E731

    mnt_files = [ABI, DOC, UAPI]
    p1 = {UAPI: read("kernel/include/uapi/linux/sysgenid.h"), DOC: doc,
          ABI: read(ABI),
          DOC_INDEX: doc_index(base(DOC_INDEX)),
          IOCTL_DOC: ioctl_numbers(base(IOCTL_DOC))}
    mnt = maintainers(base("MAINTAINERS"), mnt_files)
    p1["MAINTAINERS"] = mnt

    kconfig = base("drivers/misc/Kconfig")
    at = kconfig.index('source "drivers/misc/')
    kconfig = kconfig[:at] + kconfig_entry() + "\n" + kconfig[at:]
    makefile = base("drivers/misc/Makefile")
    obj = kbuild_lines()
    makefile = makefile.rstrip("\n") + "\n" + "\n".join(
        re.sub(r"\s*\+=\s*", "\t\t+= ", ln) for ln in obj) + "\n"
    mnt_files += [DRIVER] + ([KAPI] if kapi else [])
    p2 = {DRIVER: stages[0], "drivers/misc/Kconfig": kconfig,
          "drivers/misc/Makefile": makefile,
          "MAINTAINERS": maintainers(base("MAINTAINERS"), mnt_files)}
    if kapi:
        p2[KAPI] = kapi

    p3 = {DRIVER: stages[1]}
    p4 = {DRIVER: stages[2]}

    mnt_files += [KSFT + "/"]
    p5 = dict(tests)
    p5["tools/testing/selftests/Makefile"] = selftests_targets(
        base("tools/testing/selftests/Makefile"))
    p5["MAINTAINERS"] = maintainers(base("MAINTAINERS"), mnt_files)

    export = ("none: sysgenid_bump_generation() is static in this series"
              if unexported else "none")
    subst = {"VERSION": ver, "EXPORT": export,
             "PROGS": "".join("  %s\n" % p for p in progs).rstrip("\n")}
    patches = [("01-abi.txt", p1), ("02-driver.txt", p2),
               ("03-vm.txt", p3), ("04-force.txt", p4),
               ("05-selftests.txt", p5)]
    out = [(message(name, **subst), files) for name, files in patches
           if files]
    # A stage the cut could not separate makes an empty patch: leave it out.
    cover = message_cover(ver, dropped, unexported)
    return out, cover, dropped


def message_cover(ver, dropped, unexported):
    text = read("upstream/cover-letter.txt")
    uapi = read("kernel/include/uapi/linux/sysgenid.h")
    window = "window-closed.txt" if "SYSGENID_MMAP_VM_PAGE" in uapi \
        else "window-open.txt"
    subst = {"VERSION": ver, "PERF": perf_table(),
             "WINDOW": read("upstream/" + window),
             "V5": v5_changes(unexported),
             "DROPPED": ", ".join(dropped) if dropped else "none"}
    for k, v in subst.items():
        text = text.replace("@%s@" % k, v.rstrip("\n"))
    left = re.findall(r"@[A-Z0-9_]+@", text)
    if left:
        sys.exit("upstream: cover-letter.txt: unknown %s" % left)
    return text.rstrip("\n") + "\n"


def project_date():
    r = subprocess.run(["git", "-C", TOP, "log", "-1", "--format=%cI"],
                       stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                       text=True)
    return r.stdout.strip() or "2026-01-01T00:00:00Z"


def commit_series(patches, date):
    env = ident_env(date)
    index = os.path.join(WORK, "index.series")
    if os.path.exists(index):
        os.remove(index)
    env["GIT_INDEX_FILE"] = index
    git("read-tree", BASE_REF, env=env)
    parent = git("rev-parse", BASE_REF + "^{commit}").strip()
    prev_tree = git("rev-parse", parent + "^{tree}").strip()
    for msg, files in patches:
        for path, content in sorted(files.items()):
            if content is None:
                git("update-index", "--force-remove", path, env=env)
                continue
            blob = git("hash-object", "-w", "--stdin", "--path", path,
                       stdin=content).strip()
            git("update-index", "--add", "--cacheinfo",
                "100644,%s,%s" % (blob, path), env=env)
        tree = git("write-tree", env=env).strip()
        if tree == prev_tree:
            print("upstream: skipping an empty patch: %s" %
                  msg.splitlines()[0], file=sys.stderr)
            continue
        parent = git("commit-tree", tree, "-p", parent, "-F", "-",
                     env=env, stdin=msg).strip()
        prev_tree = tree
    git("update-ref", "refs/heads/" + BRANCH, parent)
    os.remove(index)
    return parent


def format_patches(cover, out, date):
    shutil.rmtree(out, ignore_errors=True)
    os.makedirs(out)
    git("config", "branch.%s.description" % BRANCH, cover)
    env = ident_env(date)
    git("-c", "format.signature=", "format-patch", "-q", "--cover-letter",
        "--cover-from-description=subject", "--no-numbered-files",
        "--subject-prefix=" + SUBJECT_PREFIX, "-o", out,
        "--from=%s <%s>" % (AUTHOR_NAME, AUTHOR_EMAIL),
        "%s..%s" % (BASE_REF, BRANCH), env=env)
    return sorted(os.listdir(out))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--base-only", action="store_true")
    ap.add_argument("--out", default=os.path.join(BUILD, "patches"))
    args = ap.parse_args()
    ver = ensure_base()
    if args.base_only:
        return
    patches, cover, dropped = build_patches(ver)
    date = project_date()
    commit_series(patches, date)
    names = format_patches(cover, args.out, date)
    if dropped:
        print("upstream: left out of the kernel document (project "
              "material): %s" % ", ".join(dropped))
    for n in names:
        print(os.path.join(args.out, n))


if __name__ == "__main__":
    main()
