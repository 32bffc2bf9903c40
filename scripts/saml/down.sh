#!/usr/bin/env bash
# Stops exactly the Apache that up.sh started, from the PID it recorded (never by process name),
# and only while that process is still our apache2 with our config. Logs and the rest of
# $SAML_DIR stay; the KDC belongs to scripts/iwa and is left alone. Does nothing (exit 0) when
# nothing is up; exits 1 only if the process group survives SIGKILL.
set -uo pipefail

SAML_DIR=${SAML_DIR:-$PWD/.saml}
file=$SAML_DIR/apache.pid
[ -f "$file" ] || exit 0
pid=$(cat "$file")
if ! [[ $pid =~ ^[0-9]+$ ]]; then
	echo "saml: $file does not hold a PID; removed" >&2
	rm -f "$file"
	exit 0
fi

# up.sh starts Apache with setsid: its process group is the recorded PID (parent and workers).
# Zombies are already dead (a container's PID 1 may never reap them).
members() { ps -e -o pid=,pgid=,stat= | awk -v group="$pid" '$2 == group && $3 !~ /^Z/ {print $1}'; }
gone_within() {
	local i
	for ((i = 0; i < $1; i++)); do
		[ -z "$(members)" ] && return 0
		sleep 0.1
	done
	[ -z "$(members)" ]
}

if [ -z "$(members)" ]; then
	rm -f "$file"
	exit 0
fi
# A live leader that is not our Apache means the PID was reused after a reboot or crash.
if [ -r "/proc/$pid/cmdline" ] && ! tr '\0' '\n' <"/proc/$pid/cmdline" | grep -qxF -- "$SAML_DIR/apache.conf"; then
	echo "saml: PID $pid from $file is not this Apache any more: left alone" >&2
	rm -f "$file"
	exit 0
fi
if kill -0 "$pid" 2>/dev/null; then
	kill -TERM "$pid" 2>/dev/null
else
	kill -TERM -- "-$pid" 2>/dev/null
fi
if ! gone_within 100; then
	echo "saml: Apache (PID $pid) still running after 10 s: SIGKILL to its process group" >&2
	kill -KILL -- "-$pid" 2>/dev/null
	if ! gone_within 30; then
		echo "saml: Apache processes still running: $(members | tr '\n' ' ')" >&2
		exit 1
	fi
fi
rm -f "$file"
echo "saml: stopped Apache (PID $pid)"
