/* freeze_proxy.c -- a TCP proxy on loopback that can go silent, for the tests of what queuetop
 * does when a link dies without a word (no RST, no FIN: a cable pulled, a firewall dropping).
 *
 *   freeze_proxy TARGET_PORT      listens on a free 127.0.0.1 port, prints it on stdout, and
 *                                 forwards every connection to 127.0.0.1:TARGET_PORT
 *   SIGUSR1                       freeze: nothing is forwarded either way any more, and new
 *                                 connections are accepted by the kernel but never served;
 *                                 every socket stays open, so the peers see only silence
 *   SIGUSR2                       thaw
 *   SIGTERM, SIGINT               exit
 *
 * One thread, poll(), up to PAIRS_MAX connections, a bounded buffer per direction. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define PAIRS_MAX 64
#define BUF_BYTES 65536

struct side {
    int fd;
    char buf[BUF_BYTES];   /* bytes read from this side, not yet written to the other */
    size_t len;
};

struct pair {
    struct side a, b;      /* a: the client; b: the target */
};

static volatile sig_atomic_t frozen, leaving;

static void on_signal(int sig)
{
    if (sig == SIGUSR1)
        frozen = 1;
    else if (sig == SIGUSR2)
        frozen = 0;
    else
        leaving = 1;
}

static int connect_target(int port)
{
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = htons((unsigned short)port);
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd >= 0 && connect(fd, (struct sockaddr *)&a, sizeof a) < 0) {
        close(fd);
        fd = -1;
    }
    return fd;
}

static void close_pair(struct pair *p)
{
    close(p->a.fd);
    close(p->b.fd);
    p->a.fd = p->b.fd = -1;
}

/* Moves what from holds to to; -1 when either side is gone. */
static int forward(struct side *from, struct side *to, short from_events, short to_events)
{
    if ((from_events & (POLLIN | POLLHUP | POLLERR)) && from->len < BUF_BYTES) {
        ssize_t n = read(from->fd, from->buf + from->len, BUF_BYTES - from->len);
        if (n <= 0)
            return -1;
        from->len += (size_t)n;
    }
    if (from->len && (to_events & POLLOUT)) {
        ssize_t n = write(to->fd, from->buf, from->len);
        if (n < 0)
            return -1;
        memmove(from->buf, from->buf + n, from->len - (size_t)n);
        from->len -= (size_t)n;
    }
    return 0;
}

int main(int argc, char **argv)
{
    if (argc != 2 || atoi(argv[1]) <= 0) {
        fprintf(stderr, "usage: freeze_proxy TARGET_PORT\n");
        return 2;
    }
    int target = atoi(argv[1]);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGUSR1, &sa, NULL);
    sigaction(SIGUSR2, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);

    int lfd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a;
    socklen_t alen = sizeof a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (lfd < 0 || bind(lfd, (struct sockaddr *)&a, sizeof a) < 0 || listen(lfd, 64) < 0 ||
        getsockname(lfd, (struct sockaddr *)&a, &alen) < 0) {
        perror("freeze_proxy");
        return 1;
    }
    printf("%d\n", ntohs(a.sin_port));
    fflush(stdout);

    static struct pair pairs[PAIRS_MAX];
    for (int i = 0; i < PAIRS_MAX; i++)
        pairs[i].a.fd = pairs[i].b.fd = -1;

    while (!leaving) {
        struct pollfd pfd[1 + 2 * PAIRS_MAX];
        int n = 0;
        if (!frozen)
            pfd[n++] = (struct pollfd){ lfd, POLLIN, 0 };
        int index[PAIRS_MAX];
        for (int i = 0; i < PAIRS_MAX; i++) {
            index[i] = -1;
            struct pair *p = &pairs[i];
            if (p->a.fd < 0 || frozen)
                continue;
            index[i] = n;
            pfd[n++] = (struct pollfd){ p->a.fd,
                                        (short)((p->a.len < BUF_BYTES ? POLLIN : 0) |
                                                (p->b.len ? POLLOUT : 0)), 0 };
            pfd[n++] = (struct pollfd){ p->b.fd,
                                        (short)((p->b.len < BUF_BYTES ? POLLIN : 0) |
                                                (p->a.len ? POLLOUT : 0)), 0 };
        }
        if (poll(pfd, (nfds_t)n, 100) < 0) {
            if (errno == EINTR)
                continue;
            perror("poll");
            return 1;
        }
        if (frozen)
            continue;   /* the signal may have come during poll: forward nothing more */
        if (pfd[0].revents & POLLIN) {
            int cfd = accept(lfd, NULL, NULL);
            int tfd = cfd >= 0 ? connect_target(target) : -1;
            int slot = -1;
            for (int i = 0; i < PAIRS_MAX && slot < 0; i++)
                if (pairs[i].a.fd < 0)
                    slot = i;
            if (cfd >= 0 && (tfd < 0 || slot < 0)) {
                close(cfd);
                if (tfd >= 0)
                    close(tfd);
            } else if (cfd >= 0) {
                pairs[slot].a.fd = cfd;
                pairs[slot].b.fd = tfd;
                pairs[slot].a.len = pairs[slot].b.len = 0;
            }
        }
        for (int i = 0; i < PAIRS_MAX; i++) {
            if (index[i] < 0 || pairs[i].a.fd < 0)
                continue;
            short ea = pfd[index[i]].revents, eb = pfd[index[i] + 1].revents;
            if (forward(&pairs[i].a, &pairs[i].b, ea, eb) < 0 ||
                forward(&pairs[i].b, &pairs[i].a, eb, ea) < 0)
                close_pair(&pairs[i]);
        }
    }
    return 0;
}
