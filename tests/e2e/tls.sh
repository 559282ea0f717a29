#!/bin/sh
# End-to-end: Redis over TLS (rediss://) against real redis-servers on their tls-port, with a
# private CA made here by openssl: verified by CA file, by host name and by address; every
# collector over it; an unknown CA, a certificate for another host, an expired one, a server
# that wants a client certificate (and one given), a wrong key, a plain port and a TLS one
# mixed up; --insecure, and the dashboard saying so, down and back. Prints TAP lines.
set -u
tmp=$(mktemp -d /tmp/queuetop-e2e-XXXXXX)
sock="qt-e2e-tls-$$"
. tests/e2e/common.inc
pids=""
cleanup() {
    tmux -L "$sock" kill-server >/dev/null 2>&1
    exec 9>&-
    [ -n "$fixture_pid" ] && kill "$fixture_pid" >/dev/null 2>&1 && wait "$fixture_pid" 2>/dev/null
    for p in $pids $redis_pid; do kill -9 "$p" >/dev/null 2>&1; done
    wait >/dev/null 2>&1
    rm -rf "$tmp"
}
trap cleanup EXIT INT TERM
if ! command -v openssl >/dev/null 2>&1; then
    echo "1..0 # skip: no openssl command (make test installs it)"
    exit 0
fi

# ---- a CA, and certificates signed by it ---------------------------------------------------
cd "$tmp" || exit 1
printf '[req]\ndistinguished_name = dn\n[dn]\n[ca]\nbasicConstraints = critical,CA:TRUE\nkeyUsage = critical,keyCertSign,cRLSign\n' >ca.cnf
openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days 2 \
    -subj "/CN=queuetop test CA" -config ca.cnf -extensions ca >/dev/null 2>&1
# cert NAME CN SAN DAYS
cert() {
    openssl req -newkey rsa:2048 -nodes -keyout "$1.key" -out "$1.csr" -subj "/CN=$2" \
        >/dev/null 2>&1
    printf 'subjectAltName=%s\nbasicConstraints=CA:FALSE\n' "$3" >"$1.ext"
    openssl x509 -req -in "$1.csr" -CA ca.pem -CAkey ca.key -CAcreateserial -out "$1.pem" \
        -days "$4" -extfile "$1.ext" >/dev/null 2>&1
}
cert server localhost "DNS:localhost,IP:127.0.0.1" 2
cert other other.example "DNS:other.example" 2
cert client queuetop-client "DNS:client" 2
cert expired localhost "DNS:localhost,IP:127.0.0.1" 0   # not after = not before: expired
openssl req -x509 -newkey rsa:2048 -nodes -keyout ca2.key -out ca2.pem -days 2 \
    -subj "/CN=another CA" -config ca.cnf -extensions ca >/dev/null 2>&1
cd - >/dev/null || exit 1
if [ ! -s "$tmp/expired.pem" ]; then
    echo "not ok 1 - openssl did not make the test certificates"
    exit 1
fi

# tls_redis CERT AUTH_CLIENTS: a redis-server with only a TLS port; sets $tport
tls_redis() {
    tport=$("$BUILD/tests/freeport")
    redis-server --port 0 --tls-port "$tport" --bind 127.0.0.1 --tls-cert-file "$tmp/$1.pem" \
        --tls-key-file "$tmp/$1.key" --tls-ca-cert-file "$tmp/ca.pem" \
        --tls-auth-clients "$2" --save '' --appendonly no --dir "$tmp" \
        --logfile "$tmp/redis-$tport.log" --daemonize no >/dev/null 2>&1 &
    pids="$pids $!"
    tpid=$!
    i=0
    while ! redis-cli --tls --insecure --cert "$tmp/client.pem" \
            --key "$tmp/client.key" -p "$tport" ping >/dev/null 2>&1; do
        i=$((i + 1)); [ $i -gt 100 ] && { echo "not ok 1 - redis-server (TLS) did not start"; exit 1; }
        sleep 0.05
    done
}
# start_pg_fixture without exiting the script when it fails
start_pg_fixture_quiet() {
    mkfifo "$tmp/hold"
    "$BUILD/tests/pg_fixture" <"$tmp/hold" >"$tmp/conninfo" 2>"$tmp/fixture.log" &
    fixture_pid=$!
    exec 9>"$tmp/hold"
    i=0
    while [ ! -s "$tmp/conninfo" ]; do
        i=$((i + 1))
        if [ $i -gt 600 ] || ! kill -0 "$fixture_pid" 2>/dev/null; then
            sed 's/^/# /' "$tmp/fixture.log"
            return 1
        fi
        sleep 0.1
    done
    conninfo=$(cat "$tmp/conninfo")
}
rcli() { redis-cli --tls --cacert "$tmp/ca.pem" -p "$good" "$@"; }

tls_redis server no; good=$tport; good_pid=$tpid
tls_redis other no; other=$tport
tls_redis expired no; expired=$tport
tls_redis server yes; mutual=$tport
start_redis   # plain, on $port
rcli XADD jobs '*' n 1 >/dev/null
rcli XADD jobs '*' n 2 >/dev/null
rcli XGROUP CREATE jobs workers 0 >/dev/null
rcli SET lock:nightly worker-7 >/dev/null   # a lock without TTL: the keys collector's

# run_qt ARGS...: queuetop --once ARGS, its output in $out and $errout, its status in $rc
run_qt() {
    "$QUEUETOP" --once --connect-timeout 1 "$@" >"$tmp/out" 2>"$tmp/err"
    rc=$?
    out=$(cat "$tmp/out")
    errout=$(cat "$tmp/err")
}
expect_fail() {   # NAME TEXT ARGS...: exit 2 and TEXT in the one line on stderr
    name=$1 text=$2
    shift 2
    run_qt "$@"
    if [ "$rc" -eq 2 ] && printf '%s' "$errout" | grep -qF -- "$text" &&
       [ "$(printf '%s\n' "$errout" | grep -v "^Try 'queuetop --help'" | grep -c .)" -eq 1 ]; then
        pass "$name: exit 2, '$text'"
    else
        fail "$name: exit 2, '$text' (got $rc: $errout)"
    fi
}

# 1. verified against the CA file, by address: every collector's figures
run_qt --json --rate-interval 0 --redis "rediss://127.0.0.1:$good" --tls-ca "$tmp/ca.pem"
echo "$out" >"$tmp/screen"
if [ "$rc" -eq 0 ] && printf '%s' "$out" | grep -q '"tls":"verified"' &&
   printf '%s' "$out" | grep -q '"key":"jobs","read":true,"length":2' &&
   printf '%s' "$out" | grep -q '"version":"7' &&
   printf '%s' "$out" | grep -q '"key":"lock:nightly"'; then
    pass "rediss:// with --tls-ca: streams, server and keys read over TLS"
else
    fail "rediss:// with --tls-ca: streams, server and keys read over TLS (rc $rc: $errout)"
fi

# 2. by host name (SNI and the name checked), text output
run_qt --redis "rediss://localhost:$good" --tls-ca "$tmp/ca.pem"
echo "$out" >"$tmp/screen"
if [ "$rc" -eq 0 ] && printf '%s' "$out" | grep -q '^rediss://localhost:' &&
   printf '%s' "$out" | grep -q '^jobs ' && ! printf '%s' "$out" | grep -q 'not verified'; then
    pass "rediss://localhost: the name checked, the stream listed"
else
    fail "rediss://localhost: the name checked, the stream listed (rc $rc: $errout)"
fi

# 3. the failures a user meets, each one clear line and exit 2
expect_fail "the system store does not know a private CA" "unknown CA" \
    --redis "rediss://127.0.0.1:$good"
expect_fail "a certificate for another host" "certificate is not for 127.0.0.1" \
    --redis "rediss://127.0.0.1:$other" --tls-ca "$tmp/ca.pem"
expect_fail "an expired certificate" "certificate has expired" \
    --redis "rediss://127.0.0.1:$expired" --tls-ca "$tmp/ca.pem"
expect_fail "a server that wants a client certificate" "wants a client certificate" \
    --redis "rediss://127.0.0.1:$mutual" --tls-ca "$tmp/ca.pem"
expect_fail "a key that is not the certificate's" "is not the key of --tls-cert" \
    --redis "rediss://127.0.0.1:$mutual" --tls-ca "$tmp/ca.pem" \
    --tls-cert "$tmp/client.pem" --tls-key "$tmp/other.key"
expect_fail "a CA file that is not there" "No such file" \
    --redis "rediss://127.0.0.1:$good" --tls-ca "$tmp/missing.pem"
expect_fail "rediss:// on a plain port" "not a TLS port" \
    --redis "rediss://127.0.0.1:$port" --tls-ca "$tmp/ca.pem"
expect_fail "redis:// on a TLS port" "a TLS port? use rediss://" \
    --redis "redis://127.0.0.1:$good"
expect_fail "TLS options without rediss://" "are for a rediss:// URL" \
    --redis "redis://127.0.0.1:$port" --tls-ca "$tmp/ca.pem"
export QUEUETOP_LIBSSL=libssl-not-here.so.3
expect_fail "rediss:// where OpenSSL cannot be loaded" "apt-get install libssl3" \
    --redis "rediss://127.0.0.1:$good" --tls-ca "$tmp/ca.pem"
run_qt --redis "redis://127.0.0.1:$port"
if [ "$rc" -eq 0 ]; then pass "a plain Redis is watched where OpenSSL cannot be loaded"
else fail "a plain Redis is watched where OpenSSL cannot be loaded (rc $rc: $errout)"; fi
unset QUEUETOP_LIBSSL

# 4. mutual TLS
run_qt --redis "rediss://127.0.0.1:$mutual" --tls-ca "$tmp/ca.pem" \
    --tls-cert "$tmp/client.pem" --tls-key "$tmp/client.key"
if [ "$rc" -eq 0 ]; then pass "mutual TLS with --tls-cert and --tls-key"
else echo "$out" >"$tmp/screen"; fail "mutual TLS with --tls-cert and --tls-key (rc $rc: $errout)"; fi

# 5. --insecure: not verified, and said so
run_qt --json --rate-interval 0 --redis "rediss://127.0.0.1:$other" --insecure
if [ "$rc" -eq 0 ] && printf '%s' "$out" | grep -q '"tls":"not verified"'; then
    pass "--insecure reads a server whose certificate does not match, and the JSON says so"
else
    echo "$out" >"$tmp/screen"; fail "--insecure reads, the JSON says so (rc $rc: $errout)"
fi

# 6. the dashboard: the header says it is not verified; down is shown down, then back
qt_start --redis "rediss://127.0.0.1:$good" --insecure
if wait_for "TLS NOT VERIFIED" 10 && wait_for "jobs" 10; then
    pass "dashboard over TLS: the stream listed, the header says TLS NOT VERIFIED"
else
    fail "dashboard over TLS: the stream listed, the header says TLS NOT VERIFIED"
fi
kill -9 "$good_pid" >/dev/null 2>&1
if wait_for "DOWN" 10; then pass "dashboard over TLS: the server killed, shown DOWN"
else fail "dashboard over TLS: the server killed, shown DOWN"; fi
start=$(date +%s%N)
keys q
i=0
while tmux -L "$sock" has-session -t qt 2>/dev/null && [ $i -lt 50 ]; do
    sleep 0.1; i=$((i + 1))
done
ms=$(( ($(date +%s%N) - start) / 1000000 ))
if ! tmux -L "$sock" has-session -t qt 2>/dev/null; then
    pass "q leaves a TLS dashboard whose server is gone (${ms} ms)"
else
    capture; fail "q leaves a TLS dashboard whose server is gone (${ms} ms)"
fi

# 7. PostgreSQL over TLS: libpq's own, from the conninfo (sslmode=verify-full)
if PG_HARNESS_SSL_CERT="$tmp/server.pem" PG_HARNESS_SSL_KEY="$tmp/server.key" \
   start_pg_fixture_quiet; then
    pgport=$(printf '%s' "$conninfo" | sed -n 's/.*port=\([0-9]*\).*/\1/p')
    tcp="host=127.0.0.1 port=$pgport dbname=postgres user=postgres sslmode=verify-full"
    run_qt --json --pg "$tcp sslrootcert=$tmp/ca.pem"
    if [ "$rc" -eq 0 ] && printf '%s' "$out" | grep -q '"postgres":{"ok":true'; then
        pass "--pg with sslmode=verify-full: Conductor's executions read over TLS"
    else
        echo "$out" >"$tmp/screen"; fail "--pg with sslmode=verify-full (rc $rc: $errout)"
    fi
    run_qt --json --pg "$tcp sslrootcert=$tmp/ca2.pem"
    if [ "$rc" -eq 2 ] && printf '%s' "$errout" | grep -q 'certificate verify failed'; then
        pass "--pg verify-full against another CA: refused, exit 2"
    else
        fail "--pg verify-full against another CA: refused, exit 2 (rc $rc: $errout)"
    fi
else
    fail "the PostgreSQL fixture (with TLS) did not start"
fi

echo "1..$n"
