#!/bin/sh
# End-to-end: a password that rotates while queuetop runs. A real redis-server with
# requirepass; the password is rotated (CONFIG SET requirepass) and queuetop's connections are
# killed (CLIENT KILL): the --json stream goes on with the new secret, read again from
# --password-file or --password-command at the reconnect. The password is never printed, and
# a failing command is one clear line. Prints TAP lines.
set -u
tmp=$(mktemp -d /tmp/queuetop-e2e-XXXXXX)
sock="qt-e2e-secrets-$$"
. tests/e2e/common.inc
qt_pid=""
cleanup() {
    [ -n "$qt_pid" ] && kill -9 "$qt_pid" >/dev/null 2>&1
    e2e_cleanup
}
trap cleanup EXIT INT TERM
start_redis
redis-cli -p "$port" CONFIG SET requirepass first-Secret-1 >/dev/null
R() { redis-cli -p "$port" --no-auth-warning -a "$1" "$@"; }
redis-cli -p "$port" --no-auth-warning -a first-Secret-1 XADD orders '*' n 1 >/dev/null

# lines_ok FILE FROM: how many lines after line FROM say the Redis sample is fresh
lines_ok() { tail -n +"$(( $2 + 1 ))" "$1" | grep -c '"redis":{"url":"[^"]*","master":null,[^}]*"ok":true'; }

# rotate FROM TO: the server's password changes, and every client of queuetop is cut off
rotate() {
    redis-cli -p "$port" --no-auth-warning -a "$1" CONFIG SET requirepass "$2" >/dev/null
    redis-cli -p "$port" --no-auth-warning -a "$2" CLIENT KILL TYPE normal SKIPME yes >/dev/null
}

# run_rotation NAME SECRET-FILE ARGS...: a --json stream, a rotation, the stream goes on
run_rotation() {
    name=$1; file=$2; shift 2
    old=$(cat "$file")
    "$QUEUETOP" --redis "redis://127.0.0.1:$port" "$@" --json --interval 0.3 --connect-timeout 1 \
        >"$tmp/$name.out" 2>"$tmp/$name.err" &
    qt_pid=$!
    i=0
    while [ "$(lines_ok "$tmp/$name.out" 0)" -lt 2 ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
    before=$(lines_ok "$tmp/$name.out" 0)
    new="rotated-$name-$$"
    echo "$new" >"$file"
    rotate "$old" "$new"
    mark=$(wc -l <"$tmp/$name.out")
    i=0
    while [ "$(lines_ok "$tmp/$name.out" "$mark")" -lt 3 ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
    after=$(lines_ok "$tmp/$name.out" "$mark")
    kill "$qt_pid" 2>/dev/null; wait "$qt_pid" 2>/dev/null; qt_pid=""
    if [ "$before" -ge 2 ] && [ "$after" -ge 3 ] &&
       ! grep -q -e "$old" -e "$new" "$tmp/$name.out" "$tmp/$name.err"
    then pass "$name: read with the first secret, then with the rotated one after the kill; never printed"
    else fail "$name: $before fresh lines before, $after after the rotation: $(tail -c 300 "$tmp/$name.out") $(cat "$tmp/$name.err")"; fi
    R "$new" PING >/dev/null
}

# 1. --password-file
printf 'first-Secret-1\n' >"$tmp/pass"
chmod 600 "$tmp/pass"
run_rotation password-file "$tmp/pass" --password-file "$tmp/pass"

# 2. --password-command (the secret manager's CLI, say)
cp "$tmp/pass" "$tmp/pass2"
run_rotation password-command "$tmp/pass2" --password-command "cat '$tmp/pass2'"

# 3. a command that fails, a file that is missing: one line each, exit 2, nothing leaked
"$QUEUETOP" --redis "redis://127.0.0.1:$port" --password-command 'echo oops >&2; exit 3' --once \
    >/dev/null 2>"$tmp/err"
rc=$?
"$QUEUETOP" --redis "redis://127.0.0.1:$port" --password-file "$tmp/nosuch" --once \
    >/dev/null 2>"$tmp/err2"
rc2=$?
if [ "$rc" -eq 2 ] && grep -q -- "--password-command failed (exit 3)" "$tmp/err" &&
   ! grep -q oops "$tmp/err" && [ "$rc2" -eq 2 ] &&
   grep -q -- "--password-file $tmp/nosuch: No such file" "$tmp/err2"
then pass "a failing --password-command and a missing --password-file: one line each, exit 2"
else fail "secret failures: rc $rc/$rc2: $(cat "$tmp/err" "$tmp/err2")"; fi

# 4. a password in the URL beside --password-file is refused (which one would be used?)
"$QUEUETOP" --redis "redis://:x@127.0.0.1:$port" --password-file "$tmp/pass" --once >/dev/null 2>"$tmp/err"
rc=$?
if [ "$rc" -eq 2 ] && grep -q "give one" "$tmp/err"
then pass "a URL password with --password-file: refused, exit 2"
else fail "URL password and --password-file: rc $rc: $(cat "$tmp/err")"; fi

echo "1..$n"
