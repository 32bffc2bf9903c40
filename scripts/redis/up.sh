#!/usr/bin/env bash
# Brings up a throwaway Redis on 127.0.0.1 for the fleet specs (spec/fleet/): Debian's redis-server,
# installed with apt-get when it is missing, on $REDIS_PORT (default 16379), nothing saved to disk,
# everything in $REDIS_DIR (default $PWD/.redis). down.sh stops exactly the process this started, by
# the PID written here. Writes $REDIS_DIR/env for a test runner to source:
#   GOT_ARCGIS_REDIS_URL     the Redis the specs share
#   GOT_ARCGIS_REDIS_SERVER  the redis-server binary (specs that stop and restart a Redis start their own)
# Running it again stops the previous instance (same REDIS_DIR) first.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
REDIS_DIR=${REDIS_DIR:-$PWD/.redis}
PORT=${REDIS_PORT:-16379}
# Marks a directory as ours, so that a mistyped REDIS_DIR is never wiped.
MARKER=.got-arcgis-auth-redis

log() { echo "redis: $*"; }
die() { echo "redis: $*" >&2; exit 1; }

if ! [[ $PORT =~ ^[1-9][0-9]*$ ]] || [ "$PORT" -gt 65535 ]; then
	die "REDIS_PORT=$PORT is not a port number"
fi

if ! command -v redis-server >/dev/null || ! command -v redis-cli >/dev/null; then
	[ "$(id -u)" = 0 ] || die "redis-server is not installed, and installing it needs root (apt-get install redis-server)"
	log "installing redis-server (Debian)"
	apt-get update -qq
	# policy-rc.d 101: the package must not start a system-wide Redis on 6379 as it installs.
	policy=/usr/sbin/policy-rc.d
	made_policy=
	if [ ! -e "$policy" ]; then
		printf '#!/bin/sh\nexit 101\n' >"$policy"
		chmod +x "$policy"
		made_policy=1
	fi
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends redis-server >/dev/null
	[ -n "$made_policy" ] && rm -f "$policy"
fi

if [ -e "$REDIS_DIR" ]; then
	[ -f "$REDIS_DIR/$MARKER" ] || die "$REDIS_DIR exists and is not ours (no $MARKER): choose another REDIS_DIR"
	"$here/down.sh"
	rm -rf "$REDIS_DIR"
fi
mkdir -p "$REDIS_DIR"
touch "$REDIS_DIR/$MARKER"

server=$(command -v redis-server)
# Loopback only, no persistence, protected mode: a test Redis that nothing else can reach or keep.
setsid "$server" --bind 127.0.0.1 --port "$PORT" --dir "$REDIS_DIR" --save '' --appendonly no \
	--protected-mode yes --daemonize no --logfile "$REDIS_DIR/redis.log" </dev/null >/dev/null 2>&1 &
echo $! >"$REDIS_DIR/redis.pid"

for _ in $(seq 1 50); do
	if redis-cli -h 127.0.0.1 -p "$PORT" ping 2>/dev/null | grep -q PONG; then
		cat >"$REDIS_DIR/env" <<ENV
export GOT_ARCGIS_REDIS_URL=redis://127.0.0.1:$PORT
export GOT_ARCGIS_REDIS_SERVER=$server
ENV
		log "up on 127.0.0.1:$PORT (pid $(cat "$REDIS_DIR/redis.pid")); . $REDIS_DIR/env"
		exit 0
	fi
	if ! kill -0 "$(cat "$REDIS_DIR/redis.pid")" 2>/dev/null; then
		cat "$REDIS_DIR/redis.log" >&2 || true
		die "redis-server exited (port $PORT taken?)"
	fi
	sleep 0.1
done
"$here/down.sh"
die "redis-server did not answer on 127.0.0.1:$PORT"
