/* redis_tls.c -- see redis_tls.h. */
#include "redis_tls.h"

#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cancel.h"
#include "util.h"
#include "ssl_lib.h"   /* last: OpenSSL through its loaded table */

struct redis_tls_session {
    SSL *ssl;
    char host[256];
    bool cert_asked;    /* the server asked for a client certificate we do not have */
};

static const char want_cert[] = "TLS: the server wants a client certificate "
                                "(--tls-cert FILE --tls-key FILE)";

/* Called in the handshake when the server asks for a certificate and none was given: noted,
 * because with TLS 1.3 the server's refusal comes after the handshake, and it may reach us as
 * a reset connection rather than an alert. */
static int no_client_cert(SSL *ssl, X509 **x509, EVP_PKEY **pkey)
{
    (void)x509;
    (void)pkey;
    struct redis_tls_session *s = SSL_get_app_data(ssl);
    if (s)
        s->cert_asked = true;
    return 0;
}

/* One context for the process: every connection has the same options, and loading the system
 * store for each would cost milliseconds. A session keeps its own reference to it. */
static pthread_mutex_t ctx_mu = PTHREAD_MUTEX_INITIALIZER;
static SSL_CTX *shared_ctx;
static const struct redis_tls *shared_for;
static bool shared_made;

/* The last OpenSSL error as text (without the library's prefixes), or "" when none. */
static void last_error(char *buf, size_t len)
{
    unsigned long e = ERR_peek_last_error();
    buf[0] = '\0';
    if (!e)
        return;
    const char *reason = ERR_reason_error_string(e);
    snprintf(buf, len, "%s", reason ? reason : "error");
}

/* "--tls-x FILE: why", with OpenSSL's reason. */
static int file_error(const char *opt, const char *file, char *err, size_t errlen)
{
    char why[160];
    if (access(file, R_OK) != 0)
        snprintf(why, sizeof why, "%s", strerror(errno));
    else
        last_error(why, sizeof why);
    snprintf(err, errlen, "%s %.200s: %s", opt, file, why[0] ? why : "cannot be used");
    ERR_clear_error();
    return -1;
}

static SSL_CTX *make_ctx(const struct redis_tls *o, char *err, size_t errlen)
{
    SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
    if (!ctx) {
        snprintf(err, errlen, "TLS: cannot set up OpenSSL");
        return NULL;
    }
    SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
    /* a write may take part of hiredis' output buffer, which may move between calls */
    SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
    SSL_CTX_set_client_cert_cb(ctx, no_client_cert);
    int rc = 0;
    if (o && o->insecure) {
        SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
    } else {
        SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
        if (o && (o->ca_file || o->ca_dir)) {
            if (SSL_CTX_load_verify_locations(ctx, o->ca_file, o->ca_dir) != 1)
                rc = o->ca_file ? file_error("--tls-ca", o->ca_file, err, errlen)
                                : file_error("--tls-ca-dir", o->ca_dir, err, errlen);
        } else if (SSL_CTX_set_default_verify_paths(ctx) != 1) {
            snprintf(err, errlen, "TLS: the system's certificate store cannot be read");
            rc = -1;
        }
    }
    ERR_clear_error();
    if (rc == 0 && o && o->cert_file) {
        const char *key = o->key_file ? o->key_file : o->cert_file;
        if (SSL_CTX_use_certificate_chain_file(ctx, o->cert_file) != 1)
            rc = file_error("--tls-cert", o->cert_file, err, errlen);
        else if (SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM) != 1 &&
                 ERR_GET_REASON(ERR_peek_last_error()) != X509_R_KEY_VALUES_MISMATCH)
            rc = file_error("--tls-key", key, err, errlen);
        else if (ERR_peek_last_error() || SSL_CTX_check_private_key(ctx) != 1) {
            snprintf(err, errlen, "--tls-key %.200s is not the key of --tls-cert %.200s", key,
                     o->cert_file);
            rc = -1;
        }
    }
    ERR_clear_error();
    if (rc < 0) {
        SSL_CTX_free(ctx);
        return NULL;
    }
    return ctx;
}

int redis_tls_check(const struct redis_tls *o, char *err, size_t errlen)
{
    if (!ssl_lib_load(err, errlen))
        return -1;
    if (o && o->key_file && !o->cert_file) {
        snprintf(err, errlen, "--tls-key needs --tls-cert (the certificate it is the key of)");
        return -1;
    }
    SSL_CTX *ctx = make_ctx(o, err, errlen);
    if (!ctx)
        return -1;
    SSL_CTX_free(ctx);
    return 0;
}

/* The shared context for o, made on first use; NULL with a reason. */
static SSL_CTX *ctx_for(const struct redis_tls *o, char *err, size_t errlen)
{
    pthread_mutex_lock(&ctx_mu);
    if (!shared_made || shared_for != o) {
        SSL_CTX *ctx = make_ctx(o, err, errlen);
        if (ctx) {
            SSL_CTX_free(shared_ctx);   /* sessions on it keep their own reference */
            shared_ctx = ctx;
            shared_for = o;
            shared_made = true;
        }
    }
    SSL_CTX *ctx = shared_made && shared_for == o ? shared_ctx : NULL;
    if (ctx)
        SSL_CTX_up_ref(ctx);
    pthread_mutex_unlock(&ctx_mu);
    return ctx;
}

static bool is_ip_literal(const char *host)
{
    unsigned char a[16];
    return inet_pton(AF_INET, host, a) == 1 || inet_pton(AF_INET6, host, a) == 1;
}

/* Why the session failed, in words a user can act on. */
static void describe(const struct redis_tls_session *s, bool handshake, char *err, size_t errlen)
{
    unsigned long e = ERR_peek_last_error();
    int reason = e ? ERR_GET_REASON(e) : 0;
    long v = s && s->ssl ? SSL_get_verify_result(s->ssl) : X509_V_OK;
    if (reason == SSL_R_CERTIFICATE_VERIFY_FAILED && v != X509_V_OK) {
        switch (v) {
        case X509_V_ERR_CERT_HAS_EXPIRED:
            snprintf(err, errlen, "TLS: the server's certificate has expired");
            break;
        case X509_V_ERR_CERT_NOT_YET_VALID:
            snprintf(err, errlen, "TLS: the server's certificate is not valid yet");
            break;
        case X509_V_ERR_HOSTNAME_MISMATCH:
        case X509_V_ERR_IP_ADDRESS_MISMATCH:
            snprintf(err, errlen, "TLS: the server's certificate is not for %s", s->host);
            break;
        case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
        case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
        case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
        case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
        case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
            snprintf(err, errlen, "TLS: the server's certificate is from an unknown CA "
                                  "(--tls-ca FILE trusts yours; --insecure skips the check)");
            break;
        default:
            snprintf(err, errlen, "TLS: the server's certificate was refused: %s",
                     X509_verify_cert_error_string(v));
        }
    } else if (reason == SSL_R_TLSV13_ALERT_CERTIFICATE_REQUIRED ||
               reason == SSL_R_PEER_DID_NOT_RETURN_A_CERTIFICATE || (s && s->cert_asked)) {
        snprintf(err, errlen, "%s", want_cert);
    } else if (reason == SSL_R_TLSV1_ALERT_UNKNOWN_CA ||
               reason == SSL_R_SSLV3_ALERT_BAD_CERTIFICATE ||
               reason == SSL_R_SSLV3_ALERT_CERTIFICATE_UNKNOWN) {
        snprintf(err, errlen, "TLS: the server refused our client certificate");
    } else if (reason == SSL_R_WRONG_VERSION_NUMBER || reason == SSL_R_PACKET_LENGTH_TOO_LONG) {
        snprintf(err, errlen, "TLS: the server does not speak TLS on this port (a plain port: "
                              "redis://)");
    } else if (reason == SSL_R_UNEXPECTED_EOF_WHILE_READING || !e) {
        snprintf(err, errlen, handshake ? "TLS: the server closed the connection during the "
                                          "handshake (not a TLS port, or it wants a client "
                                          "certificate)"
                                        : "TLS: the server closed the session");
    } else {
        char why[160];
        last_error(why, sizeof why);
        snprintf(err, errlen, "TLS: %s", why);
    }
    ERR_clear_error();
}

struct redis_tls_session *redis_tls_open(int fd, const struct redis_target *t, int64_t deadline,
                                         char *err, size_t errlen)
{
    const struct redis_tls *o = t->tls_opts;
    if (!ssl_lib_load(err, errlen))
        return NULL;
    SSL_CTX *ctx = ctx_for(o, err, errlen);
    if (!ctx)
        return NULL;
    struct redis_tls_session *s = xcalloc(1, sizeof *s);
    str_copy(s->host, t->host, sizeof s->host);
    s->ssl = SSL_new(ctx);
    SSL_CTX_free(ctx);   /* the session holds it now */
    if (s->ssl)
        SSL_set_app_data(s->ssl, s);
    if (!s->ssl || SSL_set_fd(s->ssl, fd) != 1) {
        snprintf(err, errlen, "TLS: cannot set up a session");
        redis_tls_close(s);
        return NULL;
    }
    bool ip = is_ip_literal(t->host);
    if (!ip)
        SSL_set_tlsext_host_name(s->ssl, t->host);   /* SNI: never for an address */
    if (!(o && o->insecure)) {
        int ok = ip ? X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(s->ssl), t->host)
                    : SSL_set1_host(s->ssl, t->host);
        if (ok != 1) {
            snprintf(err, errlen, "TLS: cannot check the certificate against %s", t->host);
            redis_tls_close(s);
            return NULL;
        }
    }
    for (;;) {
        ERR_clear_error();
        int r = SSL_connect(s->ssl);
        if (r == 1)
            return s;
        int e = SSL_get_error(s->ssl, r);
        short ev = e == SSL_ERROR_WANT_READ ? POLLIN : e == SSL_ERROR_WANT_WRITE ? POLLOUT : 0;
        if (!ev) {
            describe(s, true, err, errlen);
            redis_tls_close(s);
            return NULL;
        }
        int64_t left = deadline - mono_ms();
        int pr = cancel_poll(fd, ev, left > 0 ? (int)left : 0);
        if (pr <= 0) {
            if (pr < 0 && errno == ECANCELED)
                snprintf(err, errlen, "stopped");
            else if (pr == 0)
                snprintf(err, errlen, "TLS: no handshake within the connect timeout (not a TLS "
                                      "port? a plain one is redis://)");
            else
                snprintf(err, errlen, "poll: %s", strerror(errno));
            redis_tls_close(s);
            return NULL;
        }
    }
}

/* After an SSL_read or SSL_write that returned r <= 0. */
static ssize_t io_result(struct redis_tls_session *s, int r, short *want, char *err,
                         size_t errlen)
{
    int e = SSL_get_error(s->ssl, r);
    switch (e) {
    case SSL_ERROR_WANT_READ:
        *want = POLLIN;
        return 0;
    case SSL_ERROR_WANT_WRITE:
        *want = POLLOUT;
        return 0;
    case SSL_ERROR_ZERO_RETURN:
        snprintf(err, errlen, "TLS: the server closed the session");
        ERR_clear_error();
        return -2;
    case SSL_ERROR_SYSCALL:
        if (!ERR_peek_last_error()) {
            bool reset = errno == ECONNRESET || errno == EPIPE || errno == 0;
            if (s->cert_asked && reset)
                snprintf(err, errlen, "%s", want_cert);
            else
                snprintf(err, errlen, "%s", errno ? strerror(errno) : "Server closed the connection");
            return errno ? -1 : -2;
        }
        /* fall through */
    default: {
        bool eof = ERR_GET_REASON(ERR_peek_last_error()) == SSL_R_UNEXPECTED_EOF_WHILE_READING;
        describe(s, false, err, errlen);
        return eof ? -2 : -1;
    }
    }
}

ssize_t redis_tls_read(struct redis_tls_session *s, void *buf, size_t n, short *want, char *err,
                       size_t errlen)
{
    ERR_clear_error();
    errno = 0;
    int r = SSL_read(s->ssl, buf, n > INT_MAX ? INT_MAX : (int)n);
    return r > 0 ? r : io_result(s, r, want, err, errlen);
}

ssize_t redis_tls_write(struct redis_tls_session *s, const void *buf, size_t n, short *want,
                        char *err, size_t errlen)
{
    ERR_clear_error();
    errno = 0;
    int r = SSL_write(s->ssl, buf, n > INT_MAX ? INT_MAX : (int)n);
    return r > 0 ? r : io_result(s, r, want, err, errlen);
}

void redis_tls_close(struct redis_tls_session *s)
{
    if (!s)
        return;
    SSL_free(s->ssl);
    free(s);
}
