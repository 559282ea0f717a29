/* fake_resp -- a hostile Redis for tests: listens on a free loopback port (printed on stdout),
 * answers AUTH, SELECT, CLIENT and PING as Redis would, and every other command the way MODE
 * says:
 *   array      *100000000 and nothing after (a 12-byte reply claiming 100 million elements)
 *   array-max  *2147483647
 *   bulk       $1000000000, then 4 MB of bytes, then nothing
 *   bulk-max   $9223372036854775807
 *   types      a reply of the wrong type for the command: INFO gets an array, TIME a string,
 *              SCAN an integer, XINFO a status, CONFIG GET a nested array of integers...
 *   drip       a 100,000-byte bulk, one byte every 10 ms
 *   short      an array that promises 3 elements and sends 2, then nothing
 * Each connection is served by its own thread until the client leaves. Runs until SIGTERM or
 * until stdin closes (so a test that dies does not leave it behind).
 *   fake_resp MODE */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

static const char *mode;

static int send_all(int fd, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
        if (w <= 0)
            return -1;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

static int say(int fd, const char *s)
{
    return send_all(fd, s, strlen(s));
}

/* The answer to a command named name (upper-cased); -1 when the client is gone. */
static int answer(int fd, const char *name)
{
    if (!strcmp(name, "AUTH") || !strcmp(name, "SELECT") || !strcmp(name, "CLIENT"))
        return say(fd, "+OK\r\n");
    if (!strcmp(name, "PING"))
        return say(fd, "+PONG\r\n");
    if (!strcmp(mode, "array"))
        return say(fd, "*100000000\r\n");
    if (!strcmp(mode, "array-max"))
        return say(fd, "*2147483647\r\n");
    if (!strcmp(mode, "bulk-max"))
        return say(fd, "$9223372036854775807\r\n");
    if (!strcmp(mode, "short"))
        return say(fd, "*3\r\n$1\r\na\r\n$1\r\nb\r\n");
    if (!strcmp(mode, "bulk")) {
        if (say(fd, "$1000000000\r\n") < 0)
            return -1;
        static char junk[65536];
        memset(junk, 'x', sizeof junk);
        for (int i = 0; i < 64; i++)
            if (send_all(fd, junk, sizeof junk) < 0)
                return -1;
        return 0;
    }
    if (!strcmp(mode, "drip")) {
        if (say(fd, "$100000\r\n") < 0)
            return -1;
        for (int i = 0; i < 100000; i++) {
            if (send_all(fd, "y", 1) < 0)
                return -1;
            usleep(10000);
        }
        return say(fd, "\r\n");
    }
    /* types */
    if (!strcmp(name, "INFO"))
        return say(fd, "*2\r\n:1\r\n:2\r\n");
    if (!strcmp(name, "TIME"))
        return say(fd, "$10\r\n1700000000\r\n");
    if (!strcmp(name, "SCAN"))
        return say(fd, ":0\r\n");
    if (!strcmp(name, "XINFO") || !strcmp(name, "XPENDING"))
        return say(fd, "+OK\r\n");
    if (!strcmp(name, "CONFIG"))
        return say(fd, "*2\r\n*1\r\n:1\r\n*1\r\n:2\r\n");
    if (!strcmp(name, "SLOWLOG") || !strcmp(name, "LATENCY"))
        return say(fd, "*2\r\n:7\r\n$-1\r\n");
    if (!strcmp(name, "DBSIZE") || !strcmp(name, "MEMORY"))
        return say(fd, "$3\r\nabc\r\n");
    return say(fd, "*1\r\n*-1\r\n");
}

/* Reads RESP commands (arrays of bulks) or inline ones from the client; calls answer for each
 * complete one. A minimal reader: enough for what a client sends. */
static void *serve(void *arg)
{
    int fd = (int)(long)arg;
    char buf[65536];
    size_t len = 0;
    for (;;) {
        ssize_t n = recv(fd, buf + len, sizeof buf - len, 0);
        if (n <= 0)
            break;
        len += (size_t)n;
        for (;;) {
            /* *N\r\n then N of $L\r\n<L bytes>\r\n */
            if (len == 0)
                break;
            if (buf[0] != '*')
                goto drop;
            char *p = buf, *end = buf + len, *nl = memchr(p, '\n', len);
            if (!nl)
                break;
            long argc = strtol(p + 1, NULL, 10);
            p = nl + 1;
            char name[32] = "";
            int complete = 1;
            for (long a = 0; a < argc; a++) {
                nl = p < end ? memchr(p, '\n', (size_t)(end - p)) : NULL;
                if (!nl || *p != '$') {
                    complete = 0;
                    break;
                }
                long l = strtol(p + 1, NULL, 10);
                p = nl + 1;
                if (l < 0 || end - p < l + 2) {
                    complete = 0;
                    break;
                }
                if (a == 0) {
                    size_t c = (size_t)l < sizeof name - 1 ? (size_t)l : sizeof name - 1;
                    for (size_t i = 0; i < c; i++)
                        name[i] = (char)(p[i] >= 'a' && p[i] <= 'z' ? p[i] - 32 : p[i]);
                    name[c] = '\0';
                }
                p += l + 2;
            }
            if (!complete) {
                if (len == sizeof buf)
                    goto drop;
                break;
            }
            size_t used = (size_t)(p - buf);
            memmove(buf, p, len - used);
            len -= used;
            if (answer(fd, name) < 0)
                goto drop;
        }
    }
drop:
    close(fd);
    return NULL;
}

static void *watch_stdin(void *arg)
{
    (void)arg;
    char c;
    while (read(STDIN_FILENO, &c, 1) > 0)
        ;
    _exit(0);
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: fake_resp array|array-max|bulk|bulk-max|types|drip|short\n");
        return 2;
    }
    mode = argv[1];
    signal(SIGPIPE, SIG_IGN);
    int ls = socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    socklen_t sl = sizeof sa;
    if (bind(ls, (struct sockaddr *)&sa, sizeof sa) < 0 || listen(ls, 16) < 0 ||
        getsockname(ls, (struct sockaddr *)&sa, &sl) < 0) {
        perror("fake_resp");
        return 1;
    }
    printf("%d\n", ntohs(sa.sin_port));
    fflush(stdout);
    pthread_t w;
    pthread_create(&w, NULL, watch_stdin, NULL);
    for (;;) {
        int fd = accept(ls, NULL, NULL);
        if (fd < 0)
            continue;
        pthread_t t;
        if (pthread_create(&t, NULL, serve, (void *)(long)fd) == 0)
            pthread_detach(t);
        else
            close(fd);
    }
}
