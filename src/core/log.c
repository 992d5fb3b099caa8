#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "request.h"

static enum log_level current_level = LOG_INFO;
static const char *const level_names[] = {"error", "warn", "info", "debug"};

void log_set_level(enum log_level level) {
  current_level = level;
}

uint64_t clock_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* "2026-11-22T20:17:03.123Z" */
static size_t format_time(char *buf, size_t len) {
  struct timespec ts;
  struct tm tm;
  clock_gettime(CLOCK_REALTIME, &ts);
  gmtime_r(&ts.tv_sec, &tm);
  size_t n = strftime(buf, len, "%Y-%m-%dT%H:%M:%S", &tm);
  int m = snprintf(buf + n, len - n, ".%03ldZ", ts.tv_nsec / 1000000);
  return n + (m > 0 ? (size_t)m : 0);
}

/* Appends text as a JSON string body (without quotes), escaping what JSON
 * requires; stops before overflowing. */
static size_t append_escaped(char *buf, size_t pos, size_t cap,
                             const char *text) {
  static const char hex[] = "0123456789abcdef";
  for (const unsigned char *p = (const unsigned char *)text; *p; p++) {
    if (pos + 7 >= cap)
      break;
    if (*p == '"' || *p == '\\') {
      buf[pos++] = '\\';
      buf[pos++] = (char)*p;
    } else if (*p < 0x20 || *p == 0x7f) {
      memcpy(buf + pos, "\\u00", 4);
      buf[pos + 4] = hex[*p >> 4];
      buf[pos + 5] = hex[*p & 15];
      pos += 6;
    } else {
      buf[pos++] = (char)*p;
    }
  }
  return pos;
}

/* One write(2) per line keeps lines whole when threads log at once. */
static void write_line(char *buf, size_t pos, size_t cap) {
  if (pos >= cap - 1)
    pos = cap - 2;
  buf[pos++] = '\n';
  ssize_t ignored = write(STDERR_FILENO, buf, pos);
  (void)ignored;
}

void log_msg(enum log_level level, const char *fmt, ...) {
  if (level > current_level)
    return;
  char msg[1024];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  /* libpq's messages end in a newline: one line is enough. */
  size_t n = strlen(msg);
  while (n > 0 && (msg[n - 1] == '\n' || msg[n - 1] == ' '))
    msg[--n] = '\0';

  char line[1400];
  size_t pos = 0;
  pos += (size_t)snprintf(line, sizeof line, "{\"time\":\"");
  pos += format_time(line + pos, sizeof line - pos);
  pos += (size_t)snprintf(line + pos, sizeof line - pos,
                          "\",\"level\":\"%s\",\"msg\":\"", level_names[level]);
  pos = append_escaped(line, pos, sizeof line - 3, msg);
  line[pos++] = '"';
  line[pos++] = '}';
  write_line(line, pos, sizeof line);
}

void log_request(const struct request *rq, uint64_t duration_ns) {
  if (current_level < LOG_INFO)
    return;
  char line[1024];
  size_t pos = 0;
  pos += (size_t)snprintf(line, sizeof line, "{\"time\":\"");
  pos += format_time(line + pos, sizeof line - pos);
  pos += (size_t)snprintf(line + pos, sizeof line - pos,
                          "\",\"level\":\"info\",\"request_id\":\"%s\","
                          "\"method\":\"",
                          rq->id);
  pos = append_escaped(line, pos, 200, rq->method_text ? rq->method_text : "");
  pos += (size_t)snprintf(line + pos, sizeof line - pos, "\",\"route\":\"");
  /* The template, not the path: ids would make every line unique. Unmatched
   * paths are client text, so escaped and cut short. */
  if (rq->match.route != NULL)
    pos = append_escaped(line, pos, sizeof line - 200, rq->match.route->path);
  else
    pos = append_escaped(line, pos, 600, rq->path ? rq->path : "");
  pos += (size_t)snprintf(
      line + pos, sizeof line - pos,
      "\",\"status\":%u,\"duration_ms\":%.3f,\"bytes\":%llu}", rq->status,
      (double)duration_ns / 1e6, (unsigned long long)rq->bytes_out);
  write_line(line, pos, sizeof line);
}
