#!/bin/sh
# End-to-end: the queues view (4) and the keys view (5) in tmux at 80x24, against a private
# redis-server holding queues as their libraries write them (docs/queue-layouts.md §9): a
# Sidekiq queue with 3 jobs and a schedule with 1 job due, a BullMQ queue, a plain list; and
# locks, one without TTL. Asserts the rows, the order, the overview's problems line, Enter/Esc
# on a queue, and that 4 and 5 need Redis. Prints TAP lines.
set -u
tmp=$(mktemp -d /tmp/queuetop-e2e-XXXXXX)
sock="qt-e2e-q-$$"
. tests/e2e/common.inc

if ! command -v tmux >/dev/null 2>&1 || ! command -v redis-server >/dev/null 2>&1; then
    echo "not ok 1 - tmux and redis-server are needed (run: make deps)"
    exit 1
fi

trap e2e_cleanup EXIT INT TERM
start_redis

R() { redis-cli -p "$port" "$@" >/dev/null; }
now=$(date +%s)
# Sidekiq: the registry, 3 jobs on queue:default, a schedule with one job due and one ahead
R SADD queues default
for i in 1 2 3; do R LPUSH queue:default "{\"class\":\"HardJob\",\"jid\":\"j$i\"}"; done
R ZADD schedule $((now - 10)) '{"jid":"late"}' $((now + 3600)) '{"jid":"later"}'
# BullMQ "mail": 2 waiting, 1 taken (with its job lock, which has a TTL)
R HSET bull:mail:meta version bullmq:6.2.0 opts.maxLenEvents 10000
R LPUSH bull:mail:wait 1 2
R LPUSH bull:mail:active 3
R SET bull:mail:3:lock token-3 PX 600000
# a plain list
R LPUSH jobs:resize a b c d
# locks: one that never expires (its holder died), one healthy
R SET lock:nightly-report worker-1
R SET lock:cleanup worker-2 PX 600000

tmux -L "$sock" -f /dev/null new-session -d -s qt -x 80 -y 24 \
    "env TERM=xterm-256color LANG=C.UTF-8 LC_ALL=C.UTF-8 $QUEUETOP --redis redis://127.0.0.1:$port --interval 0.3"

# the overview: the keys collector's problems after the (absent) stream problems
if wait_for "!! lock without TTL: lock:nightly-report" 10; then
    pass "overview problems line names the lock without TTL"
else fail "overview problems line names the lock without TTL"; fi
if grep -qF "! sidekiq *: 1 due now" "$tmp/screen"; then
    pass "overview problems line names the queue with a job due now"
else fail "overview problems line names the queue with a job due now"; fi

keys 4
if wait_for "LAYOUT" 5 && wait_for "jobs:resize" 5; then pass "4 opens the queues view"
else fail "4 opens the queues view"; fi
if grep -qF "4 queues, 1 with jobs due now" "$tmp/screen" && grep -qE "scan pass [0-9]+, DBSIZE 10" "$tmp/screen"
then pass "queues title: counts, scan pass and DBSIZE"
else fail "queues title: counts, scan pass and DBSIZE"; fi
if grep -qE '^ +LAYOUT +QUEUE +DEPTH +FLIGHT +DELAYED +DUE +OLDEST +FAILED +IN/s +OUT/s$' "$tmp/screen"
then pass "queues table header fits every column at 80"
else fail "queues table header fits every column at 80"; fi
# rows: layout, name, depth, flight, delayed, due, oldest (- where the layout keeps no such
# figure, ? where it does and the figure is not known: the due schedule entry has waited
# seconds; the Sidekiq jobs carry no enqueued_at and BullMQ's job hashes are not in this
# fixture, so their oldest ages are unknown)
if grep -qE '^ !sidekiq +\* +- +- +2 +1 +[0-9.]+s +0 ' "$tmp/screen" &&
    grep -qE '^  sidekiq +default +3 +- +- +- +\? ' "$tmp/screen" &&
    grep -qE '^  bullmq +mail +2 +1 +0 +0 +\? +0 ' "$tmp/screen" &&
    grep -qE '^  list +jobs:resize +4 +- +- +- +- ' "$tmp/screen"
then pass "queue rows: layout, name, depth, in flight, delayed, due now"
else fail "queue rows: layout, name, depth, in flight, delayed, due now"; fi
# worst first: the row with a job due now, then by depth
order=$(grep -E '^ .(sidekiq|bullmq|list) ' "$tmp/screen" |
        sed -E 's/^ .([a-z]+) +([^ ]+).*/\1:\2/' | tr '\n' ' ')
if [ "$order" = "sidekiq:* list:jobs:resize sidekiq:default bullmq:mail " ]; then
    pass "queues sorted worst first (due now, then depth)"
else fail "queues sorted worst first (due now, then depth): got '$order'"; fi
lines=$(wc -l <"$tmp/screen"); widest=$(wc -L <"$tmp/screen")
if [ "$lines" -le 24 ] && [ "$widest" -le 80 ]; then pass "queues view fits 80x24"
else fail "queues view fits 80x24 ($lines lines, $widest columns)"; fi

keys Enter
if wait_for "read from 5 keys" 3 && grep -qE '^  schedule$' "$tmp/screen" &&
    grep -qE '^  stat:processed$' "$tmp/screen" && grep -qF "sidekiq *" "$tmp/screen"
then pass "Enter shows the keys the selected queue is read from"
else fail "Enter shows the keys the selected queue is read from"; fi
keys j
if wait_for "list jobs:resize  (list) read from 1 key" 3 && grep -qE '^  jobs:resize$' "$tmp/screen"
then pass "the detail follows the cursor"
else fail "the detail follows the cursor"; fi
keys Escape
sleep 0.4; capture
if ! grep -qF "read from" "$tmp/screen" && grep -qF "LAYOUT" "$tmp/screen"; then
    pass "Esc closes the detail and stays in the queues view"
else fail "Esc closes the detail and stays in the queues view"; fi

keys 5
if wait_for "Locks  3, 1 without TTL" 5; then pass "5 opens the keys view"
else fail "5 opens the keys view"; fi
first=$(grep -A1 -E '^ +KEY +TTL +OWNER' "$tmp/screen" | tail -1)
if echo "$first" | grep -qE '^!! lock:nightly-report +none +worker-1$'; then
    pass "the lock without TTL comes first, flagged !! with TTL none"
else fail "the lock without TTL comes first, flagged !! with TTL none: '$first'"; fi
if grep -qE '^   lock:cleanup +[0-9]+m[0-9]+s +worker-2$' "$tmp/screen" &&
    grep -qE '^   bull:mail:3:lock +[0-9]+m[0-9]+s +token-3$' "$tmp/screen"
then pass "locks with a TTL show it and their owner"
else fail "locks with a TTL show it and their owner"; fi
if grep -qE '^ +PREFIX +KEYS +NO-TTL +~BYTES +SAMPLE$' "$tmp/screen" &&
    grep -qE '^  bull: +4 +75% +[0-9.]+[BK] +4$' "$tmp/screen" &&
    grep -qE '^  lock: +2 +50% ' "$tmp/screen" && grep -qE '^  jobs: +1 +100% ' "$tmp/screen" &&
    grep -qF "estimates from the last full SCAN pass" "$tmp/screen"
then pass "prefixes listed with keys, share without TTL, size estimate and sample"
else fail "prefixes listed with keys, share without TTL, size estimate and sample"; fi
lines=$(wc -l <"$tmp/screen"); widest=$(wc -L <"$tmp/screen")
if [ "$lines" -le 24 ] && [ "$widest" -le 80 ]; then pass "keys view fits 80x24"
else fail "keys view fits 80x24 ($lines lines, $widest columns)"; fi
# / keeps the locks and prefixes whose name has the text; s orders the prefixes; Esc clears
keys / c l e a n Enter
sleep 0.6; capture
if grep -qF "/clean: 1 shown" "$tmp/screen" && grep -qE '^   lock:cleanup ' "$tmp/screen" &&
    ! grep -qF "lock:nightly-report" "$tmp/screen" && ! grep -qE '^  bull: ' "$tmp/screen"
then pass "/ filters the locks and prefixes and the titles say what it left"
else fail "/ filters the locks and prefixes and the titles say what it left"; fi
keys Escape s s s
sleep 0.6; capture
if grep -qF "s sort:name" "$tmp/screen" && grep -qF "lock:nightly-report" "$tmp/screen" &&
    [ "$(grep -E '^  (bull|jobs|lock): ' "$tmp/screen" | head -n 1 | cut -c3-6)" = "bull" ] &&
    [ "$(grep -E '^  (bull|jobs|lock): ' "$tmp/screen" | tail -n 1 | cut -c3-6)" = "lock" ]
then pass "Esc clears the filter; s orders the prefixes by name"
else fail "Esc clears the filter; s orders the prefixes by name"; fi
keys S
sleep 0.6; capture
if [ "$(grep -E '^  (bull|jobs|lock): ' "$tmp/screen" | head -n 1 | cut -c3-6)" = "lock" ]
then pass "S reverses the prefixes' order"
else fail "S reverses the prefixes' order"; fi
keys S s

keys Tab
if wait_for "STREAM " 3; then pass "Tab from the keys view goes on to the streams"
else fail "Tab from the keys view goes on to the streams"; fi
keys Tab Tab
if wait_for "Queues  4 queues" 3; then pass "Tab cycles streams, server, queues"
else fail "Tab cycles streams, server, queues"; fi
# Tab in number order (no 3 without --pg), and every status line lists the other views' keys
# (by name, or as views:NNN when the line is short)
keys 1
order=""
for step in 1 2 3 4; do
    keys Tab; sleep 0.5; capture
    if grep -qE '^ +STREAM ' "$tmp/screen"; then order="$order 1"
    elif grep -qE '^ problems ' "$tmp/screen"; then order="$order 2"
    elif grep -qE '^ Queues ' "$tmp/screen"; then order="$order 4"
    elif grep -qE '^ Locks ' "$tmp/screen"; then order="$order 5"
    else order="$order ?"; fi
done
if [ "$order" = " 2 4 5 1" ]; then pass "Tab visits the views in number order"
else fail "Tab visits the views in number order ($order)"; fi
footers_ok=true
for v in 1 2 4 5; do
    keys "$v"; sleep 0.5; capture
    last=$(tail -n 1 "$tmp/screen")
    for o in 1 2 4 5; do
        [ "$o" = "$v" ] && continue
        case "$last" in
        *"$o:"[a-z]*|*"views:"*"$o"*) ;;
        *) footers_ok=false; echo "# view $v: no $o in: $last" ;;
        esac
    done
done
if $footers_ok; then pass "every status line lists the other views' keys at 80 columns"
else fail "every status line lists the other views' keys at 80 columns"; fi
keys 4
# / filters the queues by layout or name, and the title says what it left; s orders them
keys / m a i l Enter
sleep 0.6; capture
if grep -qF "/mail: 1 shown" "$tmp/screen" && grep -qE '^  bullmq +mail ' "$tmp/screen" &&
    ! grep -qF "jobs:resize" "$tmp/screen"
then pass "/ filters the queues and the title shows it"
else fail "/ filters the queues and the title shows it"; fi
keys Escape s s s s
sleep 0.6; capture
if grep -qF "s sort:name" "$tmp/screen" &&
    [ "$(grep -nE '^ .(bullmq|list|sidekiq) ' "$tmp/screen" | head -n 1 | grep -c bullmq)" = 1 ] &&
    grep -qF "jobs:resize" "$tmp/screen"
then pass "Esc clears the queue filter; s orders the queues by name"
else fail "Esc clears the queue filter; s orders the queues by name"; fi
keys s
keys '?'
if wait_for "Help: queues view" 3 && grep -qF "filter by layout or name" "$tmp/screen"; then pass "? shows the queues help"
else fail "? shows the queues help"; fi
keys x

keys q
i=0
while tmux -L "$sock" has-session -t qt 2>/dev/null && [ $i -lt 30 ]; do i=$((i + 1)); sleep 0.1; done
if ! tmux -L "$sock" has-session -t qt 2>/dev/null; then pass "q quits"; else fail "q quits"; fi

# 4 and 5 need Redis: with --pg alone they say so (no PostgreSQL needed to see it)
tmux -L "$sock" -f /dev/null new-session -d -s qt -x 80 -y 24 \
    "env -u REDIS_URL TERM=xterm-256color LANG=C.UTF-8 $QUEUETOP --pg 'host=$tmp/nowhere connect_timeout=1'"
sleep 0.5
keys 4
if wait_for "Redis is not watched" 3; then pass "4 without Redis says Redis is not watched"
else fail "4 without Redis says Redis is not watched"; fi
keys q
echo "1..$n"
