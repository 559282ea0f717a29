#!/bin/sh
# End-to-end: the server strip and the server view in tmux at 80x24, against a redis-server
# with a small maxmemory and allkeys-lru that a writer pushes into evicting. Prints TAP lines.
set -u
tmp=$(mktemp -d /tmp/queuetop-e2e-XXXXXX)
sock="qt-e2e-srv-$$"
. tests/e2e/common.inc
port=$("$BUILD/tests/freeport")
writer=""
redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no --dir "$tmp" \
    --logfile "$tmp/redis.log" --maxmemory 8mb --maxmemory-policy allkeys-lru \
    --daemonize no >/dev/null 2>&1 &
redis_pid=$!
cleanup() {
    tmux -L "$sock" kill-server >/dev/null 2>&1
    [ -n "$writer" ] && kill "$writer" >/dev/null 2>&1
    kill -9 "$redis_pid" >/dev/null 2>&1
    wait >/dev/null 2>&1
    rm -rf "$tmp"
}
trap cleanup EXIT INT TERM
wait_redis "$port" || { echo "not ok 1 - redis-server did not start"; exit 1; }
redis-cli -p "$port" XADD jobs '*' n 1 >/dev/null
# two slow-log entries of our own making (a threshold of 0 logs every command, then it is set
# high again: none of queuetop's commands are logged)
redis-cli -p "$port" CONFIG SET slowlog-log-slower-than 0 >/dev/null
redis-cli -p "$port" ECHO marker-one >/dev/null
redis-cli -p "$port" TYPE jobs >/dev/null
redis-cli -p "$port" CONFIG SET slowlog-log-slower-than 10000000 >/dev/null

# 2000 SETs of 8000 bytes in RESP, replayed for a few seconds (bounded) to keep Redis evicting
awk 'BEGIN { v = sprintf("%8000s", ""); gsub(/ /, "x", v);
             for (i = 0; i < 2000; i++) { k = "cache:" i;
               printf "*3\r\n$3\r\nSET\r\n$%d\r\n%s\r\n$8000\r\n%s\r\n", length(k), k, v } }' \
    >"$tmp/fill.resp"
( end=$(($(date +%s) + 12)); while [ "$(date +%s)" -lt "$end" ]; do
      redis-cli -p "$port" --pipe <"$tmp/fill.resp" >/dev/null 2>&1; sleep 0.2; done ) &
writer=$!

tmux -L "$sock" -f /dev/null new-session -d -s qt -x 80 -y 24 \
    "env TERM=xterm-256color LANG=C.UTF-8 LC_ALL=C.UTF-8 $QUEUETOP --redis redis://127.0.0.1:$port --interval 0.5"

# used memory hovers just under the limit (7.9M or 8.0M): match the maxmemory part
if wait_for "M/8.0M " 10 && grep -qE " mem [0-9.]+M/8.0M [0-9]+%" "$tmp/screen"; then
    pass "server strip shows memory against maxmemory"
else fail "server strip shows memory against maxmemory"; fi
if wait_for "!! evicting" 10 && grep -qF "queue data can be lost" "$tmp/screen"; then
    pass "eviction under allkeys-lru is a critical problem on the first screen"
else fail "eviction under allkeys-lru is a critical problem on the first screen"; fi
if [ "$(wc -L <"$tmp/screen")" -le 80 ]; then pass "fits 80 columns"; else fail "fits 80 columns"; fi

keys 2
if wait_for "problems" 3 && wait_for "evictions" 3 && grep -qF "policy allkeys" "$tmp/screen"; then
    pass "2 opens the server view with problems, memory and evictions"
else fail "2 opens the server view with problems, memory and evictions"; fi
if grep -qF "slowlog" "$tmp/screen" && grep -qF "PING min" "$tmp/screen"; then
    pass "server view shows latency and slowlog"
else fail "server view shows latency and slowlog"; fi
# / filters the slow commands by their text, s puts the slowest first; Esc clears the filter
keys G
if wait_for "ECHO marker-one" 3 && grep -qF "TYPE jobs" "$tmp/screen"; then
    pass "the server view lists the slow commands"
else fail "the server view lists the slow commands"; fi
keys / m a r k e r Enter G
if wait_for "/marker: 1 of " 3 && grep -qF "ECHO marker-one" "$tmp/screen" &&
    ! grep -qF "TYPE jobs" "$tmp/screen"
then pass "/ filters the slow commands and says how many it left"
else fail "/ filters the slow commands and says how many it left"; fi
keys Escape s G
if wait_for "s sort:slowest" 3 && grep -qF "TYPE jobs" "$tmp/screen" &&
    ! grep -qF "/marker" "$tmp/screen"
then pass "Esc clears the filter; s switches to the slowest first"
else fail "Esc clears the filter; s switches to the slowest first"; fi
keys 1
if wait_for "STREAM " 3; then pass "1 goes back to the streams"; else fail "1 goes back to the streams"; fi
keys q
echo "1..$n"
