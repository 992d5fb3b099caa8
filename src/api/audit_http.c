/* /api/v1/audit: the audit trail, read within the caller's scope (SQL:
 * audit_visible), newest first, cursor-paged by id. */
#include <stdio.h>
#include <string.h>

#include "fields.h"
#include "handlers.h"
#include "request.h"
#include "resource.h"

static const char *const entities[] = {"region",         "municipality",
                                       "school",         "school_status",
                                       "school_curator", "school_partnership",
                                       "user",           "client",
                                       "token",          "risk_factor",
                                       "risk_profile",   "roadmap",
                                       "roadmap_item",   "roadmap_item_report",
                                       "programme",      "programme_target",
                                       "report_copy",    "indicator",
                                       "campaign",       "submission",
                                       "assessment",     NULL};
static const char *const actions[] = {
    "create",        "update",      "delete",       "login",
    "login_failed",  "token_issue", "token_revoke", "password_reset",
    "secret_rotate", "revise",      "submit",       "accept",
    "return",        NULL};

const struct jspec_field audit_list_params[] = {
    ENUM_FIELD("entity", 0, entities),
    FIELD("entity_id", JS_ID, 0, 0, 0),
    FIELD("actor", JS_STRING, 0, 1, 200),
    ENUM_FIELD("action", 0, actions),
    FIELD("from", JS_STRING, 0, 1, 64),
    FIELD("to", JS_STRING, 0, 1, 64),
    PAGE_PARAMS,
    END_FIELDS,
};

static bool digits(const char *s, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (s[i] < '0' || s[i] > '9')
      return false;
  return true;
}

static int two(const char *s) {
  return (s[0] - '0') * 10 + (s[1] - '0');
}

/* RFC 3339 date-time, strictly: YYYY-MM-DDTHH:MM:SS[.fraction] then Z or
 * +HH:MM / -HH:MM ("T" and "Z" may be lower case), a real calendar date
 * (jspec's range), second 60 only as a leap second. */
static bool is_date_time(const char *s) {
  size_t n = strlen(s);
  if (n < 20)
    return false;
  char date[11];
  memcpy(date, s, 10);
  date[10] = '\0';
  if (!jspec_is_date(date) || (s[10] != 'T' && s[10] != 't'))
    return false;
  const char *t = s + 11; /* HH:MM:SS */
  if (!digits(t, 2) || t[2] != ':' || !digits(t + 3, 2) || t[5] != ':' ||
      !digits(t + 6, 2) || two(t) > 23 || two(t + 3) > 59 || two(t + 6) > 60)
    return false;
  const char *p = t + 8;
  if (*p == '.') {
    size_t frac = strspn(p + 1, "0123456789");
    if (frac == 0 || frac > 9)
      return false;
    p += 1 + frac;
  }
  if ((p[0] == 'Z' || p[0] == 'z') && p[1] == '\0')
    return true;
  return (p[0] == '+' || p[0] == '-') && digits(p + 1, 2) && p[3] == ':' &&
         digits(p + 4, 2) && p[6] == '\0' && two(p + 1) <= 23 &&
         two(p + 4) <= 59;
}

/* from and to: both named at once when both are bad. */
static bool times_valid(struct request *rq, const json_t *query) {
  json_t *errors = json_array();
  static const char *const names[] = {"from", "to"};
  for (size_t i = 0; i < 2; i++) {
    const char *v = json_string_value(json_object_get(query, names[i]));
    if (v != NULL && !is_date_time(v)) {
      char path[16];
      snprintf(path, sizeof path, "query.%s", names[i]);
      jspec_error(errors, path,
                  "must be an RFC 3339 date-time such as "
                  "2024-10-01T00:00:00Z or 2024-10-01T03:00:00+03:00 "
                  "(send + as %2B)");
    }
  }
  if (json_array_size(errors) == 0) {
    json_decref(errors);
    return true;
  }
  reply_validation_steal(rq, errors);
  return false;
}

void audit_list(struct request *rq) {
  json_t *query = request_query_checked(rq, audit_list_params);
  struct page page;
  if (query == NULL || !times_valid(rq, query) ||
      !page_begin(rq, query, &page)) {
    json_decref(query);
    return;
  }
  const struct db_arg args[] = {
      {"cursor_id", page.cursor_id[0] ? page.cursor_id : NULL},
      {"limit", page.limit_plus_one},
      DB_END};
  PGresult *r = db_call(rq, STMT_AUDIT_LIST, args, query);
  if (r != NULL)
    reply_page(rq, r, &page);
  page_end(&page);
  json_decref(query);
}
