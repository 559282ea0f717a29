/* format.c -- see format.h. */
#include "format.h"

#include <math.h>
#include <stdio.h>

#include "../collectors/snapshot.h"

static void scaled(double v, char *buf, size_t len)
{
    static const char units[] = { 'k', 'M', 'G', 'T', 'P' };
    int u = -1;
    while (fabs(v) >= 999.5 && u < 4) {
        v /= 1000.0;
        u++;
    }
    if (u < 0)
        snprintf(buf, len, "%.0f", v);
    else if (fabs(v) < 9.95)
        snprintf(buf, len, "%.1f%c", v, units[u]);
    else
        snprintf(buf, len, "%.0f%c", v, units[u]);
}

void fmt_count(long long v, char *buf, size_t len)
{
    if (v == QT_UNKNOWN)
        snprintf(buf, len, "?");
    else if (v < 1000 && v > -1000)
        snprintf(buf, len, "%lld", v);
    else
        scaled((double)v, buf, len);
}

void fmt_duration_ms(long long ms, char *buf, size_t len)
{
    if (ms == QT_UNKNOWN || ms < 0) {
        snprintf(buf, len, "?");
        return;
    }
    long long s = ms / 1000;
    if (ms < 1000)
        snprintf(buf, len, "%lldms", ms);
    else if (ms < 60000)
        snprintf(buf, len, "%.1fs", (double)ms / 1000.0);
    else if (s < 3600)
        snprintf(buf, len, "%lldm%02llds", s / 60, s % 60);
    else if (s < 86400)
        snprintf(buf, len, "%lldh%02lldm", s / 3600, (s % 3600) / 60);
    else
        snprintf(buf, len, "%lldd%02lldh", s / 86400, (s % 86400) / 3600);
}

void fmt_rate(double v, char *buf, size_t len)
{
    if (isnan(v))
        snprintf(buf, len, "?");
    else if (v == 0.0)
        snprintf(buf, len, "0");
    else if (fabs(v) < 9.95)   /* 9.96 would print as "10.0" */
        snprintf(buf, len, "%.1f", v);
    else
        scaled(v, buf, len);
}

void fmt_kept_count(long long v, bool kept, char *buf, size_t len)
{
    if (!kept)
        snprintf(buf, len, "-");
    else
        fmt_count(v, buf, len);
}

void fmt_kept_rate(double v, bool kept, char *buf, size_t len)
{
    if (!kept)
        snprintf(buf, len, "-");
    else
        fmt_rate(v, buf, len);
}

void fmt_bytes(long long v, char *buf, size_t len)
{
    static const char units[] = { 'K', 'M', 'G', 'T', 'P' };
    if (v == QT_UNKNOWN || v < 0) {
        snprintf(buf, len, "?");
        return;
    }
    if (v < 1024) {
        snprintf(buf, len, "%lldB", v);
        return;
    }
    double d = (double)v;
    int u = -1;
    while (d >= 1023.95 && u < 4) {
        d /= 1024.0;
        u++;
    }
    snprintf(buf, len, d < 9.95 ? "%.1f%c" : "%.0f%c", d, units[u]);
}

void redis_cost_text(const struct redis_cost *c, size_t streams, char *buf, size_t len)
{
    buf[0] = '\0';
    if (!c->budgeted)
        return;
    char share[16], cyc[24];
    if (c->report.share >= 0)
        snprintf(share, sizeof share, "%.1f%%", c->report.share * 100.0);
    else
        snprintf(share, sizeof share, "?");
    if (c->cycle_ms > 0) {
        fmt_duration_ms(c->cycle_ms, cyc, sizeof cyc);
        snprintf(buf, len, "cost %s/%g%%  cycle %s", share, c->report.budget_share * 100.0, cyc);
    } else {
        char done[16], all[16];
        fmt_count((long long)c->streams_read, done, sizeof done);
        fmt_count((long long)streams, all, sizeof all);
        snprintf(buf, len, "cost %s/%g%%  read %s/%s", share, c->report.budget_share * 100.0,
                 done, all);
    }
}
