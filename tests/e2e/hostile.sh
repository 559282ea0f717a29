#!/bin/sh
# End-to-end: a hostile or broken Redis (tests/tools/fake_resp). Replies that claim a hundred
# million elements or a gigabyte string, replies of the wrong type, a reply that stops halfway,
# a server that drips one byte every 10 ms: each is a clear error, memory stays bounded (peak
# RSS measured with tests/tools/maxrss), and the dashboard keeps running and leaves on q.
# Prints TAP.
set -u
tmp=$(mktemp -d /tmp/queuetop-e2e-XXXXXX)
sock="qt-e2e-hostile-$$"
. tests/e2e/common.inc

if ! command -v tmux >/dev/null 2>&1; then
    echo "not ok 1 - tmux is needed (run: make deps)"
    exit 1
fi
fakes=""
cleanup() {
    tmux -L "$sock" kill-server >/dev/null 2>&1
    for p in $fakes; do kill "$p" >/dev/null 2>&1; done
    wait >/dev/null 2>&1
    rm -rf "$tmp"
}
trap cleanup EXIT INT TERM

# fake MODE: starts a fake_resp (its stdin held open by a sleeping writer); sets $fake_port
nfakes=0
fake() {
    nfakes=$((nfakes + 1))
    mkfifo "$tmp/in-$nfakes"
    "$BUILD/tests/fake_resp" "$1" <"$tmp/in-$nfakes" >"$tmp/port-$nfakes" &
    fakes="$fakes $!"
    sleep 3600 >"$tmp/in-$nfakes" &
    fakes="$fakes $!"
    i=0
    while [ ! -s "$tmp/port-$nfakes" ] && [ $i -lt 100 ]; do i=$((i + 1)); sleep 0.05; done
    fake_port=$(cat "$tmp/port-$nfakes")
}

# Peak RSS allowed: a normal --once here peaks near 9 MB (far more under AddressSanitizer,
# whose shadow memory is counted); before the caps, `*100000000` alone took 789 MB.
case "$BUILD" in *san*) limit_kb=262144 ;; *) limit_kb=65536 ;; esac

# once MODE EXPECTED: --once against a fake in MODE must exit 2 saying EXPECTED, within bounds
once() {
    fake "$1"
    "$BUILD/tests/maxrss" "$tmp/rss" "$QUEUETOP" --redis "redis://127.0.0.1:$fake_port" --once \
        --timeout 1 >"$tmp/out" 2>"$tmp/err"
    rc=$?
    rss=$(cat "$tmp/rss" 2>/dev/null || echo 0)
    if [ "$rc" -eq 2 ] && grep -qF -- "$2" "$tmp/err" && [ "$rss" -gt 0 ] && [ "$rss" -lt "$limit_kb" ]
    then pass "$1: exit 2, '$2', peak RSS ${rss} KiB"
    else fail "$1: exit $rc, peak RSS ${rss} KiB (limit $limit_kb), stderr: $(cat "$tmp/err")"; fi
}

: >"$tmp/screen"
once array "an array of 100000000 elements (cap 1000000)"
once array-max "an array of 2147483647 elements"
once bulk "a 1000000000-byte string (cap 8388608)"
once bulk-max "a 9223372036854775807-byte string"
once types "unexpected SCAN reply"
once short "no reply within 1.0 s"
once drip "no reply within 1.0 s"

# the dashboard on servers that answer with wrong types and with a lie: every collector's
# parser meets them (streams, server, keys); the screen says what is wrong and keeps running
for m in types array; do
    fake "$m"
    tmux -L "$sock" kill-server >/dev/null 2>&1
    tmux -L "$sock" -f /dev/null new-session -d -s qt -x 80 -y 24 \; \
        set-option -g remain-on-exit on \; \
        respawn-pane -k -t qt "env TERM=xterm-256color LANG=C.UTF-8 LC_ALL=C.UTF-8 $QUEUETOP --redis redis://127.0.0.1:$fake_port --interval 0.5 --timeout 1 2>$tmp/stderr; echo done >$tmp/shell"
    case $m in types) says="unexpected" ;; *) says="over the cap" ;; esac
    if wait_for "$says" 10; then
        sleep 2
        capture
        if [ "$(tmux -L "$sock" display -p -t qt '#{pane_dead}')" = "0" ] && grep -qF "$says" "$tmp/screen"
        then pass "dashboard on a '$m' server: says '$says' and keeps running"
        else fail "dashboard on a '$m' server keeps running"; fi
    else
        fail "dashboard on a '$m' server says '$says'"
    fi
    rm -f "$tmp/shell"
    keys q
    i=0
    while [ ! -s "$tmp/shell" ] && [ $i -lt 40 ]; do i=$((i + 1)); sleep 0.05; done
    if [ -s "$tmp/shell" ] && ! grep -qi "crash\|sanitizer" "$tmp/stderr"
    then pass "dashboard on a '$m' server leaves on q"
    else fail "dashboard on a '$m' server leaves on q ($(cat "$tmp/stderr"))"; fi
done
