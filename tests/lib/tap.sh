# SPDX-License-Identifier: GPL-2.0-or-later
# Shell helpers for the sysgenidctl and example suites: TAP output, runs
# that capture status and output, and waits for the driver's counters.

tap_n=0
tap_log=$(mktemp)
jf=/usr/libexec/sysgenid/tests/json-field
sysfs=/sys/class/misc/sysgenid

# test NAME FUNCTION: one TAP line; the function's output is the diagnosis.
# Whatever the function left running in the background is killed, so that
# a failing test cannot keep the device open for the ones after it.
test_case() {
	tap_n=$((tap_n + 1))
	if "$2" >"$tap_log" 2>&1; then
		echo "ok $tap_n $1"
	else
		echo "not ok $tap_n $1"
		sed 's/^/# /' "$tap_log"
	fi
	jobs -p >"$tap_log.jobs"
	for p in $(cat "$tap_log.jobs"); do
		kill "$p" 2>/dev/null
	done
	wait
}

# run CMD...: sets $rc, $out (stdout) and $err (stderr).
run() {
	out=$("$@" 2>"$tap_log.err")
	rc=$?
	err=$(cat "$tap_log.err")
}

fail() { echo "$*"; echo "rc=$rc out=$out err=$err"; return 1; }

attr() { cat "$sysfs/$1"; }

# wait_for CONDITION...: retry a shell condition for up to 10 s.
wait_for() {
	i=0
	until eval "$*"; do
		i=$((i + 1))
		[ $i -lt 100 ] || { echo "timed out waiting for: $*"; return 1; }
		sleep 0.1
	done
}
