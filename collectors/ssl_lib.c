/* ssl_lib.c -- see ssl_lib.h. */
#define SSL_LIB_INSIDE
#include "ssl_lib.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#include "util.h"

/* Debian bookworm's libssl3 (OpenSSL 3.0) */
#define SSL_LIB_SONAME "libssl.so.3"

struct ssl_lib ssl_lib_fn;

static pthread_once_t load_once = PTHREAD_ONCE_INIT;
static bool loaded;
static char load_error[256];

static void load(void)
{
    /* QUEUETOP_LIBSSL: another libssl (or none, for the tests) */
    const char *name = getenv("QUEUETOP_LIBSSL");
    if (!name || !*name)
        name = SSL_LIB_SONAME;
    void *h = dlopen(name, RTLD_NOW | RTLD_LOCAL);
    if (!h) {
        const char *why = dlerror();
        snprintf(load_error, sizeof load_error,
                 "rediss:// needs OpenSSL, which could not be loaded (%s); on Debian: apt-get "
                 "install libssl3", why ? why : name);
        return;
    }
    struct ssl_lib t;
    /* dlsym returns an object pointer; POSIX guarantees it converts to a function pointer.
     * The handle's search covers libcrypto, which libssl depends on. */
#define SSL_LIB_LOOKUP(f)                                                                  \
    *(void **)&t.f = dlsym(h, #f);                                                         \
    if (!t.f) {                                                                            \
        snprintf(load_error, sizeof load_error, "%s has no %s", name, #f);               \
        return;                                                                            \
    }
    SSL_LIB_FUNCTIONS(SSL_LIB_LOOKUP)
#undef SSL_LIB_LOOKUP
    ssl_lib_fn = t;
    loaded = true;
}

bool ssl_lib_load(char *err, size_t errlen)
{
    pthread_once(&load_once, load);
    if (!loaded && err && errlen)
        str_copy(err, load_error, errlen);
    return loaded;
}
