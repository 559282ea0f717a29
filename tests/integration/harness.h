/* harness.h -- real servers for tests and benchmarks: a private redis-server on a free loopback
 * port in a temp dir, and running the queuetop binary with a time limit. */
#ifndef QT_HARNESS_H
#define QT_HARNESS_H

#include <stdbool.h>
#include <sys/types.h>

#include <hiredis.h>

struct redis_server {
    int port;
    pid_t pid;
    char dir[256];          /* temp dir (removed by stop) */
    char socket_path[320];  /* unix socket inside dir */
    char extra[8][128];     /* extra redis-server arguments, kept for restarts */
    int extra_count;
};

/* A TCP port on 127.0.0.1 that was free a moment ago. */
int harness_free_port(void);

/* Starts redis-server (binary from $REDIS_SERVER or PATH) with no persistence, a unix socket
 * and the extra arguments (NULL-terminated, may be NULL); waits until it answers PING.
 * Returns 0, or -1 with a message on stderr. */
int redis_server_start(struct redis_server *s, const char *const *extra);
/* Kills it hard (SIGKILL), as a crash would, and waits for it. The dir stays. */
void redis_server_kill(struct redis_server *s);
/* Starts it again on the same port and dir. */
int redis_server_restart(struct redis_server *s);
/* Stops it and removes its dir. */
void redis_server_stop(struct redis_server *s);
/* A plain client connection (caller frees); aborts the test run if it cannot connect. */
redisContext *redis_server_client(const struct redis_server *s);
/* "redis://127.0.0.1:PORT" */
const char *redis_server_url(const struct redis_server *s);

/* Runs argv (argv[0] a path) with stdin from /dev/null, collecting stdout and stderr (caller
 * frees both). Kills it after timeout_ms. Returns its exit status, 128+signal, or -1. */
int harness_run(const char *const *argv, char **out, char **err, int timeout_ms);

/* Starts argv in the background with stdout on a pipe (*out_fd, non-blocking) and stderr to
 * /dev/null. Returns the pid, or -1. */
pid_t harness_spawn(const char *const *argv, int *out_fd);
/* Reads one line (without the newline) from fd into a malloc'd string, waiting at most
 * timeout_ms; NULL on timeout or EOF. Keeps partial data between calls in a static buffer
 * (one reader at a time). */
char *harness_read_line(int fd, int timeout_ms);
/* Reads and parses the next JSON line of a --json run (new reference; NULL on timeout or EOF).
 * A line that is not JSON aborts the run: the output contract is broken. */
struct json_t;
struct json_t *harness_next_json(int fd, int timeout_ms);

/* SIGTERM, then SIGKILL after 2 s; returns the exit status as harness_run does. */
int harness_reap(pid_t pid);

/* The queuetop binary under test: $QUEUETOP, else ./queuetop. */
const char *harness_queuetop(void);

/* CPU seconds a process has used (utime + stime of /proc/PID/stat); < 0 when unknown. */
double harness_proc_cpu_s(pid_t pid);

/* Runs one redis command and aborts on a connection error; returns the reply (caller frees). */
redisReply *harness_cmd(redisContext *c, const char *fmt, ...);

/* Calls of one command (commandstats name: "xinfo|stream") since the server started or the
 * last CONFIG RESETSTAT; 0 when it has none. Exits when INFO commandstats fails. */
long long harness_command_calls(redisContext *c, const char *command);

#endif
