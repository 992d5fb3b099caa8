/* The notification protocol: a datagram of "NAME=value" lines to the
 * socket in $NOTIFY_SOCKET, a path, or an abstract name when it starts with
 * '@'. */
#include "sd_notify.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "log.h"

bool sd_notify_send(const char *state) {
  const char *name = getenv("NOTIFY_SOCKET");
  if (name == NULL || name[0] == '\0')
    return true;
  struct sockaddr_un addr = {.sun_family = AF_UNIX};
  size_t len = strlen(name);
  if ((name[0] != '/' && name[0] != '@') || len >= sizeof addr.sun_path) {
    log_msg(LOG_WARN, "NOTIFY_SOCKET is not a usable socket address");
    return false;
  }
  memcpy(addr.sun_path, name, len);
  if (name[0] == '@')
    addr.sun_path[0] = '\0'; /* abstract: its length, not a NUL, ends it */
  socklen_t addr_len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) +
                                   len + (name[0] == '/'));
  int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  bool sent = fd >= 0 && sendto(fd, state, strlen(state), MSG_NOSIGNAL,
                                (const struct sockaddr *)&addr,
                                addr_len) == (ssize_t)strlen(state);
  if (fd >= 0)
    close(fd);
  if (!sent)
    log_msg(LOG_WARN, "cannot notify the service manager at %s", name);
  return sent;
}
