# SPDX-License-Identifier: GPL-2.0-or-later
# Shell helpers for the sysgenidctl and example suites: TAP output, runs
# that capture status and output, and waits for the driver's counters.
#
# A test is a function run by test_case. Every failed check calls fail(),
# which appends its message to a file: the test is "not ok" if that file is
# not empty OR the function returned non-zero, whatever the function did
# after the failure. A file, not a variable, so that a fail() in a subshell
# (a pipeline, $(...)) is not lost either. wait_for() fails the same way
# when it times out.

tap_n=0
tap_log=$(mktemp)
tap_failed=$tap_log.failed
jf=/usr/libexec/sysgenid/tests/json-field
sysfs=/sys/class/misc/sysgenid

# test NAME FUNCTION: one TAP line; the function's output and every failed
# check's message are the diagnosis. Whatever the function left running in
# the background is killed, so that a failing test cannot keep the device
# open for the ones after it.
test_case() {
	tap_n=$((tap_n + 1))
	: >"$tap_failed"
	"$2" >"$tap_log" 2>&1
	tap_rc=$?
	if [ $tap_rc = 0 ] && [ ! -s "$tap_failed" ]; then
		echo "ok $tap_n $1"
	else
		echo "not ok $tap_n $1"
		[ -s "$tap_failed" ] || echo "returned $tap_rc" >"$tap_failed"
		sed 's/^/# /' "$tap_failed" "$tap_log"
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

# fail MESSAGE: the current test fails; returns 1 so that "|| return 1"
# can stop it early where later checks make no sense.
fail() {
	{ echo "$*"; echo "  rc=$rc out=$out err=$err"; } >>"$tap_failed"
	return 1
}

attr() { cat "$sysfs/$1"; }

# wait_for CONDITION...: retry a shell condition for up to 10 s; a timeout
# fails the test.
wait_for() {
	i=0
	until eval "$*"; do
		i=$((i + 1))
		[ $i -lt 100 ] || { fail "timed out waiting for: $*"; return 1; }
		sleep 0.1
	done
}
