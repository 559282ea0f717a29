#!/bin/sh
# Installs the Debian packages queuetop needs to build, test and run its demo, if any is missing.
# Only missing packages are installed; nothing is installed when all are present.
#   sh scripts/deps.sh [bench]   bench: also the peer `make bench` compares with (redis_exporter)
set -eu

# procps: ps and pgrep in the tests and the demo; locales: the sources localedef needs for the
# comma-decimal locale test; python3: the JSON checks of the cluster test
PKGS="gcc make pkg-config libhiredis-dev libpq-dev libjansson-dev libncurses-dev libssl-dev libcmocka-dev openssl
redis-server redis-tools tmux clang libclang-rt-14-dev postgresql procps locales python3"
if [ "${1:-}" = bench ]; then
    PKGS="$PKGS prometheus-redis-exporter"
fi

missing=""
for p in $PKGS; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
        missing="$missing $p"
    fi
done
[ -z "$missing" ] && exit 0

echo "queuetop: installing missing Debian packages:$missing" >&2
if [ "$(id -u)" -eq 0 ]; then
    SUDO=""
elif command -v sudo >/dev/null 2>&1; then
    SUDO="sudo"
else
    echo "queuetop: please install as root: apt-get install$missing" >&2
    exit 1
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq >&2
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing >&2

# Debian starts its own redis-server service on 6379 on install; we run private servers on free
# ports and do not want a surprise one, but only stop it if this script just installed it.
for svc in redis-server postgresql prometheus-redis-exporter; do
    case "$missing" in
        *"$svc"*)
            if command -v service >/dev/null 2>&1; then
                $SUDO service "$svc" stop >/dev/null 2>&1 || true
            fi
            ;;
    esac
done
echo "queuetop: packages installed" >&2
