/* Readiness for systemd (Type=notify): one datagram per state change to the
 * unix socket $NOTIFY_SOCKET names, as sd_notify(3) describes; no libsystemd.
 * Without NOTIFY_SOCKET (not started by systemd) every call does nothing. */
#ifndef OPORA_SD_NOTIFY_H
#define OPORA_SD_NOTIFY_H

#include <stdbool.h>

/* Sends state, e.g. "READY=1\nSTATUS=serving"; true when sent or when there
 * is no one to tell. */
bool sd_notify_send(const char *state);

#endif
