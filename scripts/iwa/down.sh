#!/usr/bin/env bash
# Stops exactly the daemons up.sh started (the delay proxy, Apache, the KDC), from the PIDs it
# recorded (never by process name), and removes the pid files. Logs and the rest of $IWA_DIR stay. Does nothing (exit 0) when nothing is
# up; exits 1 only if a recorded process survives SIGKILL.
set -uo pipefail

IWA_DIR=${IWA_DIR:-$PWD/.iwa}
status=0

# Live (non-zombie) processes in process group $1. up.sh starts each daemon with setsid, so the
# group's id is the recorded PID and holds the daemon and every child it forked (Apache's workers).
# Zombies are skipped: they are already dead, and a container's PID 1 may never reap them.
members() {
	ps -e -o pid=,pgid=,stat= | awk -v group="$1" '$2 == group && $3 !~ /^Z/ {print $1}'
}

# Waits up to $2 tenths of a second for group $1 to empty.
wait_gone() {
	local i
	for ((i = 0; i < $2; i++)); do
		[ -z "$(members "$1")" ] && return 0
		sleep 0.1
	done
	[ -z "$(members "$1")" ]
}

# stop NAME PROGRAM [ARGUMENT]: the daemon whose PID is in $IWA_DIR/NAME.pid, if that process still
# runs PROGRAM (and has ARGUMENT on its command line: many processes are `node`).
stop() {
	local name=$1 program=$2 argument=${3:-} file=$IWA_DIR/$1.pid pid exe
	[ -f "$file" ] || return 0
	pid=$(cat "$file")
	if ! [[ $pid =~ ^[0-9]+$ ]]; then
		echo "iwa: $file does not hold a PID; removed" >&2
		rm -f "$file"
		return 0
	fi
	if [ -z "$(members "$pid")" ]; then
		rm -f "$file"
		return 0
	fi
	# A live leader that is not our program means the PID was reused after a reboot or crash.
	exe=$(readlink "/proc/$pid/exe" 2>/dev/null || true)
	if [ -n "$exe" ] && [ "$(basename "${exe% (deleted)}")" != "$program" ]; then
		echo "iwa: PID $pid from $file is now $exe, not $program: left alone" >&2
		rm -f "$file"
		return 0
	fi
	if [ -n "$argument" ] && [ -r "/proc/$pid/cmdline" ] && ! tr '\0' '\n' <"/proc/$pid/cmdline" | grep -qF -- "$argument"; then
		echo "iwa: PID $pid from $file is not $name any more ($argument not on its command line): left alone" >&2
		rm -f "$file"
		return 0
	fi
	# SIGTERM to Apache's parent (run with -DFOREGROUND) makes it stop its workers and exit. If the
	# leader is already gone, its orphaned children are signalled through the group.
	if kill -0 "$pid" 2>/dev/null; then
		kill -TERM "$pid" 2>/dev/null
	else
		kill -TERM -- "-$pid" 2>/dev/null
	fi
	if ! wait_gone "$pid" 100; then
		echo "iwa: $name (PID $pid) still running after 10 s: SIGKILL to its process group" >&2
		kill -KILL -- "-$pid" 2>/dev/null
		if ! wait_gone "$pid" 30; then
			echo "iwa: $name processes still running: $(members "$pid" | tr '\n' ' ')" >&2
			status=1
			return 0
		fi
	fi
	rm -f "$file"
	echo "iwa: stopped $name (PID $pid)"
}

stop delay-proxy node delay-proxy.mjs
stop apache apache2 "$IWA_DIR/apache.conf"
stop krb5kdc krb5kdc
exit "$status"
