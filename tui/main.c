/* main.c -- command line, wiring of collectors, hub and the chosen front end (TUI, JSON lines,
 * one-shot JSON or text), signals. The only file with process-wide state. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <locale.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "../collectors/cancel.h"
#include "../collectors/collector.h"
#include "../collectors/history.h"
#include "../collectors/hub.h"
#include "../collectors/pg_mapping.h"
#include "../collectors/wf_source.h"
#include "../collectors/pg_conn.h"
#include "../collectors/redis_server.h"
#include "../collectors/redis_streams.h"
#include "../collectors/redis_tls.h"
#include "../collectors/util.h"
#include "app.h"
#include "config.h"
#include "json_out.h"
#include "once.h"
#include "options.h"
#include "text_out.h"

static int signal_pipe[2] = { -1, -1 };
static volatile sig_atomic_t stop_signals;   /* SIGINT/SIGTERM/SIGHUP received so far */
static volatile sig_atomic_t screen_active;  /* the dashboard owns the terminal */

static struct termios saved_termios;
static bool have_saved_termios;

/* Async-signal-safe. Puts the tty modes back as they were at start and, when the dashboard had
 * the terminal, leaves the alternate screen, shows the cursor and resets attributes. Headless
 * runs write no escapes: their stderr may be a log file. */
static void restore_terminal_from_signal(void)
{
    static const char reset[] = "\033[0m\033[?25h\033[?1049l\r\n";
    if (have_saved_termios)
        tcsetattr(STDIN_FILENO, TCSANOW, &saved_termios);
    if (screen_active) {
        ssize_t w = write(STDOUT_FILENO, reset, sizeof reset - 1);
        (void)w;
    }
}

/* The first stop signal asks for an orderly stop: the front end sees it on signal_pipe, and
 * every network wait is cancelled at once (cancel_request shuts the sockets down). A second one
 * means "now": the terminal is restored and the process leaves without cleaning up. */
static void on_stop_signal(int sig)
{
    int saved = errno;
    if (stop_signals++ > 0) {
        restore_terminal_from_signal();
        _exit(128 + sig);
    }
    char c = (char)sig;
    ssize_t w = write(signal_pipe[1], &c, 1);
    (void)w;
    cancel_request();
    errno = saved;
}

/* Only async-signal-safe calls here: the heap may be what broke. Runs on whichever thread
 * faulted (collector threads block only the asynchronous signals). */
static void on_crash(int sig)
{
    static const char msg[] = "queuetop: crashed (fatal signal)\n";
    restore_terminal_from_signal();
    ssize_t w = write(STDERR_FILENO, msg, sizeof msg - 1);
    (void)w;
    signal(sig, SIG_DFL);
    raise(sig);
}

static void install_signals(void)
{
    if (isatty(STDIN_FILENO) && tcgetattr(STDIN_FILENO, &saved_termios) == 0)
        have_saved_termios = true;
    if (pipe(signal_pipe) == 0) {
        fcntl(signal_pipe[0], F_SETFL, O_NONBLOCK);
        fcntl(signal_pipe[1], F_SETFL, O_NONBLOCK);
        fcntl(signal_pipe[0], F_SETFD, FD_CLOEXEC);
        fcntl(signal_pipe[1], F_SETFD, FD_CLOEXEC);
    }
    if (cancel_init() < 0) {
        fprintf(stderr, "queuetop: cannot create a pipe: %s\n", strerror(errno));
        exit(2);
    }
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_stop_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    sa.sa_handler = SIG_IGN;
    sigaction(SIGPIPE, &sa, NULL);
    sa.sa_handler = on_crash;
    sa.sa_flags = SA_RESETHAND;
    sigaction(SIGSEGV, &sa, NULL);
    sigaction(SIGBUS, &sa, NULL);
    sigaction(SIGFPE, &sa, NULL);
    sigaction(SIGILL, &sa, NULL);
    sigaction(SIGABRT, &sa, NULL);
}

static void usage(FILE *out)
{
    fprintf(out,
        "Usage: queuetop [OPTION]...\n"
        "Top for queues and workflows: live Redis Streams length, consumer lag, pending entries\n"
        "and their age; server health; workflow executions from PostgreSQL and their timelines.\n"
        "Read-only: safe to point at production.\n"
        "\n"
        "Connection:\n"
        "  -r, --redis URL          redis://[[user]:password@]host[:port][/db],\n"
        "                           rediss://... (TLS), unix:///path/to/socket[?db=N], or\n"
        "                           redis-sentinel://host:26379[,host...]/MASTER[/db]\n"
        "                           (the master the Sentinels name, again at every\n"
        "                           reconnect; rediss-sentinel:// over TLS; a Sentinel's\n"
        "                           own password: $REDIS_SENTINEL_AUTH)\n"
        "                           (default: $REDIS_URL, else redis://127.0.0.1:6379);\n"
        "                           the password may also come from $REDISCLI_AUTH.\n"
        "                           Repeat -r to watch several servers on one screen\n"
        "                           (NAME=URL names one); a Redis Cluster node stands for\n"
        "                           the whole cluster (its primaries are found and read)\n"
        "      --redis-file FILE    the servers to watch, one URL (or NAME=URL) a line\n"
        "      --password-file FILE  Redis' password: the first line of FILE, read again\n"
        "                           at every connect (a password rotated meanwhile is used)\n"
        "      --password-command CMD  the same from what CMD prints (sh -c, 5 s at most)\n"
        "      --connect-timeout S  seconds to wait for a connection (default 2)\n"
        "      --timeout S          seconds to wait for a reply (default 5)\n"
        "      --tls-ca FILE        rediss://: trust the CAs in FILE (PEM) instead of the\n"
        "                           system's; --tls-ca-dir DIR a hashed directory of them\n"
        "      --tls-cert FILE      rediss://: a client certificate (PEM) for mutual TLS,\n"
        "      --tls-key FILE       and its private key (default: in the same file)\n"
        "      --insecure           rediss://: do not verify the server's certificate (the\n"
        "                           header says so); for PostgreSQL use sslmode in --pg\n"
        "\n"
        "Workflows (PostgreSQL):\n"
        "      --pg CONNINFO        a conninfo string or postgresql:// URI (PG* variables,\n"
        "                           ~/.pgpass and services work as in psql); read-only session\n"
        "      --source KIND        conductor, prefect, mapping FILE, or auto (default: found\n"
        "                           from the tables present)\n"
        "      --pg-timeout S       statement_timeout of queuetop's queries (default 5)\n"
        "      --workflow ID        open one execution's timeline (with --once: print it)\n"
        "      --find TEXT          with --once: executions whose id or correlation id is TEXT\n"
        "  With --pg alone only PostgreSQL is read; add --redis to watch both.\n"
        "\n"
        "What to watch:\n"
        "  -m, --streams GLOB       only streams whose key matches GLOB (SCAN MATCH; default *)\n"
        "  -i, --interval S         seconds between samples (default 1)\n"
        "      --budget PCT         Redis time queuetop may use, in percent of one core,\n"
        "                           averaged over a minute (default 2); also bounds\n"
        "                           how often PostgreSQL counts are read again\n"
        "      --layouts FILE       queue layouts of your own (JSON; see docs/layouts.md)\n"
        "      --lock-pattern GLOB  keys that are locks (repeatable; default lock:* *:lock:*\n"
        "                           *:lock)\n"
        "\n"
        "Output:\n"
        "      --once               take one sample, print it and exit\n"
        "      --json               JSON instead of the dashboard: with --once one document,\n"
        "                           without it one line per sample until interrupted\n"
        "      --pretty             indent the JSON\n"
        "      --rate-interval S    with --once: seconds between the two samples that rates\n"
        "                           need (default 1; 0 takes one sample, rates are null)\n"
        "      --config FILE        thresholds (JSON; see docs/config.md)\n"
        "      --theme NAME         dark (default), light or mono; NO_COLOR is honoured\n"
        "      --no-color           same as --theme mono\n"
        "  -h, --help               this text\n"
        "  -V, --version            version\n"
        "\n"
        "Keys in the dashboard: ? help, q quit, 1 streams, 2 server, 3 workflows, 4 queues,\n"
        "5 locks and key prefixes, Tab the next view, / filter or search, s/S sort, Enter\n"
        "open, Esc back, +/- zoom a timeline, r refresh now.\n"
        "\n"
        "Exit status: 0 ok; 1 no such workflow execution; 2 bad usage, or a server could not\n"
        "be reached or read; 130 --once cut short by a signal. q and signals leave within a\n"
        "second whatever the servers do; a second signal leaves at once.\n");
}

static int parse_seconds(const char *s, int *ms_out, double min_s)
{
    char *end;
    double v = strtod(s, &end);
    if (end == s || *end || !(v >= min_s) || v > 86400.0)
        return -1;
    *ms_out = (int)(v * 1000.0 + 0.5);
    return 0;
}

static void usage_error(const char *fmt, const char *arg)
{
    fprintf(stderr, "queuetop: ");
    fprintf(stderr, fmt, arg);
    fprintf(stderr, "\nTry 'queuetop --help'.\n");
    exit(2);
}

/* arg as it may be echoed: a password in a URL (scheme://user:secret@host) or in a libpq
 * conninfo (password=secret) becomes ***. A stray argument is often a misplaced target. */
static void redact_arg(const char *arg, char *out, size_t outlen)
{
    str_copy(out, arg, outlen);
    char *scheme = strstr(out, "://");
    char *at = scheme ? strrchr(scheme + 3, '@') : NULL;
    if (at) {
        char *colon = memchr(scheme + 3, ':', (size_t)(at - (scheme + 3)));
        if (colon && (size_t)(colon - out) + 5 + strlen(at) < outlen) {
            memmove(colon + 4, at, strlen(at) + 1);
            memcpy(colon + 1, "***", 3);
        }
    }
    for (char *p = out; (p = strstr(p, "password")) != NULL;) {
        char *v = p + 8;
        while (*v == ' ')
            v++;
        if (*v != '=') {
            p = v;
            continue;
        }
        v++;
        while (*v == ' ')
            v++;
        char *end = v;
        if (*end == '\'') {   /* a quoted value may hold spaces */
            end++;
            while (*end && *end != '\'')
                end += end[0] == '\\' && end[1] ? 2 : 1;
            if (*end)
                end++;
        } else {
            while (*end && *end != ' ')
                end++;
        }
        if ((size_t)(v - out) + 3 + strlen(end) + 1 > outlen)
            break;
        memmove(v + 3, end, strlen(end) + 1);
        memcpy(v, "***", 3);
        p = v + 3;
    }
}

static void parse_args(int argc, char **argv, struct options *o)
{
    enum { OPT_ONCE = 256, OPT_JSON, OPT_PRETTY, OPT_RATE, OPT_CT, OPT_TO, OPT_BUDGET, OPT_THEME,
           OPT_NOCOLOR, OPT_CONFIG, OPT_PG, OPT_WORKFLOW, OPT_FIND, OPT_SOURCE, OPT_PGTIMEOUT,
           OPT_LAYOUTS, OPT_LOCKPAT, OPT_TLS_CA, OPT_TLS_CA_DIR, OPT_TLS_CERT, OPT_TLS_KEY,
           OPT_INSECURE, OPT_REDIS_FILE, OPT_PASSWORD_FILE, OPT_PASSWORD_COMMAND };
    static const struct option longopts[] = {
        { "redis", required_argument, NULL, 'r' },
        { "redis-file", required_argument, NULL, OPT_REDIS_FILE },
        { "password-file", required_argument, NULL, OPT_PASSWORD_FILE },
        { "password-command", required_argument, NULL, OPT_PASSWORD_COMMAND },
        { "streams", required_argument, NULL, 'm' },
        { "interval", required_argument, NULL, 'i' },
        { "once", no_argument, NULL, OPT_ONCE },
        { "json", no_argument, NULL, OPT_JSON },
        { "pretty", no_argument, NULL, OPT_PRETTY },
        { "rate-interval", required_argument, NULL, OPT_RATE },
        { "connect-timeout", required_argument, NULL, OPT_CT },
        { "timeout", required_argument, NULL, OPT_TO },
        { "budget", required_argument, NULL, OPT_BUDGET },
        { "theme", required_argument, NULL, OPT_THEME },
        { "no-color", no_argument, NULL, OPT_NOCOLOR },
        { "config", required_argument, NULL, OPT_CONFIG },
        { "pg", required_argument, NULL, OPT_PG },
        { "workflow", required_argument, NULL, OPT_WORKFLOW },
        { "find", required_argument, NULL, OPT_FIND },
        { "source", required_argument, NULL, OPT_SOURCE },
        { "pg-timeout", required_argument, NULL, OPT_PGTIMEOUT },
        { "layouts", required_argument, NULL, OPT_LAYOUTS },
        { "lock-pattern", required_argument, NULL, OPT_LOCKPAT },
        { "tls-ca", required_argument, NULL, OPT_TLS_CA },
        { "tls-ca-dir", required_argument, NULL, OPT_TLS_CA_DIR },
        { "tls-cert", required_argument, NULL, OPT_TLS_CERT },
        { "tls-key", required_argument, NULL, OPT_TLS_KEY },
        { "insecure", no_argument, NULL, OPT_INSECURE },
        { "help", no_argument, NULL, 'h' },
        { "version", no_argument, NULL, 'V' },
        { NULL, 0, NULL, 0 },
    };
    memset(o, 0, sizeof *o);
    const char *url = getenv("REDIS_URL");
    if (!url || !*url)
        url = "redis://127.0.0.1:6379";
    else
        o->redis_named = true;
    struct node_urls urls = { 0 };
    char uerr[600];
    const char *password_file = NULL, *password_command = NULL;
    streams_config_defaults(&o->streams);
    o->budget_share = 0.02;
    server_config_defaults(&o->server);
    pg_config_defaults(&o->pg);
    keys_config_defaults(&o->keys);
    const char *layouts_path = NULL;
    bool lock_patterns_given = false;
    o->thresholds = default_thresholds;
    const char *config_path = NULL;
    o->rate_interval_ms = 1000;
    str_copy(o->theme, "dark", sizeof o->theme);

    int c;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":r:m:i:hV", longopts, NULL)) != -1) {
        switch (c) {
        case 'r':
            if (node_urls_add(&urls, optarg, uerr, sizeof uerr) < 0)
                usage_error("%s", uerr);
            o->redis_named = true;
            break;
        case OPT_PASSWORD_FILE: password_file = optarg; break;
        case OPT_PASSWORD_COMMAND: password_command = optarg; break;
        case OPT_REDIS_FILE:
            if (node_urls_read_file(&urls, optarg, uerr, sizeof uerr) < 0) {
                fprintf(stderr, "queuetop: %s\n", uerr);
                exit(2);
            }
            o->redis_named = true;
            break;
        case 'm':
            if (!*optarg || strlen(optarg) >= sizeof o->streams.match)
                usage_error("--streams needs a glob of at most 511 bytes%s", "");
            str_copy(o->streams.match, optarg, sizeof o->streams.match);
            break;
        case 'i':
            if (parse_seconds(optarg, &o->streams.interval_ms, 0.1) < 0)
                usage_error("--interval wants seconds >= 0.1, not '%s'", optarg);
            break;
        case OPT_ONCE: o->once = true; break;
        case OPT_JSON: o->json = true; break;
        case OPT_PRETTY: o->pretty = true; break;
        case OPT_RATE:
            if (parse_seconds(optarg, &o->rate_interval_ms, 0.0) < 0)
                usage_error("--rate-interval wants seconds >= 0, not '%s'", optarg);
            break;
        case OPT_CT:
            if (parse_seconds(optarg, &o->streams.connect_timeout_ms, 0.05) < 0)
                usage_error("--connect-timeout wants seconds >= 0.05, not '%s'", optarg);
            break;
        case OPT_TO:
            if (parse_seconds(optarg, &o->streams.command_timeout_ms, 0.05) < 0)
                usage_error("--timeout wants seconds >= 0.05, not '%s'", optarg);
            break;
        case OPT_BUDGET:
            if (cost_parse_share(optarg, &o->budget_share) < 0)
                usage_error("--budget wants a share of one core in percent, from 0.1 to 50 "
                            "(2 or 2%%), not '%s'", optarg);
            break;
        case OPT_THEME:
            if (strcmp(optarg, "dark") && strcmp(optarg, "light") && strcmp(optarg, "mono"))
                usage_error("--theme is dark, light or mono, not '%s'", optarg);
            str_copy(o->theme, optarg, sizeof o->theme);
            break;
        case OPT_NOCOLOR: o->no_color = true; break;
        case OPT_CONFIG: config_path = optarg; break;
        case OPT_PG: o->pg_conninfo = optarg; break;
        case OPT_WORKFLOW:
            if (!*optarg)
                usage_error("--workflow needs an execution id%s", "");
            o->workflow_id = optarg;
            break;
        case OPT_LAYOUTS: layouts_path = optarg; break;
        case OPT_TLS_CA: o->tls.ca_file = optarg; break;
        case OPT_TLS_CA_DIR: o->tls.ca_dir = optarg; break;
        case OPT_TLS_CERT: o->tls.cert_file = optarg; break;
        case OPT_TLS_KEY: o->tls.key_file = optarg; break;
        case OPT_INSECURE: o->tls.insecure = true; break;
        case OPT_LOCKPAT:
            if (!lock_patterns_given) {   /* the first one replaces the defaults */
                o->keys.lock_pattern_count = 0;
                lock_patterns_given = true;
            }
            if (!*optarg || o->keys.lock_pattern_count >= KEYS_LOCK_PATTERNS_MAX)
                usage_error("--lock-pattern: an empty glob, or more than 16%s", "");
            o->keys.lock_patterns[o->keys.lock_pattern_count++] = optarg;
            break;
        case OPT_PGTIMEOUT:
            if (parse_seconds(optarg, &o->pg.statement_timeout_ms, 0.001) < 0)
                usage_error("--pg-timeout: '%s' is not a number of seconds", optarg);
            break;
        case OPT_SOURCE:
            if (strcmp(optarg, "conductor") == 0) {
                o->pg.source.kind = WF_SOURCE_CONDUCTOR;
            } else if (strcmp(optarg, "prefect") == 0) {
                o->pg.source.kind = WF_SOURCE_PREFECT;
            } else if (strcmp(optarg, "auto") == 0) {
                o->pg.source.kind = WF_SOURCE_AUTO;
            } else if (strcmp(optarg, "mapping") == 0) {
                /* --source mapping FILE: the file is the next word */
                if (optind >= argc || argv[optind][0] == '\0' || argv[optind][0] == '-')
                    usage_error("--source mapping needs a FILE: --source mapping FILE%s", "");
                o->pg.source.kind = WF_SOURCE_MAPPING;
                o->mapping_path = argv[optind++];
            } else {
                usage_error("--source: '%s' is not conductor, prefect, mapping FILE or auto",
                            optarg);
            }
            break;
        case OPT_FIND:
            if (!*optarg)
                usage_error("--find needs an execution id or correlation id%s", "");
            o->find = optarg;
            break;
        case 'h': usage(stdout); exit(0);
        case 'V': printf("queuetop %s\n", QUEUETOP_VERSION); exit(0);
        case ':':
        default: {
            /* Name the option, never its value: it may be a URL with a password in it. */
            char name[64];
            if (optopt > 0 && optopt < 256)
                snprintf(name, sizeof name, "-%c", optopt);
            else
                snprintf(name, sizeof name, "%.*s", (int)strcspn(argv[optind - 1], "="),
                         argv[optind - 1]);
            usage_error(c == ':' ? "option '%s' needs a value" : "unknown option '%s'", name);
            break;
        }
        }
    }
    if (optind < argc) {
        char shown[512];
        redact_arg(argv[optind], shown, sizeof shown);
        usage_error(strstr(shown, "://") || strchr(shown, '=')
                        ? "unexpected argument '%s' (a target goes after --redis or --pg)"
                        : "unexpected argument '%s'", shown);
    }
    if (o->pretty && !o->json)
        usage_error("--pretty goes with --json%s", "");
    if ((o->workflow_id || o->find) && !o->pg_conninfo)
        usage_error("--workflow and --find read PostgreSQL: give --pg CONNINFO%s", "");
    if (o->workflow_id && o->find)
        usage_error("--workflow and --find do not go together%s", "");
    if (o->find && !o->once)
        usage_error("--find prints its matches with --once; in the dashboard press / in the"
                    " workflows view (3)%s", "");
    if (o->pg.source.kind != WF_SOURCE_AUTO && !o->pg_conninfo)
        usage_error("--source describes the PostgreSQL tables: give --pg CONNINFO%s", "");
    o->pg.conninfo = o->pg_conninfo;
    o->watch_redis = o->redis_named || !o->pg_conninfo;

    char err[512];
    if (urls.n == 0)
        node_urls_add(&urls, url, err, sizeof err);
    o->nodes = xcalloc(urls.n, sizeof *o->nodes);
    if (node_opts_parse(&urls, &o->tls, o->nodes, &o->node_count, err, sizeof err) < 0) {
        fprintf(stderr, "queuetop: %s\n", err);
        exit(2);
    }
    node_urls_free(&urls);
    if (password_file && password_command)
        usage_error("--password-file and --password-command: give one%s", "");
    for (size_t i = 0; i < o->node_count && (password_file || password_command); i++) {
        struct redis_target *t = &o->nodes[i].target;
        if (t->has_password && t->password[0] && !getenv("REDISCLI_AUTH"))
            usage_error("a password in the URL and --password-file or --password-command: give "
                        "one%s", "");
        t->password_file = password_file;
        t->password_command = password_command;
    }
    o->streams.target = o->nodes[0].target;
    bool any_tls = false;
    for (size_t i = 0; i < o->node_count; i++)
        any_tls = any_tls || o->nodes[i].target.tls;
    bool tls_given = o->tls.ca_file || o->tls.ca_dir || o->tls.cert_file || o->tls.key_file ||
                     o->tls.insecure;
    if (tls_given && !(o->watch_redis && any_tls))
        usage_error("--tls-ca, --tls-ca-dir, --tls-cert, --tls-key and --insecure are for a "
                    "rediss:// URL (PostgreSQL takes sslmode, sslrootcert... in --pg)%s", "");
    if (o->tls.insecure && (o->tls.ca_file || o->tls.ca_dir))
        usage_error("--insecure does not verify: --tls-ca and --tls-ca-dir would not be used%s",
                    "");
    if (any_tls) {
        if (redis_tls_check(&o->tls, err, sizeof err) < 0) {
            fprintf(stderr, "queuetop: %s\n", err);
            exit(2);
        }
    }
    if (o->mapping_path) {
        o->pg.source.mapping = wf_mapping_load(o->mapping_path, err, sizeof err);
        if (!o->pg.source.mapping) {
            fprintf(stderr, "queuetop: %s\n", err);
            exit(2);
        }
    }
    if (layouts_path) {
        o->layouts = layout_file_load(layouts_path, err, sizeof err);
        if (!o->layouts) {
            fprintf(stderr, "queuetop: %s\n", err);
            exit(2);
        }
        o->keys.layouts = o->layouts;
    }
    if (config_path && config_load(config_path, &o->thresholds, err, sizeof err) < 0) {
        fprintf(stderr, "queuetop: %s\n", err);
        exit(2);
    }
    o->server.target = o->streams.target;
    o->server.interval_ms = o->streams.interval_ms;
    o->server.connect_timeout_ms = o->streams.connect_timeout_ms;
    o->server.command_timeout_ms = o->streams.command_timeout_ms;
    o->keys.target = o->streams.target;
    o->keys.interval_ms = o->streams.interval_ms;
    o->keys.connect_timeout_ms = o->streams.connect_timeout_ms;
    o->keys.command_timeout_ms = o->streams.command_timeout_ms;
    if (o->streams.interval_ms > o->pg.interval_ms)
        o->pg.interval_ms = o->streams.interval_ms;
    o->pg.budget_share = o->budget_share;
}

/* One JSON line to stdout that a stop signal can interrupt: a reader that stops reading (a
 * paused pager, a stuck pipe) must not keep queuetop from leaving. stdio would retry a short
 * write forever, so the line is written here in pieces of at most PIPE_BUF bytes, each after
 * poll says there is room (a pipe then takes it whole without blocking). */
static int write_line_stoppable(json_t *doc, int pretty, const struct json_streams *st)
{
    size_t len;
    char *text = json_line_text(doc, pretty, st, &len);
    if (!text)
        return -1;
    int rc = 0;
    size_t off = 0;
    while (rc == 0 && off < len) {
        struct pollfd p[2] = { { STDOUT_FILENO, POLLOUT, 0 }, { signal_pipe[0], POLLIN, 0 } };
        if (poll(p, 2, 1000) < 0) {
            if (errno != EINTR)
                rc = -1;
            continue;
        }
        if (p[1].revents) {
            rc = -1;   /* asked to stop: the line stays cut, the process leaves */
            break;
        }
        if (!p[0].revents)
            continue;
        if (p[0].revents & (POLLERR | POLLHUP | POLLNVAL)) {
            rc = -1;   /* the reader went away */
            break;
        }
        size_t want = len - off < PIPE_BUF ? len - off : PIPE_BUF;
        ssize_t n = write(STDOUT_FILENO, text + off, want);
        if (n < 0) {
            if (errno != EINTR && errno != EAGAIN)
                rc = -1;
            continue;
        }
        off += (size_t)n;
    }
    free(text);
    return rc;
}

/* --json without --once: one line per streams sample (with the newest server, keys and
 * PostgreSQL samples), or with --pg alone one line per PostgreSQL sample, until a signal or
 * until the reader goes away. */
static int run_json_lines(const struct options *o, struct hub *hub)
{
    struct history h;
    history_init(&h);
    uint64_t printed = 0, printed_pg = 0;
    fflush(stdout);   /* the lines below bypass stdio */
    for (;;) {
        struct pollfd p[2] = { { signal_pipe[0], POLLIN, 0 }, { hub->wake_pipe[0], POLLIN, 0 } };
        if (poll(p, 2, 1000) < 0 && errno != EINTR)
            break;
        if (p[0].revents)
            break;
        if (!p[1].revents)
            continue;
        hub_drain_wakeups(hub);
        struct snapshot *s = o->watch_redis ? hub_acquire(hub, SNAPSHOT_REDIS) : NULL;
        struct snapshot *sv = o->watch_redis ? hub_acquire(hub, SNAPSHOT_SERVER) : NULL;
        struct snapshot *ps = o->pg_conninfo ? hub_acquire(hub, SNAPSHOT_PG) : NULL;
        if (sv)
            history_update_server(&h, &sv->server);
        int w = 0;
        json_t *doc = NULL;
        struct json_streams st = { s ? &s->redis : NULL, &h };
        if (s && s->redis.sample_seq != printed) {
            printed = s->redis.sample_seq;
            history_update(&h, &s->redis);
            doc = once_document(o, s, sv, &h, o->streams.interval_ms);
            struct snapshot *ks = hub_acquire(hub, SNAPSHOT_KEYS);
            if (ks && ks->keys.state == CONN_UP && ks->keys.passes > 0)
                json_add_keys(doc, &ks->keys);   /* after the first full SCAN pass */
            hub_release(hub, ks);
        } else if (!o->watch_redis && ps && ps->pg.sample_seq != printed_pg) {
            doc = json_object();
            json_object_set_new(doc, "time_ms", json_integer(wall_ms()));
        }
        if (doc && ps) {
            printed_pg = ps->pg.sample_seq;
            json_add_postgres_sample(doc, &ps->pg);
        }
        if (doc) {
            w = write_line_stoppable(doc, o->pretty, st.redis ? &st : NULL);
            json_decref(doc);
        }
        hub_release(hub, s);
        hub_release(hub, sv);
        hub_release(hub, ps);
        if (w < 0)
            break;   /* the reader went away (| head -1): a normal end, not an error */
    }
    history_done(&h);
    return 0;
}

static int run(struct options *o);

int main(int argc, char **argv)
{
    struct options opts;
    setlocale(LC_ALL, "");
    /* characters and collation from the user's locale, numbers always as "C": strtod of
     * --interval 0.5, of INFO's mem_fragmentation_ratio:1.13 and of ZSET scores, and every
     * printf of a figure, must not depend on a comma-decimal locale */
    setlocale(LC_NUMERIC, "C");
    parse_args(argc, argv, &opts);
    install_signals();
    /* one budget for the Redis server: every collector that talks to it spends from it */
    struct cost_budget budget;
    cost_budget_init(&budget, opts.budget_share, mono_ms());
    opts.streams.budget = opts.server.budget = opts.keys.budget = &budget;
    int rc = run(&opts);
    if (stop_signals > 0 && rc != 0) {
        /* a headless run cut short by Ctrl-C or SIGTERM (it said so on stderr): its half-done
         * work is not an error of the servers' */
        rc = 130;
    }
    wf_mapping_free(opts.pg.source.mapping);
    layout_file_free(opts.layouts);
    free(opts.nodes);
    if (collector_threads_stuck() == 0)
        cost_budget_done(&budget);
    return rc;
}

struct collectors {
    struct fleet *fleet;    /* the Redis nodes; NULL when Redis is not watched */
    struct hub *hub;
    const struct options *opts;
    struct pg_collector *pg;
    bool screen;            /* the dashboard: a fault from now on restores its screen */
    bool start_failed;
};

/* Starts the threads of the sources a user named. In the dashboard it runs on the UI thread
 * once curses owns the terminal: from then on a fault on any thread finds the terminal in the
 * dashboard's modes and puts it back for good. A thread that did not start leaves the others
 * to be stopped as usual. */
static int start_collectors(void *arg)
{
    struct collectors *all = arg;
    screen_active = all->screen;
    if ((all->fleet && fleet_start(all->fleet, all->hub) < 0) ||
        (all->pg && pg_collector_start(all->pg) < 0)) {
        all->start_failed = true;
        return -1;
    }
    if (all->fleet)
        fleet_watch_start(all->fleet, all->opts);
    return 0;
}

static int run(struct options *o)
{
    struct options opts = *o;
    if (opts.workflow_id && opts.once)
        return run_workflow_once(&opts);
    if (opts.find)
        return run_find_once(&opts);
    if (opts.once)
        return run_once(&opts, signal_pipe[0]);

    if (!opts.json && (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO))) {
        fprintf(stderr, "queuetop: the dashboard needs a terminal; use --once or --json\n");
        return 2;
    }
    struct hub hub;
    if (hub_init(&hub) < 0) {
        fprintf(stderr, "queuetop: cannot create a pipe: %s\n", strerror(errno));
        return 2;
    }
    /* only the sources a user names are contacted; each Redis node has its collectors, its
     * budget and its one keyspace walk (tui/fleet.c) */
    struct fleet fleet;
    if (opts.watch_redis)
        fleet_from_options(&fleet, &opts, &hub);
    struct pg_collector *pc = opts.pg_conninfo ? pg_collector_new(&opts.pg, &hub) : NULL;
    if (opts.workflow_id)
        hub_set_workflow(&hub, opts.workflow_id);   /* read from the first tick on */
    struct collectors all = { opts.watch_redis ? &fleet : NULL, &hub, &opts, pc, !opts.json,
                              false };
    int rc;
    if (opts.json) {
        rc = start_collectors(&all) < 0 ? 2 : run_json_lines(&opts, &hub);
    } else {
        /* the dashboard starts them once curses has the terminal (see app_run) */
        rc = app_run(&opts, &hub, signal_pipe[0], start_collectors, &all);
        screen_active = 0;
    }
    if (all.start_failed)
        fprintf(stderr, "queuetop: cannot start the collector threads\n");
    /* leaving: every wait on a server ends now, whatever the servers do */
    cancel_request();
    hub_request_stop(&hub);
    bool fleet_ended = !opts.watch_redis || fleet_stop(&fleet);
    if (pc)
        pg_collector_stop(pc);
    if (collector_threads_stuck() > 0 || !fleet_ended) {
        /* a thread is still inside a call that could not be cancelled: its state cannot be
         * freed under it, and the user asked to leave */
        fflush(stdout);
        _exit(rc);
    }
    if (opts.watch_redis)
        fleet_free(&fleet);
    pg_collector_delete(pc);
    hub_done(&hub);
    return rc;
}
