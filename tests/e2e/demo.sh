#!/bin/sh
# End-to-end: `make demo`'s script as a new user sees it, in tmux at 80x24: the simulated
# traffic reaches the dashboard (its streams, the workflows strip fed by PostgreSQL), and q
# stops everything the demo started and removes its temporary directory. Prints TAP.
set -u
tmp=$(mktemp -d /tmp/queuetop-e2e-XXXXXX)
sock="qt-e2e-demo-$$"
. tests/e2e/common.inc
cleanup() {
    tmux -L "$sock" kill-server >/dev/null 2>&1
    wait >/dev/null 2>&1
    rm -rf "$tmp"
}
trap cleanup EXIT INT TERM
mkdir "$tmp/run" "$tmp/t"
# as root the demo's PostgreSQL runs as the postgres user, who must reach its directory
chmod 755 "$tmp" "$tmp/t"
# its own state file and temporary directory, so a demo the user runs is not touched
tmux -L "$sock" -f /dev/null new-session -d -s qt -x 80 -y 24 \
    "env -u REDIS_URL XDG_RUNTIME_DIR='$tmp/run' TMPDIR='$tmp/t' TERM=xterm-256color LANG=C.UTF-8 LC_ALL=C.UTF-8 BUILD='$BUILD' sh scripts/demo.sh; echo \$? > '$tmp/rc'; sleep 30"
if wait_for "orders:events" 60 && wait_for "emails:outbox" 10; then
    pass "the demo's simulated streams reach the dashboard"
else fail "the demo's simulated streams reach the dashboard"; fi
if grep -qE "^ [0-9]+ streams" "$tmp/screen" && ! grep -qE "^ 0 streams" "$tmp/screen"; then
    pass "the summary counts the streams"
else fail "the summary counts the streams"; fi
if wait_for " running" 60 && grep -qE "wf [0-9]+ running" "$tmp/screen"; then
    pass "the workflows strip shows the simulated executions"
else fail "the workflows strip shows the simulated executions"; fi
demo_dir=$(ls -d "$tmp/t"/queuetop-demo-* 2>/dev/null | head -1)
keys q
i=0
while [ ! -s "$tmp/rc" ] && [ $i -lt 100 ]; do i=$((i + 1)); sleep 0.1; done
if [ "$(cat "$tmp/rc" 2>/dev/null)" = 0 ]; then pass "q ends the demo with status 0"
else capture; fail "q ends the demo with status 0 (got '$(cat "$tmp/rc" 2>/dev/null)')"; fi
sleep 0.5
if [ -n "$demo_dir" ] && [ ! -e "$demo_dir" ] && [ ! -e "$tmp/run/queuetop-demo-$(id -u).state" ] &&
    ! pgrep -f -- "$demo_dir" >/dev/null 2>&1
then pass "its servers and simulators are stopped and its directory removed"
else fail "its servers and simulators are stopped and its directory removed ($demo_dir)"; fi
echo "1..$n"
