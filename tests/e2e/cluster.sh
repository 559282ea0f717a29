#!/bin/sh
# End-to-end: a real Redis Cluster (three primaries, three replicas, made with redis-cli
# --cluster create) watched from any one node, and several plain servers on one screen:
# every primary found and read on its own connection, each stream on the node that holds it,
# replicas with their health and offset lag, a primary that is down shown down while the
# others are read, --redis-file, NAME=URL, and the dashboard's node column. Prints TAP lines.
set -u
tmp=$(mktemp -d /tmp/queuetop-e2e-XXXXXX)
sock="qt-e2e-cluster-$$"
. tests/e2e/common.inc
pids=""
cleanup() {
    tmux -L "$sock" kill-server >/dev/null 2>&1
    for p in $pids; do kill -9 "$p" >/dev/null 2>&1; done
    wait >/dev/null 2>&1
    rm -rf "$tmp"
}
trap cleanup EXIT INT TERM

# a free port whose cluster bus port (+10000) is free too
cluster_port() {
    while :; do
        p=$("$BUILD/tests/freeport")
        [ "$p" -lt 55000 ] || continue
        if python3 -c 'import socket, sys; socket.socket().bind(("127.0.0.1", int(sys.argv[1])))' \
            "$((p + 10000))" 2>/dev/null; then
            echo "$p"; return
        fi
    done
}
# server PORT ARGS...: a redis-server in the background, waited for; $last_pid is its pid
server() {
    p=$1
    shift
    mkdir -p "$tmp/$p"
    (cd "$tmp/$p" && exec redis-server --port "$p" --bind 127.0.0.1 --save '' --appendonly no \
        --logfile "$tmp/$p/redis.log" --daemonize no "$@" >/dev/null 2>&1) &
    last_pid=$!
    pids="$pids $last_pid"
    wait_redis "$p" || { echo "not ok 1 - redis-server on $p did not start"; exit 1; }
}
ports=""
for k in 1 2 3 4 5 6; do   # (wait_redis uses $i)
    p=$(cluster_port)
    case " $ports " in *" $p "*) p=$(cluster_port) ;; esac
    server "$p" --cluster-enabled yes --cluster-config-file nodes.conf --cluster-node-timeout 2000
    eval "pid_$k=\$last_pid"
    ports="$ports $p"
done
set -- $ports
p1=$1; p2=$2; p3=$3
addrs=""
for p in $ports; do addrs="$addrs 127.0.0.1:$p"; done
# shellcheck disable=SC2086
redis-cli --cluster create $addrs --cluster-replicas 1 --cluster-yes >"$tmp/create.log" 2>&1 ||
    { echo "not ok 1 - redis-cli --cluster create failed: $(tail -3 "$tmp/create.log")"; exit 1; }
i=0
until redis-cli -p "$p1" CLUSTER INFO 2>/dev/null | grep -q 'cluster_state:ok' &&
      [ "$(redis-cli -p "$p1" CLUSTER NODES 2>/dev/null | awk '$3 ~ /slave/' | wc -l)" -eq 3 ] &&
      [ "$(redis-cli -p "$p1" CLUSTER SHARDS 2>/dev/null | grep -c '^online$')" -eq 6 ]; do
    i=$((i + 1)); [ $i -gt 200 ] && { echo "not ok 1 - the cluster did not become ready"; exit 1; }
    sleep 0.1
done

# streams on every primary (redis-cli -c follows MOVED), a group with entries pending, a lock
for i in $(seq 1 30); do
    redis-cli -c -p "$p1" XADD "jobs:$i" '*' n "$i" >/dev/null
done
redis-cli -c -p "$p1" XGROUP CREATE jobs:7 workers 0 >/dev/null
redis-cli -c -p "$p1" XREADGROUP GROUP workers w1 STREAMS jobs:7 '>' >/dev/null
redis-cli -c -p "$p1" SET lock:nightly me >/dev/null
# the truth, from each primary itself: which streams it holds
primaries=$(redis-cli -p "$p1" CLUSTER NODES | awk '$3 ~ /master/ { split($2, a, "[:@]"); print a[2] }' | sort -n)
for p in $primaries; do
    redis-cli -p "$p" --scan --pattern 'jobs:*' | sort >"$tmp/truth-$p"
done
cat "$tmp"/truth-* | sort >"$tmp/truth-all"

# 1. --once --json from a replica's neighbour: the whole cluster
"$QUEUETOP" --redis "redis://127.0.0.1:$p2" --once --json --rate-interval 0 >"$tmp/out" 2>"$tmp/err"
rc=$?
python3 - "$tmp" $primaries <<'EOF' >"$tmp/check" 2>&1
import json, sys
tmp, prim = sys.argv[1], sys.argv[2:]
d = json.load(open(tmp + "/out"))["redis"]
nodes = {n["name"]: n for n in d["nodes"]}
want = {"127.0.0.1:" + p for p in prim}
assert set(nodes) == want, (set(nodes), want)
for p in prim:
    n = nodes["127.0.0.1:" + p]
    truth = [l.strip() for l in open(tmp + "/truth-" + p) if l.strip()]
    mine = sorted(s["key"] for s in d["streams"] if s["node"] == "127.0.0.1:" + p)
    assert mine == sorted(truth), (p, mine, truth)
    assert n["streams"] == len(truth) and n["state"] == "up" and n["cluster"], n
    assert n["slot_count"] > 0 and n["server"]["role"] == "master", n
    assert len(n["replicas"]) == 1 and n["replicas"][0]["health"] == "online", n
    assert n["replicas"][0]["lag_bytes"] is not None, n
assert sum(n["slot_count"] for n in nodes.values()) == 16384
j7 = [s for s in d["streams"] if s["key"] == "jobs:7"][0]
assert j7["groups"][0]["pending"] == 1, j7
locks = d["locks"]
assert len(locks) == 1 and locks[0]["key"] == "lock:nightly" and locks[0]["node"] in want, locks
print("ok")
EOF
if [ "$rc" -eq 0 ] && grep -qx ok "$tmp/check"
then pass "--once --json from one node: the 3 primaries, each stream on the node that holds it, slots, replicas online with their lag"
else fail "--once --json of the cluster: rc $rc, $(cat "$tmp/check" "$tmp/err")"; fi

# 2. --once text: the nodes table and a NODE column
"$QUEUETOP" --redis "redis://127.0.0.1:$p3" --once --rate-interval 0 >"$tmp/text" 2>&1
if grep -q '^3 nodes$' "$tmp/text" && grep -q '^NODE ' "$tmp/text" &&
   [ "$(grep -c '     replica 127.0.0.1:' "$tmp/text")" -eq 3 ]
then pass "--once text: 3 nodes, their replicas and a NODE column"
else fail "--once text of the cluster: $(head -20 "$tmp/text")"; fi

# 2b. CLUSTER SHARDS refused (an ACL that allows CLUSTER SLOTS only, as on a server older than
# 7.0): the map from CLUSTER SLOTS, the same primaries and slots, health unknown
for p in $ports; do
    redis-cli -p "$p" ACL SETUSER slotsonly on '>sl0ts' '~*' '+@all' '-cluster|shards' >/dev/null
done
"$QUEUETOP" --redis "redis://slotsonly:sl0ts@127.0.0.1:$p2" --once --json --rate-interval 0 \
    >"$tmp/out" 2>"$tmp/err"
rc=$?
if [ "$rc" -eq 0 ] && python3 - "$tmp" $primaries <<'EOF2' 2>"$tmp/check"
import json, sys
tmp, prim = sys.argv[1], sys.argv[2:]
d = json.load(open(tmp + "/out"))["redis"]
nodes = {n["name"]: n for n in d["nodes"]}
assert set(nodes) == {"127.0.0.1:" + p for p in prim}, nodes.keys()
assert sum(n["slot_count"] for n in nodes.values()) == 16384
assert all(n["health"] is None and len(n["replicas"]) == 1 for n in nodes.values()), nodes
assert len(d["streams"]) == 30, len(d["streams"])
EOF2
then pass "CLUSTER SHARDS refused: the map from CLUSTER SLOTS (3 primaries, 16384 slots, replicas)"
else fail "CLUSTER SLOTS fallback: rc $rc, $(cat "$tmp/check" "$tmp/err")"; fi

# 3. several plain servers: the same key on both, each with its own length; NAME=URL
a=$("$BUILD/tests/freeport"); server "$a"; pa=$last_pid
b=$("$BUILD/tests/freeport"); server "$b"
redis-cli -p "$a" XADD orders '*' n 1 >/dev/null
redis-cli -p "$b" XADD orders '*' n 1 >/dev/null
redis-cli -p "$b" XADD orders '*' n 2 >/dev/null
"$QUEUETOP" -r "eu=redis://127.0.0.1:$a" -r "us=redis://127.0.0.1:$b" --once --json \
    --rate-interval 0 >"$tmp/out" 2>"$tmp/err"
rc=$?
if [ "$rc" -eq 0 ] && python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))["redis"]
rows = sorted((s["node"], s["key"], s["length"]) for s in d["streams"])
assert rows == [("eu", "orders", 1), ("us", "orders", 2)], rows
assert [n["name"] for n in d["nodes"]] == ["eu", "us"]
assert all(n["server"]["ok"] for n in d["nodes"]) and "server" not in d
' "$tmp/out" 2>"$tmp/check"
then pass "-r NAME=URL twice: one key on two servers is two rows, each with its own length"
else fail "two servers: rc $rc, $(cat "$tmp/check" "$tmp/err")"; fi

# 4. --redis-file: comments and blank lines skipped, names kept; two servers of one name refused
printf '# the fleet\n\neu=redis://127.0.0.1:%s\n  redis://127.0.0.1:%s  \n' "$a" "$b" >"$tmp/fleet"
"$QUEUETOP" --redis-file "$tmp/fleet" --once --json --rate-interval 0 >"$tmp/out" 2>"$tmp/err"
rc=$?
"$QUEUETOP" -r "x=redis://127.0.0.1:$a" -r "x=redis://127.0.0.1:$b" --once >/dev/null 2>"$tmp/err2"
rc2=$?
if [ "$rc" -eq 0 ] && python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))["redis"]
assert [n["name"] for n in d["nodes"]] == ["eu", "127.0.0.1:" + sys.argv[2]], d["nodes"]
' "$tmp/out" "$b" 2>"$tmp/check" && [ "$rc2" -eq 2 ] && grep -q "two Redis servers are named 'x'" "$tmp/err2"
then pass "--redis-file: names and comments; two servers of one name refused (exit 2)"
else fail "--redis-file: rc $rc/$rc2, $(cat "$tmp/check" "$tmp/err" "$tmp/err2")"; fi

# 5. a server of several that is down: shown down with its reason, the others read, exit 2
kill -9 "$pa"; wait "$pa" 2>/dev/null
"$QUEUETOP" -r "eu=redis://127.0.0.1:$a" -r "us=redis://127.0.0.1:$b" --once --json \
    --rate-interval 0 >"$tmp/out" 2>"$tmp/err"
rc=$?
if [ "$rc" -eq 2 ] && grep -q "^queuetop: eu: cannot connect" "$tmp/err" && python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))["redis"]
n = {x["name"]: x for x in d["nodes"]}
assert n["eu"]["state"] == "down" and "cannot connect" in n["eu"]["error"], n["eu"]
assert n["us"]["state"] == "up" and [s["node"] for s in d["streams"]] == ["us"], d["streams"]
' "$tmp/out" 2>"$tmp/check"
then pass "one server of two down: down with its reason, the other read, exit 2"
else fail "a server down: rc $rc, $(cat "$tmp/check" "$tmp/err")"; fi

# 6. the dashboard from one node: the cluster's primaries, a NODE column naming where each
# stream lives
tmux -L "$sock" new-session -d -s qt -x 100 -y 30 \
    "$QUEUETOP --redis redis://127.0.0.1:$p2 --interval 0.5 --connect-timeout 1 2>$tmp/dash.err; sleep 30"
k7=$(redis-cli -p "$p1" CLUSTER KEYSLOT jobs:7)
owner7=""
for p in $primaries; do grep -qx 'jobs:7' "$tmp/truth-$p" && owner7=$p; done
if wait_for "3 cluster primaries" 10 && wait_for_re "jobs:7 .* 127\.0\.0\.1:$owner7" 10 &&
   grep -q 'NODE' "$tmp/screen"
then pass "dashboard: 3 cluster primaries in the header, jobs:7 (slot $k7) on 127.0.0.1:$owner7 in the NODE column"
else fail "dashboard from one node of the cluster"; fi

# 6a. a slot moved to another primary (CLUSTER SETSLOT + MIGRATE, as a resharding does): the
# stream is then read on its new node, its pending entry with it
dst=""
for p in $primaries; do [ "$p" != "$owner7" ] && [ -z "$dst" ] && dst=$p; done
id_of() { redis-cli -p "$p1" CLUSTER NODES | awk -v a="127.0.0.1:$1@" 'index($2, a) == 1 { print $1 }'; }
src_id=$(id_of "$owner7"); dst_id=$(id_of "$dst")
redis-cli -p "$dst" CLUSTER SETSLOT "$k7" IMPORTING "$src_id" >/dev/null
redis-cli -p "$owner7" CLUSTER SETSLOT "$k7" MIGRATING "$dst_id" >/dev/null
for key in $(redis-cli -p "$owner7" CLUSTER GETKEYSINSLOT "$k7" 100); do
    redis-cli -p "$owner7" MIGRATE 127.0.0.1 "$dst" "$key" 0 5000 >/dev/null
done
for p in $primaries; do redis-cli -p "$p" CLUSTER SETSLOT "$k7" NODE "$dst_id" >/dev/null; done
if wait_for_re "jobs:7 .* 127\.0\.0\.1:$dst" 15 &&
   [ "$(awk '$1 ~ /jobs:7$/ { print $6 }' "$tmp/screen")" = 1 ]
then pass "a slot moved (SETSLOT, MIGRATE): jobs:7 read on its new primary 127.0.0.1:$dst, its pending entry with it"
else fail "slot $k7 moved from $owner7 to $dst: not followed"; fi

# 6b. the server view: one line per primary, its slots and replica, < > another node's details
keys 2
if wait_for_re "^ nodes +> 127\.0\.0\.1:[0-9]+ +up +master .*slots [0-9]+-[0-9]+" 10; then
    first=$(grep -E '^ nodes +> ' "$tmp/screen" | awk '{print $3}')
    keys '>'
    if wait_for_re "^ +> 127\.0\.0\.1:[0-9]+ +up" 5 && ! grep -qE "^ nodes +> $first " "$tmp/screen"
    then pass "server view: a line per primary with its slots; > marks another node"
    else fail "server view: > did not move to another node"; fi
else fail "server view: no nodes list"; fi
keys 1

# 7. a cluster primary down (before failover): --once shows it down, the others read
victim=$(echo "$primaries" | tail -1)
victim_id=$(redis-cli -p "$p1" CLUSTER NODES | awk -v a="127.0.0.1:$victim@" 'index($2, a) == 1 { print $1 }')
heir=$(redis-cli -p "$p1" CLUSTER NODES | awk -v m="$victim_id" '$4 == m { split($2, a, "[:@]"); print a[2] }')
for k in 1 2 3 4 5 6; do
    eval "vp=\$pid_$k"
    [ "$(echo $ports | cut -d' ' -f$k)" = "$victim" ] && { kill -9 "$vp"; wait "$vp" 2>/dev/null; }
done
seed=$(echo "$primaries" | head -1)
"$QUEUETOP" --redis "redis://127.0.0.1:$seed" --once --json --rate-interval 0 \
    --connect-timeout 1 >"$tmp/out" 2>"$tmp/err"
rc=$?
if [ "$rc" -eq 2 ] && python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))["redis"]
n = {x["name"]: x for x in d["nodes"]}
v = "127.0.0.1:" + sys.argv[2]
if v in n:   # not failed over yet: shown down
    assert n[v]["state"] == "down", n[v]
    assert all(x["state"] == "up" for k, x in n.items() if k != v), n
    assert v not in [s["node"] for s in d["streams"]] and len(d["streams"]) > 0
' "$tmp/out" "$victim" 2>"$tmp/check"
then pass "a primary killed: down in nodes[], the other primaries read, exit 2"
else fail "a primary down: rc $rc, $(cat "$tmp/check" "$tmp/err")"; fi

# 8. the dashboard says so, then follows the failover to the replica without a restart
if wait_for "(1 DOWN)" 10
then pass "dashboard: the killed primary is counted DOWN in the header"
else fail "dashboard: a primary down"; fi
victim_stream=$(head -1 "$tmp/truth-$victim")
if [ -n "$heir" ] && wait_for_re "$victim_stream .* 127\.0\.0\.1:$heir" 30 && ! grep -q "DOWN" "$tmp/screen"
then pass "dashboard: after the failover $victim_stream is read on the promoted replica 127.0.0.1:$heir"
else fail "dashboard: failover to $heir not followed ($victim_stream)"; fi
start=$(date +%s%N)
keys q
i=0
while tmux -L "$sock" list-panes -t qt -F '#{pane_current_command}' 2>/dev/null | grep -q queuetop; do
    i=$((i + 1)); [ $i -gt 50 ] && break; sleep 0.05
done
ms=$(( ($(date +%s%N) - start) / 1000000 ))
if [ "$ms" -lt 1500 ] && [ ! -s "$tmp/dash.err" ]
then pass "q leaves the cluster dashboard (${ms} ms), nothing on stderr"
else fail "q took ${ms} ms: $(cat "$tmp/dash.err")"; fi

echo "1..$n"
