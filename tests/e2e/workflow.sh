#!/bin/sh
# End-to-end: the workflows view and one execution's timeline in tmux at 80x24, against a
# private PostgreSQL holding Conductor's schema and executions written as Conductor writes them
# (tests/tools/pg_fixture.c: a running fork/join, a failed execution with a retry, a parent
# with a sub-workflow). Only PostgreSQL is named: no Redis is started or needed. Prints TAP.
set -u
tmp=$(mktemp -d /tmp/queuetop-e2e-XXXXXX)
sock="qt-e2e-wf-$$"
. tests/e2e/common.inc
trap e2e_cleanup EXIT INT TERM
start_pg_fixture
start() {   # start ARGS...: queuetop on the fixture
    qt_start --pg "'$conninfo'" --interval 0.5 "$@"
}

# 1. --pg alone: the workflows view first, fed by PostgreSQL only
start
if wait_for "e2e-fail" 10 && grep -qF "e2e-run" "$tmp/screen" &&
    grep -qE "^ order_fulfilment +1 " "$tmp/screen" && grep -qF "Task charge failed" "$tmp/screen"
then pass "--pg alone opens the workflows view: counts, running and failures"
else fail "--pg alone opens the workflows view: counts, running and failures"; fi

# 2. search by correlation id
keys / o r d e r - 8 Enter
if wait_for "1 found" 5 && grep -qF 'Search "order-8"' "$tmp/screen"
then pass "/ finds an execution by correlation id"
else fail "/ finds an execution by correlation id"; fi

# 3. Enter on the search result opens its timeline; the retry is its own row
keys Enter
if wait_for "refund v1  FAILED" 5 && grep -qE "^ +3 +charge #2 +FAILED" "$tmp/screen" &&
    grep -qF "reason: Task charge failed twice" "$tmp/screen"
then pass "Enter opens the timeline: a retry is its own row, the reason is shown"
else fail "Enter opens the timeline: a retry is its own row, the reason is shown"; fi
keys Escape
if wait_for " Workflows  conductor" 5; then pass "Esc goes back to the workflows view"
else fail "Esc goes back to the workflows view"; fi

# 4. --workflow ID straight from the shell: task rows in seq order, statuses, fork/join marks
start --workflow e2e-run
if wait_for "order_fulfilment v3  RUNNING" 10 &&
    grep -qE "^ +1 +reserve_stock +DONE +█" "$tmp/screen" &&
    grep -qE "^ +2 ┬ fan_out +DONE" "$tmp/screen" &&
    grep -qE "^ +3 │ send_email +DONE" "$tmp/screen" &&
    grep -qE "^ +4 │ notify_webhook +IN_PROG +░+█+" "$tmp/screen" &&
    grep -qE "^ +5 ┴ fan_in +IN_PROG" "$tmp/screen"
then pass "--workflow ID shows every task in seq order with status, bars and fork/join marks"
else fail "--workflow ID shows every task in seq order with status, bars and fork/join marks"; fi

# 5. the running bar grows with the clock (no new rows in PostgreSQL)
bar() { capture; grep -E "^ +4 │ notify_webhook" "$tmp/screen" | tr -cd '█' | wc -c; }
keys - -   # zoom out twice so the bar is short and has room to grow, then wait
sleep 0.5
b1=$(bar)
grown=0
for _ in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22 23 24 25 26 27 28 29 30; do
    sleep 1
    [ "$(bar)" -gt "$b1" ] && { grown=1; break; }
done
if [ "$grown" = 1 ]; then pass "an in-progress bar grows while the execution runs"
else fail "an in-progress bar grows while the execution runs"; fi

# 6. zoom in: the axis labels change; f fits again
keys f
wait_for "|+1m00s" 5
keys + + +
zoomed=0
for _ in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do
    capture
    if grep -qE "^ +1 +reserve_stock +DONE +<" "$tmp/screen"
    then zoomed=1; break; fi
    sleep 0.1
done
if [ "$zoomed" = 1 ]; then pass "+ zooms the time axis (the first task scrolls off the left)"
else fail "+ zooms the time axis (the first task scrolls off the left)"; fi
keys f

# 7. task details: worker escaped, times, JSON input pretty-printed
keys g Enter
if wait_for "Task reserve_stock  COMPLETED" 5 && grep -qF '"sku": "A-1"' "$tmp/screen" &&
    grep -qF "waited 1.0s for a worker" "$tmp/screen"
then pass "Enter on a task shows its details with the input JSON pretty-printed"
else fail "Enter on a task shows its details with the input JSON pretty-printed"; fi
keys Escape j j j Enter
if wait_for "Task notify_webhook" 5 && grep -qF 'evil\x1b[31mworker' "$tmp/screen"
then pass "a worker id with an escape sequence is shown escaped"
else fail "a worker id with an escape sequence is shown escaped"; fi
keys Escape

# 8. a sub-workflow opens from its task, Esc comes back to the parent
start --workflow e2e-parent
wait_for "nightly_report v2  COMPLETED" 10
keys j o
if wait_for "archive_report v1  COMPLETED" 5 && grep -qF "parent e2e-parent" "$tmp/screen" &&
    grep -qE "^ +1 +upload_archive +DONE" "$tmp/screen"
then pass "o opens the sub-workflow of the selected task"
else fail "o opens the sub-workflow of the selected task"; fi
keys Escape
if wait_for "nightly_report v2  COMPLETED" 5; then pass "Esc from the sub-workflow returns to its parent"
else fail "Esc from the sub-workflow returns to its parent"; fi

# 9. keys for Redis views say Redis is not watched; help lists the timeline keys
keys 1
if wait_for "Redis is not watched" 3; then pass "1 without --redis says Redis is not watched"
else fail "1 without --redis says Redis is not watched"; fi
keys '?'
if wait_for "Help: timeline view" 3 && grep -qF "zoom the time axis" "$tmp/screen"
then pass "? lists the timeline's keys"
else fail "? lists the timeline's keys"; fi
keys Escape

# 9b. --json without --once streams PostgreSQL samples too: one line per sample, with what the
# statements cost and how the counts are kept
timeout 20 "$QUEUETOP" --pg "$conninfo" --json --interval 0.5 9>&- 2>"$tmp/json.err" |
    head -3 > "$tmp/json.lines"
if [ "$(wc -l < "$tmp/json.lines")" = 3 ] &&
    grep -qF '"postgres":{"ok":true' "$tmp/json.lines" &&
    tail -1 "$tmp/json.lines" | grep -qE '"cost":\{"share":[0-9.e-]+,"window_s":[0-9]+' &&
    tail -1 "$tmp/json.lines" | grep -qF '"counts":"kept"' &&
    tail -1 "$tmp/json.lines" | grep -qF '"order_fulfilment":{'
then pass "--pg --json streams one line per PostgreSQL sample with postgres.cost"
else fail "--pg --json streams one line per PostgreSQL sample with postgres.cost"
    head -c 600 "$tmp/json.lines" >&2; cat "$tmp/json.err" >&2; fi

# 10. PostgreSQL goes away: the header says DOWN, the last data stays, q still quits
exec 9>&-
i=0
while kill -0 "$fixture_pid" 2>/dev/null && [ $i -lt 100 ]; do i=$((i + 1)); sleep 0.1; done
if wait_for "cannot connect to PostgreSQL" 15 && grep -qF "[DOWN]" "$tmp/screen" &&
    grep -qF "nightly_report v2" "$tmp/screen"
then pass "PostgreSQL stopped: [DOWN] with the reason, the timeline stays"
else fail "PostgreSQL stopped: [DOWN] with the reason, the timeline stays"; fi
keys q
sleep 0.5
if ! tmux -L "$sock" has-session -t qt 2>/dev/null; then pass "q quits"; else fail "q quits"; fi
echo "1..$n"
