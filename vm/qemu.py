"""Boot Debian kernels under QEMU (TCG) for sysgenid's tests.

A VM runs one kernel with the project's initramfs and a serial console on
QEMU's stdout. Lines from the console are collected by a reader thread so
that callers can wait for markers printed by the guest (vm/init prints lines
starting with "@@"). With qmp=True the VM also gets a QMP socket, which the
snapshot/restore tests use to stop, migrate and resume it.
"""

import json
import os
import queue
import re
import socket
import subprocess
import threading
import time

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BUILD = os.environ.get("SYSGENID_BUILD", os.path.join(TOP, "build"))
# The QEMU binary: the host's unless SYSGENID_QEMU names another, such as
# build/qemu-10.0/qemu-system-x86_64 (vm/fetch-qemu.sh, docs/vmclock.md).
QEMU = os.environ.get("SYSGENID_QEMU") or "qemu-system-x86_64"


def kernel_image(series):
    return os.path.join(BUILD, "kernels", series, "vmlinuz")


def initramfs(series, flavour="initramfs"):
    return os.path.join(BUILD, series, flavour + ".cpio.gz")


def connect_unix(path, timeout):
    """A stream socket connected to the unix socket at path, retrying
    until QEMU has created it or timeout seconds have passed."""
    deadline = time.monotonic() + timeout
    while True:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            sock.connect(path)
            return sock
        except OSError:
            sock.close()
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)


class QMP:
    """A minimal QMP client: one command at a time, events are kept."""

    def __init__(self, path, timeout=30):
        self.sock = connect_unix(path, timeout)
        self.file = self.sock.makefile("rwb", buffering=0)
        self.events = []
        self._recv()  # greeting
        self.cmd("qmp_capabilities")

    def _recv(self):
        line = self.file.readline()
        if not line:
            raise EOFError("QMP connection closed")
        return json.loads(line)

    def cmd(self, name, **args):
        msg = {"execute": name}
        if args:
            msg["arguments"] = args
        self.file.write(json.dumps(msg).encode() + b"\n")
        while True:
            reply = self._recv()
            if "event" in reply:
                self.events.append(reply)
                continue
            if "error" in reply:
                raise RuntimeError("QMP %s: %s" % (name, reply["error"]))
            return reply.get("return")

    def wait_event(self, name, timeout=30):
        deadline = time.monotonic() + timeout
        self.sock.settimeout(timeout)
        try:
            while True:
                for i, ev in enumerate(self.events):
                    if ev["event"] == name:
                        return self.events.pop(i)
                if time.monotonic() > deadline:
                    raise TimeoutError("no QMP event " + name)
                self.events.append(self._recv())
        finally:
            self.sock.settimeout(None)

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass


class VM:
    """One QEMU process. Lines of its console land in self.lines."""

    def __init__(self, series, initrd=None, append="", vmgenid="auto",
                 smp=2, memory=512, qmp=False, incoming=None, extra=(),
                 name="vm", single_thread=False, log=None, qemu=None,
                 console_input=False):
        self.series = series
        self.qemu = qemu or QEMU
        self.initrd = initrd or initramfs(series)
        self.append = append
        self.vmgenid = vmgenid
        self.smp = smp
        self.memory = memory
        self.incoming = incoming
        self.extra = list(extra)
        self.name = name
        self.single_thread = single_thread
        self.workdir = os.path.join(BUILD, "run")
        os.makedirs(self.workdir, exist_ok=True)
        self.qmp_path = (os.path.join(self.workdir, "%s-%d.qmp" % (name, os.getpid()))
                         if qmp else None)
        self.log = log
        # With console_input, send() types lines on the guest's console.
        self.console_input = console_input
        self.lines = []
        self._queue = queue.Queue()
        self.proc = None
        self.qmp = None

    def argv(self):
        accel = "tcg,thread=single" if self.single_thread else "tcg"
        cmdline = ("console=ttyS0 quiet loglevel=3 panic=-1 rdinit=/init "
                   + self.append).strip()
        argv = [self.qemu, "-machine", "q35", "-accel", accel,
                "-smp", str(self.smp), "-m", str(self.memory),
                "-display", "none", "-monitor", "none", "-no-reboot",
                "-chardev", "stdio,id=con,signal=off", "-serial", "chardev:con",
                "-kernel", kernel_image(self.series), "-initrd", self.initrd,
                "-append", cmdline]
        if self.vmgenid:
            argv += ["-device", "vmgenid,guid=" + self.vmgenid]
        if self.qmp_path:
            argv += ["-qmp", "unix:%s,server=on,wait=off" % self.qmp_path]
        if self.incoming:
            argv += ["-incoming", self.incoming]
        return argv + self.extra

    def start(self):
        if self.qmp_path and os.path.exists(self.qmp_path):
            os.unlink(self.qmp_path)
        self.started = time.monotonic()
        stdin = subprocess.PIPE if self.console_input else subprocess.DEVNULL
        self.proc = subprocess.Popen(self.argv(), stdin=stdin,
                                     stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT)
        self._thread = threading.Thread(target=self._reader, daemon=True)
        self._thread.start()
        if self.qmp_path:
            self.qmp = QMP(self.qmp_path)
        return self

    def _reader(self):
        for raw in self.proc.stdout:
            line = raw.decode("utf-8", "replace").rstrip("\r\n")
            stamp = time.monotonic()
            self.lines.append(line)
            if self.log:
                self.log.write(line + "\n")
                self.log.flush()
            self._queue.put((stamp, line))
        self._queue.put((time.monotonic(), None))

    def send(self, line):
        """Type line, and a newline, on the console (console_input)."""
        self.proc.stdin.write(line.encode() + b"\n")
        self.proc.stdin.flush()

    def expect(self, pattern, timeout=60):
        """Wait for a console line matching pattern; returns (time, match)."""
        rx = re.compile(pattern)
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError("%s: no line matching %r" % (self.name, pattern))
            try:
                stamp, line = self._queue.get(timeout=left)
            except queue.Empty:
                continue
            if line is None:
                raise EOFError("%s: QEMU exited while waiting for %r"
                               % (self.name, pattern))
            m = rx.search(line)
            if m:
                return stamp, m

    def wait(self, timeout):
        try:
            rc = self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            raise
        # QEMU has exited, but its last lines may still be in the pipe: a
        # loaded host can leave the reader behind (dmesg cut short).
        self._thread.join(30)
        return rc

    def kill(self):
        if self.qmp:
            self.qmp.close()
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        if self.qmp_path and os.path.exists(self.qmp_path):
            os.unlink(self.qmp_path)

    def booted(self):
        return any(line.startswith("@@BOOTED") for line in self.lines)


def boot_and_wait(series, timeout, retries=2, single_thread=False, **kw):
    """Boot a VM that runs to poweroff; retry boots that die before /init.

    Multi-threaded TCG occasionally kills a guest before /init runs (see
    NOTES.md); such a boot says nothing about sysgenid, so it is retried,
    the last time with single-threaded TCG (every time with single_thread).
    """
    for attempt in range(retries + 1):
        vm = VM(series, single_thread=single_thread or
                (attempt == retries and attempt > 0), **kw)
        vm.start()
        try:
            vm.wait(timeout)
        except subprocess.TimeoutExpired:
            pass
        if vm.booted() or attempt == retries:
            vm.attempts = attempt + 1
            return vm
        print("# %s: guest died before /init (attempt %d), retrying"
              % (series, attempt + 1), flush=True)
    return vm
