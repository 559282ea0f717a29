/* ssl_lib.h -- OpenSSL's libssl, loaded when a rediss:// connection is first made rather than
 * when queuetop starts, as libpq is (pq_lib.h): linked, libssl and libcrypto cost every start
 * 0.9 ms (2.0 against 1.1 ms for `queuetop --version`), and a machine without them could not
 * watch a plain Redis at all. redis_tls.c calls OpenSSL through the table below, filled by
 * ssl_lib_load (dlopen of libssl.so.3, which brings libcrypto.so.3) before the first session.
 * Included last by redis_tls.c, it turns each call (and the macros OpenSSL builds on them:
 * SSL_CTX_set_mode, SSL_set_tlsext_host_name, SSL_set_app_data, ...) into a call through
 * the table. Nothing may be called before a load succeeded. */
#ifndef QT_SSL_LIB_H
#define QT_SSL_LIB_H

#include <stdbool.h>
#include <stddef.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

/* The functions queuetop uses. */
#define SSL_LIB_FUNCTIONS(X) \
    X(ERR_clear_error) \
    X(ERR_peek_last_error) \
    X(ERR_reason_error_string) \
    X(SSL_CTX_check_private_key) \
    X(SSL_CTX_ctrl) \
    X(SSL_CTX_free) \
    X(SSL_CTX_load_verify_locations) \
    X(SSL_CTX_new) \
    X(SSL_CTX_set_client_cert_cb) \
    X(SSL_CTX_set_default_verify_paths) \
    X(SSL_CTX_set_verify) \
    X(SSL_CTX_up_ref) \
    X(SSL_CTX_use_PrivateKey_file) \
    X(SSL_CTX_use_certificate_chain_file) \
    X(SSL_connect) \
    X(SSL_ctrl) \
    X(SSL_free) \
    X(SSL_get0_param) \
    X(SSL_get_error) \
    X(SSL_get_ex_data) \
    X(SSL_get_verify_result) \
    X(SSL_new) \
    X(SSL_read) \
    X(SSL_set1_host) \
    X(SSL_set_ex_data) \
    X(SSL_set_fd) \
    X(SSL_write) \
    X(TLS_client_method) \
    X(X509_VERIFY_PARAM_set1_ip_asc) \
    X(X509_verify_cert_error_string)

struct ssl_lib {
#define SSL_LIB_MEMBER(f) __typeof__(f) *f;
    SSL_LIB_FUNCTIONS(SSL_LIB_MEMBER)
#undef SSL_LIB_MEMBER
};

extern struct ssl_lib ssl_lib_fn;

/* Loads libssl once (thread-safe); true when it is there, else false with the reason. */
bool ssl_lib_load(char *err, size_t errlen);

#ifndef SSL_LIB_INSIDE
#define ERR_clear_error (ssl_lib_fn.ERR_clear_error)
#define ERR_peek_last_error (ssl_lib_fn.ERR_peek_last_error)
#define ERR_reason_error_string (ssl_lib_fn.ERR_reason_error_string)
#define SSL_CTX_check_private_key (ssl_lib_fn.SSL_CTX_check_private_key)
#define SSL_CTX_ctrl (ssl_lib_fn.SSL_CTX_ctrl)
#define SSL_CTX_free (ssl_lib_fn.SSL_CTX_free)
#define SSL_CTX_load_verify_locations (ssl_lib_fn.SSL_CTX_load_verify_locations)
#define SSL_CTX_new (ssl_lib_fn.SSL_CTX_new)
#define SSL_CTX_set_client_cert_cb (ssl_lib_fn.SSL_CTX_set_client_cert_cb)
#define SSL_CTX_set_default_verify_paths (ssl_lib_fn.SSL_CTX_set_default_verify_paths)
#define SSL_CTX_set_verify (ssl_lib_fn.SSL_CTX_set_verify)
#define SSL_CTX_up_ref (ssl_lib_fn.SSL_CTX_up_ref)
#define SSL_CTX_use_PrivateKey_file (ssl_lib_fn.SSL_CTX_use_PrivateKey_file)
#define SSL_CTX_use_certificate_chain_file (ssl_lib_fn.SSL_CTX_use_certificate_chain_file)
#define SSL_connect (ssl_lib_fn.SSL_connect)
#define SSL_ctrl (ssl_lib_fn.SSL_ctrl)
#define SSL_free (ssl_lib_fn.SSL_free)
#define SSL_get0_param (ssl_lib_fn.SSL_get0_param)
#define SSL_get_error (ssl_lib_fn.SSL_get_error)
#define SSL_get_ex_data (ssl_lib_fn.SSL_get_ex_data)
#define SSL_get_verify_result (ssl_lib_fn.SSL_get_verify_result)
#define SSL_new (ssl_lib_fn.SSL_new)
#define SSL_read (ssl_lib_fn.SSL_read)
#define SSL_set1_host (ssl_lib_fn.SSL_set1_host)
#define SSL_set_ex_data (ssl_lib_fn.SSL_set_ex_data)
#define SSL_set_fd (ssl_lib_fn.SSL_set_fd)
#define SSL_write (ssl_lib_fn.SSL_write)
#define TLS_client_method (ssl_lib_fn.TLS_client_method)
#define X509_VERIFY_PARAM_set1_ip_asc (ssl_lib_fn.X509_VERIFY_PARAM_set1_ip_asc)
#define X509_verify_cert_error_string (ssl_lib_fn.X509_verify_cert_error_string)
#endif

#endif
