#!/bin/sh
# End-to-end: redis-sentinel:// against a real master, its replica and a Sentinel watching them
# (redis-server --sentinel): the master found by name, the figures read from it, a name no
# Sentinel knows and Sentinels that are all down each one line and exit 2, and a failover
# followed by the dashboard without a restart. Prints TAP lines.
set -u
tmp=$(mktemp -d /tmp/queuetop-e2e-XXXXXX)
sock="qt-e2e-sentinel-$$"
. tests/e2e/common.inc
pids=""
cleanup() {
    tmux -L "$sock" kill-server >/dev/null 2>&1
    for p in $pids; do kill -9 "$p" >/dev/null 2>&1; done
    wait >/dev/null 2>&1
    rm -rf "$tmp"
}
trap cleanup EXIT INT TERM

# server PORT ARGS...: a redis-server in the background, waited for
server() {
    p=$1
    shift
    redis-server --port "$p" --bind 127.0.0.1 --save '' --appendonly no --dir "$tmp" \
        --logfile "$tmp/redis-$p.log" --daemonize no "$@" >/dev/null 2>&1 &
    pids="$pids $!"
    wait_redis "$p" || { echo "not ok 1 - redis-server on $p did not start"; exit 1; }
}
mport=$("$BUILD/tests/freeport"); rport=$("$BUILD/tests/freeport"); sport=$("$BUILD/tests/freeport")
server "$mport"
server "$rport" --replicaof 127.0.0.1 "$mport"
printf 'port %s\nbind 127.0.0.1\nsentinel monitor jobs-main 127.0.0.1 %s 1\nsentinel down-after-milliseconds jobs-main 1000\nsentinel failover-timeout jobs-main 6000\n' \
    "$sport" "$mport" >"$tmp/sentinel.conf"
redis-server "$tmp/sentinel.conf" --sentinel --logfile "$tmp/sentinel.log" --daemonize no \
    >/dev/null 2>&1 &
pids="$pids $!"
wait_redis "$sport" || { echo "not ok 1 - the Sentinel did not start"; exit 1; }
redis-cli -p "$mport" XADD orders '*' n 1 >/dev/null
redis-cli -p "$mport" XGROUP CREATE orders billing 0 >/dev/null
# the replica has it and the Sentinel knows the replica (INFO every 10 s at first: wait)
i=0
while [ "$(redis-cli -p "$rport" XLEN orders 2>/dev/null)" != 1 ] ||
      [ "$(redis-cli -p "$sport" SENTINEL REPLICAS jobs-main 2>/dev/null | grep -c "$rport")" -eq 0 ]; do
    i=$((i + 1)); [ $i -gt 300 ] && { echo "not ok 1 - the replica or the Sentinel is not ready"; exit 1; }
    sleep 0.1
done
url="redis-sentinel://127.0.0.1:1,127.0.0.1:$sport/jobs-main"   # the first Sentinel is down

# 1. --once: the master found through the second Sentinel
"$QUEUETOP" --redis "$url" --once --json --rate-interval 0 --connect-timeout 1 >"$tmp/out" 2>"$tmp/err"
rc=$?
cp "$tmp/out" "$tmp/screen"
if [ "$rc" -eq 0 ] && grep -q "\"master\":\"127.0.0.1:$mport\"" "$tmp/out" &&
   grep -q '"key":"orders"' "$tmp/out" && grep -q '"role":"master"' "$tmp/out"; then
    pass "redis-sentinel://: the master named by a Sentinel (the first one down), its stream read"
else
    fail "redis-sentinel://: the master named by a Sentinel (rc $rc: $(cat "$tmp/err"))"
fi

# 2. the failures
"$QUEUETOP" --redis "redis-sentinel://127.0.0.1:$sport/nosuch" --once >/dev/null 2>"$tmp/err"
rc=$?
if [ "$rc" -eq 2 ] && grep -q "watches no master named 'nosuch'" "$tmp/err" &&
   [ "$(grep -c . "$tmp/err")" -eq 1 ]; then
    pass "a master no Sentinel knows: exit 2, one line"
else
    fail "a master no Sentinel knows: exit 2, one line (rc $rc: $(cat "$tmp/err"))"
fi
"$QUEUETOP" --redis "redis-sentinel://127.0.0.1:1,127.0.0.1:2/jobs-main" --once >/dev/null 2>"$tmp/err"
rc=$?
if [ "$rc" -eq 2 ] && grep -q "no master for" "$tmp/err" && grep -q "127.0.0.1:2" "$tmp/err"; then
    pass "every Sentinel down: exit 2, each one's reason"
else
    fail "every Sentinel down: exit 2 (rc $rc: $(cat "$tmp/err"))"
fi
"$QUEUETOP" --redis "redis-sentinel://127.0.0.1:$sport" --once >/dev/null 2>"$tmp/err"
if [ $? -eq 2 ] && grep -q "master's name" "$tmp/err"; then
    pass "a Sentinel URL without a master's name: a usage error"
else
    fail "a Sentinel URL without a master's name: a usage error ($(cat "$tmp/err"))"
fi

# 2b. a Sentinel that wants a password of its own (requirepass in its config): refused with
# the way out named, read with REDIS_SENTINEL_AUTH, and the password never printed
s2port=$("$BUILD/tests/freeport")
printf 'port %s\nbind 127.0.0.1\nrequirepass s3nt-pass\nsentinel monitor jobs-main 127.0.0.1 %s 1\n' \
    "$s2port" "$mport" >"$tmp/sentinel2.conf"
redis-server "$tmp/sentinel2.conf" --sentinel --logfile "$tmp/sentinel2.log" --daemonize no \
    >/dev/null 2>&1 &
s2pid=$!
pids="$pids $s2pid"
i=0
until redis-cli -p "$s2port" -a s3nt-pass --no-auth-warning PING 2>/dev/null | grep -q PONG; do
    i=$((i + 1)); [ $i -gt 100 ] && break; sleep 0.05
done
env -u REDIS_SENTINEL_AUTH "$QUEUETOP" --redis "redis-sentinel://127.0.0.1:$s2port/jobs-main" \
    --once >/dev/null 2>"$tmp/err"
rc=$?
REDIS_SENTINEL_AUTH=s3nt-pass "$QUEUETOP" --redis "redis-sentinel://127.0.0.1:$s2port/jobs-main" \
    --once --json --rate-interval 0 >"$tmp/out" 2>"$tmp/err2"
rc2=$?
if [ "$rc" -eq 2 ] && grep -q "wants a password of its own: REDIS_SENTINEL_AUTH" "$tmp/err" &&
   [ "$rc2" -eq 0 ] && grep -q "\"master\":\"127.0.0.1:$mport\"" "$tmp/out" &&
   ! grep -q "s3nt-pass" "$tmp/out" "$tmp/err2"
then pass "a Sentinel with its own password: refused naming REDIS_SENTINEL_AUTH, read with it"
else fail "a Sentinel with its own password: rc $rc/$rc2: $(cat "$tmp/err" "$tmp/err2")"; fi
kill "$s2pid" 2>/dev/null   # not a voter in the failover below

# 3. the dashboard follows a failover
qt_start --redis "$url" --connect-timeout 1
if wait_for "127.0.0.1:$mport (Sentinel)" 10 && wait_for "orders" 10; then
    pass "dashboard: the header names the master, the stream listed"
else
    fail "dashboard: the header names the master, the stream listed"
fi
redis-cli -p "$sport" SENTINEL FAILOVER jobs-main >/dev/null
if wait_for_re "127\.0\.0\.1:$rport \(Sentinel, new [0-9.]+[ms]+ ago\)" 30 && wait_for "orders" 5 &&
   ! grep -q "restarted" "$tmp/screen"; then
    pass "dashboard: after SENTINEL FAILOVER it reads the new master, says since when (not called a restart)"
else
    fail "dashboard: after SENTINEL FAILOVER it reads the new master (not called a restart)"
fi
keys q
i=0
while tmux -L "$sock" has-session -t qt 2>/dev/null && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
if ! tmux -L "$sock" has-session -t qt 2>/dev/null; then pass "q leaves"
else capture; fail "q leaves"; fi

echo "1..$n"
