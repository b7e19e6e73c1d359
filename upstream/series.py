#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Write sysgenid as a patch series against Debian's linux-source-7.3.

Every patch is assembled, at the time this runs, from whole files of
kernel/, Documentation/ and tests/selftests/ of this repository and from
the fragments next to this script (commit messages, cover letter,
MAINTAINERS entry). Each patch adds whole files at their place in a kernel
tree, with the Kconfig entry and Makefile line of its part and the lines
that hook them into drivers/misc/, MAINTAINERS and the documentation
indexes. What is only for the out-of-tree build (kernel/Kbuild, Makefile,
compat/, test/, dkms.conf) is in no list below, so it never gets in.

Each patch is made as one commit on top of a git repository of the Debian
source tree (build/upstream/linux) with git's plumbing, so that the tree
is never checked out for it; `git format-patch` then writes the series to
build/patches/.

    upstream/series.py [--base-only] [--out DIR]
"""

import argparse
import os
import re
import shutil
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(HERE)
BUILD = os.environ.get("SYSGENID_BUILD", os.path.join(TOP, "build"))
WORK = os.path.join(BUILD, "upstream")
LINUX = os.path.join(WORK, "linux")
# The base: the newest mainline release whose source Debian packages, from
# trixie-backports, which only vm/private-apt.sh's configuration knows.
SERIES = "7.3"
SUITES = "trixie trixie-backports"
BASE_REF = "refs/tags/debian-base"
BRANCH = "sysgenid"

# The identity of every commit and of the series' mails.
AUTHOR_NAME = "sysgenid developers"
AUTHOR_EMAIL = "sysgenid@lists.example.org"
SUBJECT_PREFIX = "PATCH v6"

# Where things go in the kernel tree.
DRIVER_DIR = "drivers/misc/sysgenid"
UAPI = "include/uapi/linux/sysgenid.h"
DOC = "Documentation/misc-devices/sysgenid.rst"
ABI = "Documentation/ABI/testing/sysfs-class-misc-sysgenid"
DOC_INDEX = "Documentation/misc-devices/index.rst"
IOCTL_DOC = "Documentation/userspace-api/ioctl/ioctl-number.rst"
KSFT = "tools/testing/selftests/sysgenid"

# The driver's patches, in order, one row each: the commit message, the
# source file of kernel/ the part is about (a row whose file does not exist
# is left out), its Kconfig entry, and the other whole files it adds. A
# part's lines of kernel/Makefile.driver are those that name its object or
# its CONFIG_ option.
PARTS = [
    ("02-core.txt", "core.c", "SYSGENID",
     ["internal.h", "include/linux/sysgenid.h"]),
    ("03-vm.txt", "vm.c", "SYSGENID_VM", []),
    ("04-vmclock.txt", "vmclock.c", "SYSGENID_VMCLOCK", []),
    ("05-restore.txt", "restore.c", "SYSGENID_RESTORE", []),
]

# Changes to files the kernel already has (upstream/changes/NAME.patch: the
# commit message, "---", the diff), in order, before the driver's part
# that needs them (the file named here). vmgenid and random.c own what the
# VM source uses; in the tree they hand it over.
CHANGES = [("random.patch", "vm.c"), ("vmgenid.patch", "vm.c")]

# Sections of the project's document that are about the project, not the
# kernel interface (moved to docs/ by the project; dropped here if present).
PROJECT_SECTIONS = r"(Differences from|Example|Examples|Performance|" \
                   r"Benchmark|Measured)"


def run(cmd, cwd=None, env=None, stdin=None):
    r = subprocess.run(cmd, cwd=cwd, env=env, input=stdin,
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       text=True)
    if r.returncode:
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


def exists(path):
    return os.path.exists(os.path.join(TOP, path))


# --- the base tree ---------------------------------------------------------

def trixie_apt(*args, cwd=None):
    """apt-get or apt-cache against trixie, through the project's private
    configuration (never the host's sources)."""
    return run(["sh", os.path.join(TOP, "vm/private-apt.sh"), SUITES] +
               list(args), cwd=cwd)


def source_version():
    """The newest version of linux-source-7.3 in trixie(-backports)."""
    pkg = "linux-source-" + SERIES
    vers = [ln.split("|")[1].strip() for ln in
            trixie_apt("apt-cache", "madison", pkg).splitlines()
            if ln.count("|") >= 2]
    if not vers:
        sys.exit("upstream: no %s in %s" % (pkg, SUITES))
    return run(["sh", "-c", "printf '%s\\n' \"$@\" | sort -V | tail -n 1",
                "sh"] + vers).strip()


def ensure_base():
    stamp = os.path.join(LINUX, ".git", "sysgenid-base")
    pkg = "linux-source-" + SERIES
    if os.path.exists(stamp):
        # "PACKAGE VERSION": a tree of another series is extracted anew.
        have = open(stamp).read().split()
        if len(have) == 2 and have[0] == pkg:
            return have[1]
    ver = source_version()
    os.makedirs(WORK, exist_ok=True)
    deb = os.path.join(WORK, "%s_%s_all.deb" % (pkg, ver.replace(":", "%3a")))
    if not os.path.exists(deb):
        print("upstream: downloading %s %s" % (pkg, ver), flush=True)
        trixie_apt("apt-get", "download", "-qq", "%s=%s" % (pkg, ver),
                   cwd=WORK)
    print("upstream: extracting the tree", flush=True)
    tmp = LINUX + ".tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    shutil.rmtree(LINUX, ignore_errors=True)
    os.makedirs(tmp)
    inner = "./usr/src/%s.tar.xz" % pkg
    run(["sh", "-c", "dpkg-deb --fsys-tarfile \"$1\" | tar -xO \"$2\" | "
         "tar -xJ --strip-components=1 -C \"$3\"", "sh", deb, inner, tmp])
    print("upstream: committing the tree to git", flush=True)
    e = dict(os.environ, **ident_env("2025-01-01T00:00:00Z"))
    run(["git", "init", "-q"], cwd=tmp)
    # Debian's .gitignore ignores the whole top level: add with -f.
    run(["git", "add", "-f", "-A"], cwd=tmp)
    run(["git", "commit", "-q", "-m",
         "Debian %s %s" % (pkg, ver)], cwd=tmp, env=e)
    run(["git", "tag", "debian-base"], cwd=tmp)
    os.rename(tmp, LINUX)
    with open(stamp, "w") as f:
        f.write("%s %s\n" % (pkg, ver))
    return ver


def ident_env(date):
    return {"GIT_AUTHOR_NAME": AUTHOR_NAME, "GIT_AUTHOR_EMAIL": AUTHOR_EMAIL,
            "GIT_COMMITTER_NAME": AUTHOR_NAME,
            "GIT_COMMITTER_EMAIL": AUTHOR_EMAIL,
            "GIT_AUTHOR_DATE": date, "GIT_COMMITTER_DATE": date}


# --- the driver ------------------------------------------------------------

def intree(name):
    """The place in the kernel tree of kernel/NAME."""
    if name.startswith("include/"):
        return name
    return "%s/%s" % (DRIVER_DIR, name)


def kconfig_blocks():
    """kernel/Kconfig as its head (the SPDX line) and its entries, in
    order, as (symbol, text)."""
    head, blocks = [], []
    for ln in read("kernel/Kconfig").splitlines(keepends=True):
        m = re.match(r"(?:menu)?config\s+(\w+)", ln)
        if m:
            blocks.append((m.group(1), ""))
        if blocks:
            blocks[-1] = (blocks[-1][0], blocks[-1][1] + ln)
        else:
            head.append(ln)
    return "".join(head), [(s, t.rstrip("\n") + "\n") for s, t in blocks]


def makefile_part(line, present):
    """The Kconfig symbol of the part a line of Makefile.driver belongs to:
    the part whose object or CONFIG_ option it names."""
    for _, src, sym, _ in present:
        obj = os.path.splitext(src)[0] + ".o"
        if "$(CONFIG_%s)" % sym in line or re.search(
                r"(^|\s)%s(\s|$)" % re.escape(obj), line):
            return sym
    sys.exit("upstream: kernel/Makefile.driver: no part of the driver for "
             "this line: %s" % line)


def driver_patches():
    """The driver's patches: (message, {path: content}) for each part whose
    file exists, each adding that part's whole files and growing
    drivers/misc/sysgenid/{Kconfig,Makefile} by its entry and line."""
    present = [p for p in PARTS if exists("kernel/" + p[1])]
    for msg, src, _, _ in present:
        if not exists("upstream/messages/" + msg):
            sys.exit("upstream: kernel/%s has no commit message "
                     "(upstream/messages/%s)" % (src, msg))
    syms = [p[2] for p in present]
    head, blocks = kconfig_blocks()
    for sym, _ in blocks:
        if sym not in syms:
            sys.exit("upstream: kernel/Kconfig: config %s is no part's "
                     "(PARTS in upstream/series.py)" % sym)
    mk_head, lines = [], []
    for ln in read("kernel/Makefile.driver").splitlines():
        if ln.startswith("#") or not ln.strip():
            mk_head.append(ln)
        else:
            lines.append((makefile_part(ln, present), ln))

    out, done = [], []
    for msg, src, sym, extra in present:
        done.append(sym)
        files = {intree(n): read("kernel/" + n) for n in [src] + extra}
        files[DRIVER_DIR + "/Kconfig"] = head + "\n".join(
            t for s, t in blocks if s in done)
        files[DRIVER_DIR + "/Makefile"] = "\n".join(
            mk_head + [ln for s, ln in lines if s in done]) + "\n"
        out.append((msg, files))
    return out


def misc_glue(kconfig, makefile):
    """drivers/misc/{Kconfig,Makefile} with the subdirectory hooked in: its
    Kconfig sourced last in the "Misc devices" menu, its Makefile last."""
    lines = kconfig.splitlines(keepends=True)
    last = max(i for i, ln in enumerate(lines)
               if ln.startswith('source "drivers/misc/'))
    lines.insert(last + 1, 'source "%s/Kconfig"\n' % DRIVER_DIR)
    makefile = makefile.rstrip("\n") + "\nobj-$(CONFIG_SYSGENID)\t\t+= %s/\n" \
        % os.path.basename(DRIVER_DIR)
    return "".join(lines), makefile


def kernel_change(name, current):
    """upstream/changes/NAME applied to the tree as the series has it so
    far (current(path): a file's content, None where it does not exist):
    the message and {path: new content}."""
    text = read("upstream/changes/" + name)
    msg, diff = text.split("\n---\n", 1)
    paths = re.findall(r"^diff --git a/(\S+) b/", diff, re.M)
    tmp = os.path.join(WORK, "change.tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    for path in paths:
        old = current(path)
        if old is not None:
            os.makedirs(os.path.dirname(os.path.join(tmp, path)) or tmp,
                        exist_ok=True)
            with open(os.path.join(tmp, path), "w") as f:
                f.write(old)
    os.makedirs(tmp, exist_ok=True)
    # tmp is its own repository: inside the project's (build/ under the
    # checkout), git apply would skip every path outside the subdirectory.
    run(["git", "init", "-q"], cwd=tmp)
    r = subprocess.run(["git", "apply", "-"], cwd=tmp, input=diff,
                       text=True, stderr=subprocess.PIPE)
    if r.returncode:
        sys.exit("upstream: upstream/changes/%s does not apply to %s:\n%s"
                 % (name, SERIES, r.stderr))
    files = {}
    for path in paths:
        with open(os.path.join(tmp, path)) as f:
            files[path] = f.read()
    shutil.rmtree(tmp)
    return msg.rstrip("\n") + "\n\nSigned-off-by: %s <%s>\n" % (
        AUTHOR_NAME, AUTHOR_EMAIL), files


# --- the documentation and the other glue ----------------------------------

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


def documentation():
    """The kernel document without its project sections, and their
    titles."""
    out, dropped = [], []
    for title, lines in rst_sections(read(DOC)):
        if title and re.match(PROJECT_SECTIONS, title):
            dropped.append(title)
            continue
        out.extend(lines)
    return "".join(out).rstrip("\n") + "\n", dropped


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
    uapi = read("kernel/" + UAPI)
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


def v5_changes():
    """Bullets of the "Differences from the v5 patch" material, wherever
    the project keeps it (the kernel document or docs/)."""
    sources = [(DOC, "rst")]
    docs = os.path.join(TOP, "docs")
    if os.path.isdir(docs):
        sources += [("docs/" + n, "md") for n in sorted(os.listdir(docs))
                    if n.endswith(".md")]
    for path, kind in sources:
        text = read(path)
        if kind == "rst":
            for title, lines in rst_sections(text):
                if title and re.match(r"Differences from (the )?v5", title):
                    return bullets("".join(lines[2:]))
        else:
            m = re.search(r"^#+ [^\n]*(differences from|changes since|"
                          r"since) (the )?v5[^\n]*\n(.*?)(?=^#+ |\Z)", text,
                          re.M | re.S | re.I)
            if m:
                return bullets(m.group(3))
    return "  (no list of differences from v5 found in the project)\n"


def bullets(text):
    out = []
    for para in re.split(r"\n(?=\s*[-*] )", text.strip()):
        para = para.strip()
        if not re.match(r"[-*] ", para):
            continue
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


def maintained(added):
    """The F: lines of our MAINTAINERS entry: every file the series has
    added so far (the selftests as their directory), so that each patch
    that adds a file also lists it."""
    return sorted({KSFT + "/" if f.startswith(KSFT + "/") else f
                   for f in added})


def build_patches():
    doc, dropped = documentation()
    tests, progs = selftests()
    base = lambda p: git("show", "%s:%s" % (BASE_REF, p))  # noqa: E731

    abi = {UAPI: read("kernel/" + UAPI), DOC: doc, ABI: read(ABI),
           DOC_INDEX: doc_index(base(DOC_INDEX)),
           IOCTL_DOC: ioctl_numbers(base(IOCTL_DOC))}
    driver = driver_patches()
    kconfig, makefile = misc_glue(base("drivers/misc/Kconfig"),
                                  base("drivers/misc/Makefile"))
    driver[0][1].update({"drivers/misc/Kconfig": kconfig,
                         "drivers/misc/Makefile": makefile})
    tests["tools/testing/selftests/Makefile"] = selftests_targets(
        base("tools/testing/selftests/Makefile"))
    patches = [("01-abi.txt", abi)] + driver + [("06-selftests.txt", tests)]

    subst = {"PROGS": "".join("  %s\n" % p for p in progs).rstrip("\n")}
    tree = {}		# what the series has changed so far: path -> content

    def current(path):
        if path in tree:
            return tree[path]
        return base(path) if base_has(path) else None

    out, added, theirs = [], set(), set()
    for name, files in patches:
        part = next((p[1] for p in PARTS if p[0] == name), None)
        for change, before in CHANGES:
            if before == part:
                msg, changed = kernel_change(change, current)
                theirs |= {f for f in changed if not base_has(f)}
                tree.update(changed)
                out.append((msg, changed))
        added |= {f for f in files if not base_has(f)}
        files["MAINTAINERS"] = maintainers(current("MAINTAINERS"),
                                           maintained(added - theirs))
        tree.update(files)
        out.append((message(name, **subst), files))
    return out, dropped


def base_has(path):
    return subprocess.run(["git", "-C", LINUX, "cat-file", "-e",
                           "%s:%s" % (BASE_REF, path)],
                          stderr=subprocess.DEVNULL).returncode == 0


def message_cover(ver, dropped):
    text = read("upstream/cover-letter.txt")
    uapi = read("kernel/" + UAPI)
    window = "window-closed.txt" if "SYSGENID_MMAP_VM_PAGE" in uapi \
        else "window-open.txt"
    subst = {"VERSION": ver, "PERF": perf_table(),
             "WINDOW": read("upstream/" + window), "V5": v5_changes(),
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
    patches, dropped = build_patches()
    date = project_date()
    commit_series(patches, date)
    names = format_patches(message_cover(ver, dropped), args.out, date)
    if dropped:
        print("upstream: left out of the kernel document (project "
              "material): %s" % ", ".join(dropped))
    for n in names:
        print(os.path.join(args.out, n))


if __name__ == "__main__":
    main()
