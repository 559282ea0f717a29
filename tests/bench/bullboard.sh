#!/bin/sh
# bullboard.sh -- what bull-board's queues API (the request its UI polls) costs Redis per
# refresh against queuetop's dashboard per sample, on 300 BullMQ queues staged with BullMQ
# itself (tests/bench/bullboard/bench.js), on a private redis-server. Skipped, with a line
# saying so, when node or npm is missing or the packages cannot be installed.
#   BUILD=build sh tests/bench/bullboard.sh
set -u
BUILD=${BUILD:-build}
QUEUETOP=${QUEUETOP:-$BUILD/queuetop}
echo "-- peers: bull-board's queues API against queuetop's dashboard, 300 BullMQ queues"
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
    echo "  skipped: node or npm is missing"
    exit 0
fi
dir=$(mktemp -d /tmp/queuetop-bullboard.XXXXXX)
cp tests/bench/bullboard/package.json tests/bench/bullboard/bench.js "$dir/"
if ! (cd "$dir" && timeout -k 5 300 npm install --no-audit --no-fund --prefer-offline \
        >"$dir/npm.log" 2>&1); then
    echo "  skipped: npm install failed: $(tail -n 3 "$dir/npm.log" | tr '\n' ' ')"
    rm -rf "$dir"
    exit 0
fi
port=$("$BUILD/tests/freeport")
redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no --dir "$dir" \
    >/dev/null 2>&1 &
pid=$!
i=0
until redis-cli -p "$port" ping >/dev/null 2>&1; do
    i=$((i + 1))
    if [ "$i" -gt 100 ]; then
        echo "  redis-server did not start" >&2
        kill "$pid" 2>/dev/null
        rm -rf "$dir"
        exit 1
    fi
    sleep 0.05
done
timeout -k 5 300 node "$dir/bench.js" "$port" "$pid" "$(realpath "$QUEUETOP")" 300
rc=$?
kill "$pid" 2>/dev/null
wait "$pid" 2>/dev/null
rm -rf "$dir"
exit $rc
