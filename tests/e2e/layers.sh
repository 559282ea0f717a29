#!/bin/sh
# layers.sh -- the layering of docs/design.md, read off the built objects: no view calls curses
# or the shell (tui/app.c), the view stack names no view, the table of views is views.def, and
# no source file passes 1,000 lines. TAP output.
set -u
BUILD=${BUILD:-build}
tmp=$(mktemp -d /tmp/queuetop-layers-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
n=0
pass() { n=$((n + 1)); echo "ok $n - $1"; }
fail() { n=$((n + 1)); echo "not ok $n - $1"; sed 's/^/#   /' "$tmp/why" 2>/dev/null | head -20; }
check() { if [ -s "$tmp/why" ]; then fail "$1"; else pass "$1"; fi; }

views_o=$(ls "$BUILD"/views/*.o 2>/dev/null | grep -v '_model\.o$')
if [ -z "$views_o" ]; then
    echo "1..0 # skip: no objects under $BUILD/views (build first)"
    exit 0
fi
undef() { for o in "$@"; do nm -u "$o" | awk '{ print $2 }'; done | sort -u; }
defined() { for o in "$@"; do nm -g --defined-only "$o" | awk '{ print $3 }'; done | sort -u; }

# 1. curses: what the views need from outside, against what ncurses and tinfo export
for lib in ncursesw tinfo; do
    so=$(ls /usr/lib/*/lib$lib.so.6 /lib/*/lib$lib.so.6 2>/dev/null | head -1)
    [ -n "$so" ] && nm -D --defined-only "$so" | awk '{ print $3 }' | sed 's/@.*//'
done | sort -u >"$tmp/curses"
if [ -s "$tmp/curses" ]; then
    undef $views_o | comm -12 - "$tmp/curses" >"$tmp/why"
    check "no view calls curses"
else
    pass "no view calls curses # skip: no ncurses library found to compare with"
fi
grep -ln 'include <n\?curses' views/*.c views/*.h >"$tmp/why" 2>/dev/null
check "no view includes a curses header"

# 2. the shell: nothing a view needs is defined in tui/app.o or tui/main.o
defined "$BUILD"/tui/app.o "$BUILD"/tui/main.o >"$tmp/shell"
undef $views_o | comm -12 - "$tmp/shell" >"$tmp/why"
check "no view calls the shell (tui/app.c, tui/main.c)"

# 3. below the views: the view stack, the drawing and the widgets name no view
undef "$BUILD"/tui/nav.o "$BUILD"/tui/draw.o "$BUILD"/tui/field.o "$BUILD"/tui/list_nav.o \
      "$BUILD"/tui/text_scroll.o | grep '^[a-z_]*_view$' >"$tmp/why"
check "the view stack, drawing and widgets name no view"

# 4. every view object is in views.def, and every line of views.def has its object
defined $views_o | grep '^[a-z_]*_view$' >"$tmp/built"
sed -n 's/^VIEW(\([a-z_]*\)).*/\1/p' views/views.def | sort -u >"$tmp/listed"
diff "$tmp/built" "$tmp/listed" >"$tmp/why"
check "views.def lists exactly the views built ($(wc -l <"$tmp/listed") views)"

# 5. no file passes ~1,000 lines
for f in collectors/*.c collectors/*.h tui/*.c tui/*.h views/*.c views/*.h themes/*.c; do
    l=$(wc -l <"$f")
    [ "$l" -gt 1000 ] && echo "$f: $l lines"
done >"$tmp/why"
check "no source file passes 1,000 lines (longest: $(wc -l collectors/*.c tui/*.c views/*.c | sort -n | tail -2 | head -1 | awk '{ print $2, $1 }'))"

echo "1..$n"
