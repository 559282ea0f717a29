/* cancel.c -- see cancel.h. The state is a handful of lock-free words, because the signal
 * handler reads it: a flag, a pipe, and a table of socket descriptors. */
#include "cancel.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdatomic.h>
#include <sys/socket.h>
#include <unistd.h>

#include "util.h"

static int cancel_pipe[2] = { -1, -1 };
static volatile sig_atomic_t stop_requested;
static atomic_int sockets[CANCEL_SOCKETS_MAX];
static atomic_flag sockets_ready = ATOMIC_FLAG_INIT;

static void init_sockets(void)
{
    /* a static atomic_int array is zero, and 0 is a valid descriptor: mark slots free (-1) */
    if (atomic_flag_test_and_set(&sockets_ready))
        return;
    for (int i = 0; i < CANCEL_SOCKETS_MAX; i++)
        atomic_store(&sockets[i], -1);
}

int cancel_init(void)
{
    init_sockets();
    if (cancel_pipe[0] >= 0)
        return 0;
    if (pipe(cancel_pipe) < 0)
        return -1;
    for (int i = 0; i < 2; i++) {
        fcntl(cancel_pipe[i], F_SETFL, O_NONBLOCK);
        fcntl(cancel_pipe[i], F_SETFD, FD_CLOEXEC);
    }
    return 0;
}

int cancel_fd(void)
{
    return cancel_pipe[0];
}

bool cancel_requested(void)
{
    return stop_requested != 0;
}

void cancel_request(void)
{
    int saved = errno;
    stop_requested = 1;
    if (cancel_pipe[1] >= 0) {
        char c = 's';
        ssize_t w = write(cancel_pipe[1], &c, 1);   /* full pipe: already readable */
        (void)w;
    }
    for (int i = 0; i < CANCEL_SOCKETS_MAX; i++) {
        int fd = atomic_load(&sockets[i]);
        if (fd >= 0)
            shutdown(fd, SHUT_RDWR);
    }
    errno = saved;
}

void cancel_register_socket(int fd)
{
    if (fd < 0)
        return;
    init_sockets();
    for (int i = 0; i < CANCEL_SOCKETS_MAX; i++) {
        int expected = -1;
        if (atomic_compare_exchange_strong(&sockets[i], &expected, fd))
            break;
    }
    /* a stop that came before (or while) the socket was registered still reaches it */
    if (stop_requested)
        shutdown(fd, SHUT_RDWR);
}

void cancel_unregister_socket(int fd)
{
    if (fd < 0)
        return;
    init_sockets();
    for (int i = 0; i < CANCEL_SOCKETS_MAX; i++) {
        int expected = fd;
        if (atomic_compare_exchange_strong(&sockets[i], &expected, -1))
            break;
    }
}

int cancel_poll(int fd, short events, int timeout_ms)
{
    int64_t deadline = timeout_ms >= 0 ? mono_ms() + timeout_ms : -1;
    for (;;) {
        if (stop_requested) {
            errno = ECANCELED;
            return -1;
        }
        struct pollfd p[2] = { { fd, events, 0 }, { cancel_pipe[0], POLLIN, 0 } };
        int wait_ms = -1;
        if (deadline >= 0) {
            int64_t left = deadline - mono_ms();
            wait_ms = left > 0 ? (int)(left > 60000 ? 60000 : left) : 0;
        }
        int n = poll(p, cancel_pipe[0] >= 0 ? 2 : 1, wait_ms);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        if (p[1].revents || stop_requested) {
            errno = ECANCELED;
            return -1;
        }
        if (p[0].revents)
            return p[0].revents;
        if (deadline >= 0 && mono_ms() >= deadline)
            return 0;
    }
}
