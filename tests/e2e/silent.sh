#!/bin/sh
# End-to-end: leaving while the servers are silent, and a crash on a collector thread.
# Redis and PostgreSQL are real; queuetop reaches both through tests/tools/freeze_proxy, which
# stops forwarding on SIGUSR1 (a link that died without a word: no reset, no end). Measures how
# long `q`, SIGTERM and Ctrl-C take to end the process then, and checks that a fault on a
# collector thread restores the terminal. Prints TAP.
set -u
tmp=$(mktemp -d /tmp/queuetop-e2e-XXXXXX)
sock="qt-e2e-silent-$$"
. tests/e2e/common.inc

if ! command -v tmux >/dev/null 2>&1 || ! command -v redis-server >/dev/null 2>&1; then
    echo "not ok 1 - tmux and redis-server are needed (run: make deps)"
    exit 1
fi

rport=$("$BUILD/tests/freeport")
redis-server --port "$rport" --bind 127.0.0.1 --save '' --appendonly no --dir "$tmp" \
    --logfile "$tmp/redis.log" --enable-debug-command local --daemonize no >/dev/null 2>&1 &
redis_pid=$!
fixture_pid=""
proxies=""
cleanup() {
    tmux -L "$sock" kill-server >/dev/null 2>&1
    exec 9>&-
    for p in $proxies; do kill "$p" >/dev/null 2>&1; done
    kill -9 "$redis_pid" >/dev/null 2>&1
    [ -n "$fixture_pid" ] && kill "$fixture_pid" >/dev/null 2>&1
    wait >/dev/null 2>&1
    rm -rf "$tmp"
}
trap cleanup EXIT INT TERM

wait_redis "$rport" || { echo "not ok 1 - redis-server did not start"; exit 1; }
start_pg_fixture
pgport=$(sed -n 's/.*port=\([0-9]*\).*/\1/p' "$tmp/conninfo")
redis-cli -p "$rport" XADD orders '*' n 1 >/dev/null
redis-cli -p "$rport" XGROUP CREATE orders billing 0 >/dev/null

# proxy TARGET_PORT: starts a freeze_proxy; sets $proxy_pid and $proxy_port
nproxies=0
proxy() {
    nproxies=$((nproxies + 1))
    "$BUILD/tests/freeze_proxy" "$1" >"$tmp/proxy$nproxies.port" &
    proxy_pid=$!
    proxies="$proxies $proxy_pid"
    i=0
    while [ ! -s "$tmp/proxy$nproxies.port" ] && [ $i -lt 50 ]; do i=$((i + 1)); sleep 0.05; done
    proxy_port=$(cat "$tmp/proxy$nproxies.port")
}
now_ms() { echo $(( $(date +%s%N) / 1000000 )); }
# exit_within PID MS: waits for PID to end, up to MS; prints the time it took (ms), or fails
exit_within() {
    t0=$(now_ms)
    # a child of this shell stays a zombie until waited for: that counts as ended
    while kill -0 "$1" 2>/dev/null && ! ps -o stat= -p "$1" | grep -q Z; do
        [ $(( $(now_ms) - t0 )) -gt "$2" ] && return 1
        sleep 0.01
    done
    echo $(( $(now_ms) - t0 ))
}

runs=0
base_sock=$sock
# start_dashboard ENV...: queuetop through fresh proxies, in a fresh tmux server whose pane
# stays after the process ends; sets $qt_pid, $redis_proxy, $pg_proxy
start_dashboard() {
    tmux -L "$sock" kill-server >/dev/null 2>&1
    runs=$((runs + 1))
    sock="$base_sock-$runs"
    # what the last run's shell wrote must not pass for this run's
    rm -f "$tmp/stderr" "$tmp/stty" "$tmp/shell"
    proxy "$rport"; redis_proxy=$proxy_pid; rp=$proxy_port
    proxy "$pgport"; pg_proxy=$proxy_pid; pp=$proxy_port
    tmux -L "$sock" -f /dev/null new-session -d -s qt -x 80 -y 24 \; \
        set-option -g remain-on-exit on \; \
        respawn-pane -k -t qt "env $* TERM=xterm-256color LANG=C.UTF-8 LC_ALL=C.UTF-8 $QUEUETOP --redis redis://127.0.0.1:$rp --pg 'host=127.0.0.1 port=$pp dbname=postgres user=postgres' --interval 0.5 2>$tmp/stderr; stty -a >$tmp/stty; echo done >$tmp/shell" 9>&-
    i=0
    qt_pid=""
    while [ -z "$qt_pid" ] && [ $i -lt 100 ]; do
        qt_pid=$(pgrep -f -- "^$QUEUETOP --redis redis://127.0.0.1:$rp " | head -1)
        i=$((i + 1)); sleep 0.05
    done
}
# freeze: both links go silent, then a tick's queries are left hanging on them
freeze() {
    kill -USR1 "$redis_proxy" "$pg_proxy"
    sleep 1.5
}

# 1-2. q with both links silent
start_dashboard
if wait_for "orders" 10 && wait_for "wf 1 running" 10; then pass "dashboard up through the proxies"
else fail "dashboard up through the proxies"; fi
freeze
keys q
if ms=$(exit_within "$qt_pid" 1000); then pass "q leaves within 1 s with Redis and PostgreSQL silent (${ms} ms)"
else fail "q leaves within 1 s with Redis and PostgreSQL silent"; kill -9 "$qt_pid" 2>/dev/null; fi
sleep 0.3
if [ "$(tmux -L "$sock" display -p -t qt '#{alternate_on}')" = "0" ] && grep -q ' icanon' "$tmp/stty" &&
    grep -q ' echo ' "$tmp/stty"
then pass "the terminal is restored after q"
else fail "the terminal is restored after q"; fi

# 3. SIGTERM with both links silent
start_dashboard
wait_for "wf 1 running" 10 >/dev/null
freeze
kill -TERM "$qt_pid"
if ms=$(exit_within "$qt_pid" 1000); then pass "SIGTERM leaves within 1 s with both links silent (${ms} ms)"
else fail "SIGTERM leaves within 1 s with both links silent"; kill -9 "$qt_pid" 2>/dev/null; fi

# 4. a second signal leaves at once, and the terminal is still restored
start_dashboard
wait_for "wf 1 running" 10 >/dev/null
freeze
kill -TERM "$qt_pid"; sleep 0.05; kill -TERM "$qt_pid" 2>/dev/null
if ms=$(exit_within "$qt_pid" 1500); then
    sleep 0.3
    if [ "$(tmux -L "$sock" display -p -t qt '#{alternate_on}')" = "0" ] && grep -q ' icanon' "$tmp/stty"
    then pass "two SIGTERMs leave at once with the terminal restored (${ms} ms)"
    else fail "two SIGTERMs leave at once with the terminal restored"; fi
else fail "two SIGTERMs leave at once"; kill -9 "$qt_pid" 2>/dev/null; fi

# 5. --once against a PostgreSQL that went silent: Ctrl-C ends it
proxy "$pgport"; pp=$proxy_port
kill -USR1 "$proxy_pid"
env -u REDIS_URL "$QUEUETOP" --pg "host=127.0.0.1 port=$pp dbname=postgres user=postgres" --once \
    >"$tmp/once.out" 2>"$tmp/once.err" &
once_pid=$!
sleep 1
kill -INT "$once_pid"
if ms=$(exit_within "$once_pid" 1000); then
    wait "$once_pid"; rc=$?
    if [ "$rc" -eq 130 ] && grep -q "interrupted" "$tmp/once.err"
    then pass "--once --pg answers Ctrl-C within 1 s while PostgreSQL is silent (${ms} ms, exit 130)"
    else fail "--once --pg answers Ctrl-C: exit $rc, stderr: $(cat "$tmp/once.err")"; fi
else fail "--once --pg answers Ctrl-C within 1 s while PostgreSQL is silent ($(cat "$tmp/once.err"))"; kill -9 "$once_pid" 2>/dev/null; fi

# 6. --once against a PostgreSQL that accepts the connection and never answers, left alone:
# our own connect deadline ends it with a reason, not the kernel's timeouts
proxy "$pgport"; pp=$proxy_port
kill -USR1 "$proxy_pid"
env -u REDIS_URL "$QUEUETOP" --pg "host=127.0.0.1 port=$pp dbname=postgres user=postgres" \
    --workflow e2e-run --once >"$tmp/once.out" 2>"$tmp/once.err" &
once_pid=$!
if ms=$(exit_within "$once_pid" 12000); then
    wait "$once_pid"; rc=$?
    if [ "$rc" -eq 2 ] && grep -qF "no answer within" "$tmp/once.err"
    then pass "--once with a silent PostgreSQL ends by itself with the reason (${ms} ms, exit 2)"
    else fail "--once with a silent PostgreSQL: exit $rc: $(cat "$tmp/once.err")"; fi
else fail "--once with a silent PostgreSQL ends by itself within 12 s"; kill -9 "$once_pid" 2>/dev/null; fi

# 7. the dashboard, PostgreSQL going silent in the middle of its work: the statement timeout
# (1 s) cannot fire on a server that never hears; our deadline for silence does, and says so
proxy "$pgport"; pg_proxy=$proxy_pid; pp=$proxy_port
tmux -L "$sock" kill-server >/dev/null 2>&1
runs=$((runs + 1)); sock="$base_sock-$runs"
tmux -L "$sock" -f /dev/null new-session -d -s qt -x 80 -y 24 \
    "env -u REDIS_URL TERM=xterm-256color LANG=C.UTF-8 LC_ALL=C.UTF-8 $QUEUETOP --pg 'host=127.0.0.1 port=$pp dbname=postgres user=postgres' --pg-timeout 1 --interval 0.5" 9>&-
wait_for "e2e-run" 10 >/dev/null
sleep 0.7
kill -USR1 "$pg_proxy"
i=0; seen=""
while [ $i -lt 150 ]; do
    capture
    if grep -qF "no answer from the server" "$tmp/screen"; then seen=1; break; fi
    i=$((i + 1)); sleep 0.1
done
if [ -n "$seen" ]; then pass "a silent PostgreSQL under the dashboard is reported within 15 s"
else fail "a silent PostgreSQL under the dashboard is reported within 15 s"; fi

# 7-8. a fault on a collector thread: the crash handler runs there and restores the terminal.
# The keys thread faults before its first tick, which once raced the UI thread's own setup of
# the terminal (the threads now start after it). The shell after queuetop writes the tty modes.
start_dashboard QUEUETOP_DEBUG_FAULT=keys
# up to 30 s: under the sanitizers, on a busy machine, the fault's report alone took over 10
i=0
while [ ! -s "$tmp/shell" ] && [ $i -lt 600 ]; do i=$((i + 1)); sleep 0.05; done
# tmux reads the pane's output on its own time: give it a moment to see the screen restored
i=0
alt=$(tmux -L "$sock" display -p -t qt '#{alternate_on}')
while [ "$alt" != "0" ] && [ $i -lt 40 ]; do
    i=$((i + 1)); sleep 0.05
    alt=$(tmux -L "$sock" display -p -t qt '#{alternate_on}')
done
if [ -s "$tmp/shell" ] && grep -qF "crashed" "$tmp/stderr" && [ "$alt" = "0" ] &&
    grep -q ' icanon' "$tmp/stty"
then pass "a fault on a collector thread restores the terminal"
else fail "a fault on a collector thread restores the terminal (shell ran: $([ -s "$tmp/shell" ] && echo yes || echo no), alternate screen: $alt, tty: $(grep -o ' -*icanon' "$tmp/stty" 2>/dev/null), stderr: $(cat "$tmp/stderr" 2>/dev/null))"; fi
QUEUETOP_DEBUG_FAULT=streams "$QUEUETOP" --redis "redis://127.0.0.1:$rport" --json \
    >/dev/null 2>"$tmp/json.err"
rc=$?
if [ "$rc" -gt 128 ] && grep -qF "crashed" "$tmp/json.err" && ! grep -q "$(printf '\033')" "$tmp/json.err"
then pass "a headless crash says so on stderr without terminal escapes (exit $rc)"
else fail "a headless crash says so on stderr without terminal escapes (exit $rc)"; fi

# 9. --once through a Redis link that is silent from the start: Ctrl-C ends it at once
proxy "$rport"; rp=$proxy_port
kill -USR1 "$proxy_pid"
"$QUEUETOP" --redis "redis://127.0.0.1:$rp" --once >"$tmp/once.out" 2>"$tmp/once.err" &
once_pid=$!
sleep 1
kill -INT "$once_pid"
if ms=$(exit_within "$once_pid" 1000); then
    wait "$once_pid"; rc=$?
    if [ "$rc" -eq 130 ] && grep -qx "queuetop: interrupted" "$tmp/once.err"
    then pass "--once answers Ctrl-C within 1 s while Redis is silent (${ms} ms, exit 130)"
    else fail "--once answers Ctrl-C while Redis is silent: exit $rc, stderr: $(cat "$tmp/once.err")"; fi
else fail "--once answers Ctrl-C within 1 s while Redis is silent"; kill -9 "$once_pid" 2>/dev/null; fi

# 10. left alone, the reply deadline (--timeout) ends it with the reason
"$QUEUETOP" --redis "redis://127.0.0.1:$rp" --timeout 0.5 --once >"$tmp/once.out" 2>"$tmp/once.err" &
once_pid=$!
if ms=$(exit_within "$once_pid" 5000); then
    wait "$once_pid"; rc=$?
    if [ "$rc" -eq 2 ] && grep -qF "no reply within 0.5 s" "$tmp/once.err"
    then pass "--once with a silent Redis ends at its reply deadline with the reason (${ms} ms, exit 2)"
    else fail "--once with a silent Redis: exit $rc, stderr: $(cat "$tmp/once.err")"; fi
else fail "--once with a silent Redis ends by itself"; kill -9 "$once_pid" 2>/dev/null; fi

# 11. --once busy on a large keyspace (a million keys: several seconds of SCAN) answers Ctrl-C
# within a second, not at the end of the sample
redis-cli -p "$rport" DEBUG POPULATE 1000000 filler 8 >/dev/null
"$QUEUETOP" --redis "redis://127.0.0.1:$rport" --once >"$tmp/once.out" 2>"$tmp/once.err" &
once_pid=$!
sleep 1.5
if kill -0 "$once_pid" 2>/dev/null; then
    kill -INT "$once_pid"
    if ms=$(exit_within "$once_pid" 1000); then
        wait "$once_pid"; rc=$?
        if [ "$rc" -eq 130 ] && [ ! -s "$tmp/once.out" ]
        then pass "--once on a million keys answers Ctrl-C within 1 s (${ms} ms, exit 130, no report)"
        else fail "--once on a million keys answers Ctrl-C: exit $rc, stderr: $(cat "$tmp/once.err")"; fi
    else fail "--once on a million keys answers Ctrl-C within 1 s"; kill -9 "$once_pid" 2>/dev/null; fi
else
    fail "--once on a million keys was still sampling after 1.5 s (it ended: $(cat "$tmp/once.err"))"
fi
