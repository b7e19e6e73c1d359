#!/bin/sh
# PID 1 of tests/restore/vmclock-probe.py's scratch guest: prints the
# VMClock page (busybox devmem) at boot and each time seq_count,
# disruption_marker or vm_generation_counter changes, with the ACPI SCI
# count (a notification would raise it). Offsets: <linux/vmclock-abi.h>.
export PATH=/bin:/sbin:/usr/bin:/usr/sbin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
B=0xfeffb000
at() { devmem "$(printf '%#x' $((B + $1)))" "$2"; }
dump() {
	echo "@@FIELDS $1 up=$(cut -d' ' -f1 /proc/uptime) magic=$(at 0 32)" \
		"size=$(at 4 32) version=$(at 8 16) seq=$(at 12 32)" \
		"marker=$(at 16 64) flags=$(at 24 64) gen=$(at 0x68 64)" \
		"sci=$(awk '{print $1}' /sys/firmware/acpi/interrupts/sci)"
}
echo "@@BOOTED $(uname -r)"
for d in /sys/bus/acpi/devices/AMZNC10C:*; do
	[ -e "$d" ] && echo "@@ACPI $d $(cat "$d/modalias") $(cat "$d/path")"
done
grep -i 'AMZNC10C' /proc/iomem | sed 's/^ */@@IOMEM /'
if modprobe ptp_vmclock 2>/dev/null; then
	sleep 0.5
	echo "@@VMCLOCK0 $(ls -l /dev/vmclock0 2>&1)"
fi
state() { echo "$(at 12 32) $(at 16 64) $(at 0x68 64)"; }
prev=$(state)
dump boot
echo "@@READY"
while :; do
	cur=$(state)
	[ "$cur" != "$prev" ] && dump change
	prev=$cur
	sleep 0.05
done
