/* keys.c -- locks and what fills Redis: every key matching a lock pattern with its TTL and
 * owner, those without a TTL first (a lock that never expires is never released if its holder
 * dies), then the key prefixes with most keys, how many of them have no TTL and an estimate of
 * their size. Figures come from the keys collector's last full SCAN pass. Also the keys
 * collector's part of the overview's problems line. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../collectors/util.h"
#include "../themes/theme.h"
#include "../tui/app_state.h"
#include "../tui/format.h"
#include "../tui/sanitize.h"
#include "../tui/text_scroll.h"
#include "canvas.h"
#include "panels.h"
#include "server_model.h"

static const struct keys_snapshot *keys_of(const struct app *app)
{
    return app->keys ? &app->keys->keys : NULL;
}

static bool lock_no_ttl(const struct lock_info *l)
{
    return l->ttl_ms == -1;
}

/* ---- the overview's problems line ------------------------------------------------------ */

/* "MARK TEXT NAME[SUFFIX]" from col, the name cut to leave room for the rest. */
static int problem(struct app *app, WINDOW *w, int y, int col, int width, int role,
                   const char *lead, const struct bytes *name, const char *suffix)
{
    col += app_puts(app, w, y, col, width - col, role, lead);
    int room = width - col - (int)strlen(suffix);
    if (room < 8)
        room = 8;
    if (room > 30)
        room = 30;
    col += app_put(app, w, y, col, room < width - col ? room : width - col, role, name->ptr,
                   name->len);
    if (suffix[0] && col < width)
        col += app_puts(app, w, y, col, width - col, ROLE_DEFAULT, suffix);
    return col + 3;
}

int keys_problems_draw(struct app *app, WINDOW *w, int y, int col, int width, bool critical)
{
    const struct keys_snapshot *k = keys_of(app);
    if (!k || k->state != CONN_UP || k->passes == 0)
        return col;
    /* locks come sorted with the ones without expiry first */
    for (size_t i = 0; critical && i < k->lock_count && lock_no_ttl(&k->locks[i]) &&
                       col < width - 12; i++)
        col = problem(app, w, y, col, width, ROLE_CRIT, "!! lock without TTL: ", &k->locks[i].key,
                      "");
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
    for (size_t r = 0; r < nl && col < width - 12; r++) {
        const struct queue_info *q = late[r];
        char lead[40], suffix[48], n[24];
        snprintf(lead, sizeof lead, "! %s ", q->layout);
        fmt_count(q->due_now, n, sizeof n);
        snprintf(suffix, sizeof suffix, ": %s due now", n);
        col = problem(app, w, y, col, width, ROLE_WARN, lead, &q->name, suffix);
    }
    free(late);
    return col;
}

/* ---- the view ------------------------------------------------------------------------------ */

#define TTL_W 8
#define COUNT_W 7
#define BYTES_W 8

static void draw_locks(struct canvas *c, const struct keys_snapshot *k)
{
    struct app *app = c->app;
    size_t none = 0;
    for (size_t i = 0; i < k->lock_count; i++)
        none += lock_no_ttl(&k->locks[i]);
    char line[512], ttl[24];
    if (canvas_visible(c)) {
        int y = canvas_y(c);
        snprintf(line, sizeof line, " Locks  %zu", k->lock_count);
        int x = app_puts(app, c->w, y, 0, c->width, ROLE_TITLE, line);
        if (none) {
            snprintf(line, sizeof line, ", %zu without TTL: never released if the holder dies",
                     none);
            app_puts(app, c->w, y, x, c->width - x, ROLE_CRIT, line);
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
    int key_w = c->width - 3 - 1 - TTL_W - 2 - owner_w;
    if (key_w > widest) {
        key_w = widest;
        owner_w = c->width - 3 - key_w - 1 - TTL_W - 2;
    }
    if (key_w < 12) {
        owner_w = 0;
        key_w = c->width - 3 - 1 - TTL_W;
    }
    if (key_w < 4)
        key_w = 4;
    snprintf(line, sizeof line, "   %-*s %*s%s%s", key_w, "KEY", TTL_W, "TTL", owner_w ? "  " : "",
             owner_w ? "OWNER" : "");
    canvas_column(c, line);
    for (size_t i = 0; i < k->lock_count; i++, c->line++) {
        if (!canvas_visible(c))
            continue;
        const struct lock_info *l = &k->locks[i];
        int y = canvas_y(c);
        bool bad = lock_no_ttl(l);
        if (bad)
            app_puts(app, c->w, y, 0, 2, ROLE_CRIT, "!!");
        app_put(app, c->w, y, 3, key_w, ROLE_DEFAULT, l->key.ptr, l->key.len);
        if (bad)
            str_copy(ttl, "none", sizeof ttl);
        else
            fmt_duration_ms(l->ttl_ms, ttl, sizeof ttl);
        int end = 3 + key_w + 1 + TTL_W;
        int len = (int)strlen(ttl);
        app_puts(app, c->w, y, end - (len < TTL_W ? len : TTL_W), TTL_W, bad ? ROLE_CRIT : ROLE_DEFAULT,
                 ttl);
        if (owner_w)
            app_put(app, c->w, y, end + 2, c->width - end - 2, ROLE_DIM, l->owner.ptr, l->owner.len);
    }
}

static void draw_prefixes(struct canvas *c, const struct keys_snapshot *k)
{
    struct app *app = c->app;
    char line[512], a[24], b[24];
    c->line++;
    snprintf(line, sizeof line, " Key prefixes  %zu", k->prefix_count);
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
    int prefix_w = c->width - 2 - 4 - 3 * COUNT_W - BYTES_W;
    if (prefix_w > 32)
        prefix_w = 32;
    if (prefix_w < 8)
        prefix_w = 8;
    snprintf(line, sizeof line, "  %-*s %*s %*s %*s %*s", prefix_w, "PREFIX", COUNT_W, "KEYS", COUNT_W,
             "NO-TTL", BYTES_W, "~BYTES", COUNT_W, "SAMPLE");
    canvas_column(c, line);
    for (size_t i = 0; i < k->prefix_count; i++, c->line++) {
        if (!canvas_visible(c))
            continue;
        const struct prefix_info *p = &k->prefixes[i];
        int y = canvas_y(c);
        app_put(app, c->w, y, 2, prefix_w, ROLE_DEFAULT, p->prefix.ptr, p->prefix.len);
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

extern const struct view keys_view;

static struct text_scroll *state_of(const struct app *app)
{
    return app_view_state(app, &keys_view);
}

static void draw_keys(struct app *app, WINDOW *w, int top, int height, int width)
{
    const struct keys_snapshot *k = keys_of(app);
    struct text_scroll *st = state_of(app);
    char line[256], a[24], b[24];
    st->lines = 0;
    st->page = 1;
    app_puts(app, w, top, 0, width, ROLE_TITLE, " Locks and key prefixes");
    if (!k) {
        app_puts(app, w, top + 1, 2, width - 4, ROLE_DIM, "waiting for the first sample...");
        return;
    }
    if (k->passes == 0) {
        if (k->state == CONN_DOWN) {
            app_puts_wrapped(app, w, top + 1, 2, width - 4, 4, ROLE_CRIT, k->error);
            return;
        }
        fmt_count(k->pass_keys, a, sizeof a);
        fmt_count(k->dbsize, b, sizeof b);
        snprintf(line, sizeof line, "waiting for the first full SCAN pass... (%s of %s keys)", a, b);
        app_puts(app, w, top + 1, 2, width - 4, ROLE_DIM, line);
        return;
    }
    fmt_count(k->dbsize, a, sizeof a);
    snprintf(line, sizeof line, "   scan pass %lld, DBSIZE %s", k->passes, a);
    int x = (int)strlen(" Locks and key prefixes");
    x += app_puts(app, w, top, x, width - x, ROLE_DIM, line);
    if (k->state != CONN_UP)
        app_puts(app, w, top, x, width - x, ROLE_WARN, "  stale: not connected");
    int y = top + 1;
    if (k->state == CONN_DOWN)
        y += app_puts_wrapped(app, w, y, 1, width - 2, 3, ROLE_CRIT, k->error);

    /* a dry run counts the lines, so a scroll left from a longer list is clamped now */
    struct canvas dry = { app, w, y, 0, width, 0, 0 };
    draw_locks(&dry, k);
    draw_prefixes(&dry, k);
    st->lines = dry.line;
    st->page = top + height - y > 0 ? top + height - y : 1;
    text_scroll_clamp(st);
    struct canvas c = { app, w, y, top + height - y, width, st->first, 0 };
    draw_locks(&c, k);
    draw_prefixes(&c, k);
}

static int keys_key(struct app *app, int key)
{
    switch (key) {
    case 27: case KEY_BACKSPACE: case 127: case 8:
        app_back(app);
        return ACT_REDRAW;
    default:
        return text_scroll_key(state_of(app), key);
    }
}

/* The view's own state: how far it is scrolled. */
static void *keys_state_new(void)
{
    return xcalloc(1, sizeof(struct text_scroll));
}

static const struct help_line keys_help[] = {
    { "Up/Down j/k PgUp/PgDn", "scroll" },
    { "Esc", "back to the streams" },
    { "locks", "keys matching --lock-pattern, no TTL first" },
    { "!! none", "no TTL: never released if its holder dies" },
    { "prefixes", "a key's part up to its first `:`, most keys first" },
    { "NO-TTL", "share of the prefix's keys that never expire" },
    { "~BYTES", "MEMORY USAGE of a sample, scaled to all its keys" },
    { NULL, NULL },
};

static size_t keys_hints(const struct app *app, struct hint *out)
{
    (void)app;
    out[0] = (struct hint){ "Esc back", 1 };
    out[1] = (struct hint){ "j/k scroll", 0 };
    out[2] = (struct hint){ "r refresh", 2 };
    return 3;
}

const struct view keys_view = {
    .name = "keys",
    .key = '5',
    .source = SOURCE_KEYS,
    .draw = draw_keys,
    .handle_key = keys_key,
    .hints = keys_hints,
    .help = keys_help,
    .state_new = keys_state_new,
    .state_free = free,
};
