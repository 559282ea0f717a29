#!/bin/sh
# run.sh -- runs the collector benchmark (see tests/bench/bench.c); arguments are passed on.
#   BUILD=build sh tests/bench/run.sh [--streams N] [--runs R] [--batch B] [--payload BYTES]
set -eu
BUILD=${BUILD:-build}
exec "$BUILD/tests/bench" "$@"
