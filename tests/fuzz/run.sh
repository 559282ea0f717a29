#!/bin/sh
# Runs each libFuzzer target in build-fuzz/ for FUZZ_SECONDS (default 5) from its seed corpus
# (tests/fuzz/seeds/<target>/, copied into build-fuzz/corpus-<target>/); prints TAP. No single
# allocation may exceed 256 MB (-malloc_limit_mb): a parser that allocates what its input claims
# rather than what it holds fails there.
# A crash leaves the input in build-fuzz/ and fails the suite.
set -u
secs=${FUZZ_SECONDS:-5}
n=0; failed=0
for f in build-fuzz/fuzz_*; do
    [ -x "$f" ] || continue
    name=$(basename "$f")
    corpus="build-fuzz/corpus-$name"
    mkdir -p "$corpus"
    [ -d "tests/fuzz/seeds/$name" ] && cp tests/fuzz/seeds/"$name"/* "$corpus"/ 2>/dev/null
    n=$((n + 1))
    if "$f" -max_total_time="$secs" -malloc_limit_mb=256 -rss_limit_mb=1024 -print_final_stats=1 -artifact_prefix=build-fuzz/ "$corpus" >"build-fuzz/$name.log" 2>&1; then
        echo "ok $n - $name ran ${secs}s: $(grep -ao 'stat::number_of_executed_units: *[0-9]*' "build-fuzz/$name.log" | grep -o '[0-9]*$' | tail -1) inputs"
    else
        echo "not ok $n - $name found a failure (see build-fuzz/$name.log)"
        tail -20 "build-fuzz/$name.log" | sed 's/^/# /'
        failed=1
    fi
done
[ $n -gt 0 ] || { echo "not ok 1 - no fuzz targets built"; exit 1; }
echo "1..$n"
exit $failed
