/* harness.c -- see harness.h. */
#include "harness.h"

#include <jansson.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static void sleep_ms(int ms)
{
    struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
    nanosleep(&ts, NULL);
}

int harness_free_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a;
    socklen_t len = sizeof a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof a) < 0 ||
        getsockname(fd, (struct sockaddr *)&a, &len) < 0) {
        perror("harness: free port");
        exit(1);
    }
    int port = ntohs(a.sin_port);
    close(fd);
    return port;
}

static int spawn(struct redis_server *s)
{
    char port[16];
    snprintf(port, sizeof port, "%d", s->port);
    const char *bin = getenv("REDIS_SERVER") ? getenv("REDIS_SERVER") : "redis-server";
    const char *argv[48] = { bin, "--port", port, "--bind", "127.0.0.1", "--save", "",
                             "--appendonly", "no", "--dir", s->dir, "--unixsocket",
                             s->socket_path, "--daemonize", "no", "--logfile", "redis.log" };
    int argc = 17;
    for (int i = 0; i < s->extra_count && argc < 46; i++)
        argv[argc++] = s->extra[i];
    argv[argc] = NULL;
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        if (chdir(s->dir) < 0)
            _exit(127);
        int dn = open("/dev/null", O_RDWR);
        dup2(dn, 0);
        dup2(dn, 1);
        execvp(bin, (char *const *)argv);
        _exit(127);
    }
    s->pid = pid;
    for (int i = 0; i < 200; i++) {
        redisContext *c = redisConnect("127.0.0.1", s->port);
        if (c && !c->err) {
            redisReply *r = redisCommand(c, "PING");
            bool ok = r && (r->type == REDIS_REPLY_STATUS ||
                            (r->type == REDIS_REPLY_ERROR && strncmp(r->str, "NOAUTH", 6) == 0));
            if (r)
                freeReplyObject(r);
            redisFree(c);
            if (ok)
                return 0;
        } else if (c) {
            redisFree(c);
        }
        int status;
        if (waitpid(pid, &status, WNOHANG) == pid) {
            fprintf(stderr, "harness: redis-server exited at start (see %s/redis.log)\n", s->dir);
            s->pid = 0;
            return -1;
        }
        sleep_ms(25);
    }
    fprintf(stderr, "harness: redis-server did not answer on port %d\n", s->port);
    return -1;
}

int redis_server_start(struct redis_server *s, const char *const *extra)
{
    memset(s, 0, sizeof *s);
    snprintf(s->dir, sizeof s->dir, "/tmp/queuetop-test-XXXXXX");
    if (!mkdtemp(s->dir)) {
        perror("harness: mkdtemp");
        return -1;
    }
    snprintf(s->socket_path, sizeof s->socket_path, "%s/redis.sock", s->dir);
    for (int i = 0; extra && extra[i] && i < 8; i++) {
        snprintf(s->extra[i], sizeof s->extra[i], "%s", extra[i]);
        s->extra_count++;
    }
    s->port = harness_free_port();
    return spawn(s);
}

void redis_server_kill(struct redis_server *s)
{
    if (s->pid > 0) {
        kill(s->pid, SIGKILL);
        waitpid(s->pid, NULL, 0);
        s->pid = 0;
    }
}

int redis_server_restart(struct redis_server *s)
{
    redis_server_kill(s);
    return spawn(s);
}

void redis_server_stop(struct redis_server *s)
{
    if (s->pid > 0) {
        kill(s->pid, SIGTERM);
        for (int i = 0; i < 100; i++) {
            if (waitpid(s->pid, NULL, WNOHANG) == s->pid) {
                s->pid = 0;
                break;
            }
            sleep_ms(20);
        }
        redis_server_kill(s);
    }
    if (s->dir[0]) {
        char cmd[300];
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", s->dir);
        if (system(cmd) != 0)
            fprintf(stderr, "harness: could not remove %s\n", s->dir);
        s->dir[0] = '\0';
    }
}

redisContext *redis_server_client(const struct redis_server *s)
{
    redisContext *c = redisConnect("127.0.0.1", s->port);
    if (!c || c->err) {
        fprintf(stderr, "harness: cannot connect to port %d\n", s->port);
        exit(1);
    }
    return c;
}

const char *redis_server_url(const struct redis_server *s)
{
    static char url[64];
    snprintf(url, sizeof url, "redis://127.0.0.1:%d", s->port);
    return url;
}

redisReply *harness_cmd(redisContext *c, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    redisReply *r = redisvCommand(c, fmt, ap);
    va_end(ap);
    if (!r) {
        fprintf(stderr, "harness: command '%s' failed: %s\n", fmt, c->errstr);
        exit(1);
    }
    return r;
}

long long harness_command_calls(redisContext *c, const char *command)
{
    redisReply *r = harness_cmd(c, "INFO commandstats");
    if (r->type != REDIS_REPLY_STRING) {
        fprintf(stderr, "harness: INFO commandstats failed: %s\n",
                r->type == REDIS_REPLY_ERROR ? r->str : "not a string");
        exit(1);
    }
    char field[64];
    snprintf(field, sizeof field, "cmdstat_%s:calls=", command);
    const char *at = strstr(r->str, field);
    long long n = at ? atoll(at + strlen(field)) : 0;
    freeReplyObject(r);
    return n;
}

const char *harness_queuetop(void)
{
    const char *q = getenv("QUEUETOP");
    return q && *q ? q : "./queuetop";
}

static void append(char **buf, size_t *len, const char *data, size_t n)
{
    *buf = realloc(*buf, *len + n + 1);
    memcpy(*buf + *len, data, n);
    *len += n;
    (*buf)[*len] = '\0';
}

int harness_run(const char *const *argv, char **out, char **err, int timeout_ms)
{
    int po[2], pe[2];
    if (pipe(po) < 0 || pipe(pe) < 0)
        return -1;
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        int dn = open("/dev/null", O_RDONLY);
        dup2(dn, 0);
        dup2(po[1], 1);
        dup2(pe[1], 2);
        close(po[0]);
        close(pe[0]);
        execv(argv[0], (char *const *)argv);
        _exit(127);
    }
    close(po[1]);
    close(pe[1]);
    size_t lo = 0, le = 0;
    *out = calloc(1, 1);
    *err = calloc(1, 1);
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    int open_fds = 2;
    bool killed = false;
    struct pollfd p[2] = { { po[0], POLLIN, 0 }, { pe[0], POLLIN, 0 } };
    while (open_fds > 0) {
        clock_gettime(CLOCK_MONOTONIC, &t1);
        long elapsed = (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
        if (elapsed > timeout_ms && !killed) {
            kill(pid, SIGKILL);
            killed = true;
        }
        if (poll(p, 2, 100) < 0 && errno != EINTR)
            break;
        for (int i = 0; i < 2; i++) {
            if (p[i].fd >= 0 && p[i].revents) {
                char buf[65536];
                ssize_t n = read(p[i].fd, buf, sizeof buf);
                if (n > 0) {
                    if (i == 0)
                        append(out, &lo, buf, (size_t)n);
                    else
                        append(err, &le, buf, (size_t)n);
                } else {
                    close(p[i].fd);
                    p[i].fd = -1;
                    open_fds--;
                }
            }
        }
    }
    int status;
    waitpid(pid, &status, 0);
    if (WIFEXITED(status))
        return WEXITSTATUS(status);
    if (WIFSIGNALED(status))
        return 128 + WTERMSIG(status);
    return -1;
}

pid_t harness_spawn(const char *const *argv, int *out_fd)
{
    int po[2];
    if (pipe(po) < 0)
        return -1;
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        int dn = open("/dev/null", O_RDWR);
        dup2(dn, 0);
        dup2(po[1], 1);
        dup2(dn, 2);
        close(po[0]);
        execv(argv[0], (char *const *)argv);
        _exit(127);
    }
    close(po[1]);
    fcntl(po[0], F_SETFL, O_NONBLOCK);
    *out_fd = po[0];
    return pid;
}

static char line_buf[1 << 24];
static size_t line_len;

char *harness_read_line(int fd, int timeout_ms)
{
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (;;) {
        char *nl = memchr(line_buf, '\n', line_len);
        if (nl) {
            size_t n = (size_t)(nl - line_buf);
            char *line = malloc(n + 1);
            memcpy(line, line_buf, n);
            line[n] = '\0';
            memmove(line_buf, nl + 1, line_len - n - 1);
            line_len -= n + 1;
            return line;
        }
        clock_gettime(CLOCK_MONOTONIC, &t1);
        long elapsed = (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
        if (elapsed >= timeout_ms)
            return NULL;
        struct pollfd p = { fd, POLLIN, 0 };
        if (poll(&p, 1, (int)(timeout_ms - elapsed)) <= 0)
            continue;
        if (line_len == sizeof line_buf)
            line_len = 0;   /* a line longer than 16 MiB: drop it */
        ssize_t n = read(fd, line_buf + line_len, sizeof line_buf - line_len);
        if (n == 0)
            return NULL;
        if (n > 0)
            line_len += (size_t)n;
    }
}

int harness_reap(pid_t pid)
{
    int status;
    kill(pid, SIGTERM);
    for (int i = 0; i < 100; i++) {
        if (waitpid(pid, &status, WNOHANG) == pid)
            goto done;
        sleep_ms(20);
    }
    kill(pid, SIGKILL);
    waitpid(pid, &status, 0);
done:
    line_len = 0;
    if (WIFEXITED(status))
        return WEXITSTATUS(status);
    return WIFSIGNALED(status) ? 128 + WTERMSIG(status) : -1;
}

json_t *harness_next_json(int fd, int timeout_ms)
{
    char *line = harness_read_line(fd, timeout_ms);
    if (!line)
        return NULL;
    json_t *doc = json_loads(line, 0, NULL);
    if (!doc) {
        fprintf(stderr, "harness: not a JSON line: %.200s\n", line);
        abort();
    }
    free(line);
    return doc;
}

double harness_proc_cpu_s(pid_t pid)
{
    char path[64], buf[1024];
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    const char *p = strrchr(buf, ')');
    if (!p)
        return -1;
    unsigned long long ut = 0, st = 0;
    /* after ") ": state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime
     * stime */
    if (sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &ut, &st) != 2)
        return -1;
    return (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
}
