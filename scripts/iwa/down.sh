#!/usr/bin/env bash
# Stops exactly the daemons up.sh started, by their recorded PIDs (never by name). Logs stay.
set -uo pipefail
IWA_DIR=${IWA_DIR:-/tmp/got-arcgis-auth-iwa}

stop() {
	local file=$1 pid
	[ -f "$file" ] || return 0
	pid=$(cat "$file")
	if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
		# SIGTERM to Apache's parent (run with -DFOREGROUND) stops its workers too.
		kill -TERM "$pid" 2>/dev/null
		for _ in $(seq 1 50); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.1
		done
		kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null
	fi
	rm -f "$file"
}

stop "$IWA_DIR/apache.pid"
stop "$IWA_DIR/krb5kdc.pid"
echo "iwa: stopped"
exit 0
