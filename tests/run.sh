#!/bin/sh
# Runs every test suite given on the command line (cmocka binaries) and every end-to-end script
# in tests/e2e/, prints one line per suite and, last, one line "N passed, N failed" over all.
# A suite that dies without its summary counts as one failure. Exit status 1 if anything failed.
set -u
BUILD=${BUILD:-build}
export QUEUETOP=${QUEUETOP:-$BUILD/queuetop}
log=$(mktemp -d /tmp/queuetop-tests-XXXXXX)
trap 'rm -rf "$log"' EXIT
total_pass=0
total_fail=0

count_cmocka() {   # file -> "passed failed"
    p=$(sed -n 's/^\[  PASSED  \] \([0-9][0-9]*\) test.*/\1/p' "$1" | tail -1)
    f=$(sed -n 's/^\[  FAILED  \] \([0-9][0-9]*\) test.*/\1/p' "$1" | tail -1)
    echo "${p:-0} ${f:-0}"
}

count_tap() {      # file -> "passed failed"
    p=$(grep -c '^ok ' "$1")
    f=$(grep -c '^not ok ' "$1")
    echo "$p $f"
}

run_suite() {      # name kind command...
    name=$1; kind=$2; shift 2
    out="$log/$(echo "$name" | tr / _).out"
    "$@" >"$out" 2>&1
    rc=$?
    set -- $(count_$kind "$out")
    p=$1; f=$2
    if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
        f=1   # crashed or failed outside any test
    fi
    total_pass=$((total_pass + p))
    total_fail=$((total_fail + f))
    if [ "$f" -gt 0 ]; then
        echo "FAIL  $name: $p passed, $f failed (exit $rc)"
        sed 's/^/      /' "$out" | grep -vE '^\s+\[ (RUN|      OK) ' | tail -40
    else
        echo "ok    $name: $p passed"
    fi
}

for t in "$@"; do
    run_suite "$(basename "$t")" cmocka "$t"
done
# a short fuzzing run of each parser of untrusted input (make fuzz runs longer)
if [ -x build-fuzz/fuzz_sanitize ]; then
    run_suite "fuzz" tap env FUZZ_SECONDS="${FUZZ_SECONDS:-5}" sh tests/fuzz/run.sh
fi
for s in tests/e2e/*.sh; do
    [ -f "$s" ] || continue
    run_suite "e2e/$(basename "$s" .sh)" tap sh "$s"
done

echo "$total_pass passed, $total_fail failed"
[ "$total_fail" -eq 0 ]
