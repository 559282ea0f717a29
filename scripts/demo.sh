#!/bin/sh
# The demo: a throwaway redis-server on a free loopback port, simulated queue traffic
# (tests/sim) writing into it, a throwaway PostgreSQL holding Conductor's schema with simulated
# workflow executions (tests/sim/wf_sim.c) tied to those queues, and the dashboard in the
# foreground. Quitting the dashboard (q), Ctrl-C or closing the terminal stops the supervisor,
# Redis, PostgreSQL and the simulators and removes the temporary directory. Run by `make demo`;
# arguments are passed on to queuetop.
#
# Redis runs small and misconfigured on purpose (maxmemory 64mb with allkeys-lru: it may evict
# the queues), with SLOWLOG at 10 ms and the latency monitor at 5 ms, so that the simulator's
# eviction storms and slow scripts show. A supervisor loop starts it again (same port, directory
# and arguments, empty) whenever it dies; to crash it on purpose, from another terminal:
#
#   sh scripts/demo.sh restart     SIGKILL the running demo's redis-server; the supervisor
#                                  restarts it and the simulator sets its streams up again.
#                                  Exit status 0 once the new one answers, 1 if no demo runs
#                                  or Redis did not come back within ~5 s.
#
# PostgreSQL: initdb in the temporary directory (run as the postgres user when we are root:
# initdb refuses root), the server on another free loopback port with its unix socket in pg/, no
# fsync; wf_sim creates Conductor's tables (tests/fixtures/conductor_schema.sql), seeds 2000
# executions over the past 24 h and starts about one a second, and queuetop gets
# --pg "host=DIR port=P dbname=postgres user=postgres". Without PostgreSQL's server binaries the
# demo says so and runs with Redis only.
#
#   BUILD                  where the binaries are (default: build)
#   PG_BINDIR              where initdb and pg_ctl are (default: the newest
#                          /usr/lib/postgresql/*/bin that has them)
#   DEMO_REDIS_PORT_FILE   if set, the Redis port is written there once Redis answers (for tests
#                          that want to stop or restart Redis under the demo; it comes back)
#   DEMO_PG_CONNINFO_FILE  if set, the PostgreSQL conninfo is written there once PostgreSQL
#                          answers (wf_sim may still be seeding; it says "wf_sim: ready" in
#                          wf_sim.log when done)
#
# The running demo is found through a state file holding its temporary directory,
# ${XDG_RUNTIME_DIR:-/tmp}/queuetop-demo-UID.state, written at start and removed at cleanup.
# In that directory: redis.pid (the current redis-server, rewritten on each start), redis.port,
# redis.log, sim.log, supervisor.log; pg/ (data directory, server.log, socket), pg.conninfo,
# pg-initdb.log, pg_ctl.log, wf_sim.log.
set -eu

state_file="${XDG_RUNTIME_DIR:-/tmp}/queuetop-demo-$(id -u).state"

# demo_restart: the `restart` subcommand (see the top). Kills only a redis-server of ours whose
# pid the state file leads to.
demo_restart() {
    if [ ! -f "$state_file" ] || [ ! -O "$state_file" ]; then
        echo "demo: no demo is running (no $state_file); start one with: make demo" >&2
        return 1
    fi
    demo_dir=$(cat "$state_file")
    old_pid=$(cat "$demo_dir/redis.pid" 2>/dev/null || true)
    demo_port=$(cat "$demo_dir/redis.port" 2>/dev/null || true)
    if [ ! -O "$demo_dir" ] || [ -z "$old_pid" ] || [ -z "$demo_port" ] ||
        [ "$(ps -o comm= -p "$old_pid" 2>/dev/null)" != redis-server ]; then
        echo "demo: no demo is running ($state_file names $demo_dir, whose redis-server is" \
             "gone); start one with: make demo" >&2
        return 1
    fi
    kill -KILL "$old_pid"
    echo "demo: killed redis-server (pid $old_pid) on 127.0.0.1:$demo_port with SIGKILL, as a" \
         "crash: no persistence, its data is gone"
    i=0
    while [ $i -lt 50 ]; do
        new_pid=$(cat "$demo_dir/redis.pid" 2>/dev/null || true)
        if [ -n "$new_pid" ] && [ "$new_pid" != "$old_pid" ] &&
            redis-cli -p "$demo_port" info server 2>/dev/null | tr -d '\r' |
            grep -qx "process_id:$new_pid"; then
            echo "demo: the supervisor restarted it, empty (pid $new_pid); the simulator" \
                 "reconnects and sets its streams up again within a second or two"
            return 0
        fi
        i=$((i + 1))
        sleep 0.1
    done
    echo "demo: redis-server did not come back within 5 s; see $demo_dir/redis.log and" \
         "$demo_dir/supervisor.log" >&2
    return 1
}

if [ "${1:-}" = restart ]; then
    if [ $# -ne 1 ]; then
        echo "usage: sh scripts/demo.sh [queuetop arguments...] | sh scripts/demo.sh restart" >&2
        exit 2
    fi
    demo_restart
    exit
fi

BUILD=${BUILD:-build}
here=$(cd "$(dirname "$0")" && pwd)

for bin in queuetop tests/sim tests/wf_sim tests/freeport; do
    if [ ! -x "$BUILD/$bin" ]; then
        echo "demo: $BUILD/$bin is missing; run: make demo" >&2
        exit 2
    fi
done
sh "$here/deps.sh"

tmp=""
supervisor_pid=""
sim_pid=""
wf_sim_pid=""
pg_bindir=""
pg_dir=""
pg_started=0
pg_conninfo=""
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

# stop_redis: stops the redis-server named in $tmp/redis.pid, if it still runs. The supervisor
# stops (and reaps) its own on the way out; this is for one it could not.
stop_redis() {
    pid=$(cat "$tmp/redis.pid" 2>/dev/null || true)
    if [ -n "$pid" ] && [ "$(ps -o comm= -p "$pid" 2>/dev/null)" = redis-server ]; then
        stop "$pid"
    fi
}

# as_pg CMD...: runs CMD from $pg_dir, as the postgres user when we are root (initdb and the
# server refuse to run as root).
as_pg() {
    if [ "$(id -u)" -eq 0 ]; then
        (cd "$pg_dir" && runuser -u postgres -- "$@")
    else
        (cd "$pg_dir" && "$@")
    fi
}

# stop_pg: a fast shutdown of the demo's PostgreSQL (up to ~10 s); a postmaster still there after
# that is killed. pg_ctl starts the server in its own session, so nothing else would stop it.
# shellcheck disable=SC2317 # (reached through the traps)
stop_pg() {
    if [ "$pg_started" -eq 1 ]; then
        as_pg "$pg_bindir/pg_ctl" -D "$pg_dir/data" -m fast -w -t 10 stop >/dev/null 2>&1 || true
        pid=$(head -n 1 "$pg_dir/data/postmaster.pid" 2>/dev/null || true)
        if [ -n "$pid" ] && [ "$(ps -o comm= -p "$pid" 2>/dev/null)" = postgres ]; then
            kill -KILL "$pid" 2>/dev/null || true
        fi
        pg_started=0
    fi
}

# Stops the supervisor first (so that it starts nothing more), then Redis, then the simulators,
# then PostgreSQL; removes the state file if it is still ours, and the temporary directory.
# shellcheck disable=SC2317 # (reached through the traps)
cleanup() {
    if [ "$cleaned" -eq 1 ]; then
        return 0
    fi
    cleaned=1
    if [ -n "$tmp" ]; then : >"$tmp/stopping" 2>/dev/null || true; fi
    if [ -n "$supervisor_pid" ]; then stop "$supervisor_pid"; fi
    if [ -n "$tmp" ]; then stop_redis; fi
    if [ -n "$sim_pid" ]; then stop "$sim_pid"; fi
    if [ -n "$wf_sim_pid" ]; then stop "$wf_sim_pid"; fi
    if [ -n "$tmp" ]; then stop_pg; fi
    if [ -n "$tmp" ] && [ "$(cat "$state_file" 2>/dev/null || true)" = "$tmp" ]; then
        rm -f "$state_file"
    fi
    if [ -n "$tmp" ]; then rm -rf "$tmp"; fi
}
trap cleanup EXIT
trap 'cleanup; exit 129' HUP
trap 'cleanup; exit 130' INT
trap 'cleanup; exit 143' TERM

tmp=$(mktemp -d "${TMPDIR:-/tmp}/queuetop-demo-XXXXXX")

# supervise PORT: runs redis-server on PORT in $tmp, and again whenever it dies, until $tmp/stopping
# exists or the supervisor gets SIGTERM/SIGHUP; then it stops its redis-server and reaps it
# (nothing else would: an orphan may become a zombie). Each start rewrites $tmp/redis.pid. Runs
# in the background with its output in $tmp/supervisor.log, never on the dashboard's terminal.
supervise() {
    child=""
    trap - EXIT
    trap '' INT   # Ctrl-C reaches the demo's shell, whose cleanup sends SIGTERM here
    trap 'if [ -n "$child" ]; then stop "$child"; fi; exit 0' TERM HUP
    while [ ! -e "$tmp/stopping" ]; do
        started=$(date +%s)
        redis-server --port "$1" --bind 127.0.0.1 --save '' --appendonly no --dir "$tmp" \
            --daemonize no --logfile "$tmp/redis.log" \
            --maxmemory 64mb --maxmemory-policy allkeys-lru \
            --slowlog-log-slower-than 10000 --latency-monitor-threshold 5 >/dev/null 2>&1 &
        child=$!
        printf '%s\n' "$child" >"$tmp/redis.pid.new"
        mv -f "$tmp/redis.pid.new" "$tmp/redis.pid"
        echo "$(date +%T) started redis-server pid $child"
        status=0
        wait "$child" || status=$?
        child=""
        echo "$(date +%T) redis-server exited with status $status"
        # one that dies at once (port taken) is retried every second, not in a tight loop
        if [ "$(date +%s)" -le $((started + 1)) ]; then sleep 1; else sleep 0.2; fi
    done
}

# redis_is_ours PORT: whether the redis-server answering on PORT is the one in $tmp/redis.pid.
redis_is_ours() {
    pid=$(cat "$tmp/redis.pid" 2>/dev/null || true)
    [ -n "$pid" ] && redis-cli -p "$1" info server 2>/dev/null | tr -d '\r' |
        grep -qx "process_id:$pid"
}

# start_redis: a supervised redis-server on a fresh free port; 0 once it answers (~5 s at
# most), 1 if it did not (the supervisor is stopped again).
start_redis() {
    port=$("$BUILD/tests/freeport")
    rm -f "$tmp/redis.pid"
    supervise "$port" >>"$tmp/supervisor.log" 2>&1 &
    supervisor_pid=$!
    i=0
    while [ $i -lt 50 ]; do
        if redis_is_ours "$port"; then
            return 0
        fi
        i=$((i + 1))
        sleep 0.1
    done
    stop "$supervisor_pid"
    supervisor_pid=""
    stop_redis
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
printf '%s\n' "$port" >"$tmp/redis.port"
printf '%s\n' "$tmp" >"$state_file.$$"
mv -f "$state_file.$$" "$state_file"
if [ -n "${DEMO_REDIS_PORT_FILE:-}" ]; then
    printf '%s\n' "$port" >"$DEMO_REDIS_PORT_FILE"
fi

url="redis://127.0.0.1:$port"
"$BUILD/tests/sim" --redis "$url" >"$tmp/sim.log" 2>&1 &
sim_pid=$!

# ---- PostgreSQL with Conductor's schema and simulated workflow executions ----

# The newest /usr/lib/postgresql/*/bin that has initdb and pg_ctl, unless PG_BINDIR says.
if [ -n "${PG_BINDIR:-}" ]; then
    candidates=$PG_BINDIR
else
    candidates=$(printf '%s\n' /usr/lib/postgresql/*/bin | sort -V)
fi
for d in $candidates; do
    if [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ]; then pg_bindir=$d; fi
done
if [ -z "$pg_bindir" ]; then
    echo "demo: PostgreSQL's server binaries (initdb, pg_ctl) are not in" \
         "${PG_BINDIR:-/usr/lib/postgresql/*/bin} (apt-get install postgresql): the demo runs" \
         "without workflows"
elif [ "$(id -u)" -eq 0 ] && ! id postgres >/dev/null 2>&1; then
    echo "demo: running as root and there is no postgres user to run PostgreSQL as: the demo" \
         "runs without workflows"
    pg_bindir=""
fi

# start_pg: the server on a fresh free port (loopback, and a unix socket in $pg_dir); 0 once it
# accepts connections (pg_ctl -w), 1 if it did not start.
start_pg() {
    pg_port=$("$BUILD/tests/freeport")
    pg_started=1
    if as_pg "$pg_bindir/pg_ctl" -D "$pg_dir/data" -w -t 30 -l "$pg_dir/server.log" \
        -o "-p $pg_port -k '$pg_dir' -c listen_addresses=127.0.0.1 -c fsync=off" \
        start >>"$tmp/pg_ctl.log" 2>&1; then
        return 0
    fi
    stop_pg
    return 1
}

if [ -n "$pg_bindir" ]; then
    pg_dir="$tmp/pg"
    mkdir "$pg_dir"
    if [ "$(id -u)" -eq 0 ]; then
        chmod 711 "$tmp"           # the postgres user may pass through to pg/, not list
        chown postgres "$pg_dir"
    fi
    if ! as_pg "$pg_bindir/initdb" -D "$pg_dir/data" -A trust -U postgres -E UTF8 --locale=C \
        --no-sync >"$tmp/pg-initdb.log" 2>&1; then
        echo "demo: initdb failed; its log said:" >&2
        tail -n 5 "$tmp/pg-initdb.log" >&2 || true
        exit 1
    fi
    attempt=1
    until start_pg; do
        if [ $attempt -ge 3 ]; then
            echo "demo: PostgreSQL did not start; its log said:" >&2
            tail -n 5 "$pg_dir/server.log" >&2 2>/dev/null || true
            exit 1
        fi
        attempt=$((attempt + 1))
    done
    pg_conninfo="host=$pg_dir port=$pg_port dbname=postgres user=postgres"
    printf '%s\n' "$pg_conninfo" >"$tmp/pg.conninfo"
    if [ -n "${DEMO_PG_CONNINFO_FILE:-}" ]; then
        printf '%s\n' "$pg_conninfo" >"$DEMO_PG_CONNINFO_FILE"
    fi
    "$BUILD/tests/wf_sim" --pg "$pg_conninfo" \
        --schema "$(dirname "$here")/tests/fixtures/conductor_schema.sql" >"$tmp/wf_sim.log" 2>&1 &
    wf_sim_pid=$!
fi

pg_note=""
if [ -n "$pg_conninfo" ]; then
    pg_note="; a throwaway PostgreSQL on 127.0.0.1:$pg_port holding Conductor tables with"
    pg_note="$pg_note simulated workflow executions (failures, retries, stuck ones)"
fi
echo "queuetop demo: throwaway redis-server on 127.0.0.1:$port (maxmemory 64mb," \
     "allkeys-lru) with simulated traffic, an eviction storm every 45 s and slow scripts" \
     "every 60 s, a list queue whose worker falls behind, a delay set with late jobs and a" \
     "leaked lock without TTL (keys 4 and 5)$pg_note; the dashboard starts in a few seconds. Press q to quit (everything" \
     "is cleaned up). To crash Redis (the demo restarts it), from another terminal:" \
     "sh $0 restart"
sleep 2
if ! kill -0 "$sim_pid" 2>/dev/null; then
    echo "demo: the traffic simulator stopped; its log said:" >&2
    tail -n 5 "$tmp/sim.log" >&2 || true
    exit 1
fi
# wf_sim seeds its history first (a few seconds); the dashboard waits for it, 60 s at most.
if [ -n "$wf_sim_pid" ]; then
    i=0
    while ! grep -q '^wf_sim: ready' "$tmp/wf_sim.log" 2>/dev/null; do
        if ! kill -0 "$wf_sim_pid" 2>/dev/null || [ $i -ge 600 ]; then
            echo "demo: the workflow simulator stopped or did not get ready; its log said:" >&2
            tail -n 5 "$tmp/wf_sim.log" >&2 || true
            exit 1
        fi
        i=$((i + 1))
        sleep 0.1
    done
fi

status=0
if [ -n "$pg_conninfo" ]; then
    "$BUILD/queuetop" --redis "$url" --pg "$pg_conninfo" "$@" || status=$?
else
    "$BUILD/queuetop" --redis "$url" "$@" || status=$?
fi
exit "$status"
