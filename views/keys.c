/* keys.c -- locks and what fills Redis: every key matching a lock pattern with its TTL and
 * owner, those without a TTL first (a lock that never expires is never released if its holder
 * dies), then the key prefixes with most keys, how many of them have no TTL and an estimate of
 * their size. Figures come from the keys collector's last full SCAN pass. Also the keys
 * collector's part of the overview's problems line. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../collectors/nodes.h"
#include "../collectors/util.h"
#include "../themes/theme.h"
#include "../tui/app_state.h"
#include "../tui/format.h"
#include "../tui/sanitize.h"
#include "../tui/text_scroll.h"
#include "../tui/draw.h"
#include "../tui/field.h"
#include "../tui/keys.h"
#include "panels.h"
#include "server_model.h"
#include "streams_model.h"

static const struct keys_snapshot *keys_of(const struct app *app)
{
    return app->keys ? &app->keys->keys : NULL;
}

static bool lock_no_ttl(const struct lock_info *l)
{
    return l->ttl_ms == -1;
}

/* ---- the overview's problems line ------------------------------------------------------ */

/* "MARK TEXT NAME[SUFFIX]" on l, the name cut to leave room for the rest. */
static void problem(struct line *l, int role, const char *lead, const struct bytes *name,
                    const char *suffix)
{
    line_add(l, role, lead);
    int room = line_room(l) - (int)strlen(suffix);
    if (room < 8)
        room = 8;
    if (room > 30)
        room = 30;
    line_addn(l, role, name->ptr, name->len, room);
    if (suffix[0])
        line_add(l, ROLE_DEFAULT, suffix);
    line_to(l, l->col + 3);
}

void keys_problems_draw(struct app *app, struct line *l, bool critical)
{
    const struct keys_snapshot *k = keys_of(app);
    if (!k || k->state != CONN_UP || k->passes == 0)
        return;
    /* locks come sorted with the ones without expiry first */
    for (size_t i = 0; critical && i < k->lock_count && lock_no_ttl(&k->locks[i]) &&
                       line_room(l) > 12; i++)
        problem(l, ROLE_CRIT, "!! lock without TTL: ", &k->locks[i].key, "");
    /* the late queues worst first, by the queues view's default order (not its rows: their
     * filter and order are the user's, the problems line is everyone's) */
    const struct queue_info **late = NULL;
    size_t nl = 0;
    if (!critical) {
        late = xcalloc(k->queue_count + 1, sizeof *late);
        for (size_t i = 0; i < k->queue_count; i++)
            if (k->queues[i].due_now > 0)
                late[nl++] = &k->queues[i];
        qsort(late, nl, sizeof *late, queue_worse_first);
    }
    for (size_t r = 0; r < nl && line_room(l) > 12; r++) {
        const struct queue_info *q = late[r];
        char lead[40], suffix[48], n[24];
        snprintf(lead, sizeof lead, "! %s ", q->layout);
        fmt_count(q->due_now, n, sizeof n);
        snprintf(suffix, sizeof suffix, ": %s due now", n);
        problem(l, ROLE_WARN, lead, &q->name, suffix);
    }
    free(late);
}

/* ---- the view ------------------------------------------------------------------------------ */

#define TTL_W 8
#define COUNT_W 7
#define BYTES_W 8

/* The order of the prefixes (s): most keys first (as collected), most bytes, largest share
 * without TTL, by name; S reverses it. Locks stay no TTL first. */
enum { PS_KEYS, PS_BYTES, PS_NO_TTL, PS_NAME, PS_COUNT };
static const char *const prefix_sort_names[PS_COUNT] = { "keys", "bytes", "no-ttl", "name" };

struct keys_state {
    struct text_scroll scroll;
    struct filter filter;         /* kept filter on lock keys and prefixes */
    int sort;                     /* PS_* */
    bool reverse;
};

static double prefix_bytes(const struct prefix_info *p)
{
    return p->sampled > 0 ? (double)p->sampled_bytes / (double)p->sampled * (double)p->keys : -1;
}

static double prefix_no_ttl_share(const struct prefix_info *p)
{
    return p->keys > 0 ? (double)p->no_ttl / (double)p->keys : -1;
}

static int sort_mode;      /* for the comparator: qsort has no context argument */
static bool sort_rev;

static int by_double(double a, double b)
{
    return a > b ? -1 : a < b ? 1 : 0;   /* largest first; unknown (-1) last */
}

static int prefix_cmp(const void *pa, const void *pb)
{
    const struct prefix_info *a = *(const struct prefix_info *const *)pa;
    const struct prefix_info *b = *(const struct prefix_info *const *)pb;
    int c = 0;
    switch (sort_mode) {
    case PS_BYTES: c = by_double(prefix_bytes(a), prefix_bytes(b)); break;
    case PS_NO_TTL: c = by_double(prefix_no_ttl_share(a), prefix_no_ttl_share(b)); break;
    case PS_NAME: c = bytes_cmp(&a->prefix, &b->prefix); break;
    default: c = a->keys > b->keys ? -1 : a->keys < b->keys; break;
    }
    if (c == 0)
        c = bytes_cmp(&a->prefix, &b->prefix);
    return sort_rev ? -c : c;
}

/* The prefixes the filter keeps, in the view's order; *n of them (caller frees). */
static const struct prefix_info **prefixes_shown(const struct keys_snapshot *k,
                                                 const struct keys_state *st, size_t *n)
{
    const struct prefix_info **v = xcalloc(k->prefix_count + 1, sizeof *v);
    *n = 0;
    for (size_t i = 0; i < k->prefix_count; i++)
        if (key_matches_filter(&k->prefixes[i].prefix, st->filter.text))
            v[(*n)++] = &k->prefixes[i];
    sort_mode = st->sort;
    sort_rev = st->reverse;
    qsort(v, *n, sizeof *v, prefix_cmp);
    return v;
}

static size_t locks_shown(const struct keys_snapshot *k, const struct keys_state *st)
{
    size_t n = 0;
    for (size_t i = 0; i < k->lock_count; i++)
        n += key_matches_filter(&k->locks[i].key, st->filter.text);
    return n;
}

static void draw_locks(struct app *app, struct canvas *c, const struct keys_snapshot *k,
                       const struct keys_state *st)
{
    size_t none = 0;
    for (size_t i = 0; i < k->lock_count; i++)
        none += lock_no_ttl(&k->locks[i]);
    char line[512], ttl[24];
    if (canvas_visible(c)) {
        int y = canvas_y(c);
        snprintf(line, sizeof line, " Locks  %zu", k->lock_count);
        int x = draw_str(c->s, y, 0, c->s->width, ROLE_TITLE, line);
        if (none) {
            snprintf(line, sizeof line, ", %zu without TTL: never released if the holder dies",
                     none);
            x += draw_str(c->s, y, x, c->s->width - x, ROLE_CRIT, line);
        }
        if (st->filter.text[0]) {
            snprintf(line, sizeof line, "  /%.40s: %zu shown", st->filter.text, locks_shown(k, st));
            draw_str(c->s, y, x, c->s->width - x, ROLE_TITLE, line);
        }
    }
    c->line++;
    size_t evictable = locks_evictable(app->server ? &app->server->server : NULL, k);
    if (evictable) {
        snprintf(line, sizeof line, "maxmemory-policy %s can evict %zu of these before they"
                 " expire: two workers may then hold one lock",
                 app->server->server.maxmemory_policy, evictable);
        canvas_text(c, 2, ROLE_WARN, line);
        c->line++;
    }
    if (k->lock_count == 0) {
        int o = snprintf(line, sizeof line, "no key matches the lock patterns (");
        for (size_t i = 0; i < app->opts->keys.lock_pattern_count && o < (int)sizeof line; i++)
            o += snprintf(line + o, sizeof line - (size_t)o, "%s%s", i ? " " : "",
                          app->opts->keys.lock_patterns[i]);
        if (o < (int)sizeof line)
            snprintf(line + o, sizeof line - (size_t)o, "; --lock-pattern)");
        canvas_text(c, 2, ROLE_DIM, line);
        c->line++;
        return;
    }
    /* the key column as wide as the widest key (shown escaped), the owner gets the rest: at 200
     * columns the keys took 150 and the owner was still cut at 30 */
    int widest = 3;
    for (size_t i = 0; i < k->lock_count; i++) {
        char cell[256];
        int wk = sanitize_for_cell(k->locks[i].key.ptr, k->locks[i].key.len, cell, sizeof cell,
                                   120, app->utf8);
        if (wk > widest)
            widest = wk;
    }
    int owner_w = 20;
    int key_room = c->s->width - 3 - 1 - TTL_W - 2 - owner_w;
    if (key_room < 12) {   /* a narrow screen: the keys before the owners */
        owner_w = 0;
        key_room = c->s->width - 3 - 1 - TTL_W;
    }
    int key_w = widest < key_room ? widest : key_room;
    if (key_w < 4)
        key_w = 4;
    if (owner_w)
        owner_w = c->s->width - 3 - key_w - 1 - TTL_W - 2;
    snprintf(line, sizeof line, "   %-*s %*s%s%s", key_w, "KEY", TTL_W, "TTL", owner_w ? "  " : "",
             owner_w ? "OWNER" : "");
    canvas_column(c, line);
    for (size_t i = 0; i < k->lock_count; i++) {
        const struct lock_info *l = &k->locks[i];
        if (!key_matches_filter(&l->key, st->filter.text))
            continue;
        if (!canvas_visible(c)) {
            c->line++;
            continue;
        }
        int y = canvas_y(c);
        bool bad = lock_no_ttl(l);
        if (bad)
            draw_str(c->s, y, 0, 2, ROLE_CRIT, "!!");
        draw_text(c->s, y, 3, key_w, ROLE_DEFAULT, l->key.ptr, l->key.len);
        if (bad)
            str_copy(ttl, "none", sizeof ttl);
        else
            fmt_duration_ms(l->ttl_ms, ttl, sizeof ttl);
        int end = 3 + key_w + 1 + TTL_W;
        draw_right(c->s, y, end, TTL_W, bad ? ROLE_CRIT : ROLE_DEFAULT, ttl);
        if (owner_w) {
            int ox = end + 2;
            const struct redis_snapshot *r = app->snap ? &app->snap->redis : NULL;
            if (r && r->node_count) {   /* several nodes: which holds it, before its owner */
                const char *node = nodes_name(r, l->node);
                ox += draw_text(c->s, y, ox, c->s->width - ox, ROLE_DIM, node, strlen(node));
                ox += draw_str(c->s, y, ox, c->s->width - ox, ROLE_DIM, "  ");
            }
            draw_text(c->s, y, ox, c->s->width - ox, ROLE_DIM, l->owner.ptr, l->owner.len);
        }
        c->line++;
    }
}

/* The lines draw_locks takes: it and this change together. */
static int locks_lines(struct app *app, const struct keys_snapshot *k, const struct keys_state *st)
{
    int n = 1 + (locks_evictable(app->server ? &app->server->server : NULL, k) > 0);
    return n + (k->lock_count == 0 ? 1 : 1 + (int)locks_shown(k, st));
}

static void draw_prefixes(struct app *app, struct canvas *c, const struct keys_snapshot *k,
                          const struct prefix_info **shown, size_t shown_n,
                          const struct keys_state *st)
{
    char line[512], a[24], b[24];
    c->line++;
    int o = snprintf(line, sizeof line, " Key prefixes  %zu", k->prefix_count);
    if (st->filter.text[0])
        snprintf(line + o, sizeof line - (size_t)o, "  /%.40s: %zu shown", st->filter.text, shown_n);
    canvas_text(c, 0, ROLE_TITLE, line);
    c->line++;
    snprintf(line, sizeof line, "estimates from the last full SCAN pass; bytes: a sample of %d keys "
             "per prefix", app->opts->keys.memory_samples_per_prefix);
    canvas_text(c, 1, ROLE_DIM, line);
    c->line++;
    if (k->memory_denied) {
        canvas_text(c, 1, ROLE_WARN, "MEMORY USAGE refused (ACL or managed service): no byte "
                                     "estimates");
        c->line++;
    }
    int prefix_w = c->s->width - 2 - 4 - 3 * COUNT_W - BYTES_W;
    if (prefix_w > 32)
        prefix_w = 32;
    if (prefix_w < 8)
        prefix_w = 8;
    snprintf(line, sizeof line, "  %-*s %*s %*s %*s %*s", prefix_w, "PREFIX", COUNT_W, "KEYS", COUNT_W,
             "NO-TTL", BYTES_W, "~BYTES", COUNT_W, "SAMPLE");
    canvas_column(c, line);
    for (size_t i = 0; i < shown_n; i++, c->line++) {
        if (!canvas_visible(c))
            continue;
        const struct prefix_info *p = shown[i];
        int y = canvas_y(c);
        draw_text(c->s, y, 2, prefix_w, ROLE_DEFAULT, p->prefix.ptr, p->prefix.len);
        int x = 2 + prefix_w;
        fmt_count(p->keys, a, sizeof a);
        canvas_right(c, x += 1 + COUNT_W, COUNT_W, ROLE_DEFAULT, a);
        if (p->keys > 0)
            snprintf(b, sizeof b, "%lld%%", (p->no_ttl * 100 + p->keys / 2) / p->keys);
        else
            str_copy(b, "?", sizeof b);
        canvas_right(c, x += 1 + COUNT_W, COUNT_W, p->no_ttl ? ROLE_DEFAULT : ROLE_DIM, b);
        if (p->sampled > 0)
            fmt_bytes((long long)((double)p->sampled_bytes / (double)p->sampled * (double)p->keys),
                      a, sizeof a);
        else
            str_copy(a, "?", sizeof a);
        canvas_right(c, x += 1 + BYTES_W, BYTES_W, p->sampled > 0 ? ROLE_DEFAULT : ROLE_DIM, a);
        fmt_count(p->sampled, b, sizeof b);
        canvas_right(c, x += 1 + COUNT_W, COUNT_W, ROLE_DIM, b);
    }
    if (k->prefix_count == 0) {
        canvas_text(c, 2, ROLE_DIM, "no keys");
        c->line++;
    }
}

/* The lines draw_prefixes takes. */
static int prefixes_lines(const struct keys_snapshot *k, size_t shown_n)
{
    return 4 + (k->memory_denied != 0) + (int)shown_n + (k->prefix_count == 0);
}


static struct keys_state *state_of(const struct app *app)
{
    return app_view_state(app, &keys_view);
}

static void draw_keys(struct app *app, const struct surface *sf)
{
    int top = sf->top, height = sf->height, width = sf->width;
    const struct keys_snapshot *k = keys_of(app);
    struct keys_state *ks = state_of(app);
    struct text_scroll *st = &ks->scroll;
    char line[256], a[24], b[24];
    st->lines = 0;
    st->page = 1;
    draw_str(sf, top, 0, width, ROLE_TITLE, " Locks and key prefixes");
    if (!k) {
        draw_str(sf, top + 1, 2, width - 4, ROLE_DIM, "waiting for the first sample...");
        return;
    }
    if (k->passes == 0) {
        if (k->state == CONN_DOWN) {
            draw_wrapped(sf, top + 1, 2, width - 4, 4, ROLE_CRIT, k->error);
            return;
        }
        fmt_count(k->pass_keys, a, sizeof a);
        fmt_count(k->dbsize, b, sizeof b);
        snprintf(line, sizeof line, "waiting for the first full SCAN pass... (%s of %s keys)", a, b);
        draw_str(sf, top + 1, 2, width - 4, ROLE_DIM, line);
        return;
    }
    fmt_count(k->dbsize, a, sizeof a);
    snprintf(line, sizeof line, "   scan pass %lld, DBSIZE %s", k->passes, a);
    int x = (int)strlen(" Locks and key prefixes");
    x += draw_str(sf, top, x, width - x, ROLE_DIM, line);
    if (k->state != CONN_UP)
        draw_str(sf, top, x, width - x, ROLE_WARN, "  stale: not connected");
    int y = top + 1;
    if (k->state == CONN_DOWN)
        y += draw_wrapped(sf, y, 1, width - 2, 3, ROLE_CRIT, k->error);

    /* the lines are counted from the layout, so a scroll left from a longer list is clamped
     * before drawing */
    size_t shown_n;
    const struct prefix_info **shown = prefixes_shown(k, ks, &shown_n);
    st->lines = locks_lines(app, k, ks) + prefixes_lines(k, shown_n);
    st->page = top + height - y > 0 ? top + height - y : 1;
    text_scroll_clamp(st);
    struct surface area = draw_sub(sf, y, top + height - y);
    struct canvas c = { &area, st->first, 0 };
    draw_locks(app, &c, k, ks);
    draw_prefixes(app, &c, k, shown, shown_n, ks);
    free(shown);
}

static int keys_key(struct app *app, int key)
{
    struct keys_state *st = state_of(app);
    bool changed;
    int act = filter_key(&st->filter, key, &changed);
    if (changed)
        st->scroll.first = 0;
    if (act != ACT_NONE)
        return act;
    switch (key) {
    case 's':
        st->sort = (st->sort + 1) % PS_COUNT;
        return ACT_REDRAW;
    case 'S':
        st->reverse = !st->reverse;
        return ACT_REDRAW;
    case 27: case QK_BACKSPACE: case 127: case 8: case QK_LEFT: case 'h':
        app_back(app);
        return ACT_REDRAW;
    default:
        return text_scroll_key(&st->scroll, key);
    }
}

/* The filter being typed, for the status line. */
static bool keys_editing(const struct app *app, char *line, size_t len)
{
    const struct keys_state *st = state_of(app);
    return filter_prompt(&st->filter, line, len, "Filter");
}

static void *keys_state_new(void)
{
    return xcalloc(1, sizeof(struct keys_state));
}

static const struct help_line keys_help[] = {
    { "Up/Down j/k PgUp/PgDn", "scroll" },
    { "/", "filter locks and prefixes by name (Enter keeps it, Esc clears it)" },
    { "s / S", "order the prefixes: keys, bytes, no-ttl share, name / reverse it" },
    { "Esc", "clear the filter, then back to the streams" },
    { "locks", "keys matching --lock-pattern, no TTL first" },
    { "!! none", "no TTL: never released if its holder dies" },
    { "prefixes", "a key's part up to its first `:`, most keys first" },
    { "NO-TTL", "share of the prefix's keys that never expire" },
    { "~BYTES", "MEMORY USAGE of a sample, scaled to all its keys" },
    { NULL, NULL },
};

static size_t keys_hints(const struct app *app, struct hint *out)
{
    static char sort[48];   /* the UI thread's only */
    const struct keys_state *st = state_of(app);
    snprintf(sort, sizeof sort, "s sort:%s%s", prefix_sort_names[st->sort % PS_COUNT],
             st->reverse ? "(rev)" : "");
    out[0] = (struct hint){ "/ filter", 0 };
    out[1] = (struct hint){ sort, 1 };
    out[2] = (struct hint){ "j/k scroll", 2 };
    out[3] = (struct hint){ "Esc back", 3 };
    return 4;
}

const struct view keys_view = {
    .name = "keys",
    .key = '5',
    .family = "keys",
    .source = SOURCE_KEYS,
    .draw = draw_keys,
    .handle_key = keys_key,
    .hints = keys_hints,
    .help = keys_help,
    .editing = keys_editing,
    .state_new = keys_state_new,
    .state_free = free,
};
