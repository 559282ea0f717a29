#!/bin/sh
# End-to-end: the real dashboard in tmux at 80x24 against a real redis-server. Sends the keys a
# user would (filter, open a stream, back, help, sort, quit), kills Redis under it, and asserts
# what the screen shows. Prints TAP lines ("ok N - ..." / "not ok N - ...").
set -u
tmp=$(mktemp -d /tmp/queuetop-e2e-XXXXXX)
sock="qt-e2e-$$"
. tests/e2e/common.inc

if ! command -v tmux >/dev/null 2>&1 || ! command -v redis-server >/dev/null 2>&1; then
    echo "not ok 1 - tmux and redis-server are needed (run: make deps)"
    exit 1
fi

port=$("$BUILD/tests/freeport")
redis_pid=""
start_redis() {
    redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no --dir "$tmp" \
        --logfile "$tmp/redis.log" --daemonize no >/dev/null 2>&1 &
    redis_pid=$!
    wait_redis "$port"
}
cleanup() {
    tmux -L "$sock" kill-server >/dev/null 2>&1
    [ -n "$redis_pid" ] && kill -9 "$redis_pid" >/dev/null 2>&1
    wait >/dev/null 2>&1
    rm -rf "$tmp"
}
trap cleanup EXIT INT TERM

R() { redis-cli -p "$port" "$@" >/dev/null; }

start_redis || { echo "not ok 1 - redis-server did not start"; exit 1; }
for i in 1 2 3 4 5 6; do R XADD orders '*' n "$i"; done
R XGROUP CREATE orders billing 0
R XREADGROUP GROUP billing worker-7 COUNT 2 STREAMS orders '>'
R XADD emails '*' to x
R XGROUP CREATE emails mailer '$'
printf 'XADD "evil\\x1b[31mred\\x1b]0;pwned\\x07" * f v\n' | redis-cli -p "$port" >/dev/null

tmux -L "$sock" -f /dev/null new-session -d -s qt -x 80 -y 24 \
    "env TERM=xterm-256color LANG=C.UTF-8 LC_ALL=C.UTF-8 $QUEUETOP --redis redis://127.0.0.1:$port --interval 0.3"

if wait_for "orders" 10; then pass "dashboard shows the streams"; else fail "dashboard shows the streams"; fi
# a stream is listed when SCAN finds it; its groups are read on the next tick (their count
# must be known first: XINFO GROUPS costs Redis in proportion to them)
wait_for_re 'orders +6 +[^ ]+ +1 ' 10
if grep -qF "redis://127.0.0.1:$port" "$tmp/screen" && grep -qF "[up]" "$tmp/screen"; then
    pass "header shows server and state"; else fail "header shows server and state"; fi
if grep -qF 'evil\x1b[31mred\x1b]0;' "$tmp/screen"; then
    pass "hostile key is shown escaped"; else fail "hostile key is shown escaped"; fi
title=$(tmux -L "$sock" display-message -p -t qt '#{pane_title}')
if [ "$title" != "pwned" ]; then pass "hostile key did not retitle the terminal"
else fail "hostile key did not retitle the terminal"; fi
lines=$(wc -l <"$tmp/screen"); widest=$(wc -L <"$tmp/screen")
if [ "$lines" -le 24 ] && [ "$widest" -le 80 ]; then pass "fits 80x24"; else fail "fits 80x24 ($lines lines, $widest columns)"; fi
if grep -qE 'STREAM +LENGTH +IN/s +GRPS +MAX LAG +PENDING +OLDEST +CONS' "$tmp/screen"; then
    pass "table header"; else fail "table header"; fi
# orders: 6 long, 1 group, lag 4, 2 pending, 1 consumer
if grep -qE 'orders +6 +[^ ]+ +1 +4 +2 +[0-9.]+(ms|s) +1' "$tmp/screen"; then
    pass "orders row figures"; else fail "orders row figures"; fi

keys / o r d
sleep 0.5; keys Enter
if wait_for "Filter" 2 || true; then :; fi
sleep 0.5; capture
if grep -qF "orders" "$tmp/screen" && ! grep -qF "emails" "$tmp/screen"; then
    pass "filter keeps only matching streams"; else fail "filter keeps only matching streams"; fi
if grep -qE "/ord: 1 shown" "$tmp/screen"; then pass "the kept filter is shown with what it left"
else fail "the kept filter is shown with what it left"; fi

keys Enter
if wait_for "stream orders" 5 && wait_for "worker-7" 5; then pass "Enter opens the stream with its consumers"
else fail "Enter opens the stream with its consumers"; fi
if grep -qF "billing" "$tmp/screen" && grep -qF "GROUP" "$tmp/screen" && grep -qF "oldest pending" "$tmp/screen"; then
    pass "stream view shows groups and the oldest pending entry"; else fail "stream view shows groups and the oldest pending entry"; fi

keys Escape
if wait_for "STREAM " 3 && ! grep -qF "stream orders" "$tmp/screen"; then pass "Esc goes back"; else fail "Esc goes back"; fi

keys Escape
sleep 0.4
keys '?'
if wait_for "Help: streams view" 3; then pass "? shows help"; else fail "? shows help"; fi
# at 80x24 the help is longer than the screen: it scrolls to its last line, and wraps rather
# than cutting (no line is wider than 80)
keys G
if wait_for "(CLIENT SETNAME)" 3 && [ "$(wc -L <"$tmp/screen")" -le 80 ] &&
    grep -qF "Help: streams view" "$tmp/screen"
then pass "the help scrolls to its end and wraps at 80 columns"
else fail "the help scrolls to its end and wraps at 80 columns"; fi
keys x
sleep 0.4
keys s
if wait_for "sort:key" 3; then pass "s changes the sort column"; else fail "s changes the sort column"; fi

kill -9 "$redis_pid"; wait "$redis_pid" 2>/dev/null; redis_pid=""
if wait_for "DOWN" 8 && wait_for "cannot connect" 8; then pass "Redis down is shown in red status with the reason"
else fail "Redis down is shown with the reason"; fi
start_redis
R XADD comeback '*' f v
printf 'XADD "evil\\x1b[31mred\\x1b]0;pwned\\x07" * f v\n' | redis-cli -p "$port" >/dev/null
if wait_for "comeback" 15 && wait_for "[up]" 5; then pass "reconnects after Redis restarts"; else fail "reconnects after Redis restarts"; fi

tmux -L "$sock" resize-window -t qt -x 100 -y 30 >/dev/null 2>&1
# wider: the key column grows and the hostile key fits whole
if wait_for 'evil\x1b[31mred\x1b]0;pwned\x07' 3 && [ "$(wc -L <"$tmp/screen")" -gt 80 ]; then
    pass "adapts to a resize"; else fail "adapts to a resize"; fi

keys q
i=0
while tmux -L "$sock" has-session -t qt 2>/dev/null && [ $i -lt 30 ]; do i=$((i + 1)); sleep 0.1; done
if ! tmux -L "$sock" has-session -t qt 2>/dev/null; then pass "q quits"; else fail "q quits"; fi

# Ctrl-C (SIGINT) also leaves cleanly, with the terminal restored for the shell after it
tmux -L "$sock" -f /dev/null new-session -d -s qt -x 80 -y 24 \
    "env TERM=xterm-256color LANG=C.UTF-8 $QUEUETOP --redis redis://127.0.0.1:$port; echo EXIT=\$?; stty -a | grep -q ' echo ' && stty -a | grep -q ' icanon ' && echo TTY_RESTORED; sleep 5"
wait_for "comeback" 10
keys C-c
if wait_for "EXIT=0" 5 && wait_for "TTY_RESTORED" 3; then pass "Ctrl-C exits 0 and restores the terminal"
else fail "Ctrl-C exits 0 and restores the terminal"; fi
echo "1..$n"
