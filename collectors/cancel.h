/* cancel.h -- one stop for every network wait in the process.
 *
 * queuetop has exactly one reason to abandon a wait on a server: the user wants to leave (`q`,
 * SIGINT, SIGTERM, SIGHUP, or the end of a headless run). So cancellation is process-wide, like
 * signal handling, rather than a token passed down every call chain:
 *   - every network wait polls cancel_fd() beside its socket (cancel_poll does both), so it
 *     returns at once when a stop is requested;
 *   - every socket in use is registered, and cancel_request() shuts them down, so even a call
 *     that blocks inside a library (a read, a write, a connect) returns at once.
 * cancel_request() is async-signal-safe: the signal handler calls it directly. After it, every
 * registered socket and every socket registered later is dead; there is no "un-cancel" (the
 * process is leaving). */
#ifndef QT_CANCEL_H
#define QT_CANCEL_H

#include <stdbool.h>

/* Creates the pipe behind cancel_fd(). Call once, before any thread starts; 0 or -1 (errno).
 * Without it, cancel_fd() is -1 and cancel_poll() only waits on its socket. */
int cancel_init(void);

/* Readable (and never drained) once a stop was requested; -1 before cancel_init(). */
int cancel_fd(void);
bool cancel_requested(void);
/* Requests the stop: sets the flag, makes cancel_fd() readable, shuts down every registered
 * socket. Async-signal-safe; safe to call more than once. */
void cancel_request(void);

/* A socket in use by a connection: shut down by cancel_request(). Registering after the stop
 * shuts it down at once. Up to CANCEL_SOCKETS_MAX sockets are tracked; more are still polled
 * through cancel_fd(), only not shut down. */
#define CANCEL_SOCKETS_MAX 64
void cancel_register_socket(int fd);
/* Call before closing fd, so that a late stop never shuts down a reused descriptor. */
void cancel_unregister_socket(int fd);

/* Waits up to timeout_ms (< 0: no limit) for events on fd, or for a stop. Returns the revents
 * (> 0) when fd is ready, 0 on timeout, -1 when a stop was requested (errno ECANCELED) or poll
 * failed (errno set). EINTR is retried with the time left. */
int cancel_poll(int fd, short events, int timeout_ms);

#endif
