/* redis_conn.c -- see redis_conn.h. */
#include "redis_conn.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

static int hexval(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c = tolower(c);
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

/* Percent-decodes src[0..len) into dst; -1 on a bad escape or overflow. */
static int url_decode(const char *src, size_t len, char *dst, size_t dstsize)
{
    size_t o = 0;
    for (size_t i = 0; i < len; i++) {
        int c = (unsigned char)src[i];
        if (c == '%') {
            if (i + 2 >= len)
                return -1;
            int hi = hexval(src[i + 1]), lo = hexval(src[i + 2]);
            if (hi < 0 || lo < 0)
                return -1;
            c = hi * 16 + lo;
            i += 2;
        }
        if (o + 1 >= dstsize)
            return -1;
        dst[o++] = (char)c;
    }
    dst[o] = '\0';
    return 0;
}

static int parse_db(const char *s, size_t len, int *db)
{
    long long v;
    if (len == 0)
        return 0;
    if (parse_ll(s, len, &v) < 0 || v < 0 || v > 1000000)
        return -1;
    *db = (int)v;
    return 0;
}

/* user:password@ part (without the '@'). */
static int parse_userinfo(const char *s, size_t len, struct redis_target *t, char *err,
                          size_t errlen)
{
    const char *colon = memchr(s, ':', len);
    size_t ulen = colon ? (size_t)(colon - s) : len;
    if (url_decode(s, ulen, t->user, sizeof t->user) < 0) {
        snprintf(err, errlen, "bad user name in Redis URL (percent-escape or length)");
        return -1;
    }
    if (colon) {
        size_t plen = len - ulen - 1;
        if (url_decode(colon + 1, plen, t->password, sizeof t->password) < 0) {
            snprintf(err, errlen, "bad password in Redis URL (percent-escape or length)");
            return -1;
        }
        t->has_password = true;
    }
    return 0;
}

static int parse_hostport(const char *s, size_t len, struct redis_target *t, char *err,
                          size_t errlen)
{
    const char *portp = NULL;
    size_t hlen;
    if (len && s[0] == '[') {
        const char *close = memchr(s, ']', len);
        if (!close) {
            snprintf(err, errlen, "bad Redis URL: '[' without ']' in the host");
            return -1;
        }
        hlen = (size_t)(close - s - 1);
        if (hlen >= sizeof t->host) {
            snprintf(err, errlen, "bad Redis URL: host name too long");
            return -1;
        }
        memcpy(t->host, s + 1, hlen);
        t->host[hlen] = '\0';
        size_t rest = len - (size_t)(close - s) - 1;
        if (rest) {
            if (close[1] != ':') {
                snprintf(err, errlen, "bad Redis URL: junk after ']' in the host");
                return -1;
            }
            portp = close + 1;
        }
    } else {
        const char *colon = memchr(s, ':', len);
        hlen = colon ? (size_t)(colon - s) : len;
        if (hlen >= sizeof t->host) {
            snprintf(err, errlen, "bad Redis URL: host name too long");
            return -1;
        }
        memcpy(t->host, s, hlen);
        t->host[hlen] = '\0';
        portp = colon;
    }
    if (portp) {
        long long p;
        size_t plen = len - (size_t)(portp - s) - 1;
        if (parse_ll(portp + 1, plen, &p) < 0 || p < 1 || p > 65535) {
            snprintf(err, errlen, "bad Redis URL: port must be a number from 1 to 65535");
            return -1;
        }
        t->port = (int)p;
    }
    if (t->host[0] == '\0')
        str_copy(t->host, "127.0.0.1", sizeof t->host);
    return 0;
}

/* REDISCLI_AUTH when the URL holds no password. */
static void password_from_env(struct redis_target *t)
{
    if (!t->has_password) {
        const char *env = getenv("REDISCLI_AUTH");
        if (env && *env) {
            str_copy(t->password, env, sizeof t->password);
            t->has_password = true;
        }
    }
}

/* [[user]:password@]host[:port][,host[:port]...]/MASTER[/db], after the scheme. */
static int parse_sentinel(const char *p, struct redis_target *t, char *err, size_t errlen)
{
    t->sentinel = true;
    for (const char *c = p; *c; c++) {
        if ((unsigned char)*c < 0x20 || *c == 0x7f) {
            snprintf(err, errlen, "bad Redis URL: it contains control characters");
            return -1;
        }
    }
    const char *slash = strchr(p, '/');
    if (!slash || !slash[1]) {
        snprintf(err, errlen, "bad Sentinel URL: the master's name goes after the Sentinels "
                              "(redis-sentinel://host:26379,host2:26379/mymaster)");
        return -1;
    }
    const char *at = NULL;
    for (const char *c = p; c < slash; c++)
        if (*c == '@')
            at = c;
    if (at) {
        if (parse_userinfo(p, (size_t)(at - p), t, err, errlen) < 0)
            return -1;
        p = at + 1;
    }
    while (p < slash) {
        const char *comma = memchr(p, ',', (size_t)(slash - p));
        const char *end = comma ? comma : slash;
        if (t->sentinel_count == REDIS_SENTINELS_MAX) {
            snprintf(err, errlen, "bad Sentinel URL: at most %d Sentinels", REDIS_SENTINELS_MAX);
            return -1;
        }
        struct redis_target one;
        memset(&one, 0, sizeof one);
        one.port = 26379;
        if (end == p || parse_hostport(p, (size_t)(end - p), &one, err, errlen) < 0) {
            if (end == p)
                snprintf(err, errlen, "bad Sentinel URL: an empty Sentinel address");
            return -1;
        }
        struct redis_sentinel_addr *a = &t->sentinels[t->sentinel_count++];
        str_copy(a->host, one.host, sizeof a->host);
        a->port = one.port;
        p = comma ? comma + 1 : slash;
    }
    if (t->sentinel_count == 0) {
        snprintf(err, errlen, "bad Sentinel URL: no Sentinel address before the master's name");
        return -1;
    }
    const char *name = slash + 1, *db = strchr(name, '/');
    size_t nlen = db ? (size_t)(db - name) : strlen(name);
    if (nlen == 0 || url_decode(name, nlen, t->master_name, sizeof t->master_name) < 0) {
        snprintf(err, errlen, "bad Sentinel URL: the master's name is empty or too long");
        return -1;
    }
    if (db && parse_db(db + 1, strlen(db + 1), &t->db) < 0) {
        snprintf(err, errlen, "bad Sentinel URL: after the master's name, a database number");
        return -1;
    }
    /* until a Sentinel names the master: its first Sentinel, for messages */
    str_copy(t->host, t->sentinels[0].host, sizeof t->host);
    t->port = t->sentinels[0].port;
    password_from_env(t);
    /* the Sentinels' own credentials (Sentinel's requirepass, or an ACL user of theirs): from
     * the environment only, never in a URL that a process list or a recording shows */
    const char *sp = getenv("REDIS_SENTINEL_AUTH"), *su = getenv("REDIS_SENTINEL_USER");
    if (sp && *sp) {
        str_copy(t->sentinel_password, sp, sizeof t->sentinel_password);
        t->sentinel_has_password = true;
        if (su && *su)
            str_copy(t->sentinel_user, su, sizeof t->sentinel_user);
    }
    return 0;
}

int redis_url_parse(const char *url, struct redis_target *t, char *err, size_t errlen)
{
    memset(t, 0, sizeof *t);
    t->port = 6379;
    if (!url || !*url) {
        snprintf(err, errlen, "empty Redis URL");
        return -1;
    }
    const char *p = url;
    bool is_unix = false;
    if (strncmp(p, "redis-sentinel://", 17) == 0 || strncmp(p, "rediss-sentinel://", 18) == 0) {
        t->tls = strncmp(p, "rediss-", 7) == 0;
        return parse_sentinel(p + (t->tls ? 18 : 17), t, err, errlen);
    }
    if (strncmp(p, "redis://", 8) == 0) {
        p += 8;
    } else if (strncmp(p, "unix://", 7) == 0) {
        p += 7;
        is_unix = true;
    } else if (strncmp(p, "rediss://", 9) == 0) {
        p += 9;
        t->tls = true;
    } else if (strstr(p, "://")) {
        snprintf(err, errlen, "bad Redis URL: scheme must be redis://, rediss:// (TLS), "
                              "redis-sentinel:// or unix://");
        return -1;
    }
    for (const char *c = p; *c; c++) {
        if ((unsigned char)*c < 0x20 || *c == 0x7f) {
            snprintf(err, errlen, "bad Redis URL: it contains control characters");
            return -1;
        }
    }

    /* Split off userinfo: the last '@' before the path. */
    const char *end = p + strlen(p);
    const char *slash = is_unix ? NULL : strchr(p, '/');
    const char *auth_end = slash ? slash : end;
    const char *at = NULL;
    for (const char *c = p; c < auth_end; c++)
        if (*c == '@')
            at = c;
    if (is_unix) {
        /* unix://[user:pass@]/path : the '@' comes right before the path's '/' */
        const char *c = strchr(p, '@');
        at = (c && c[1] == '/') ? c : NULL;
    }
    if (at) {
        if (parse_userinfo(p, (size_t)(at - p), t, err, errlen) < 0)
            return -1;
        p = at + 1;
    }

    if (is_unix) {
        t->unix_socket = true;
        const char *q = strchr(p, '?');
        size_t plen = q ? (size_t)(q - p) : strlen(p);
        if (plen == 0 || p[0] != '/') {
            snprintf(err, errlen, "bad Redis URL: unix:// needs an absolute path (unix:///run/redis.sock)");
            return -1;
        }
        if (url_decode(p, plen, t->path, sizeof t->path) < 0) {
            snprintf(err, errlen, "bad Redis URL: socket path too long or badly escaped");
            return -1;
        }
        if (q) {
            const char *param = q + 1;
            while (*param) {
                const char *amp = strchr(param, '&');
                size_t n = amp ? (size_t)(amp - param) : strlen(param);
                if (n > 3 && strncmp(param, "db=", 3) == 0) {
                    if (parse_db(param + 3, n - 3, &t->db) < 0) {
                        snprintf(err, errlen, "bad Redis URL: db must be a number");
                        return -1;
                    }
                } else {
                    snprintf(err, errlen, "bad Redis URL: unknown parameter '%.*s' (only db=N)",
                             (int)(n > 40 ? 40 : n), param);
                    return -1;
                }
                param += n + (amp ? 1 : 0);
            }
        }
    } else {
        slash = strchr(p, '/');
        size_t hlen = slash ? (size_t)(slash - p) : strlen(p);
        if (parse_hostport(p, hlen, t, err, errlen) < 0)
            return -1;
        if (slash) {
            const char *db = slash + 1;
            if (parse_db(db, strlen(db), &t->db) < 0) {
                snprintf(err, errlen, "bad Redis URL: the path must be a database number (/0)");
                return -1;
            }
        }
    }

    password_from_env(t);
    return 0;
}

void redis_target_display(const struct redis_target *t, char *buf, size_t buflen)
{
    char auth[300] = "";
    if (t->user[0] || t->has_password)
        snprintf(auth, sizeof auth, "%s%s@", t->user, t->has_password ? ":***" : "");
    if (t->sentinel) {
        size_t o = (size_t)snprintf(buf, buflen, "%s://%s", t->tls ? "rediss-sentinel"
                                                                     : "redis-sentinel", auth);
        for (int i = 0; i < t->sentinel_count && o < buflen; i++) {
            bool v6 = strchr(t->sentinels[i].host, ':') != NULL;
            o += (size_t)snprintf(buf + o, buflen - o, "%s%s%s%s:%d", i ? "," : "",
                                  v6 ? "[" : "", t->sentinels[i].host, v6 ? "]" : "",
                                  t->sentinels[i].port);
        }
        if (o < buflen)
            o += (size_t)snprintf(buf + o, buflen - o, "/%s", t->master_name);
        if (o < buflen && t->db)
            snprintf(buf + o, buflen - o, "/%d", t->db);
        return;
    }
    if (t->unix_socket) {
        if (t->db)
            snprintf(buf, buflen, "unix://%s%s?db=%d", auth, t->path, t->db);
        else
            snprintf(buf, buflen, "unix://%s%s", auth, t->path);
    } else {
        bool v6 = strchr(t->host, ':') != NULL;
        char db[24] = "";
        if (t->db)
            snprintf(db, sizeof db, "/%d", t->db);
        snprintf(buf, buflen, "%s://%s%s%s%s:%d%s", t->tls ? "rediss" : "redis", auth,
                 v6 ? "[" : "", t->host, v6 ? "]" : "", t->port, db);
    }
}

int redis_info_field(const char *info, const char *name, char *buf, size_t buflen)
{
    size_t n = strlen(name);
    const char *p = info;
    while (p && *p) {
        if (strncmp(p, name, n) == 0 && p[n] == ':') {
            const char *v = p + n + 1;
            size_t l = strcspn(v, "\r\n");
            if (l >= buflen)
                l = buflen - 1;
            memcpy(buf, v, l);
            buf[l] = '\0';
            return 0;
        }
        p = strchr(p, '\n');
        if (p)
            p++;
    }
    return -1;
}

void redis_info_clean(char *value)
{
    char *o = value;
    for (const char *p = value; *p; p++)
        if (isalnum((unsigned char)*p) || *p == '.' || *p == '_' || *p == '-')
            *o++ = *p;
    *o = '\0';
}

void redis_describe_error(const char *what, const char *e, char *err, size_t errlen)
{
    char clean[200];
    size_t o = 0;
    /* printable ASCII only: this text goes to a terminal, a JSON string and stderr */
    for (const char *c = e; *c && o + 1 < sizeof clean; c++)
        clean[o++] = ((unsigned char)*c < 0x20 || (unsigned char)*c >= 0x7f) ? '?' : *c;
    clean[o] = '\0';
    const char *hint = "";
    if (strncmp(e, "NOAUTH", 6) == 0)
        hint = " (the server wants a password: redis://:PASSWORD@host or REDISCLI_AUTH)";
    else if (strncmp(e, "WRONGPASS", 9) == 0 || strstr(e, "invalid password"))
        hint = " (wrong user name or password)";
    else if (strncmp(e, "NOPERM", 6) == 0)
        hint = " (this ACL user lacks a read permission queuetop needs: SCAN, TYPE, XINFO,"
               " XPENDING, TIME, INFO)";
    snprintf(err, errlen, "%s: %s%s", what, clean, hint);
}
