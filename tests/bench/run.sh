#!/bin/sh
# run.sh -- the benchmarks: the Redis collectors (tests/bench/bench.c, arguments passed on) and
# Conductor's tables at 1,000,000 executions on PostgreSQL (tests/bench/pg_bench.c).
#   BUILD=build sh tests/bench/run.sh [--streams N] [--runs R] [--batch B] [--payload BYTES]
set -eu
BUILD=${BUILD:-build}
"$BUILD/tests/bench" "$@"
echo
"$BUILD/tests/pg_bench" --executions "${PG_BENCH_EXECUTIONS:-1000000}"
