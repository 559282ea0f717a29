/* secret.c -- see secret.h. */
#include "secret.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cancel.h"
#include "util.h"

/* The first line of buf (len bytes) into out; -1 when it is empty or too long. */
static int first_line(const char *buf, size_t len, char *out, size_t outlen)
{
    size_t n = 0;
    while (n < len && buf[n] != '\n' && buf[n] != '\r')
        n++;
    if (n == 0 || n >= outlen || memchr(buf, '\0', n))
        return -1;
    memcpy(out, buf, n);
    out[n] = '\0';
    return 0;
}

static int read_file(const char *path, char *out, size_t outlen, char *err, size_t errlen)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0) {
        snprintf(err, errlen, "--password-file %s: %s", path, strerror(errno));
        return -1;
    }
    char buf[SECRET_MAX + 2];
    ssize_t n = read(fd, buf, sizeof buf);
    int e = errno;
    close(fd);
    if (n < 0) {
        snprintf(err, errlen, "--password-file %s: %s", path, strerror(e));
        return -1;
    }
    if (first_line(buf, (size_t)n, out, outlen) < 0) {
        snprintf(err, errlen, "--password-file %s: no password on its first line (or longer "
                 "than %d bytes)", path, SECRET_MAX - 1);
        return -1;
    }
    return 0;
}

static int run_command(const char *cmd, char *out, size_t outlen, char *err, size_t errlen)
{
    int p[2];
    if (pipe(p) < 0) {
        snprintf(err, errlen, "--password-command: %s", strerror(errno));
        return -1;
    }
    pid_t pid = fork();
    if (pid < 0) {
        close(p[0]);
        close(p[1]);
        snprintf(err, errlen, "--password-command: %s", strerror(errno));
        return -1;
    }
    if (pid == 0) {
        /* only async-signal-safe calls until exec: this process has other threads */
        int null = open("/dev/null", O_RDWR);
        if (null >= 0) {
            dup2(null, STDIN_FILENO);
            dup2(null, STDERR_FILENO);
        }
        dup2(p[1], STDOUT_FILENO);
        sigset_t none;
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, NULL);
        execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
        _exit(127);
    }
    close(p[1]);
    char buf[SECRET_MAX + 2];
    size_t len = 0;
    int64_t deadline = mono_ms() + SECRET_COMMAND_MS;
    int rc = 0;
    for (;;) {
        int64_t left = deadline - mono_ms();
        if (left <= 0) {
            snprintf(err, errlen, "--password-command gave no password within %d s",
                     SECRET_COMMAND_MS / 1000);
            rc = -1;
            break;
        }
        int ev = cancel_poll(p[0], POLLIN, (int)left);
        if (ev < 0) {
            snprintf(err, errlen, "--password-command: %s",
                     errno == ECANCELED ? "stopped" : strerror(errno));
            rc = -1;
            break;
        }
        if (ev == 0)
            continue;
        ssize_t n = read(p[0], buf + len, sizeof buf - len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        len += (size_t)n;
        if (len == sizeof buf)
            break;   /* enough to tell: the first line is in it, or it is too long */
    }
    close(p[0]);
    if (rc < 0)
        kill(pid, SIGKILL);
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    if (rc == 0 && (!WIFEXITED(status) || WEXITSTATUS(status) != 0)) {
        snprintf(err, errlen, "--password-command failed (%s %d)",
                 WIFEXITED(status) ? "exit" : "signal",
                 WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
        rc = -1;
    }
    if (rc == 0 && first_line(buf, len, out, outlen) < 0) {
        snprintf(err, errlen, "--password-command printed no password on its first line (or "
                 "one longer than %d bytes)", SECRET_MAX - 1);
        rc = -1;
    }
    memset(buf, 0, sizeof buf);
    return rc;
}

int secret_read(const char *file, const char *command, char *out, size_t outlen, char *err,
                size_t errlen)
{
    if (outlen)
        out[0] = '\0';
    if (file)
        return read_file(file, out, outlen, err, errlen);
    if (command)
        return run_command(command, out, outlen, err, errlen);
    snprintf(err, errlen, "no password source");
    return -1;
}
