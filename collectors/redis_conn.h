/* redis_conn.h -- where a Redis server is (URL parsing) and how to open a session to it. */
#ifndef QT_REDIS_CONN_H
#define QT_REDIS_CONN_H

#include <stdbool.h>
#include <stddef.h>

#include <hiredis.h>

/* How a TLS session is verified (rediss://): the options', shared by every connection. */
struct redis_tls {
    const char *ca_file;    /* --tls-ca: trusted instead of the system store; NULL none */
    const char *ca_dir;     /* --tls-ca-dir: likewise, a hashed directory */
    const char *cert_file;  /* --tls-cert: a client certificate (mutual TLS); NULL none */
    const char *key_file;   /* --tls-key: its private key */
    bool insecure;          /* --insecure: the server's certificate is not verified */
};

#define REDIS_SENTINELS_MAX 8

struct redis_sentinel_addr {
    char host[256];
    int port;            /* default 26379 */
};

struct redis_target {
    bool unix_socket;
    /* redis-sentinel://: the master is asked of the Sentinels (in order) on every connect */
    bool sentinel;
    char master_name[128];
    struct redis_sentinel_addr sentinels[REDIS_SENTINELS_MAX];
    int sentinel_count;
    char sentinel_user[256];       /* REDIS_SENTINEL_USER, with REDIS_SENTINEL_AUTH */
    char sentinel_password[512];   /* REDIS_SENTINEL_AUTH: the Sentinels' own; never printed */
    bool sentinel_has_password;
    bool tls;            /* rediss://: TLS over TCP */
    const struct redis_tls *tls_opts;   /* with tls; NULL: verified against the system store */
    char host[256];      /* TCP host (IPv6 without brackets) */
    int port;            /* TCP port, default 6379 */
    char path[4096];     /* unix socket path */
    char user[256];      /* ACL user; "" for the default user */
    char password[512];  /* "" when none; never printed */
    /* --password-file / --password-command: the password is read from there at every connect
     * (collectors/secret.h), overriding the one above; NULL when not given */
    const char *password_file;
    const char *password_command;
    bool has_password;
    int db;              /* SELECT index, default 0 */
};

/* Parses redis://[[user]:password@]host[:port][/db], rediss://... (the same over TLS),
 * redis-sentinel://[[user]:password@]host[:port][,host[:port]...]/MASTER[/db] (Sentinels,
 * default port 26379, that name the master; rediss-sentinel:// over TLS; user and password
 * are the master's; the Sentinels' own come from REDIS_SENTINEL_AUTH and REDIS_SENTINEL_USER),
 * unix:///path[?db=N] (user and password are allowed there too) or a bare
 * host[:port]. Percent-escapes in user and password are decoded.
 * When the URL holds no password, REDISCLI_AUTH (if set) supplies it.
 * Returns 0, or -1 with a one-line reason in err. */
int redis_url_parse(const char *url, struct redis_target *out, char *err, size_t errlen);

/* The target as a URL without its password (":***@" shows that one is set); rediss:// for TLS. */
void redis_target_display(const struct redis_target *t, char *buf, size_t buflen);

/* Opening a session: redis_io_connect (redis_io.h). */

/* Reads one field "name:value" from INFO text into buf; 0 when found, -1 otherwise. */
int redis_info_field(const char *info, const char *name, char *buf, size_t buflen);

/* Keeps only [0-9A-Za-z._-] of an INFO value (in place): version and role are shown as is. */
void redis_info_clean(char *value);

/* A Redis error reply made into a hint a user can act on (NOAUTH, NOPERM, WRONGPASS...). */
void redis_describe_error(const char *what, const char *server_error, char *err, size_t errlen);

#endif
