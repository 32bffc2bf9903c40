#!/usr/bin/env bash
# Stops exactly the redis-server up.sh started, from the PID it recorded (never by process name),
# and removes the pid and env files. Does nothing (exit 0) when nothing is up; exits 1 only if the
# recorded process survives SIGKILL.
set -uo pipefail

REDIS_DIR=${REDIS_DIR:-$PWD/.redis}
file=$REDIS_DIR/redis.pid
[ -f "$file" ] || exit 0
pid=$(cat "$file")
rm -f "$REDIS_DIR/env"
if ! [[ $pid =~ ^[0-9]+$ ]]; then
	echo "redis: $file does not hold a PID; removed" >&2
	rm -f "$file"
	exit 0
fi

# Only if that PID still is a redis-server (a PID may have been reused since). Debian's
# redis-server is a link to redis-check-rdb, which is what /proc shows.
exe=$(readlink "/proc/$pid/exe" 2>/dev/null || true)
case "$(basename "${exe:-none}")" in
redis-server | redis-check-rdb) ;;
*)
	rm -f "$file"
	exit 0
	;;
esac

kill -TERM "$pid" 2>/dev/null || true
for _ in $(seq 1 50); do
	kill -0 "$pid" 2>/dev/null || { rm -f "$file"; echo "redis: stopped (pid $pid)"; exit 0; }
	sleep 0.1
done
kill -KILL "$pid" 2>/dev/null || true
sleep 0.2
if kill -0 "$pid" 2>/dev/null; then
	echo "redis: pid $pid survived SIGKILL" >&2
	exit 1
fi
rm -f "$file"
echo "redis: killed (pid $pid)"
