/* pq_lib.c -- see pq_lib.h. */
#define PQ_LIB_INSIDE
#include "pq_lib.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#include "util.h"

/* Debian's libpq5 (PostgreSQL 15's client library); its soname has been 5 since 2006. */
#define PQ_LIB_SONAME "libpq.so.5"

static void none_clear(PGresult *r)
{
    (void)r;
}

static void none_finish(PGconn *c)
{
    (void)c;
}

static void none_free_cancel(PGcancel *c)
{
    (void)c;
}

static ConnStatusType none_status(const PGconn *c)
{
    (void)c;
    return CONNECTION_BAD;
}

static char *none_error_message(const PGconn *c)
{
    (void)c;
    return "libpq is not loaded";
}

static int none_socket(const PGconn *c)
{
    (void)c;
    return -1;
}

struct pq_lib pq_lib_fn = {
    .PQclear = none_clear,
    .PQfinish = none_finish,
    .PQfreeCancel = none_free_cancel,
    .PQstatus = none_status,
    .PQerrorMessage = none_error_message,
    .PQsocket = none_socket,
};

static pthread_once_t load_once = PTHREAD_ONCE_INIT;
static bool loaded;
static char load_error[256];

static void load(void)
{
    /* QUEUETOP_LIBPQ: another libpq (one built elsewhere, or none, for the tests) */
    const char *name = getenv("QUEUETOP_LIBPQ");
    if (!name || !*name)
        name = PQ_LIB_SONAME;
    void *h = dlopen(name, RTLD_NOW | RTLD_LOCAL);
    if (!h) {
        const char *why = dlerror();
        snprintf(load_error, sizeof load_error,
                 "PostgreSQL needs libpq, which could not be loaded (%s); on Debian: apt-get "
                 "install libpq5", why ? why : name);
        return;
    }
    struct pq_lib t;
    /* dlsym returns an object pointer; POSIX guarantees it converts to a function pointer */
#define PQ_LIB_LOOKUP(f)                                                                   \
    *(void **)&t.f = dlsym(h, #f);                                                         \
    if (!t.f) {                                                                            \
        snprintf(load_error, sizeof load_error, "%s has no %s", name, #f);               \
        return;                                                                            \
    }
    PQ_LIB_FUNCTIONS(PQ_LIB_LOOKUP)
#undef PQ_LIB_LOOKUP
    pq_lib_fn = t;
    loaded = true;
}

bool pq_lib_load(char *err, size_t errlen)
{
    pthread_once(&load_once, load);
    if (!loaded && err && errlen)
        str_copy(err, load_error, errlen);
    return loaded;
}
