#!/bin/sh
# End-to-end: every numbered view, at 80x24, 120x40 and 200x50, with the sources full, empty
# and down. For each: Tab visits the views in number order and comes back to the first; every
# status line lists every other view's key (by name, or as views:NNNN), even when its source
# is down; no line is wider than the terminal, and no figure is cut (a digit right before the
# ellipsis that marks a cut). Redis and PostgreSQL are real. Prints TAP.
set -u
tmp=$(mktemp -d /tmp/queuetop-e2e-XXXXXX)
sock="qt-e2e-views-$$"
. tests/e2e/common.inc
full_pid=""
cleanup() { [ -n "$full_pid" ] && kill -9 "$full_pid" >/dev/null 2>&1; e2e_cleanup; }
trap cleanup EXIT INT TERM

if ! command -v tmux >/dev/null 2>&1 || ! command -v redis-server >/dev/null 2>&1; then
    echo "not ok 1 - tmux and redis-server are needed (run: make deps)"
    exit 1
fi
start_pg_fixture
# full: streams with groups, a backlog and a poison entry, a list queue, a lock without TTL
start_redis
full_port=$port
full_pid=$redis_pid
R="redis-cli -p $full_port"
for i in 1 2 3 4 5 6; do $R XADD orders '*' n "$i" >/dev/null; done
$R XGROUP CREATE orders billing 0 >/dev/null
$R XREADGROUP GROUP billing worker-a COUNT 2 STREAMS orders '>' >/dev/null
$R XGROUP CREATE orders audit '$' >/dev/null
$R XADD payments '*' amount 10 >/dev/null
$R RPUSH jobs:resize a b c >/dev/null
$R ZADD jobs:retry 1 x >/dev/null
$R SET lock:report owner-42 >/dev/null
# empty: a Redis with no keys, and a PostgreSQL database without Conductor's tables
start_redis
empty_port=$port
empty_pg=$(printf '%s\n' "$conninfo" | sed 's/dbname=[^ ]*/dbname=template1/')
# down: nothing listens there
dead_port=$("$BUILD/tests/freeport")

# which view is on screen: the one whose key the status line leaves out
current_view() {
    last=$(tail -n 1 "$tmp/screen")
    missing=""
    for k in 1 2 3 4 5; do
        case "$last" in
        *"$k:"[a-z]*|*"views:"*"$k"*) ;;
        *) missing="$missing$k" ;;
        esac
    done
    echo "$missing"
}

# check STATE COLS ROWS REDIS_URL CONNINFO
check() {
    label="$1 at $2x$3"
    tmux -L "$sock" kill-server >/dev/null 2>&1
    [ -n "${qt_base_sock:-}" ] || qt_base_sock=$sock
    qt_runs=$((qt_runs + 1))
    sock="$qt_base_sock-$qt_runs"
    tmux -L "$sock" -f /dev/null new-session -d -s qt -x "$2" -y "$3" \
        "env -u REDIS_URL TERM=xterm-256color LANG=C.UTF-8 LC_ALL=C.UTF-8 $QUEUETOP --redis '$4' --pg '$5' --interval 0.5" 9>&-
    # the first samples (or the first failures) are in
    wait_for_re "$6" 15 >/dev/null
    sleep 1
    order="" fit=true cut=true footers=true
    keys 1
    for step in 1 2 3 4 5; do
        sleep 0.6; capture
        v=$(current_view)
        order="$order$v"
        widest=$(LC_ALL=C.UTF-8 wc -L <"$tmp/screen")   # display columns, not bytes
        lines=$(wc -l <"$tmp/screen")
        if [ "$widest" -gt "$2" ] || [ "$lines" -gt "$3" ]; then
            fit=false; echo "# $label, view $v: $lines lines, $widest columns"
        fi
        if grep -qE '[0-9]…' "$tmp/screen"; then
            cut=false; echo "# $label, view $v: a figure is cut:"; grep -E '[0-9]…' "$tmp/screen" | sed 's/^/#   /'
        fi
        if [ "${#v}" -ne 1 ]; then
            footers=false; echo "# $label: the status line does not list 4 other view keys: $(tail -n 1 "$tmp/screen")"
        fi
        keys Tab
    done
    sleep 0.6; capture
    back=$(current_view)
    if [ "$order" = "12345" ] && [ "$back" = "1" ]; then pass "$label: Tab visits 1 2 3 4 5 and back to 1"
    else fail "$label: Tab visits 1 2 3 4 5 and back to 1 (got $order, then $back)"; fi
    if $footers; then pass "$label: every status line lists every other view's key"
    else fail "$label: every status line lists every other view's key"; fi
    if $fit && $cut; then pass "$label: every view fits, no figure cut"
    else fail "$label: every view fits, no figure cut"; fi
}

for size in "80 24" "120 40" "200 50"; do
    set -- $size
    check full "$1" "$2" "redis://127.0.0.1:$full_port" "$conninfo" "orders"
    check empty "$1" "$2" "redis://127.0.0.1:$empty_port" "$empty_pg" "no streams found"
    check down "$1" "$2" "redis://127.0.0.1:$dead_port" "host=127.0.0.1 port=$dead_port connect_timeout=1" "Connection refused"
done
echo "1..$n"
