/* The audit trail: every write records who did what to which entity, with
 * the changed fields before and after, in the write's own transaction. */
#ifndef OPORA_AUDIT_H
#define OPORA_AUDIT_H

#include <stdbool.h>

struct request;

/* Where an audited entity belongs, for scoped reading (audit_record in
 * migrations/0002_access.sql). */
#define AUDIT_PLACE_REGION "region"
#define AUDIT_PLACE_MUNICIPALITY "municipality"
#define AUDIT_PLACE_SCHOOL "school"
#define AUDIT_PLACE_PARENT "parent"       /* hangs off school `parent` */
#define AUDIT_PLACE_REGION_ID "region_id" /* `parent` is the region id */
#define AUDIT_PLACE_USER "user"           /* the user entity_id: its region */
#define AUDIT_PLACE_CLIENT "client"       /* the client entity_id: its region */
#define AUDIT_PLACE_ROADMAP "roadmap" /* the owner of the roadmap document */
#define AUDIT_PLACE_NONE "none"

struct audit_entry {
  const char *action; /* create, update, delete, login, ... */
  const char *entity; /* region, school, school_status, user, ... */
  const char *entity_id;
  const char *before, *after; /* JSON texts or NULL */
  const char *place;
  const char *parent; /* or NULL */
  /* The actor when the request has no principal (a failed login): the
   * name tried. NULL uses the request's principal. */
  const char *anonymous_name;
};

/* Inside db_txn. False after a failed statement (the runner answers). */
bool audit_write(struct request *rq, const struct audit_entry *e);

#endif
