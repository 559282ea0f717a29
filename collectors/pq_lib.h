/* pq_lib.h -- libpq, loaded when PostgreSQL is first used rather than when queuetop starts.
 *
 * libpq brings about 25 more shared libraries (TLS, Kerberos, LDAP, ...): loading them cost
 * each start 4 ms, most of a whole `--once` against Redis, and a user who watches only Redis
 * needed libpq installed to start at all. So the binary does not link it: the collectors call
 * it through the table below, filled by pq_lib_load (dlopen of libpq.so.5) before the first
 * connection (pg_connect). Included last by the .c files that call libpq, it turns each PQ...
 * call into a call through the table.
 *
 * Before a load only the functions a cleanup may call on what it never got are safe (PQclear,
 * PQfinish and PQfreeCancel of NULL, PQstatus, PQerrorMessage and PQsocket): they are set to
 * stand-ins. Every other one is used on a connection or result, which only a load can make. */
#ifndef QT_PQ_LIB_H
#define QT_PQ_LIB_H

#include <stdbool.h>
#include <stddef.h>

#include <libpq-fe.h>

/* The functions queuetop uses. */
#define PQ_LIB_FUNCTIONS(X) \
    X(PQcancel) \
    X(PQclear) \
    X(PQconnectPoll) \
    X(PQconnectStartParams) \
    X(PQconsumeInput) \
    X(PQdb) \
    X(PQerrorMessage) \
    X(PQexecParams) \
    X(PQexecPrepared) \
    X(PQfinish) \
    X(PQflush) \
    X(PQfname) \
    X(PQfnumber) \
    X(PQfreeCancel) \
    X(PQftype) \
    X(PQgetCancel) \
    X(PQgetResult) \
    X(PQgetisnull) \
    X(PQgetlength) \
    X(PQgetvalue) \
    X(PQhost) \
    X(PQisBusy) \
    X(PQnfields) \
    X(PQntuples) \
    X(PQport) \
    X(PQprepare) \
    X(PQresultErrorField) \
    X(PQresultErrorMessage) \
    X(PQresultStatus) \
    X(PQsendPrepare) \
    X(PQsendQueryParams) \
    X(PQsendQueryPrepared) \
    X(PQsetNoticeProcessor) \
    X(PQsetnonblocking) \
    X(PQsocket) \
    X(PQstatus)

struct pq_lib {
#define PQ_LIB_MEMBER(f) __typeof__(f) *f;
    PQ_LIB_FUNCTIONS(PQ_LIB_MEMBER)
#undef PQ_LIB_MEMBER
};

extern struct pq_lib pq_lib_fn;

/* Loads libpq once (thread-safe); true when it is there, else false with the reason. */
bool pq_lib_load(char *err, size_t errlen);

#ifndef PQ_LIB_INSIDE
#define PQcancel (pq_lib_fn.PQcancel)
#define PQclear (pq_lib_fn.PQclear)
#define PQconnectPoll (pq_lib_fn.PQconnectPoll)
#define PQconnectStartParams (pq_lib_fn.PQconnectStartParams)
#define PQconsumeInput (pq_lib_fn.PQconsumeInput)
#define PQdb (pq_lib_fn.PQdb)
#define PQerrorMessage (pq_lib_fn.PQerrorMessage)
#define PQexecParams (pq_lib_fn.PQexecParams)
#define PQexecPrepared (pq_lib_fn.PQexecPrepared)
#define PQfinish (pq_lib_fn.PQfinish)
#define PQflush (pq_lib_fn.PQflush)
#define PQfname (pq_lib_fn.PQfname)
#define PQfnumber (pq_lib_fn.PQfnumber)
#define PQfreeCancel (pq_lib_fn.PQfreeCancel)
#define PQftype (pq_lib_fn.PQftype)
#define PQgetCancel (pq_lib_fn.PQgetCancel)
#define PQgetResult (pq_lib_fn.PQgetResult)
#define PQgetisnull (pq_lib_fn.PQgetisnull)
#define PQgetlength (pq_lib_fn.PQgetlength)
#define PQgetvalue (pq_lib_fn.PQgetvalue)
#define PQhost (pq_lib_fn.PQhost)
#define PQisBusy (pq_lib_fn.PQisBusy)
#define PQnfields (pq_lib_fn.PQnfields)
#define PQntuples (pq_lib_fn.PQntuples)
#define PQport (pq_lib_fn.PQport)
#define PQprepare (pq_lib_fn.PQprepare)
#define PQresultErrorField (pq_lib_fn.PQresultErrorField)
#define PQresultErrorMessage (pq_lib_fn.PQresultErrorMessage)
#define PQresultStatus (pq_lib_fn.PQresultStatus)
#define PQsendPrepare (pq_lib_fn.PQsendPrepare)
#define PQsendQueryParams (pq_lib_fn.PQsendQueryParams)
#define PQsendQueryPrepared (pq_lib_fn.PQsendQueryPrepared)
#define PQsetNoticeProcessor (pq_lib_fn.PQsetNoticeProcessor)
#define PQsetnonblocking (pq_lib_fn.PQsetnonblocking)
#define PQsocket (pq_lib_fn.PQsocket)
#define PQstatus (pq_lib_fn.PQstatus)
#endif

#endif
