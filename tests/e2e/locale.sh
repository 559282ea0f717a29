#!/bin/sh
# End-to-end: numbers do not depend on the user's locale. Under LC_ALL=de_DE.UTF-8 (built here
# with localedef into a temporary LOCPATH, so nothing on the system changes) a comma is the
# decimal mark for the C library, yet --interval 0.5 is accepted and Redis' figures with a
# fraction (mem_fragmentation_ratio, a ZSET score as due time) are read with it; the dashboard
# starts and shows them with a dot. Prints TAP.
set -u
tmp=$(mktemp -d /tmp/queuetop-e2e-XXXXXX)
sock="qt-e2e-loc-$$"
. tests/e2e/common.inc
trap e2e_cleanup EXIT INT TERM
start_redis

mkdir -p "$tmp/locale"
if ! localedef -i de_DE -f UTF-8 "$tmp/locale/de_DE.UTF-8" >"$tmp/localedef.log" 2>&1; then
    echo "not ok 1 - localedef could not build de_DE.UTF-8 (package locales: make deps)"
    sed 's/^/# /' "$tmp/localedef.log"
    exit 1
fi
# (under SAN=1: glibc's own list of locale paths is reported as a leak; suppressed by name)
lsan="suppressions=$PWD/tests/e2e/lsan-glibc-locale.supp"
de() { env -u REDIS_URL LOCPATH="$tmp/locale" LC_ALL=de_DE.UTF-8 LSAN_OPTIONS="$lsan" "$@"; }
# the precondition: this locale really writes and reads a decimal comma
if [ "$(de printf '%.2f' 1,5 2>/dev/null)" = "1,50" ]; then
    pass "de_DE.UTF-8 built: the C library's decimal mark is a comma"
else
    fail "de_DE.UTF-8 built: the C library's decimal mark is a comma (got '$(de printf '%.2f' 1,5 2>&1)')"
fi

url="redis://127.0.0.1:$port"
redis-cli -p "$port" XADD orders '*' n 1 >/dev/null
out=$(de "$QUEUETOP" --redis "$url" --once --json --interval 0.5 --rate-interval 0.5 2>"$tmp/err"); rc=$?
if [ $rc -eq 0 ]; then
    pass "--interval 0.5 and --rate-interval 0.5 are accepted"
else
    fail "--interval 0.5 and --rate-interval 0.5 are accepted (exit $rc: $(cat "$tmp/err"))"
fi
# the ratio as Redis wrote it, and as queuetop read it: close (it moves between the two reads,
# more under the sanitizers) and with its fraction (a comma-decimal strtod stops at the dot)
want=$(redis-cli -p "$port" INFO memory | tr -d '\r' | sed -n 's/^mem_fragmentation_ratio://p')
got=$(printf '%s' "$out" | sed -n 's/.*"mem_fragmentation_ratio":\([0-9.eE+-]*\).*/\1/p')
if [ -n "$want" ] && [ -n "$got" ] &&
    LC_ALL=C awk -v a="$want" -v b="$got" 'BEGIN { d = a - b; if (d < 0) d = -d;
        exit !(d <= 0.25 * a && (b != int(b) || a == int(a))) }'
then pass "mem_fragmentation_ratio read with its fraction ($got; INFO says $want)"
else fail "mem_fragmentation_ratio read with its fraction (got '$got'; INFO says '$want')"; fi

# the dashboard starts under that locale and draws figures with a dot
tmux -L "$sock" -f /dev/null new-session -d -s qt -x 80 -y 24 \
    "env -u REDIS_URL LOCPATH='$tmp/locale' LC_ALL=de_DE.UTF-8 LSAN_OPTIONS='$lsan' TERM=xterm-256color $QUEUETOP --redis $url --interval 0.5"
if wait_for "orders" 10; then pass "the dashboard runs under de_DE.UTF-8 with --interval 0.5"
else fail "the dashboard runs under de_DE.UTF-8 with --interval 0.5"; fi
keys 2
if wait_for "frag" 5 && grep -qE "frag[a-z]* *[0-9]+\.[0-9]" "$tmp/screen" &&
    ! grep -qE "frag[a-z]* *[0-9]+,[0-9]" "$tmp/screen"
then pass "the server view prints the ratio with a decimal dot"
else fail "the server view prints the ratio with a decimal dot"; fi
keys q
echo "1..$n"
