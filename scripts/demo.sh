#!/bin/sh
# The demo: a throwaway redis-server on a free loopback port, simulated queue traffic
# (tests/sim) writing into it, and the dashboard in the foreground. Quitting the dashboard (q),
# Ctrl-C or closing the terminal stops the simulator and Redis and removes the temporary
# directory. Run by `make demo`; arguments are passed on to queuetop.
#
#   BUILD                  where the binaries are (default: build)
#   DEMO_REDIS_PORT_FILE   if set, the Redis port is written there once Redis answers (for tests
#                          that want to stop or restart Redis under the demo)
set -eu

BUILD=${BUILD:-build}
here=$(cd "$(dirname "$0")" && pwd)

for bin in queuetop tests/sim tests/freeport; do
    if [ ! -x "$BUILD/$bin" ]; then
        echo "demo: $BUILD/$bin is missing; run: make demo" >&2
        exit 2
    fi
done
sh "$here/deps.sh"

tmp=""
redis_pid=""
sim_pid=""
cleaned=0

# stop PID: SIGTERM, up to ~3 s for it to exit, then SIGKILL; reaps it.
stop() {
    if kill "$1" 2>/dev/null; then
        i=0
        while kill -0 "$1" 2>/dev/null && [ $i -lt 30 ]; do
            i=$((i + 1))
            sleep 0.1
        done
        kill -9 "$1" 2>/dev/null || true
    fi
    wait "$1" 2>/dev/null || true
}

# shellcheck disable=SC2317 # (reached through the traps)
cleanup() {
    if [ "$cleaned" -eq 1 ]; then
        return 0
    fi
    cleaned=1
    if [ -n "$sim_pid" ]; then stop "$sim_pid"; fi
    if [ -n "$redis_pid" ]; then stop "$redis_pid"; fi
    if [ -n "$tmp" ]; then rm -rf "$tmp"; fi
}
trap cleanup EXIT
trap 'cleanup; exit 129' HUP
trap 'cleanup; exit 130' INT
trap 'cleanup; exit 143' TERM

tmp=$(mktemp -d "${TMPDIR:-/tmp}/queuetop-demo-XXXXXX")

# start_redis: on a fresh free port; 0 once it answers PING (~5 s at most), 1 if it died.
start_redis() {
    port=$("$BUILD/tests/freeport")
    redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no --dir "$tmp" \
        --daemonize no --logfile "$tmp/redis.log" >/dev/null 2>&1 &
    redis_pid=$!
    i=0
    while [ $i -lt 50 ]; do
        if redis-cli -p "$port" ping 2>/dev/null | grep -q PONG; then
            return 0
        fi
        if ! kill -0 "$redis_pid" 2>/dev/null; then
            break
        fi
        i=$((i + 1))
        sleep 0.1
    done
    stop "$redis_pid"
    redis_pid=""
    return 1
}

# The port was free a moment ago; another process may take it first, so try three times.
attempt=1
until start_redis; do
    if [ $attempt -ge 3 ]; then
        echo "demo: redis-server did not start; its log said:" >&2
        tail -n 5 "$tmp/redis.log" >&2 2>/dev/null || true
        exit 1
    fi
    attempt=$((attempt + 1))
done
if [ -n "${DEMO_REDIS_PORT_FILE:-}" ]; then
    printf '%s\n' "$port" >"$DEMO_REDIS_PORT_FILE"
fi

url="redis://127.0.0.1:$port"
"$BUILD/tests/sim" --redis "$url" >"$tmp/sim.log" 2>&1 &
sim_pid=$!

echo "queuetop demo: throwaway redis-server on 127.0.0.1:$port with simulated traffic;" \
     "the dashboard starts in 2 s. Press q to quit (everything is cleaned up)."
sleep 2
if ! kill -0 "$sim_pid" 2>/dev/null; then
    echo "demo: the traffic simulator stopped; its log said:" >&2
    tail -n 5 "$tmp/sim.log" >&2 || true
    exit 1
fi

status=0
"$BUILD/queuetop" --redis "$url" "$@" || status=$?
exit "$status"
