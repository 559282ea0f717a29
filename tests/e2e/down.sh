#!/bin/sh
# End-to-end: a source that is down reads as down, never as empty or calm. In tmux at 80x24:
# Redis refusing connections before any sample (the streams view says "? streams", the reason
# in full and that no figure is known, never "0 streams"); PostgreSQL reachable but the database
# missing (the workflows view shows the whole error, wrapped, and none of "no executions in the
# window", "none running", "no failures"); and --once --json marking each source
# {"ok": false, "error": ...}. Prints TAP.
set -u
tmp=$(mktemp -d /tmp/queuetop-e2e-XXXXXX)
sock="qt-e2e-down-$$"
. tests/e2e/common.inc
trap e2e_cleanup EXIT INT TERM
start_pg_fixture
# the fixture's server, a database that is not there
nodb=$(printf '%s\n' "$conninfo" | sed 's/dbname=[^ ]*/dbname=queuetop_no_such_db/')
case "$nodb" in *queuetop_no_such_db*) ;; *) nodb="$conninfo dbname=queuetop_no_such_db" ;; esac
dead="redis://127.0.0.1:$("$BUILD/tests/freeport")"

start() {   # start ARGS...: queuetop in a fresh tmux server
    qt_start --interval 0.5 "$@"
}

# 1. Redis down from the start
start --redis "$dead"
if wait_for "? streams  ? groups  ? pending" 10 && grep -qF "not connected" "$tmp/screen" &&
    ! grep -qE "(^| )0 streams" "$tmp/screen"
then pass "Redis down before any sample: ? streams, not 0"
else fail "Redis down before any sample: ? streams, not 0"; fi
if grep -qF "Connection refused" "$tmp/screen" && grep -qF "no figure is known until Redis answers" "$tmp/screen" &&
    ! grep -qF "looking for streams" "$tmp/screen" && ! grep -qF "no streams found" "$tmp/screen"
then pass "the streams view gives the reason and says nothing is known"
else fail "the streams view gives the reason and says nothing is known"; fi

# 2. PostgreSQL up, database missing: the reason in full, wrapped, and no calm "none"
start --pg "'$nodb'"
if wait_for "queuetop_no_such_db" 10 && wait_for "does not exist" 5 &&
    grep -qF "no figure is known until PostgreSQL answers" "$tmp/screen"
then pass "the workflows view shows the whole error, wrapped, and that nothing is known"
else fail "the workflows view shows the whole error, wrapped, and that nothing is known"; fi
if ! grep -qF "no executions in the window" "$tmp/screen" && ! grep -qF "none running" "$tmp/screen" &&
    ! grep -qF "no failures" "$tmp/screen"
then pass "no 'none running' / 'no failures' / 'no executions' for a source never read"
else fail "no 'none running' / 'no failures' / 'no executions' for a source never read"; fi
# every line of the view fits 80 columns: the error is wrapped, not cut by the terminal
if sed 's/\xe2\x80\xa6/./g' "$tmp/screen" | awk 'length($0) > 80 { bad = 1 } END { exit bad }' &&
    grep -qF '"queuetop_no_such_db" does not exist' "$tmp/screen"; then
    pass "the wrapped error fits the width"
else fail "the wrapped error fits the width"; fi

# 3. both down in the streams view's strips
start --redis "$dead" --pg "'$nodb'"
if wait_for "figures unknown" 10 && grep -qF "? streams" "$tmp/screen"
then pass "the workflows strip says PostgreSQL is down and its figures unknown"
else fail "the workflows strip says PostgreSQL is down and its figures unknown"; fi
tmux -L "$sock" kill-server >/dev/null 2>&1

# 4. --once --json: the source is {"ok": false, "error": ...}, exit 2
out=$(env -u REDIS_URL "$QUEUETOP" --pg "$nodb" --once --json 2>"$tmp/err"); rc=$?
if [ $rc -eq 2 ] && printf '%s' "$out" | grep -qF '"postgres":{"ok":false,"error":"' &&
    printf '%s' "$out" | grep -qF 'does not exist'
then pass "--once --json with the database missing: postgres ok false with the error, exit 2"
else fail "--once --json with the database missing: got rc $rc: $out"; fi
out=$(env -u REDIS_URL "$QUEUETOP" --redis "$dead" --once --json 2>"$tmp/err"); rc=$?
if [ $rc -eq 2 ] && printf '%s' "$out" | grep -qF '"ok":false,"state":"down","error":"cannot connect' &&
    ! printf '%s' "$out" | grep -qF '"streams"'
then pass "--once --json with Redis down: redis ok false, no streams list, exit 2"
else fail "--once --json with Redis down: got rc $rc: $out"; fi
# 5. no libpq on the machine (QUEUETOP_LIBPQ names one that is not there): Redis alone still
# works, and --pg says what is missing and how to get it
rport=$("$BUILD/tests/freeport")
redis-server --port "$rport" --bind 127.0.0.1 --save '' --appendonly no --daemonize no \
    >/dev/null 2>&1 &
rpid=$!
wait_redis "$rport"
out=$(QUEUETOP_LIBPQ=/nonexistent/libpq.so.5 "$QUEUETOP" --redis "redis://127.0.0.1:$rport" --once --json 2>&1)
rc=$?
kill "$rpid" 2>/dev/null; wait "$rpid" 2>/dev/null
if [ $rc -eq 0 ] && printf '%s' "$out" | grep -qF '"ok":true'
then pass "without libpq, Redis alone is watched as before"
else fail "without libpq, Redis alone is watched as before: rc $rc: $(printf '%s' "$out" | head -c 300)"; fi
out=$(QUEUETOP_LIBPQ=/nonexistent/libpq.so.5 "$QUEUETOP" --pg "$conninfo" --once --json 2>&1)
rc=$?
if [ $rc -eq 2 ] && printf '%s' "$out" | grep -qF 'needs libpq, which could not be loaded' &&
    printf '%s' "$out" | grep -qF 'apt-get install libpq5'
then pass "without libpq, --pg says what is missing and how to install it, exit 2"
else fail "without libpq, --pg says what is missing: rc $rc: $(printf '%s' "$out" | head -c 300)"; fi
echo "1..$n"
