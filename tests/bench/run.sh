#!/bin/sh
# run.sh -- the benchmarks: the Redis collectors and the peers (tests/bench/bench.c, arguments
# passed on), Conductor's tables at 1,000,000 executions on PostgreSQL (tests/bench/pg_bench.c),
# the dashboard against 100,000 streams and 200,000 other keys (tests/bench/scale_bench.c), and
# bull-board against queuetop on 300 BullMQ queues (tests/bench/bullboard.sh).
#   BUILD=build sh tests/bench/run.sh [--streams N] [--runs R] [--batch B] [--payload BYTES]
set -eu
BUILD=${BUILD:-build}
"$BUILD/tests/bench" "$@"
echo
"$BUILD/tests/pg_bench" --executions "${PG_BENCH_EXECUTIONS:-1000000}"
echo
"$BUILD/tests/scale_bench" --sim "$BUILD/tests/scale_sim" --streams "${SCALE_STREAMS:-100000}" \
    --keys "${SCALE_KEYS:-200000}"
echo
BUILD="$BUILD" sh tests/bench/bullboard.sh
