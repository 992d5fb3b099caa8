/* The access matrix: every operation x every role x (object in scope,
 * object out of scope), expectations in access_expect.h (docs/ACCESS.md).
 * Every fixture carries a marker (codes and texts "mx-...") that says where
 * it lies; no answer to a caller may hold the marker of anything outside
 * its scope. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "access_expect.h"
#include "harness.h"

enum place { P_A1OWN, P_A1B, P_A2, P_B, P_COUNT };

static const char *const place_code[P_COUNT] = {"mx-sA1own", "mx-sA1b",
                                                "mx-sA2", "mx-sB"};
static const char *const fresh_prefix[P_COUNT] = {"mx-sA1x", "mx-sA1bx",
                                                  "mx-sA2x", "mx-sBx"};
static const char *const caller_name[C_COUNT] = {
    "admin-global", "admin-regionA", "municipal-A1", "curator-A",
    "school-sA1",   "ingest-A",      "reader-A"};
static const char *const role_of[C_COUNT] = {
    "admin", "admin", "municipal", "curator", "school", "ingest", "reader"};

/* Where each caller's in-scope school lies, and its out-of-scope ones. */
static const enum place in_place[C_COUNT] = {P_A2,    P_A2, P_A1OWN, P_A1OWN,
                                             P_A1OWN, P_A2, P_A2};
static const enum place out_places[C_COUNT][4] = {
    [C_ADMIN_G] = {P_COUNT},
    [C_ADMIN_R] = {P_B, P_COUNT},
    [C_MUNI] = {P_A2, P_B, P_COUNT},
    [C_CURATOR] = {P_A1B, P_A2, P_B, P_COUNT},
    [C_SCHOOL] = {P_A1B, P_A2, P_B, P_COUNT},
    [C_INGEST] = {P_B, P_COUNT},
    [C_READER] = {P_B, P_COUNT},
};

/* Markers a caller must never see. */
#define REGION_B "mx-sB", "mx-mB", "mx-rB", "mx-rN", "mx-uB", "mx-cB"
static const char *const forbidden[C_COUNT][12] = {
    [C_ADMIN_G] = {NULL},
    [C_ADMIN_R] = {REGION_B, NULL},
    [C_MUNI] = {REGION_B, "mx-sA2", NULL},
    [C_CURATOR] = {REGION_B, "mx-sA2", "mx-sA1b", "mx-sA1x", NULL},
    [C_SCHOOL] = {REGION_B, "mx-sA2", "mx-sA1b", "mx-sA1x", NULL},
    [C_INGEST] = {REGION_B, NULL},
    [C_READER] = {REGION_B, NULL},
};

static struct {
  long long rA, rB, mA1, mA2, mB1;
  long long school[P_COUNT], muni[P_COUNT];
  long long pA1, pB;                         /* partner schools */
  long long roadmap[P_COUNT], item[P_COUNT]; /* a draft per school */
  long long uA, uB, cA, cB;
  long long user[C_COUNT];
  char token[C_COUNT][64];
  char admin[64];
  int year;
  int failed, passed;
} fx;

static void act(int c) {
  use_token(fx.token[c]);
}
static void act_admin(void) {
  use_token(fx.admin);
}

/* --- fixtures ------------------------------------------------------------ */

static long long partner_for(enum place p) {
  return p == P_B ? fx.pB : fx.pA1;
}

static long long add_status(long long school, const char *marker) {
  return api_create(J("/api/v1/schools/%lld/statuses", school),
                    J("{'category':'SHNOR','school_year':%d,'basis':'%s "
                      "основание','included_on':'2020-12-30'}",
                      fx.year++, marker));
}

static long long add_curator(long long school, const char *marker) {
  return api_create(
      J("/api/v1/schools/%lld/curators", school),
      J("{'full_name':'%s куратор','starts_on':'2021-01-11'}", marker));
}

static long long add_partner(long long school, enum place p,
                             const char *marker) {
  return api_create(J("/api/v1/schools/%lld/partners", school),
                    J("{'partner_school_id':%lld,'kind':'NETWORK','agreement':"
                      "'%s договор','starts_on':'2021-09-01'}",
                      partner_for(p), marker));
}

/* An item of the place's roadmap, made with SQL, at the end. */
static long long fresh_item(enum place p) {
  return db_count("INSERT INTO roadmap_items (roadmap_id, position, activity)"
                  " SELECT %lld, coalesce(max(position), 0) + 1,"
                  " '%s мероприятие' FROM roadmap_items WHERE roadmap_id ="
                  " %lld RETURNING id",
                  fx.roadmap[p], place_code[p], fx.roadmap[p]);
}

static long long make_client(long long region, const char *client_id) {
  return db_count("INSERT INTO clients (client_id, role, scope_kind, "
                  "region_id, secret_hash) VALUES ('%s', 'reader', 'region', "
                  "%lld, sha256('x'::bytea)) RETURNING id",
                  client_id, region);
}

static long long make_named_user(long long region, const char *login) {
  long long id = make_user("reader", "region", region);
  db_exec("UPDATE users SET login = '%s' WHERE id = %lld", login, id);
  return id;
}

static void setup_roadmap_fixtures(void);  /* access_roadmaps.inc */
static void setup_campaign_fixtures(void); /* access_campaigns.inc */
static void setup_ref_fixtures(void);      /* access_refs.inc */

static void setup_programme_fixtures(void); /* access_programmes.inc */

static void setup_fixtures(void) {
  snprintf(fx.admin, sizeof fx.admin, "%s", use_token(NULL));
  act_admin();
  fx.year = 2000;
  fx.rA = create_region("mx-rA", "mx-rA Регион");
  fx.rB = create_region("mx-rB", "mx-rB Регион");
  fx.mA1 = create_municipality(fx.rA, "mx-mA1", "mx-mA1 район");
  fx.mA2 = create_municipality(fx.rA, "mx-mA2", "mx-mA2 район");
  fx.mB1 = create_municipality(fx.rB, "mx-mB1", "mx-mB1 район");
  fx.muni[P_A1OWN] = fx.muni[P_A1B] = fx.mA1;
  fx.muni[P_A2] = fx.mA2;
  fx.muni[P_B] = fx.mB1;
  fx.pA1 = create_school(fx.mA1, "mx-pA1", "mx-pA1 школа-партнёр");
  fx.pB = create_school(fx.mB1, "mx-sBp", "mx-sBp школа-партнёр");
  for (int p = 0; p < P_COUNT; p++) {
    fx.school[p] =
        create_school(fx.muni[p], place_code[p], J("%s школа", place_code[p]));
    add_status(fx.school[p], place_code[p]);
    add_curator(fx.school[p], place_code[p]);
    add_partner(fx.school[p], (enum place)p, place_code[p]);
  }
  static const char *const kinds[C_COUNT] = {"global", "region", "municipality",
                                             "region", "school", "region",
                                             "region"};
  long long ids[C_COUNT] = {0,     fx.rA, fx.mA1, fx.rA, fx.school[P_A1OWN],
                            fx.rA, fx.rA};
  for (int c = 0; c < C_COUNT; c++) {
    fx.user[c] = make_user(role_of[c], kinds[c], ids[c]);
    snprintf(fx.token[c], sizeof fx.token[c], "%s", token_for_user(fx.user[c]));
  }
  /* The curator's assignment (in force since a month) to sA1. */
  db_exec("INSERT INTO school_curators (school_id, full_name, starts_on,"
          " user_id) VALUES (%lld, 'mx-sA1own куратор-пользователь',"
          " current_date - 30, %lld)",
          fx.school[P_A1OWN], fx.user[C_CURATOR]);
  for (int p = 0; p < P_COUNT; p++) {
    fx.roadmap[p] = db_count(
        "INSERT INTO roadmaps (owner_school_id, kind, title, period_from,"
        " period_to) VALUES (%lld, 'school_roadmap', '%s дорожная карта',"
        " '2021-01-01', '2021-12-31') RETURNING id",
        fx.school[p], place_code[p]);
    fx.item[p] = fresh_item((enum place)p);
  }
  fx.uA = make_named_user(fx.rA, "mx-uA");
  fx.uB = make_named_user(fx.rB, "mx-uB");
  fx.cA = make_client(fx.rA, "mx-cA");
  fx.cB = make_client(fx.rB, "mx-cB");
  setup_roadmap_fixtures();
  setup_campaign_fixtures();
  setup_ref_fixtures();
  setup_programme_fixtures();
  /* Something happened in region B for the audit trail to hold. */
  struct http_reply *r = http_patch(J("/api/v1/schools/%lld", fx.school[P_B]),
                                    "\"1\"", J("{'phone':'+7 900 000-00-01'}"));
  assert_status(r, 200);
  http_reply_free(r);
}

/* --- cells --------------------------------------------------------------- */

struct cell {
  int caller;
  int in;       /* 1: the in-scope object */
  enum place p; /* school operations: where the school lies */
};

static char *admin_etag(const char *path) {
  act_admin();
  return etag_of(path);
}

/* A school to write on: the fixed one when the caller's scope is exactly
 * sA1, else a fresh one in the place's municipality. */
static long long school_to_change(const struct cell *c) {
  if (c->p == P_A1OWN && (c->caller == C_CURATOR || c->caller == C_SCHOOL))
    return fx.school[P_A1OWN];
  act_admin();
  const char *code = uniq(fresh_prefix[c->p]);
  return create_school(fx.muni[c->p], code, J("%s школа", code));
}

static struct http_reply *get_as(const struct cell *c, const char *path) {
  act(c->caller);
  return http_get("%s", path);
}

static struct http_reply *run_public(const struct cell *c, const char *path) {
  return get_as(c, path);
}
static struct http_reply *r_health(const struct cell *c) {
  return run_public(c, "/health");
}
static struct http_reply *r_ready(const struct cell *c) {
  return run_public(c, "/ready");
}
static struct http_reply *r_metrics(const struct cell *c) {
  return run_public(c, "/metrics");
}
static struct http_reply *r_openapi(const struct cell *c) {
  return run_public(c, "/api/v1/openapi.yaml");
}
static struct http_reply *r_docs(const struct cell *c) {
  return run_public(c, "/api/v1/docs");
}
static struct http_reply *r_docs_file(const struct cell *c) {
  return run_public(c, "/api/v1/docs/init.js");
}

/* Each caller tries its own unknown login, so that the failures stay under
 * the per-login throttle. A bearer token sent along is ignored. */
static struct http_reply *r_login(const struct cell *c) {
  act(c->caller);
  return http_post(
      "/api/v1/auth/login",
      J("{'login':'mx-nobody-%d','password':'not the password'}", c->caller));
}
static struct http_reply *r_issue(const struct cell *c) {
  act(c->caller);
  const char *h[] = {"Content-Type: application/x-www-form-urlencoded", NULL};
  return http_request("POST", "/api/v1/auth/token",
                      J("grant_type=client_credentials&client_id=mx-nobody-%d&"
                        "client_secret=not-the-secret",
                        c->caller),
                      h);
}
static struct http_reply *r_revoke(const struct cell *c) {
  act_admin();
  char auth[96];
  snprintf(auth, sizeof auth, "Authorization: Bearer %s",
           token_for_user(fx.user[c->caller]));
  const char *h[] = {auth, NULL};
  return http_request("DELETE", "/api/v1/auth/token", NULL, h);
}
static struct http_reply *r_me(const struct cell *c) {
  return get_as(c, "/api/v1/me");
}

/* Users and clients: in = region A, out = region B. */
static long long region_of(const struct cell *c) {
  return c->in ? fx.rA : fx.rB;
}
static const char *side(const struct cell *c) {
  return c->in ? "A" : "B";
}
static struct http_reply *r_users(const struct cell *c) {
  return get_as(c, "/api/v1/users?limit=200");
}
/* Logins and client ids are lower case: the marker goes in a text. */
static struct http_reply *r_create_user(const struct cell *c) {
  act(c->caller);
  return http_post("/api/v1/users",
                   J("{'login':'%s','full_name':'mx-u%s Иванов И.И.',"
                     "'role':'reader','scope':{'kind':'region','id':%lld}}",
                     uniq(c->in ? "mx-uax" : "mx-ubx"), side(c), region_of(c)));
}
static struct http_reply *r_get_user(const struct cell *c) {
  return get_as(c, J("/api/v1/users/%lld", c->in ? fx.uA : fx.uB));
}
static long long fresh_user(const struct cell *c) {
  return make_named_user(region_of(c), uniq(J("mx-u%sx", side(c))));
}
static struct http_reply *r_update_user(const struct cell *c) {
  long long id = fresh_user(c);
  act(c->caller);
  return http_patch(J("/api/v1/users/%lld", id), "\"1\"",
                    J("{'full_name':'Петров П.П.'}"));
}
static struct http_reply *r_reset_password(const struct cell *c) {
  long long id = fresh_user(c);
  act(c->caller);
  return http_post(J("/api/v1/users/%lld/password", id), NULL);
}
static struct http_reply *r_clients(const struct cell *c) {
  return get_as(c, "/api/v1/clients?limit=200");
}
static struct http_reply *r_create_client(const struct cell *c) {
  act(c->caller);
  return http_post("/api/v1/clients",
                   J("{'client_id':'%s','role':'ingest',"
                     "'description':'mx-c%s РЦОИ',"
                     "'scope':{'kind':'region','id':%lld}}",
                     uniq(c->in ? "mx-cax" : "mx-cbx"), side(c), region_of(c)));
}
static struct http_reply *r_get_client(const struct cell *c) {
  return get_as(c, J("/api/v1/clients/%lld", c->in ? fx.cA : fx.cB));
}
static struct http_reply *r_update_client(const struct cell *c) {
  long long id = make_client(region_of(c), uniq(J("mx-c%sx", side(c))));
  act(c->caller);
  return http_patch(J("/api/v1/clients/%lld", id), "\"1\"",
                    J("{'description':'новое описание'}"));
}
static struct http_reply *r_rotate(const struct cell *c) {
  long long id = make_client(region_of(c), uniq(J("mx-c%sx", side(c))));
  act(c->caller);
  return http_post(J("/api/v1/clients/%lld/secret", id), NULL);
}
static struct http_reply *r_audit(const struct cell *c) {
  return get_as(c, "/api/v1/audit?limit=200");
}

/* Territory: in = region A / municipality A2, out = region B / B1. */
static struct http_reply *r_regions(const struct cell *c) {
  return get_as(c, "/api/v1/regions?limit=200");
}
static struct http_reply *r_create_region(const struct cell *c) {
  act(c->caller);
  const char *code = uniq("mx-rNx");
  return http_post("/api/v1/regions",
                   J("{'code':'%s','name':'%s'}", code, code));
}
static struct http_reply *r_get_region(const struct cell *c) {
  return get_as(c, J("/api/v1/regions/%lld", region_of(c)));
}
static struct http_reply *r_update_region(const struct cell *c) {
  const char *path = J("/api/v1/regions/%lld", region_of(c));
  char *etag = admin_etag(path);
  act(c->caller);
  struct http_reply *r = http_patch(
      path, etag, J("{'name':'mx-r%s %s'}", side(c), uniq("Регион")));
  free(etag);
  return r;
}
static struct http_reply *r_munis(const struct cell *c) {
  return get_as(c, "/api/v1/municipalities?limit=200");
}
static struct http_reply *r_create_muni(const struct cell *c) {
  act(c->caller);
  const char *code = uniq(J("mx-m%sx", side(c)));
  return http_post("/api/v1/municipalities",
                   J("{'region_id':%lld,'code':'%s','name':'%s'}", region_of(c),
                     code, code));
}
static long long muni_of(const struct cell *c) {
  return c->in ? fx.mA2 : fx.mB1;
}
static struct http_reply *r_get_muni(const struct cell *c) {
  return get_as(c, J("/api/v1/municipalities/%lld", muni_of(c)));
}
static struct http_reply *r_update_muni(const struct cell *c) {
  const char *path = J("/api/v1/municipalities/%lld", muni_of(c));
  char *etag = admin_etag(path);
  act(c->caller);
  struct http_reply *r = http_patch(
      path, etag, J("{'name':'mx-m%s1 %s'}", c->in ? "A2" : "B", uniq("р")));
  free(etag);
  return r;
}

/* Schools. */
static struct http_reply *r_schools(const struct cell *c) {
  return get_as(c, "/api/v1/schools?limit=200");
}
static struct http_reply *r_create_school(const struct cell *c) {
  /* in: the caller's own municipality (A2 for region roles); out: that of
   * an out-of-scope school. */
  long long muni = fx.muni[c->p];
  const char *code = uniq(fresh_prefix[c->p]);
  act(c->caller);
  return http_post("/api/v1/schools",
                   J("{'municipality_id':%lld,'code':'%s','full_name':'%s',"
                     "'short_name':'%s','type':'SOSH','locality':'RURAL'}",
                     muni, code, code, code));
}
static struct http_reply *r_get_school(const struct cell *c) {
  return get_as(c, J("/api/v1/schools/%lld", fx.school[c->p]));
}
/* The card with every member the caller's role reads, objectivity too. */
static struct http_reply *r_school_card(const struct cell *c) {
  return get_as(c, J("/api/v1/schools/%lld/card?year=2021&include=objectivity",
                     fx.school[c->p]));
}
static struct http_reply *r_update_school(const struct cell *c) {
  long long id = school_to_change(c);
  char *etag = admin_etag(J("/api/v1/schools/%lld", id));
  act(c->caller);
  struct http_reply *r = http_patch(J("/api/v1/schools/%lld", id), etag,
                                    J("{'phone':'+7 900 %s'}", uniq("00")));
  free(etag);
  return r;
}
static struct http_reply *r_delete_school(const struct cell *c) {
  long long id = school_to_change(c);
  char *etag = admin_etag(J("/api/v1/schools/%lld", id));
  act(c->caller);
  struct http_reply *r = http_delete(J("/api/v1/schools/%lld", id), etag);
  free(etag);
  return r;
}

/* What hangs off a school: lists, creates, and writes on a fresh child. */
enum child { STATUSES, CURATORS, PARTNERS };
static const char *const child_path[] = {"statuses", "curators", "partners"};

static const char *child_body(enum child k, const struct cell *c) {
  const char *m = place_code[c->p];
  switch (k) {
  case STATUSES:
    return J("{'category':'SHNSU','school_year':%d,'basis':'%s основание',"
             "'included_on':'2021-01-15'}",
             fx.year++, m);
  case CURATORS:
    return J("{'full_name':'%s куратор','starts_on':'2021-01-11'}", m);
  case PARTNERS:
    return J("{'partner_school_id':%lld,'kind':'MENTORING','agreement':'%s "
             "договор','starts_on':'2021-09-01'}",
             partner_for(c->p), m);
  }
  return NULL;
}
static long long fresh_child(enum child k, const struct cell *c) {
  act_admin();
  long long s = fx.school[c->p];
  const char *m = place_code[c->p];
  return k == STATUSES   ? add_status(s, m)
         : k == CURATORS ? add_curator(s, m)
                         : add_partner(s, c->p, m);
}
static struct http_reply *child_list(enum child k, const struct cell *c) {
  return get_as(c,
                J("/api/v1/schools/%lld/%s", fx.school[c->p], child_path[k]));
}
static struct http_reply *child_create(enum child k, const struct cell *c) {
  const char *body = child_body(k, c);
  act(c->caller);
  return http_post(J("/api/v1/schools/%lld/%s", fx.school[c->p], child_path[k]),
                   body);
}
static struct http_reply *child_update(enum child k, const struct cell *c) {
  long long id = fresh_child(k, c);
  static const char *const bodies[] = {"{\"basis\":\"новое основание\"}",
                                       "{\"position\":\"методист\"}",
                                       "{\"agreement\":\"новый договор\"}"};
  act(c->caller);
  return http_patch(
      J("/api/v1/schools/%lld/%s/%lld", fx.school[c->p], child_path[k], id),
      "\"1\"", bodies[k]);
}
static struct http_reply *child_delete(enum child k, const struct cell *c) {
  long long id = fresh_child(k, c);
  act(c->caller);
  return http_delete(
      J("/api/v1/schools/%lld/%s/%lld", fx.school[c->p], child_path[k], id),
      "\"1\"");
}
#define CHILD_RUNNERS(name, k)                                                 \
  static struct http_reply *r_list_##name(const struct cell *c) {              \
    return child_list(k, c);                                                   \
  }                                                                            \
  static struct http_reply *r_create_##name(const struct cell *c) {            \
    return child_create(k, c);                                                 \
  }                                                                            \
  static struct http_reply *r_update_##name(const struct cell *c) {            \
    return child_update(k, c);                                                 \
  }                                                                            \
  __attribute__((unused)) static struct http_reply *r_delete_##name(           \
      const struct cell *c) {                                                  \
    return child_delete(k, c);                                                 \
  }
CHILD_RUNNERS(statuses, STATUSES)
CHILD_RUNNERS(curators, CURATORS)
CHILD_RUNNERS(partners, PARTNERS)

#include "access_assessments.inc"
#include "access_campaigns.inc"
#include "access_context.inc"
#include "access_effectiveness.inc"
#include "access_identification.inc"
#include "access_indicators.inc"
#include "access_items.inc"
#include "access_objectivity.inc"
#include "access_programmes.inc"
#include "access_refs.inc"
#include "access_risk.inc"
#include "access_roadmaps.inc"
#include "access_submissions.inc"
#include "access_values.inc"

typedef struct http_reply *(*runner_fn)(const struct cell *c);
static const struct {
  const char *op;
  runner_fn run;
  int per_school;        /* out-of-scope cells: one per out-of-scope school */
  const char *out_field; /* 403 out of scope names this field */
} runners[] = {
    {"listRiskFactors", r_risk_factors, 0, NULL},
    {"getRiskFactor", r_get_risk_factor, 0, NULL},
    {"createRiskFactor", r_create_risk_factor, 0, NULL},
    {"updateRiskFactor", r_update_risk_factor, 0, NULL},
    CONTEXT_RUNNERS,
    {"getRiskProfile", r_get_risk_profile, 1, NULL},
    {"putRiskProfile", r_put_risk_profile, 1, NULL},
    {"getRiskProfileHistory", r_risk_history, 1, NULL},
    {"updateRiskProfileFactor", r_patch_risk_factor, 1, NULL},
    {"listRiskProfiles", r_risk_profiles, 0, NULL},
    {"getRiskProfileSummary", r_risk_summary, 0, NULL},
    {"listIndicators", r_indicators, 0, NULL},
    {"getIndicator", r_get_indicator, 0, NULL},
    {"createIndicator", r_create_indicator, 0, NULL},
    {"updateIndicator", r_update_indicator, 0, NULL},
    {"getIndicatorAggregate", r_indicator_aggregate, 0, NULL},

    {"getHealth", r_health, 0, NULL},
    {"getReady", r_ready, 0, NULL},
    {"getMetrics", r_metrics, 0, NULL},
    {"getOpenapi", r_openapi, 0, NULL},
    {"getDocs", r_docs, 0, NULL},
    {"getDocsFile", r_docs_file, 0, NULL},
    {"login", r_login, 0, NULL},
    {"issueToken", r_issue, 0, NULL},
    {"revokeToken", r_revoke, 0, NULL},
    {"getMe", r_me, 0, NULL},
    {"listUsers", r_users, 0, NULL},
    {"createUser", r_create_user, 0, "$.scope"},
    {"getUser", r_get_user, 0, NULL},
    {"updateUser", r_update_user, 0, NULL},
    {"resetUserPassword", r_reset_password, 0, NULL},
    {"listClients", r_clients, 0, NULL},
    {"createClient", r_create_client, 0, "$.scope"},
    {"getClient", r_get_client, 0, NULL},
    {"updateClient", r_update_client, 0, NULL},
    {"rotateClientSecret", r_rotate, 0, NULL},
    {"listAuditEvents", r_audit, 0, NULL},
    {"listRegions", r_regions, 0, NULL},
    {"createRegion", r_create_region, 0, NULL},
    {"getRegion", r_get_region, 0, NULL},
    {"updateRegion", r_update_region, 0, NULL},
    {"listMunicipalities", r_munis, 0, NULL},
    {"createMunicipality", r_create_muni, 0, "$.region_id"},
    {"getMunicipality", r_get_muni, 0, NULL},
    {"updateMunicipality", r_update_muni, 0, NULL},
    {"listSchools", r_schools, 0, NULL},
    {"createSchool", r_create_school, 1, "$.municipality_id"},
    {"getSchool", r_get_school, 1, NULL},
    {"getSchoolCard", r_school_card, 1, NULL},
    {"updateSchool", r_update_school, 1, NULL},
    {"deleteSchool", r_delete_school, 1, NULL},
    {"listSchoolStatuses", r_list_statuses, 1, NULL},
    {"createSchoolStatus", r_create_statuses, 1, NULL},
    {"updateSchoolStatus", r_update_statuses, 1, NULL},
    {"listSchoolCurators", r_list_curators, 1, NULL},
    {"createSchoolCurator", r_create_curators, 1, NULL},
    {"updateSchoolCurator", r_update_curators, 1, NULL},
    {"deleteSchoolCurator", r_delete_curators, 1, NULL},
    {"listSchoolPartners", r_list_partners, 1, NULL},
    {"createSchoolPartner", r_create_partners, 1, NULL},
    {"updateSchoolPartner", r_update_partners, 1, NULL},
    {"deleteSchoolPartner", r_delete_partners, 1, NULL},
    ROADMAP_RUNNERS,
    PROGRAMME_RUNNERS,
    VALUES_RUNNERS,
    {"listRoadmapItems", r_list_items, 1, NULL},
    {"createRoadmapItem", r_create_item, 1, NULL},
    {"importRoadmapItems", r_import_items, 1, NULL},
    {"searchRoadmapItems", r_search_items, 0, NULL},
    {"getRoadmapItem", r_get_item, 1, NULL},
    {"updateRoadmapItem", r_update_item, 1, NULL},
    {"deleteRoadmapItem", r_delete_item, 1, NULL},
    {"listItemReports", r_list_reports, 1, NULL},
    {"createItemReport", r_create_report, 1, NULL},
    CAMPAIGN_RUNNERS,
    SUBMISSION_RUNNERS,
    {"listSchoolSubmissions", r_list_school_submissions, 1, NULL},
    ASSESSMENT_RUNNERS,
    PUSH_RUNNERS,
    IDENTIFICATION_RUNNERS,
    OBJECTIVITY_RUNNERS,
    EFFECTIVENESS_RUNNERS,
};
#define N_RUNNERS (sizeof runners / sizeof runners[0])

static int runner_of(const char *op) {
  for (size_t i = 0; i < N_RUNNERS; i++)
    if (strcmp(runners[i].op, op) == 0)
      return (int)i;
  return -1;
}

/* --- checking a cell ----------------------------------------------------- */

static void cell_fail(const char *what, const struct http_reply *r,
                      const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void cell_fail(const char *what, const struct http_reply *r,
                      const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  printf("FAIL %s: ", what);
  vprintf(fmt, ap);
  va_end(ap);
  printf("\n     %s %s -> %ld %.400s\n", r->method, r->path, r->status,
         r->body);
  fx.failed++;
}

/* No marker the caller may not see, in this answer or (for a list) any
 * further page. */
static void check_leaks(const char *what, int caller,
                        const struct http_reply *r) {
  for (size_t i = 0; forbidden[caller][i] != NULL; i++)
    if (strstr(r->body, forbidden[caller][i]) != NULL)
      cell_fail(what, r, "the answer holds %s, outside the caller's scope",
                forbidden[caller][i]);
  const char *next = jstr(r->json, "next_cursor");
  if (r->status == 200 && next != NULL && strchr(r->path, '/') != NULL) {
    const char *q = strchr(r->path, '?');
    size_t base = q ? (size_t)(q - r->path) : strlen(r->path);
    struct http_reply *more =
        http_get("%.*s?limit=200&cursor=%s", (int)base, r->path, esc(next));
    check_leaks(what, caller, more);
    http_reply_free(more);
  }
}

/* The problem code a refusal carries: the token routes say why the
 * credentials failed, every other route that a token is missing. */
static const char *problem_code(const char *op, long status) {
  if (status == 401 && strcmp(op, "login") == 0)
    return "invalid_credentials";
  if (status == 401 && strcmp(op, "issueToken") == 0)
    return "invalid_client";
  return status == 401   ? "unauthorized"
         : status == 403 ? "forbidden"
         : status == 404 ? "not_found"
                         : NULL;
}

static void play(int op_row, int caller, int in, enum place p) {
  const struct access_expect *e = &access_expect[op_row];
  int ri = runner_of(e->op);
  int want = in ? e->in[caller] : e->out[caller];
  char what[160];
  snprintf(what, sizeof what, "%s as %s on %s%s", e->op, caller_name[caller],
           in ? "in-scope " : "out-of-scope ",
           runners[ri].per_school ? place_code[p] : (in ? "A" : "B"));
  struct cell c = {caller, in, p};
  struct http_reply *r = runners[ri].run(&c);
  int failed_before = fx.failed;
  if (r->status != want)
    cell_fail(what, r, "want %d", want);
  const char *code = problem_code(e->op, want);
  if (code != NULL && r->status == want) {
    const char *got = jstr(r->json, "code");
    const char *rid = jstr(r->json, "request_id");
    if (got == NULL || strcmp(got, code) != 0)
      cell_fail(what, r, "want problem code %s", code);
    if (rid == NULL || r->request_id == NULL || strcmp(rid, r->request_id))
      cell_fail(what, r, "the problem's request_id is not X-Request-Id");
    if (want == 401 && strcmp(code, "unauthorized") == 0 &&
        http_header(r, "WWW-Authenticate") == NULL)
      cell_fail(what, r, "401 without WWW-Authenticate");
  }
  if (!in && want == 403 && runners[ri].out_field != NULL && r->status == 403 &&
      e->in[caller] >= 200 && e->in[caller] < 300) {
    const json_t *errs = json_object_get(r->json, "errors");
    int named = 0;
    for (size_t i = 0; i < json_array_size(errs); i++) {
      const char *path = jstr(json_array_get(errs, i), "path");
      if (path != NULL && strcmp(path, runners[ri].out_field) == 0)
        named = 1;
    }
    if (!named)
      cell_fail(what, r, "the 403 does not name %s", runners[ri].out_field);
  }
  if (!in && r->status == 404 && !detail_neutral(r))
    cell_fail(what, r, "the 404 says more than that the caller sees nothing");
  check_leaks(what, caller, r);
  if (fx.failed == failed_before)
    fx.passed++;
  http_reply_free(r);
  act_admin();
}

static void test_matrix(void **state) {
  (void)state;
  for (size_t i = 0; i < access_expect_count; i++) {
    if (runner_of(access_expect[i].op) < 0) {
      printf("FAIL %s: no runner in test_access.c\n", access_expect[i].op);
      fx.failed++;
      continue;
    }
    int per_school = runners[runner_of(access_expect[i].op)].per_school;
    for (int c = 0; c < C_COUNT; c++) {
      if (access_expect[i].in[c] != 0)
        play((int)i, c, 1, in_place[c]);
      if (access_expect[i].out[c] == 0)
        continue;
      if (!per_school) {
        play((int)i, c, 0, P_B);
        continue;
      }
      for (int k = 0; out_places[c][k] != P_COUNT; k++)
        play((int)i, c, 0, out_places[c][k]);
    }
  }
  printf("access matrix: %d cells passed, %d failures\n", fx.passed, fx.failed);
  assert_int_equal(fx.failed, 0);
}

/* The spec the server serves names no operation the matrix lacks. */
static void test_every_operation_has_expectations(void **state) {
  (void)state;
  struct http_reply *r = http_get("/api/v1/openapi.yaml");
  assert_status(r, 200);
  int missing = 0, seen = 0;
  for (const char *p = strstr(r->body, "operationId:"); p != NULL;
       p = strstr(p + 1, "operationId:")) {
    const char *v = p + strlen("operationId:");
    while (*v == ' ')
      v++;
    size_t n = strcspn(v, " \r\n");
    int found = 0;
    for (size_t i = 0; i < access_expect_count; i++)
      if (strlen(access_expect[i].op) == n &&
          strncmp(access_expect[i].op, v, n) == 0)
        found = 1;
    if (!found || runner_of(J("%.*s", (int)n, v)) < 0) {
      printf("operation %.*s has no access expectations\n", (int)n, v);
      missing++;
    }
    seen++;
  }
  http_reply_free(r);
  assert_int_equal(seen, (int)access_expect_count);
  assert_int_equal(missing, 0);
}

/* A school keeps its own record but not what places it. */
static void test_school_may_not_move_itself(void **state) {
  (void)state;
  const char *path = J("/api/v1/schools/%lld", fx.school[P_A1OWN]);
  static const char *const fields[][2] = {
      {"{\"code\":\"mx-sA1own-2\"}", "$.code"},
      {"{\"municipality_id\":0}", "$.municipality_id"},
  };
  for (size_t i = 0; i < 2; i++) {
    char *etag = admin_etag(path);
    char *before = db_fingerprint();
    act(C_SCHOOL);
    char body[64];
    snprintf(body, sizeof body, "%s", fields[i][0]);
    if (i == 1)
      snprintf(body, sizeof body, "{\"municipality_id\":%lld}", fx.mA2);
    struct http_reply *r = http_patch(path, etag, body);
    assert_problem(r, 403, "forbidden");
    assert_error_path(r, fields[i][1]);
    http_reply_free(r);
    assert_db_unchanged(before);
    free(etag);
  }
  act_admin();
}

/* Lists hold exactly what the caller sees. */
static void test_lists_hold_the_scope(void **state) {
  (void)state;
  static const int callers[] = {C_SCHOOL, C_CURATOR};
  for (size_t i = 0; i < 2; i++) {
    act(callers[i]);
    json_t *all = list_all("/api/v1/schools", 5);
    assert_int_equal(json_array_size(all), 1);
    assert_json_int(json_array_get(all, 0), "id", fx.school[P_A1OWN]);
    json_decref(all);
  }
  act(C_MUNI);
  json_t *all = list_all("/api/v1/schools", 5);
  for (size_t i = 0; i < json_array_size(all); i++) {
    const char *code = jstr(json_array_get(all, i), "code");
    assert_non_null(code);
    if (strncmp(code, "mx-sA1", 6) != 0 && strcmp(code, "mx-pA1") != 0)
      fail_msg("municipal A1 lists %s", code);
  }
  json_decref(all);
  act_admin();
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_school_may_not_move_itself),
      cmocka_unit_test(test_lists_hold_the_scope),
      cmocka_unit_test(test_every_operation_has_expectations),
      cmocka_unit_test(test_matrix),
      cmocka_unit_test(test_references_outside_answer_as_missing),
      cmocka_unit_test(test_unseen_answers_as_missing),
  };
  harness_start("access");
  setup_fixtures();
  return harness_finish(cmocka_run_group_tests(tests, NULL, NULL));
}
