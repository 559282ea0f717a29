#!/bin/sh
# The README's two commands on a bare Debian bookworm: debootstrap --variant=minbase (plus make
# and git, what the README says a bare machine needs) in a temporary directory, a clone of this
# repository's HEAD made inside it with its own git, then, as root inside the chroot:
#
#   1. `make demo` in a tmux at 80x24: it must install what is missing, start its servers and
#      open the dashboard (the stream list of the simulated traffic shows); q must end it.
#   2. `make test -j2`: its last line must be "N passed, 0 failed".
#
# Run by `make test-fresh`. Needs root (debootstrap, chroot, mount) and the network to a Debian
# mirror: the one the host's apt sources use, or FRESH_MIRROR. Slow (a base system, then the
# compilers, PostgreSQL and Redis, then the whole test run): the README says how long it took.
# Everything is under one temporary directory (TMPDIR, default /var/tmp: about 2 GB), unmounted
# and removed at the end; FRESH_KEEP=1 keeps it for a look. Prints TAP lines; logs are in
# $root/fresh-*.log while it runs. The host needs tmux (the terminal the demo is opened in).
set -u

if [ "$(id -u)" -ne 0 ]; then
    echo "not ok 1 - test-fresh needs root (debootstrap, chroot and mount)"
    exit 1
fi
repo=$(git rev-parse --show-toplevel)
if [ -n "$(git -C "$repo" status --porcelain --untracked-files=no)" ]; then
    echo "# note: uncommitted changes are not tested; this runs HEAD ($(git -C "$repo" rev-parse --short HEAD))"
fi

if ! command -v debootstrap >/dev/null 2>&1; then
    echo "# installing debootstrap"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends debootstrap \
        >/dev/null
fi

# The mirror the host already uses for bookworm (deb822 .sources or a sources.list line).
mirror=${FRESH_MIRROR:-}
if [ -z "$mirror" ]; then
    mirror=$(cat /etc/apt/sources.list.d/*.sources 2>/dev/null |
        awk '/^URIs:/ { for (i = 2; i <= NF; i++) if ($i !~ /security/) { print $i; exit } }')
fi
if [ -z "$mirror" ]; then
    mirror=$(awk '$1 == "deb" && $0 !~ /security/ { for (i = 2; i <= NF; i++)
        if ($i ~ /^(https?|file):/) { print $i; exit } }' /etc/apt/sources.list 2>/dev/null)
fi
if [ -z "$mirror" ]; then
    echo "not ok 1 - no Debian mirror in /etc/apt/sources*; set FRESH_MIRROR"
    exit 1
fi

root=$(mktemp -d "${TMPDIR:-/var/tmp}/queuetop-fresh-XXXXXX")
chmod 755 "$root"   # it is the chroot's /: mktemp's 0700 would lock out the postgres user
mounted=""
in_root() {   # in_root CMD...: CMD inside the chroot, with a clean environment as after a login
    chroot "$root" /usr/bin/env -i HOME=/root TERM=xterm-256color LANG=C.UTF-8 \
        PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin "$@"
}
cleanup() {
    set +e
    tmux -L "queuetop-fresh-$$" kill-server >/dev/null 2>&1
    if [ -d "$root/root" ]; then
        # whatever still runs with its root in the chroot (servers a failed run left)
        for p in /proc/[0-9]*; do
            [ "$(readlink "$p/root" 2>/dev/null)" = "$root" ] && kill -9 "${p#/proc/}" 2>/dev/null
        done
        sleep 1
    fi
    for m in $mounted; do umount -R -l "$root/$m" 2>/dev/null; done
    if [ "${FRESH_KEEP:-0}" = 1 ]; then
        echo "# kept $root"
    else
        rm -rf --one-file-system "$root"
    fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

n=0
failed=0
pass() { n=$((n + 1)); echo "ok $n - $1"; }
fail() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $1"; }
started=$(date +%s)
elapsed() { echo "$(($(date +%s) - started)) s"; }

# 1. the bare system
# long steps run in the background and are waited for, so that a signal reaches the traps now
debootstrap --variant=minbase --include=make,git bookworm "$root" "$mirror" \
    >"$root.debootstrap.log" 2>&1 &
if wait $!; then
    mv "$root.debootstrap.log" "$root/fresh-debootstrap.log"
    pass "a minimal bookworm with make and git ($(elapsed))"
else
    fail "debootstrap failed; last lines:"
    tail -15 "$root.debootstrap.log" | sed 's/^/#   /'
    rm -f "$root.debootstrap.log"
    exit 1
fi
# no service starts inside the chroot when a package is installed; the host's resolver
printf '#!/bin/sh\nexit 101\n' >"$root/usr/sbin/policy-rc.d"
chmod 755 "$root/usr/sbin/policy-rc.d"
cp /etc/resolv.conf "$root/etc/resolv.conf" 2>/dev/null || true
if mount -t proc proc "$root/proc"; then mounted="proc $mounted"; fi
if mount --rbind /dev "$root/dev"; then mount --make-rslave "$root/dev"; mounted="dev $mounted"; fi
if mount -t sysfs sysfs "$root/sys"; then mounted="sys $mounted"; fi

# 2. the clone, as a user makes it
if ! git -C "$repo" bundle create "$root/root/queuetop.bundle" HEAD >/dev/null 2>&1; then
    fail "git bundle of HEAD"
    exit 1
fi
if in_root git -c advice.detachedHead=false clone -q /root/queuetop.bundle /root/queuetop; then
    pass "git clone inside the root"
else
    fail "git clone inside the root"
    exit 1
fi

# 3. make demo on the bare system: installs, builds, opens the dashboard. The terminal is a
# tmux of the host (the bare system has none) whose pane runs the chroot, as an SSH session
# would; tmux pipe-pane keeps what the pane showed in $root/fresh-demo.log.
sock="queuetop-fresh-$$"
T() { tmux -L "$sock" "$@"; }
demo_started=$(date +%s)
T -f /dev/null new-session -d -s demo -x 80 -y 24 \
    "chroot '$root' /usr/bin/env -i HOME=/root TERM=xterm-256color LANG=C.UTF-8 PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin sh -c 'cd /root/queuetop && make demo; echo exit \$? > /root/fresh-demo.rc; sleep 600'"
T pipe-pane -t demo "cat > '$root/fresh-demo.log'"
seen=""
i=0
up=0
while [ $i -lt 1800 ]; do   # 30 minutes at most: the first apt-get install is most of it
    screen=$(T capture-pane -p -t demo 2>/dev/null || true)
    if printf '%s\n' "$screen" | grep -q "orders:"; then seen=yes; break; fi
    # the dashboard is up: its streams must follow within a minute
    if printf '%s\n' "$screen" | grep -q "sampled .* ago"; then
        up=$((up + 1))
        [ $up -gt 60 ] && break
    fi
    T has-session -t demo 2>/dev/null || break
    [ -f "$root/root/fresh-demo.rc" ] && break
    i=$((i + 1)); sleep 1
done
if [ -n "$seen" ]; then
    pass "make demo installs what is missing and opens the dashboard ($(($(date +%s) - demo_started)) s)"
    printf '%s\n' "$screen" | sed 's/^/#   /'
else
    fail "make demo did not open the dashboard; the terminal showed:"
    printf '%s\n' "$screen" | sed 's/^/#   /'
fi
T send-keys -t demo q 2>/dev/null || true
i=0
while [ ! -f "$root/root/fresh-demo.rc" ] && [ $i -lt 30 ]; do i=$((i + 1)); sleep 1; done
if grep -q "^exit 0" "$root/root/fresh-demo.rc" 2>/dev/null; then
    pass "q ends the demo (exit 0)"
else
    fail "q ends the demo (exit 0)"
    T capture-pane -p -t demo 2>/dev/null | sed 's/^/#   /'
fi
T kill-server 2>/dev/null || true

# 4. make test
test_started=$(date +%s)
in_root sh -c 'cd /root/queuetop && make test -j2' >"$root/fresh-test.log" 2>&1 &
wait $! || true
last=$(tail -1 "$root/fresh-test.log")
if printf '%s\n' "$last" | grep -qE '^[0-9]+ passed, 0 failed$'; then
    pass "make test: $last ($(($(date +%s) - test_started)) s)"
else
    fail "make test ended with: $last"
    grep -E "^FAIL|not ok" "$root/fresh-test.log" | head -20 | sed 's/^/#   /'
fi
echo "# total $(elapsed)"
echo "1..$n"
[ "$failed" -eq 0 ]
