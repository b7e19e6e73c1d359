#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Real VM snapshot restores, checked end to end (and narrated by `make demo`).

A guest boots in sgmode=restore with a VM generation ID (QEMU's vmgenid
device). Its participants (tests/restore/participant.c) print one "@@SG"
line per step on the serial console. To restore, the host stops the VM,
migrates its state to a file, kills QEMU, starts a new QEMU with the same
arguments but another generation ID and -incoming from that file, and
resumes it (QMP "cont"). The guest kernel's VMGenID driver then reseeds the
RNG and runs the vmfork notifiers, and sysgenid bumps its generation.

The host talks to the guest's control role over a second serial port
(a unix socket chardev, reconnected after every restore): "report" prints
what sysfs and the kernel log say, "quit" ends the run so that vm/init
unloads the module and prints dmesg.

    restore.py check [--kernels "6.1 6.12 7.3"]   TAP, one test per check
    restore.py vmclock [--kernels ...]        the same, with QEMU 10.0's
                                              vmclock device (make qemu10)
    restore.py bench [--kernels 6.12] [--rounds 3]   restore to the last
                                              ack per source (make bench)
    restore.py demo [--kernel 6.12]           a narrated single restore
"""

import argparse
import itertools
import os
import re
import shlex
import shutil
import socket
import statistics
import sys
import tempfile
import time
import uuid

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(HERE)), "vm"))
import qemu  # noqa: E402
import vmclock  # noqa: E402
from run import SPLAT  # noqa: E402

ROLES = ("read", "epoll", "spin", "map", "lib", "orch", "uevent", "kmsg",
         "ctl")
PARTICIPANTS = ("read", "epoll", "spin", "map", "lib", "orch")
WATCHERS = ("read", "epoll", "spin", "orch")
RESEEDERS = ("read", "epoll", "spin", "map", "lib")
DESCRIPTION = {
    "read": "blocking-read watcher",
    "epoll": "epoll watcher",
    "spin": "hot-loop watcher (mmap)",
    "map": "AWS-LC-style observer (mmap only)",
    "lib": "libsysgenid observer (sysgenid_changed)",
    "orch": "orchestrator",
    "uevent": "uevent listener",
    "kmsg": "kernel log",
    "ctl": "control",
}
SG = re.compile(r"^@@SG (\d+\.\d+) (\S+) (\S+) (\S+)(?: (.*))?$")
KV = re.compile(r"(\w+)=(\S+)")
BOOT_TIMEOUT = 120
STEP_TIMEOUT = 60   # one QEMU operation, or the guest shutting down
EVENT_TIMEOUT = 20  # from resume until every expected line has arrived
SETTLE = 0.5        # after the last expected line, to catch extra ones
GRACE = 2.0         # negative controls: how long nothing may happen


class Event:
    """One @@SG line: host arrival time, guest CLOCK_MONOTONIC, what."""

    def __init__(self, host, match):
        self.host = host
        self.guest = float(match.group(1))
        self.role, self.kind, self.value = match.group(2, 3, 4)
        self.detail = match.group(5) or ""
        self.fields = dict(KV.findall(self.detail))

    def __repr__(self):
        return "%s %s %s %s" % (self.role, self.kind, self.value, self.detail)


class Guest:
    """One guest across restores: a single QEMU process at any time.

    Every console line of every QEMU lands in self.lines, every @@SG line
    also in self.events. narrate, if set, is told of each host step.
    """

    def __init__(self, series, workdir, log, append="", mode="restore",
                 initrd=None, qemu=None, extra=(), drop=()):
        self.series = series
        self.drop = set(drop)   # roles the guest does not start (sgdrop=)
        if drop:
            append = ("%s sgdrop=%s" % (append, ",".join(drop))).strip()
        self.qemu = qemu
        self.extra = list(extra)
        self.workdir = workdir
        self.log = log
        self.initrd = initrd
        self.append = ("sgmode=%s sgtimeout=%d %s"
                       % (mode, BOOT_TIMEOUT * 10, append)).strip()
        self.state = os.path.join(workdir, "state.bin")
        self.ctl_path = os.path.join(workdir, "ctl.sock")
        self.single_thread = False
        self.incoming_extra = []    # arguments of the restoring QEMU only
        self.boot_extra = []        # arguments of the booting QEMU only
        self.after_start = None     # called with self once a boot started
        self.vm = None
        self.ctl = None
        self.lines = []
        self.events = []
        self.narrate = None
        self.exited = False

    def roles(self, of):
        """The roles of the tuple of that this guest runs."""
        return tuple(r for r in of if r not in self.drop)

    def note(self, text, tell=False):
        """Log a host step; with tell, also narrate it (make demo)."""
        now = time.monotonic()
        self.log.write("## host %.3f: %s\n" % (now, text))
        self.log.flush()
        if tell and self.narrate:
            self.narrate(now, text)

    def _vm(self, guid, incoming=None):
        # -cpu max gives the guest RDRAND, so its RNG is ready at boot:
        # without it, under TCG, getrandom() waits seconds for entropy and,
        # until the RNG is ready, the kernel does not log VM forks.
        chardev = "socket,id=ctl,path=%s,server=on,wait=off" % self.ctl_path
        return qemu.VM(self.series, initrd=self.initrd, append=self.append,
                       vmgenid=guid, memory=256, qmp=True, incoming=incoming,
                       name="restore", qemu=self.qemu,
                       single_thread=self.single_thread, log=self.log,
                       extra=["-cpu", "max", "-chardev", chardev,
                              "-serial", "chardev:ctl"] + self.extra
                       + (self.incoming_extra if incoming else
                          self.boot_extra))

    def _start(self, vm):
        if os.path.exists(self.ctl_path):
            os.unlink(self.ctl_path)
        self.vm = vm.start()
        self.exited = False
        deadline = time.monotonic() + 30
        while True:
            sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            try:
                sock.connect(self.ctl_path)
                break
            except OSError:
                sock.close()
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
        self.ctl = sock

    def pump(self, done=None, timeout=STEP_TIMEOUT):
        """Read console lines until done() holds or timeout; returns done()."""
        deadline = time.monotonic() + timeout
        while not (done and done()):
            left = deadline - time.monotonic()
            if left <= 0 or self.exited:
                break
            try:
                stamp, m = self.vm.expect("", timeout=left)
            except TimeoutError:
                break
            except EOFError:
                self.exited = True
                break
            self.lines.append(m.string)
            sg = SG.match(m.string)
            if sg:
                self.events.append(Event(stamp, sg))
        return bool(done and done())

    def find(self, start=0, role=None, kind=None, value=None):
        return [e for e in self.events[start:]
                if (role is None or e.role == role)
                and (kind is None or e.kind == kind)
                and (value is None or e.value == str(value))]

    def boot(self, guid, ready=None):
        """Boot until every role is ready (or ready() holds); retries boots
        that die early."""
        done = ready or (lambda: all(self.find(role=r, kind="ready")
                                     for r in self.roles(ROLES)))
        for attempt in range(3):
            self.single_thread = attempt == 2
            self.note("boot attempt %d, guid %s" % (attempt + 1, guid))
            self._start(self._vm(guid))
            if self.after_start:
                self.after_start(self)
            if self.pump(done, BOOT_TIMEOUT):
                return
            if self.vm.booted():
                raise RuntimeError("participants not ready: %s" % (
                    [r for r in self.roles(ROLES)
                     if not self.find(role=r, kind="ready")]
                    if ready is None else self.lines[-5:]))
            self.vm.kill()
            print("# %s: guest died before /init, retrying" % self.series,
                  flush=True)
        raise RuntimeError("the guest never reached /init")

    def command(self, line):
        self.note("command " + line)
        self.ctl.sendall(line.encode() + b"\n")

    def snapshot(self):
        """Stop the VM, save it to self.state, kill QEMU; returns seconds."""
        t0 = time.monotonic()
        qmp = self.vm.qmp
        qmp.cmd("stop")
        qmp.cmd("migrate", uri="exec:cat > " + shlex.quote(self.state))
        while True:
            status = qmp.cmd("query-migrate").get("status")
            if status == "completed":
                break
            if status in ("failed", "cancelled"):
                raise RuntimeError("migration to file " + status)
            if time.monotonic() - t0 > STEP_TIMEOUT:
                raise TimeoutError("migration to file did not complete")
            time.sleep(0.02)
        took = time.monotonic() - t0
        self.note("VM paused and snapshot taken: %.1f MB written in %.3f s"
                  % (os.path.getsize(self.state) / 1e6, took), True)
        self.ctl.close()
        self.vm.kill()
        self.note("original QEMU killed", True)
        self.pump(timeout=5)  # what the old QEMU printed before it died
        return took

    def restore(self, guid, before_cont=None):
        """Load the snapshot into a new QEMU with guid and resume it;
        returns the host time when QMP cont returned. before_cont(self)
        runs while the loaded VM is paused, as a hypervisor's own changes
        to guest memory would."""
        t0 = time.monotonic()
        self.note("restore, guid %s" % guid)
        self._start(self._vm(guid, "exec:cat " + shlex.quote(self.state)))
        while True:
            status = self.vm.qmp.cmd("query-status")["status"]
            if status != "inmigrate":
                break
            if time.monotonic() - t0 > STEP_TIMEOUT:
                raise TimeoutError("incoming migration did not complete")
            time.sleep(0.02)
        if status != "paused":
            raise RuntimeError("restored VM is %s, not paused" % status)
        loaded = time.monotonic() - t0
        self.note("new QEMU with VM generation ID %s loaded the snapshot in "
                  "%.3f s" % (guid, loaded), True)
        if before_cont:
            before_cont(self)
        self.vm.qmp.cmd("cont")
        resumed = time.monotonic()
        self.note("VM resumed (QMP cont returned)", True)
        return resumed

    def finish(self):
        """Ask the guest to stop and wait for vm/init to power it off."""
        self.command("quit")
        self.pump(lambda: "@@DONE" in self.lines, STEP_TIMEOUT)
        self.vm.wait(30)

    def kill(self):
        if self.ctl:
            self.ctl.close()
        if self.vm:
            self.vm.kill()


class Checks:
    """Named pass/fail results, printed as they come by a reporter."""

    def __init__(self, prefix, report):
        self.base = self.prefix = prefix
        self.report = report
        self.failed = 0

    def section(self, name=None):
        """Name the checks that follow "<prefix> <name>: ..."."""
        self.prefix = "%s %s" % (self.base, name) if name else self.base

    def check(self, name, ok, diag=""):
        if not ok:
            self.failed += 1
        self.report("%s: %s" % (self.prefix, name), ok, diag)


def values(events):
    return [e.value for e in events]


def guest_time(e):
    """When it happened in the guest: for the kernel's message, when the
    kernel logged it rather than when the log reader read it; for an ack,
    when write() was called, as the line comes after it returns."""
    return float(e.fields.get("at", e.fields.get("issued", e.guest)))


def real_restore(g, checks, guid, gen, vmforks, pools, before_cont=None,
                 clone=False):
    """Restore with a new GUID; everyone must see exactly generation gen.
    clone: restore the last snapshot again, as another clone of it (the
    running QEMU is killed), rather than take a new one. Every reseeder's
    getrandom() output after the change must be new: never one that an
    earlier restore, or another clone of the same snapshot, got.

    Returns the times from resume to the last acknowledgement, in ms:
    "host" from QMP cont returning to the console line of the last ack,
    "notice" from the first participant noticing to the last ack and
    "kernel" from the kernel logging the VM fork to the last ack (both
    guest CLOCK_MONOTONIC); None if some watcher never acknowledged.
    """
    start = len(g.events)
    if clone:
        g.ctl.close()
        g.vm.kill()
        g.note("running clone killed", True)
    else:
        g.snapshot()
    resumed = g.restore(guid, before_cont)

    def complete():
        return (all(g.find(start, r, "acked", gen) for r in g.roles(WATCHERS))
                and all(g.find(start, r, "reseeded", gen)
                        for r in g.roles(RESEEDERS) if r not in WATCHERS)
                and g.find(start, "orch", "sysfs", gen)
                and g.find(start, "uevent", "uevent", gen)
                and (not vmforks or g.find(start, "kmsg", "vmfork", vmforks)))
    g.pump(complete, EVENT_TIMEOUT)
    g.pump(timeout=SETTLE)

    c = checks.check
    if vmforks:
        c("kernel logged the VM fork (message %d)" % vmforks,
          values(g.find(start, "kmsg", "vmfork")) == [str(vmforks)],
          values(g.find(start, "kmsg", "vmfork")))
    else:
        c("kernel logged no VM fork: no vmgenid driver handled it",
          not g.find(start, "kmsg", "vmfork"), g.find(start, "kmsg", "vmfork"))
    for r in g.roles(PARTICIPANTS):
        seen = values(g.find(start, r, "saw"))
        c("%s saw generation %d, once" % (r, gen), seen == [str(gen)], seen)
    for r in g.roles(RESEEDERS):
        ev = g.find(start, r, "reseeded")
        pool = ev[0].fields.get("pool") if len(ev) == 1 else None
        c("%s reseeded once, new state" % r,
          values(ev) == [str(gen)] and pool not in pools[r], ev)
        pools[r].add(pool)
    for r in g.roles(WATCHERS):
        acked = values(g.find(start, r, "acked"))
        c("%s acknowledged generation %d, once" % (r, gen),
          acked == [str(gen)], acked)
    waited = g.find(start, "orch", "waited")
    acks = [e for r in g.roles(WATCHERS)
            for e in g.find(start, r, "acked", gen)]
    c("orchestrator's SYSGENID_WAIT_WATCHERS returned 0 after the last ack"
      " was issued",
      [(e.value, e.detail) for e in waited] == [(str(gen), "0")]
      and len(acks) == len(WATCHERS)
      and waited[0].guest >= max(guest_time(e) for e in acks), waited)
    ue = g.find(start, "uevent", "uevent")
    c("uevent SYSGENID=%d from the misc device" % gen,
      values(ue) == [str(gen)]
      and ue[0].fields.get("devpath", "").endswith("/sysgenid"), ue)
    sysfs = g.find(start, "orch", "sysfs")
    want = {"generation": str(gen), "watchers": str(len(WATCHERS)),
            "outdated": "0"}
    c("sysfs after the acks: generation %d, %d watchers, 0 outdated"
      % (gen, len(WATCHERS)),
      len(sysfs) == 1 and sysfs[0].fields == want,
      sysfs[0].detail if sysfs else "no sysfs line")
    errors = g.find(start, kind="error")
    c("no participant reported an error", not errors, errors)
    if len(acks) != len(WATCHERS):
        return None
    last_ack = max(guest_time(e) for e in acks)
    first = min(e.guest for e in g.find(start, kind="saw"))
    vmfork = g.find(start, "kmsg", "vmfork")
    return {"host": (max(e.host for e in acks) - resumed) * 1000,
            "notice": (last_ack - first) * 1000,
            "kernel": ((last_ack - float(vmfork[0].fields["at"])) * 1000
                       if vmfork else None)}


def timing_text(t):
    kernel = ("%.1f ms from the kernel's VM fork message, " % t["kernel"]
              if t["kernel"] is not None else "")
    return ("resume to last ack: %.0f ms on the host (QMP cont returned -> "
            "console line of the last ack); in the guest (CLOCK_MONOTONIC) "
            "%s%.1f ms from the first participant noticing"
            % (t["host"], kernel, t["notice"]))


def null_restore(g, checks, guid, gen, vmforks, param, **sources):
    """Restore where sysgenid must not change: nothing may wake up."""
    start = len(g.events)
    g.snapshot()
    g.restore(guid)
    g.pump(timeout=GRACE)
    woken = [e for e in g.events[start:] if e.role != "kmsg"]
    checks.check("no participant woke within %.1f s" % GRACE, not woken,
                 woken)
    check_report(g, checks, gen, vmforks, param, **sources)


def check_report(g, checks, gen, vmforks, param, vm_source=None,
                 vmclock_source="no-device", vm_page=None,
                 vmclock_notify="none"):
    """What the control role reports of sysfs, the module parameter and
    the kernel log; vm_source by default follows vmgenid=param, vm_page
    (the page offered to userspace) vm_source."""
    start = len(g.events)
    g.command("report")
    g.pump(lambda: g.find(start, "ctl", "report"), EVENT_TIMEOUT)
    rep = g.find(start, "ctl", "report")
    got = (rep[0].value, rep[0].fields) if rep else None
    source = vm_source or ("mapped" if param == "Y" else "disabled")
    page = vm_page or ("vmgenid" if source == "mapped" else "none")
    want = (str(gen), {"watchers": str(len(WATCHERS)), "outdated": "0",
                       "vmforks": str(vmforks), "vmgenid": param,
                       "vm_source": source, "vmclock_source": vmclock_source,
                       "vm_page": page, "vmclock_notify": vmclock_notify})
    checks.check("state: generation %d, %d watchers, 0 outdated, %d VM fork "
                 "message(s), vmgenid=%s, vm_source %s, vmclock_source %s, "
                 "vm_page %s, vmclock_notify %s"
                 % (gen, len(WATCHERS), vmforks, param, source,
                    vmclock_source, page, vmclock_notify), got == want, got)


def check_ready(g, checks, lib_page=None):
    """Every role ready at generation 0; lib_page: what the library
    observer mapped ("vmgenid", "vmclock" or "none"), if given."""
    ready = {r: values(g.find(role=r, kind="ready")) for r in g.roles(ROLES)}
    checks.check("all participants ready at generation 0",
                 all(v == ["0"] for v in ready.values()), ready)
    if lib_page is None or "lib" in g.drop:
        return
    ev = g.find(role="lib", kind="ready")
    got = ((ev[0].fields.get("vm_page"), ev[0].fields.get("counter"))
           if ev else None)
    want, what = {"vmgenid": (("1", "0"), "VMGenID's page"),
                  "vmclock": (("1", "1"), "VMClock's page"),
                  "none": (("0", "0"), "no page")}[lib_page]
    checks.check("libsysgenid mapped %s as the VM generation page" % what,
                 got == want, got)


def check_lib_first(g, checks, start, gen):
    """The library observer saw generation gen while the generation page
    still held the one before: from the VM generation page, with no system
    call, and its one system call made the change."""
    saw = g.find(start, "lib", "saw", gen)
    before = [e.fields.get("before") for e in saw]
    checks.check("libsysgenid saw the restore before the kernel changed the "
                 "generation (page still %d), and its system call made it"
                 % (gen - 1), before == [str(gen - 1)], before)


def check_end(g, checks):
    lines = g.lines
    ends = [l.split()[1:] for l in lines if l.startswith("@@SG-END ")]
    checks.check("every participant ran until the end",
                 sorted(ends) == sorted([r, "running"] for r in g.roles(ROLES)
                                        if r != "ctl"), ends)
    guest_end(lines, checks, "restore")


def guest_end(lines, checks, mode, name=""):
    """The guest's mode exited 0, the module unloaded, dmesg is clean."""
    who = name + ": " if name else ""
    checks.check("%sguest mode exited 0" % who, "@@END %s 0" % mode in lines,
                 [l for l in lines if l.startswith("@@END")])
    checks.check("%smodule unloaded" % who,
                 "@@RESULT module-unload ok" in lines)
    dmesg, inside = [], False
    for line in lines:
        if line == "@@DMESG-BEGIN":
            inside = True
        elif line == "@@DMESG-END":
            inside = False
        elif inside:
            dmesg.append(line)
    splats = [l for l in dmesg if SPLAT.search(l)]
    checks.check("%sdmesg clean" % who, "@@DONE" in lines and not splats,
                 splats[:5])


def scenario_vmgenid(g, checks, restores=3, kernel_driver=True):
    """Real restores with a new GUID each time, one same-GUID restore.
    kernel_driver: the kernel's own vmgenid driver handles the device (and
    logs each VM fork); without it sysgenid alone must."""
    g.boot(str(uuid.uuid4()))
    checks.check("module loaded", "@@RESULT module-load ok" in g.lines)
    check_ready(g, checks, "vmgenid")
    pools = {r: set() for r in RESEEDERS}
    for n in range(1, restores + 1):
        guid = str(uuid.uuid4())
        vmforks = n if kernel_driver else 0
        checks.section("restore %d" % n)
        t = real_restore(g, checks, guid, n, vmforks, pools)
        if t:
            print("# %s: %s" % (checks.prefix, timing_text(t)), flush=True)
        if n == 1:
            checks.section("same-GUID restore")
            null_restore(g, checks, guid, n, vmforks, "Y")
    checks.section()
    g.finish()
    check_end(g, checks)


# The initcall of the kernel's vmgenid driver, for initcall_blacklist=
# (mainline spells it "plaform" since 6.10). Unbinding the driver through
# sysfs instead leaves its ACPI notify handler behind on 6.12, and the next
# notification oopses in vmgenid_notify(): not a state a test should make.
VMGENID_INITCALL = {"6.1": "vmgenid_driver_init"}
VMGENID_INITCALL_DEFAULT = "vmgenid_plaform_driver_init"


def no_driver_append(series):
    return "initcall_blacklist=%s" % VMGENID_INITCALL.get(
        series, VMGENID_INITCALL_DEFAULT)


def scenario_no_driver(g, checks):
    """The kernel's vmgenid driver kept from probing: every sleeper (the
    blocking read(), epoll_wait(), WAIT_WATCHERS) wakes all the same."""
    scenario_vmgenid(g, checks, restores=2, kernel_driver=False)


def scenario_off(g, checks):
    """vmgenid=0: the kernel sees a new GUID, sysgenid must not react."""
    g.boot(str(uuid.uuid4()))
    checks.check("module loaded", "@@RESULT module-load ok" in g.lines)
    check_ready(g, checks)
    checks.section("restore, new GUID")
    null_restore(g, checks, str(uuid.uuid4()), 0, 1, "N")
    checks.section()
    g.finish()
    check_end(g, checks)


def set_counter(qsock, value, notify=False):
    """A before_cont for Guest.restore(): the paused VM's VMClock counter
    (and its flag) set to value through the qtest socket at qsock; notify:
    and the flag that declares notifications."""
    flags = vmclock.GEN_PRESENT | (vmclock.NOTIFY_PRESENT if notify else 0)

    def write(g):
        qt = vmclock.QTest(qsock)
        vmclock.set_generation(qt, value, flags)
        qt.close()
        g.note("qtest: vm_generation_counter %#x, flags |= %#x"
               % (value, flags))
    return write


# Clones of one snapshot in scenario_vmclock: four give six pairs.
VMCLOCK_CLONES = 4


def scenario_vmclock(g, checks, with_vmgenid=False, poll=True, no_page=False,
                     at_load=None, notify=False):
    """QEMU 10.0's -device vmclock (with_vmgenid: and -device vmgenid).
    The device as QEMU makes it offers no counter: sysgenid must not use
    it and sysfs must say so. Then the restoring QEMU's qtest socket sets
    vm_generation_counter and its flag before cont, as a hypervisor that
    bumps it would: one change per restore (with VMGenID too, whichever
    notices first), every sleeper woken, the observer of the mapped
    generation page reseeded, the uevent; a restore with the counter
    unchanged changes nothing. Last, VMCLOCK_CLONES clones of one
    snapshot, all with the same new counter (with VMGenID, each with a new
    GUID): every reseeder's getrandom() output after the change differs in
    every pair.
    vm_page: VMClock's page is the one offered to userspace without
    VMGenID; with it, VMGenID's, as QEMU offers no counter at load.
    poll=False: the guest loads the module with vmclock_poll_ms=0, so that
    nothing in the kernel makes a change on its own (every other
    participant sleeps in the kernel or loads the generation page): the
    library observer must see each restore from VMClock's page and make
    the change with its system call. no_page: the test build's
    test_system_ram=1 refuses both pages, so that VMGenID's notification
    (through the kernel's vmgenid driver) has no ID to compare with the
    one the change was made for, and must still make no second change.
    at_load: a qtest socket of the booting QEMU sets the counter to this
    value right after it starts, long before the guest loads the module,
    as a hypervisor that offers it from the start would: VMClock's page is
    then preferred to VMGenID's. notify: the restores also set
    VMCLOCK_FLAG_NOTIFICATION_PRESENT, and an extra ACPI table notifies the
    device as such a hypervisor does (vmclock-notify.asl); run with
    vmclock_poll_ms=0 and without the library observer (sgdrop=lib), so
    that nothing but the notification can make the change: every
    participant sleeps in the kernel or only loads the generation page."""
    qsock = os.path.join(g.workdir, "qtest.sock")
    g.qemu = vmclock.QEMU10
    g.extra = ["-device", "vmclock"]
    if notify:
        g.extra += ["-acpitable", "file=" + vmclock.notify_table()]
    # vmclock_notify: the poll's word, or "acpi" once the flag is set
    # (from boot with at_load, else from the first counter restore).
    poll_word = "poll" if poll else "none"
    notify_word = "acpi" if notify else poll_word
    boot_notify = poll_word if at_load is None else notify_word
    lib_first = not poll and "lib" not in g.drop
    g.incoming_extra = vmclock.qtest_args(qsock)
    vm_source = "mapped" if with_vmgenid else "no-device"
    vm_page = "vmgenid" if with_vmgenid else "vmclock"
    if no_page:
        vm_source = "system-ram" if with_vmgenid else vm_source
        vm_page = "none"
    boot_counter = "no-counter"
    if at_load is not None:
        boot_sock = os.path.join(g.workdir, "qtest-boot.sock")
        g.boot_extra = vmclock.qtest_args(boot_sock)
        g.after_start = set_counter(boot_sock, at_load, notify)
        vm_page, boot_counter = "vmclock", "mapped"

    def guid():
        return str(uuid.uuid4()) if with_vmgenid else None

    def counter(value):
        return set_counter(qsock, value, notify)

    g.boot(guid())
    checks.check("module loaded", "@@RESULT module-load ok" in g.lines)
    check_ready(g, checks, vm_page)
    checks.section("boot")
    check_report(g, checks, 0, 0, "Y", vm_source, boot_counter, vm_page,
                 boot_notify)
    if not with_vmgenid:
        checks.section("restore, vmclock as QEMU makes it")
        null_restore(g, checks, None, 0, 0, "Y", vm_source=vm_source,
                     vmclock_source=boot_counter, vm_page=vm_page,
                     vmclock_notify=boot_notify)
    pools = {r: set() for r in g.roles(RESEEDERS)}
    last = None
    for n, value in enumerate((0x1234, 0x1235), 1):
        last = guid()
        vmforks = n if with_vmgenid else 0
        checks.section("restore %d, counter %#x" % (n, value))
        start = len(g.events)
        t = real_restore(g, checks, last, n, vmforks, pools, counter(value))
        if t:
            print("# %s: %s" % (checks.prefix, timing_text(t)), flush=True)
        if lib_first:
            check_lib_first(g, checks, start, n)
        check_report(g, checks, n, vmforks, "Y", vm_source, "mapped", vm_page,
                     notify_word)
    checks.section("restore, same counter%s" % (" and GUID" if with_vmgenid
                                                 else ""))
    null_restore(g, checks, last, n, vmforks, "Y", vm_source=vm_source,
                 vmclock_source="mapped", vm_page=vm_page,
                 vmclock_notify=notify_word)
    # Clones of one snapshot get the same counter from a hypervisor (with
    # VMGenID, each a new ID as well): without VMGenID, what tells their
    # generators apart is sysgenid's reseed alone. The pools check of
    # real_restore() is the clones check here.
    g.snapshot()
    got = []
    for k in range(1, VMCLOCK_CLONES + 1):
        checks.section("clone %d of one snapshot, counter 0x2000%s"
                       % (k, ", new GUID" if with_vmgenid else ""))
        start = len(g.events)
        t = real_restore(g, checks, guid(), n + 1,
                         n + 1 if with_vmgenid else 0, pools,
                         counter(0x2000), clone=True)
        if t:
            print("# %s: %s" % (checks.prefix, timing_text(t)),
                  flush=True)
        if lib_first:
            check_lib_first(g, checks, start, n + 1)
        got.append({r: [e.fields.get("pool") for e in
                        g.find(start, r, "reseeded", n + 1)]
                    for r in g.roles(RESEEDERS)})
    checks.section("clones")
    for r in g.roles(RESEEDERS):
        pairs = list(itertools.combinations(got, 2))
        same = sum(a[r] == b[r] for a, b in pairs)
        checks.check("%s: getrandom() after the change differs in all "
                     "%d pairs of clones" % (r, len(pairs)),
                     len(pairs) == 6 and same == 0,
                     [c[r] for c in got])
    every = [{p for r in g.roles(RESEEDERS) for p in c[r]} for c in got]
    shared = [sorted(a & b) for a, b in itertools.combinations(every, 2)]
    checks.check("no getrandom() output of one clone in another's, "
                 "whichever reader got it", not any(shared), shared)
    checks.section()
    g.finish()
    check_end(g, checks)


def scenario_vmclock_nopoll(g, checks):
    scenario_vmclock(g, checks, poll=False)


def scenario_vmclock_notify(g, checks):
    scenario_vmclock(g, checks, poll=False, notify=True)


def scenario_vmclock_notify_ptp(g, checks):
    """Notifications with the kernel's own vmclock driver bound first: the
    flag is declared from boot (with the counter), so that ptp_vmclock
    installs its notification handler too; sysgenid's is the second on
    the device. The first restore, which only moves seq_count, notifies
    and must change nothing."""
    scenario_vmclock(g, checks, poll=False, notify=True, at_load=0x1000)
    ptp_bound(g, checks)


def scenario_vmclock_vmgenid(g, checks):
    scenario_vmclock(g, checks, with_vmgenid=True)


def scenario_vmclock_vmgenid_at_load(g, checks):
    scenario_vmclock(g, checks, with_vmgenid=True, at_load=0x1000)


def scenario_vmclock_vmgenid_no_page(g, checks):
    scenario_vmclock(g, checks, with_vmgenid=True, no_page=True)


def scenario_vmclock_ptp(g, checks):
    """The same with the kernel's own vmclock driver bound to the device
    first (sgmodprobe=ptp_vmclock): sysgenid reads the page beside it."""
    scenario_vmclock(g, checks)
    ptp_bound(g, checks)


def ptp_bound(g, checks):
    checks.check("ptp_vmclock was bound before sysgenid loaded",
                 "@@RESULT modprobe-ptp_vmclock ok" in g.lines
                 and any("vmclock0: registered miscdev" in l
                         for l in g.lines),
                 [l for l in g.lines if "vmclock" in l.lower()][:5])


def has_kmod(series, name):
    """Whether the kernel of series ships module name."""
    root = os.path.join(qemu.BUILD, "kernels", series, "root", "lib",
                        "modules")
    for top, _, files in os.walk(root):
        if any(f.split(".ko")[0] == name for f in files):
            return True
    return False


class Quiet:
    """A reporter for Checks in benchmarks: prints nothing per check, and
    at the end the names of those that did not hold."""

    def __init__(self):
        self.bad = []

    def __call__(self, name, ok, diag=""):
        if not ok:
            self.bad.append(name)

    def summary(self):
        if self.bad:
            print("note: checks that did not hold in these runs: %s"
                  % "; ".join(sorted(set(self.bad))))


def med(v, fmt):
    """median (max) of v, or "-"."""
    return (fmt % statistics.median(v) + " (" + fmt % max(v) + ")"
            if v else "-")


class Tap:
    """A reporter for Checks that prints TAP: one numbered line a check,
    what was got when it failed, the plan at the end."""

    def __init__(self):
        self.n = 0

    def __call__(self, name, ok, diag=""):
        self.n += 1
        print("%s %d - %s" % ("ok" if ok else "not ok", self.n, name),
              flush=True)
        if not ok and diag not in ("", None):
            print("#   got: %s" % (diag,), flush=True)

    def skip(self, name, why):
        self.n += 1
        print("ok %d - %s # SKIP %s" % (self.n, name, why), flush=True)

    def plan(self):
        print("1..%d" % self.n)


def make_dirs(prefix):
    """A private work directory (removed by the caller) and the log dir."""
    for d in ("run", "logs"):
        os.makedirs(os.path.join(qemu.BUILD, d), exist_ok=True)
    run = os.path.join(qemu.BUILD, "run")
    return (tempfile.mkdtemp(prefix=prefix, dir=run),
            os.path.join(qemu.BUILD, "logs"))


def run_scenario(series, name, func, report, append="", **guest):
    workdir, logdir = make_dirs("restore-")
    log_path = os.path.join(logdir, "restore-%s-%s.log" % (series, name))
    checks = Checks("%s %s" % (series, name), report)
    t0 = time.monotonic()
    with open(log_path, "w") as log:
        g = Guest(series, workdir, log, append, **guest)
        try:
            func(g, checks)
        except Exception as e:  # a step that failed outright is one failure
            checks.section()
            checks.check("scenario completed", False, "%s: %s"
                         % (type(e).__name__, e))
        finally:
            g.kill()
            shutil.rmtree(workdir, ignore_errors=True)
    print("# %s %s: %.1f s, log %s" % (series, name, time.monotonic() - t0,
                                       log_path), flush=True)
    return checks.failed


def cmd_check(args):
    tap = Tap()

    if not os.path.exists(os.path.join(qemu.BUILD, "guest", "etc", "sysgenid",
                                       "modes", "restore")):
        print("1..0 # SKIP the guest has no restore mode (tests/restore is "
              "not in GUEST_DIRS)")
        return 0
    if not shutil.which("qemu-system-x86_64"):
        print("1..0 # SKIP qemu-system-x86_64 is not installed")
        return 0
    failed = 0
    for series in args.kernels.split():
        if not os.path.exists(qemu.initramfs(series)):
            tap.skip(series, "no initramfs")
            continue
        failed += run_scenario(series, "vmgenid", scenario_vmgenid, tap)
        failed += run_scenario(series, "vmgenid=0", scenario_off, tap,
                               "sgmodargs=vmgenid=0")
        failed += run_scenario(series, "no-vmgenid-driver",
                               scenario_no_driver, tap,
                               no_driver_append(series))
    tap.plan()
    return 1 if failed else 0


# make bench: restores per source, all under QEMU 10.0 so that the rows
# compare: (name, with -device vmgenid, with -device vmclock and a counter
# that qtest sets before cont).
BENCH_SOURCES = (("VMGenID (reference)", True, False),
                 ("VMClock counter", False, True),
                 ("VMGenID + VMClock counter", True, True))


def bench_source(series, rounds, vmgenid, counter, report):
    """One guest, rounds restores; [(host ms, guest ms)] per restore that
    completed: QMP cont returning to the console line of the last ack,
    and the first participant noticing to the last ack (guest clock)."""
    out = []

    def restores(g, checks):
        qsock = os.path.join(g.workdir, "qtest.sock")
        if counter:
            g.incoming_extra = vmclock.qtest_args(qsock)
        g.boot(str(uuid.uuid4()) if vmgenid else None)
        pools = {r: set() for r in RESEEDERS}
        for n in range(1, rounds + 1):
            t = real_restore(g, checks, str(uuid.uuid4()) if vmgenid
                             else None, n, n if vmgenid else 0, pools,
                             set_counter(qsock, 0x1000 + n) if counter
                             else None)
            if t:
                out.append((t["host"], t["notice"]))

    name = "bench-%s%s" % ("vmgenid" if vmgenid else "",
                           "+vmclock" if counter else "")
    run_scenario(series, name, restores, report, qemu=vmclock.QEMU10,
                 extra=["-device", "vmclock"])
    return out


def cmd_bench(args):
    """Restore to the last acknowledgment, per source, with the VMGenID
    row as the reference measured in the same run."""
    if not os.access(vmclock.QEMU10, os.X_OK):
        print("restore bench skipped: no QEMU 10.0 (make qemu10)")
        return 0
    quiet = Quiet()

    print()
    print("restore to the last watcher's acknowledgment, per source "
          "(QEMU 10.0, %d restores each; ratio: median host time to the "
          "reference's)" % args.rounds)
    print("%-6s %-28s %16s %16s %6s" % ("kernel", "source", "host ms",
                                        "notice->ack ms", "ratio"))
    for series in args.kernels.split():
        ref = None
        for what, vmgenid, counter in BENCH_SOURCES:
            t = bench_source(series, args.rounds, vmgenid, counter, quiet)
            host = [h for h, _ in t]
            if ref is None:
                ref = statistics.median(host) if host else None
            ratio = ("%.2f" % (statistics.median(host) / ref)
                     if host and ref else "-")
            print("%-6s %-28s %16s %16s %6s" % (
                series, what, med(host, "%.1f"),
                med([a for _, a in t], "%.1f"), ratio), flush=True)
    quiet.summary()
    return 0


def cmd_vmclock(args):
    """The VMClock scenarios, as TAP: QEMU 10.0 (make qemu10) required."""
    tap = Tap()

    if not os.access(vmclock.QEMU10, os.X_OK):
        tap("QEMU 10.0 with -device vmclock (make qemu10)", False,
            vmclock.QEMU10)
        tap.plan()
        return 1
    failed = 0
    for series in args.kernels.split():
        failed += run_scenario(series, "vmclock", scenario_vmclock_nopoll,
                               tap, "sgmodargs=vmclock_poll_ms=0")
        failed += run_scenario(series, "vmclock-notify",
                               scenario_vmclock_notify, tap,
                               "sgmodargs=vmclock_poll_ms=0", drop=("lib",))
        failed += run_scenario(series, "vmclock+vmgenid",
                               scenario_vmclock_vmgenid, tap)
        failed += run_scenario(series, "vmclock+vmgenid-at-load",
                               scenario_vmclock_vmgenid_at_load, tap)
        failed += run_scenario(series, "vmclock+vmgenid-nopage",
                               scenario_vmclock_vmgenid_no_page, tap,
                               "sgmodule=test sgmodargs=test_system_ram=1")
        if has_kmod(series, "ptp_vmclock"):
            failed += run_scenario(series, "vmclock+ptp_vmclock",
                                   scenario_vmclock_ptp, tap,
                                   "sgmodprobe=ptp_vmclock")
            failed += run_scenario(series, "vmclock-notify+ptp_vmclock",
                                   scenario_vmclock_notify_ptp, tap,
                                   "sgmodprobe=ptp_vmclock "
                                   "sgmodargs=vmclock_poll_ms=0",
                                   drop=("lib",))
    tap.plan()
    return 1 if failed else 0


def event_text(e):
    who = DESCRIPTION[e.role]
    if e.kind == "vmfork":
        return ('kernel notified of the new VM generation ID: "random: '
                'crng reseeded due to virtual machine fork"')
    if e.kind == "uevent":
        return "%s: KOBJ_CHANGE on %s with SYSGENID=%s" % (
            who, e.fields.get("devpath"), e.value)
    if e.kind == "saw":
        return "%s sees generation %s" % (who, e.value)
    if e.kind == "reseeded":
        return "%s reseeding: new random state %s..." % (
            who, e.fields.get("pool"))
    if e.kind == "acked":
        return "%s acknowledges generation %s" % (who, e.value)
    if e.kind == "waited" and e.detail == "0":
        return ("orchestrator resumes: every watcher acknowledged "
                "(SYSGENID_WAIT_WATCHERS returned 0)")
    if e.kind == "sysfs":
        return ("orchestrator checks sysfs: generation %(generation)s, "
                "%(watchers)s watchers, %(outdated)s outdated" % e.fields)
    return "%s: %s %s %s" % (who, e.kind, e.value, e.detail)


def cmd_demo(args):
    tty = sys.stdout.isatty()

    def paint(code, text):
        return "\033[%sm%s\033[0m" % (code, text) if tty else text

    t0 = time.monotonic()

    def host(when, text):
        print("[%7.3f s] %s" % (when - t0, text), flush=True)

    failures = []
    checked = []

    def collect(name, ok, diag):
        checked.append(name)
        if not ok:
            failures.append("%s (got: %s)" % (name, diag))

    series = args.kernel
    if not os.path.exists(qemu.initramfs(series)):
        print("no initramfs for %s: run make initramfs first" % series)
        return 1
    print(paint("1", "sysgenid demo: snapshot and restore a VM running "
                "Linux %s (QEMU, TCG)" % series))
    print(paint("2", "host clock, from the start of the demo"))
    workdir, logdir = make_dirs("demo-")
    log_path = os.path.join(logdir, "restore-demo.log")
    checks = Checks("demo", collect)
    timing = None
    with open(log_path, "w") as log:
        g = Guest(series, workdir, log)
        g.narrate = host
        try:
            guid = str(uuid.uuid4())
            host(time.monotonic(), "booting the VM, VM generation ID " + guid)
            g.boot(guid)
            checks.check("module loaded", "@@RESULT module-load ok" in g.lines)
            check_ready(g, checks)
            names = [DESCRIPTION[r] for r in PARTICIPANTS + ("uevent",)]
            host(time.monotonic(), "guest up, sysgenid loaded; ready at "
                 "generation 0: " + ", ".join(names))
            start = len(g.events)
            timing = real_restore(g, checks, str(uuid.uuid4()), 1, 1,
                                  {r: set() for r in RESEEDERS})
            after = sorted(g.events[start:], key=guest_time)
            if after:
                print(paint("2", "guest clock (CLOCK_MONOTONIC), from the "
                            "first event after the resume"))
                for e in after:
                    line = "[%+8.1f ms] %s" % (
                        (guest_time(e) - guest_time(after[0])) * 1e3,
                        event_text(e))
                    print(paint("31", line) if e.kind == "error" else line)
                print(paint("2", "host clock"))
            host(time.monotonic(), "stopping the participants, unloading "
                 "the module")
            g.finish()
            check_end(g, checks)
            host(time.monotonic(), "guest powered off")
        except Exception as e:  # the story stops here: say why
            checks.check("demo completed", False, "%s: %s"
                         % (type(e).__name__, e))
        finally:
            g.kill()
            shutil.rmtree(workdir, ignore_errors=True)
    print()
    if timing:
        lead = "resume to last acknowledgement: "
        print(paint("1", "%s%.0f ms" % (lead, timing["host"])) + " on the "
              "host, from QMP cont returning to the console line of the last"
              " acknowledgement")
        pad = " " * len(lead)
        if timing["kernel"] is not None:
            print(paint("1", "%s%.1f ms" % (pad, timing["kernel"])) + " in "
                  "the guest (CLOCK_MONOTONIC), from the kernel's VM fork "
                  "message to the last acknowledgement")
        print(paint("1", "%s%.1f ms" % (pad, timing["notice"])) + " in the "
              "guest (CLOCK_MONOTONIC), from the first participant noticing "
              "the new generation to the last acknowledgement")
    if failures:
        print(paint("31;1", "the story did not go as it should:"))
        for f in failures:
            print("  - " + f)
        print("console log: " + log_path)
        return 1
    print(paint("32", "everything happened as it should (%d checks "
                "passed); console log: %s" % (len(checked), log_path)))
    return 0


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawTextHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("check", help="TAP: restores on each kernel")
    p.add_argument("--kernels",
                   default=os.environ.get("KERNELS", "6.1 6.12 7.3"))
    p.set_defaults(func=cmd_check)
    p = sub.add_parser("vmclock", help="TAP: VMClock restores (make qemu10)")
    p.add_argument("--kernels",
                   default=os.environ.get("KERNELS", "6.1 6.12 7.3"))
    p.set_defaults(func=cmd_vmclock)
    p = sub.add_parser("bench", help="restore to last ack, per source")
    p.add_argument("--kernels", default="6.12")
    p.add_argument("--rounds", type=int, default=3)
    p.set_defaults(func=cmd_bench)
    p = sub.add_parser("demo", help="one narrated restore")
    p.add_argument("--kernel", default="6.12")
    p.set_defaults(func=cmd_demo)
    args = ap.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
