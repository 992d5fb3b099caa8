/* The access matrix (docs/ACCESS.md): for every operation of the route
 * table, the status each caller gets on an object in its scope and on one
 * outside it. tests/api/test_access.c plays every cell against the server;
 * tests/unit/test_access_routes.c fails when a route of src/routes.c has no
 * row here (or a row names no route), so a new route cannot go untested.
 *
 * 0 means "no such cell": an operation without an object has no
 * out-of-scope cell, and nothing is out of a global admin's scope. */
#ifndef OPORA_TEST_ACCESS_EXPECT_H
#define OPORA_TEST_ACCESS_EXPECT_H

#include <stddef.h>

enum caller {
  C_ADMIN_G, /* admin, global */
  C_ADMIN_R, /* admin, region A */
  C_MUNI,    /* municipal, municipality A1 */
  C_CURATOR, /* curator of region A, assigned to school sA1 */
  C_SCHOOL,  /* school sA1 */
  C_INGEST,  /* ingest, region A */
  C_READER,  /* reader, region A */
  C_COUNT
};

struct access_expect {
  const char *op; /* operationId */
  short in[C_COUNT];
  short out[C_COUNT];
};

/* Rows by the shape of their answers. */
#define ALL(s)                                                                 \
  { s, s, s, s, s, s, s }
#define NONE                                                                   \
  { 0, 0, 0, 0, 0, 0, 0 }
/* Readers of territory and schools: every role but ingest. */
#define READ_IN                                                                \
  { 200, 200, 200, 200, 200, 403, 200 }
#define READ_OUT                                                               \
  { 0, 404, 404, 404, 404, 404, 404 }
/* Writes only admins do (territory, users, clients). */
#define ADMIN_IN(s)                                                            \
  { s, s, 403, 403, 403, 403, 403 }
#define ADMIN_OUT                                                              \
  { 0, 404, 403, 403, 403, 403, 403 }
/* Writes of admins and municipal users (statuses, curators, partners...). */
#define AUTH_IN(s)                                                             \
  { s, s, s, 403, 403, 403, 403 }
#define AUTH_OUT                                                               \
  { 0, 404, 404, 404, 404, 404, 404 }

/* Writes of a school's risk profile: the authority, its curators and the
 * school itself. */
#define RISK_IN                                                                \
  { 200, 200, 200, 200, 200, 403, 403 }

/* Monitoring: every role but ingest reads; writes by permission. */
#define MON_READ_IN                                                            \
  { 200, 200, 200, 200, 200, 403, 200 }
/* Outside the scope every caller gets 404, whatever its permissions. */
#define MON_READ_OUT                                                           \
  { 0, 404, 404, 404, 404, 404, 404 }
#define MON_SUBMIT_OUT MON_READ_OUT
#define MON_REVIEW_OUT MON_READ_OUT

static const struct access_expect access_expect[] = {
    /* Risk factors: a catalogue, the same for every reader. */
    {"listRiskFactors", READ_IN, NONE},
    {"getRiskFactor", READ_IN, NONE},
    {"createRiskFactor", ADMIN_IN(201), NONE},
    {"updateRiskFactor", ADMIN_IN(200), NONE},
    /* Risk profiles: through the school. */
    {"getRiskProfile", READ_IN, READ_OUT},
    {"putRiskProfile", RISK_IN, AUTH_OUT},
    {"getRiskProfileHistory", READ_IN, READ_OUT},
    {"updateRiskProfileFactor", RISK_IN, AUTH_OUT},
    {"listRiskProfiles", READ_IN, NONE},
    {"getRiskProfileSummary", READ_IN, NONE},
    /* Indicators: a catalogue; aggregates over the caller's scope. */
    {"listIndicators", READ_IN, NONE},
    {"getIndicator", READ_IN, NONE},
    {"createIndicator", ADMIN_IN(201), NONE},
    {"updateIndicator", ADMIN_IN(200), NONE},
    {"getIndicatorAggregate", READ_IN, NONE},

    {"getHealth", ALL(200), NONE},
    {"getReady", ALL(200), NONE},
    {"getMetrics", ALL(200), NONE},
    {"getOpenapi", ALL(200), NONE},
    {"getDocs", ALL(200), NONE},
    {"getDocsFile", ALL(200), NONE},

    /* Public: the caller's token plays no part; wrong credentials. */
    {"login", ALL(401), NONE},
    {"issueToken", ALL(401), NONE},
    {"revokeToken", ALL(204), NONE},
    {"getMe", ALL(200), NONE},

    /* Users and clients: in = one of region A, out = one of region B. A
     * role without users:admin sees no account at all: 403 whatever the
     * id (auth_check answers before any lookup). A create out of scope
     * names `scope`: 403. */
    {"listUsers", ADMIN_IN(200), NONE},
    {"createUser", ADMIN_IN(201), {0, 403, 403, 403, 403, 403, 403}},
    {"getUser", ADMIN_IN(200), ADMIN_OUT},
    {"updateUser", ADMIN_IN(200), ADMIN_OUT},
    {"resetUserPassword", ADMIN_IN(200), ADMIN_OUT},
    {"listClients", ADMIN_IN(200), NONE},
    {"createClient", ADMIN_IN(201), {0, 403, 403, 403, 403, 403, 403}},
    {"getClient", ADMIN_IN(200), ADMIN_OUT},
    {"updateClient", ADMIN_IN(200), ADMIN_OUT},
    {"rotateClientSecret", ADMIN_IN(200), ADMIN_OUT},

    {"listAuditEvents", AUTH_IN(200), NONE},

    /* Territory: in = region A / municipality A2 (every region-A caller
     * reads its region and all its municipalities), out = region B / B1. */
    {"listRegions", READ_IN, NONE},
    {"createRegion", {201, 403, 403, 403, 403, 403, 403}, NONE},
    {"getRegion", READ_IN, READ_OUT},
    {"updateRegion",
     {200, 200, 403, 403, 403, 403, 403},
     {0, 404, 404, 404, 404, 404, 404}},
    {"listMunicipalities", READ_IN, NONE},
    /* in: region_id A; out: region_id B (403 naming region_id). */
    {"createMunicipality", ADMIN_IN(201), {0, 403, 403, 403, 403, 403, 403}},
    {"getMunicipality", READ_IN, READ_OUT},
    {"updateMunicipality",
     {200, 200, 403, 403, 403, 403, 403},
     {0, 404, 404, 404, 404, 404, 404}},

    /* Schools: in = sA2 for region roles, sA1 (or a fresh school of A1)
     * for municipal, curator and school; out = sB, plus sA2 for municipal,
     * plus sA1b and sA2 for curator and school. */
    {"listSchools", READ_IN, NONE},
    /* in: a municipality the caller may fill; out: B1 (A2 for municipal):
     * 403 naming municipality_id. */
    {"createSchool",
     {201, 201, 201, 403, 403, 403, 403},
     {0, 403, 403, 403, 403, 403, 403}},
    {"getSchool", READ_IN, READ_OUT},
    {"getSchoolCard", READ_IN, READ_OUT},
    {"updateSchool", {200, 200, 200, 403, 200, 403, 403}, AUTH_OUT},
    {"deleteSchool", AUTH_IN(204), AUTH_OUT},

    {"listSchoolStatuses", READ_IN, READ_OUT},
    {"createSchoolStatus", AUTH_IN(201), AUTH_OUT},
    {"updateSchoolStatus", AUTH_IN(200), AUTH_OUT},

    {"listSchoolCurators", READ_IN, READ_OUT},
    {"createSchoolCurator", AUTH_IN(201), AUTH_OUT},
    {"updateSchoolCurator", AUTH_IN(200), AUTH_OUT},
    {"deleteSchoolCurator", AUTH_IN(204), AUTH_OUT},

    {"listSchoolPartners", READ_IN, READ_OUT},
    {"createSchoolPartner", AUTH_IN(201), AUTH_OUT},
    {"updateSchoolPartner", AUTH_IN(200), AUTH_OUT},
    {"deleteSchoolPartner", AUTH_IN(204), AUTH_OUT},

    /* Roadmaps: in = one of the caller's in-scope school (sA2 for region
     * roles, sA1 for the others), out = those of its out-of-scope schools.
     * Writes: admins, municipal, and a school its own; a create for an
     * owner out of scope names `owner` (403). Status changes and revisions:
     * admins and municipal. */
    {"listRoadmaps", READ_IN, NONE},
    {"createRoadmap",
     {201, 201, 201, 403, 201, 403, 403},
     {0, 403, 403, 403, 403, 403, 403}},
    {"getRoadmap", READ_IN, READ_OUT},
    {"updateRoadmap", {200, 200, 200, 403, 200, 403, 403}, AUTH_OUT},
    {"listRoadmapRevisions", READ_IN, READ_OUT},
    {"createRoadmapRevision", AUTH_IN(201), AUTH_OUT},
    {"getRoadmapRevision", READ_IN, READ_OUT},

    /* Programmes and their targets: in = a programme of the caller's
     * in-scope school (as roadmaps), out = those of its out-of-scope
     * schools. Written by admins, municipal users and a school its own; a
     * create for an owner out of scope names `owner` (403). */
    {"listProgrammes", READ_IN, NONE},
    {"createProgramme",
     {201, 201, 201, 403, 201, 403, 403},
     {0, 403, 403, 403, 403, 403, 403}},
    {"getProgramme", READ_IN, READ_OUT},
    {"updateProgramme", {200, 200, 200, 403, 200, 403, 403}, AUTH_OUT},
    {"deleteProgramme", {204, 204, 204, 403, 204, 403, 403}, AUTH_OUT},
    {"listProgrammeTargets", READ_IN, READ_OUT},
    {"createProgrammeTarget", {201, 201, 201, 403, 201, 403, 403}, AUTH_OUT},
    {"getProgrammeTarget", READ_IN, READ_OUT},
    {"updateProgrammeTarget", {200, 200, 200, 403, 200, 403, 403}, AUTH_OUT},
    {"deleteProgrammeTarget", {204, 204, 204, 403, 204, 403, 403}, AUTH_OUT},
    {"listProgrammeTargetHistory", READ_IN, READ_OUT},

    /* Roadmap items: on the draft roadmap of the caller's school (sA2 for
     * region roles, sA1 for municipal, curator and school), out = the
     * roadmaps of the schools out of its scope. Items are written by
     * admins, municipal users and schools; reported on by curators too. */
    {"listRoadmapItems", READ_IN, READ_OUT},
    {"createRoadmapItem", {201, 201, 201, 403, 201, 403, 403}, AUTH_OUT},
    {"importRoadmapItems", {201, 201, 201, 403, 201, 403, 403}, AUTH_OUT},
    {"searchRoadmapItems", READ_IN, NONE},
    {"getRoadmapItem", READ_IN, READ_OUT},
    {"updateRoadmapItem", {200, 200, 200, 403, 200, 403, 403}, AUTH_OUT},
    {"deleteRoadmapItem", {204, 204, 204, 403, 204, 403, 403}, AUTH_OUT},
    {"listItemReports", READ_IN, READ_OUT},
    {"createItemReport", {201, 201, 201, 201, 201, 403, 403}, AUTH_OUT},

    /* Official values: every role but ingest, through the school. */
    {"listIndicatorValues", READ_IN, NONE},
    {"getSchoolIndicators", READ_IN, READ_OUT},
    /* Monitoring campaigns: in = a campaign of region A (every region-A
     * caller reads it; writes: a draft of A2 for admins, of A1 for the
     * municipal user), out = one of region B. A create out of scope names
     * municipality_id (B1). */
    {"listCampaigns", READ_IN, NONE},
    {"createCampaign", AUTH_IN(201), {0, 403, 403, 403, 403, 403, 403}},
    {"getCampaign", READ_IN, READ_OUT},
    {"updateCampaign", AUTH_IN(200), AUTH_OUT},
    {"getCampaignCompleteness", READ_IN, READ_OUT},
    {"getCampaignReport", READ_IN, READ_OUT},
    {"createCampaignReportCopy", AUTH_IN(201), AUTH_OUT},
    {"getMonitoringDue", READ_IN, NONE},
    /* Monitoring submissions: on a campaign of the caller's region asking
     * its in-scope school (sA2 for region roles, sA1 for the others); out =
     * the out-of-scope schools (a campaign of region B for sB). Ingest has
     * no monitoring permission. Saves and submits: admins, municipal and a
     * school its own; accept and return: admins, municipal, curators. */
    {"listSubmissions", MON_READ_IN, MON_READ_OUT},
    {"getSubmission", MON_READ_IN, MON_READ_OUT},
    {"putSubmission", {200, 200, 200, 403, 200, 403, 403}, MON_SUBMIT_OUT},
    {"submitSubmission", {200, 200, 200, 403, 200, 403, 403}, MON_SUBMIT_OUT},
    {"acceptSubmission", {200, 200, 200, 200, 403, 403, 403}, MON_REVIEW_OUT},
    {"returnSubmission", {200, 200, 200, 200, 403, 403, 403}, MON_REVIEW_OUT},
    {"getSubmissionHistory", MON_READ_IN, MON_READ_OUT},
    /* A school's submissions across campaigns: in = the caller's school,
     * out = each of its out-of-scope schools (404). */
    {"listSchoolSubmissions", MON_READ_IN, MON_READ_OUT},
    /* Assessment instruments: a global catalogue every role reads; admins
     * and ingest write it. Statistics: every role, within its scope (in =
     * the caller's in-scope school, out = each out-of-scope one: 404). */
    {"listAssessments", ALL(200), NONE},
    {"createAssessment", {201, 201, 403, 403, 403, 201, 403}, NONE},
    {"getAssessment", ALL(200), NONE},
    {"updateAssessment", {200, 200, 403, 403, 403, 200, 403}, NONE},
    {"deleteAssessment", {204, 204, 403, 403, 403, 204, 403}, NONE},
    {"listAssessmentSchools", ALL(200), NONE},
    {"getAssessmentDistribution", ALL(200), READ_OUT},
    {"listSchoolAssessments", ALL(200), READ_OUT},
    /* ЕГЭ minimum scores: national data every role reads, admins write. */
    {"listEgeMinimumScores", ALL(200), NONE},
    {"putEgeMinimumScore", ADMIN_IN(201), NONE},
    /* Pushes: admins and ingest clients, for schools in their scope (one
     * outside it is an unknown school: the push is rejected). Records:
     * the pusher's region. */
    {"pushAssessmentResults",
     {201, 201, 403, 403, 403, 201, 403},
     {0, 422, 403, 403, 403, 422, 403}},
    /* The social context of schools: every role reads within its scope;
     * admins, municipal users and ingest clients write and import (a school
     * outside the scope is an unknown code: the import is rejected). */
    {"listSchoolSocialContext", ALL(200), READ_OUT},
    {"getSocialContext", ALL(200), READ_OUT},
    {"putSocialContext", {201, 201, 201, 403, 403, 201, 403}, AUTH_OUT},
    {"listSocialContext", ALL(200), NONE},
    {"importSocialContext",
     {201, 201, 201, 403, 403, 201, 403},
     {0, 422, 422, 403, 403, 422, 403}},
    {"listImports", {200, 200, 403, 403, 403, 200, 403}, NONE},
    {"getImport",
     {200, 200, 403, 403, 403, 200, 403},
     {0, 404, 403, 403, 403, 404, 403}},
    /* Identification runs: admins run (in = region A, out = region B:
     * not a region of the caller's); every role but ingest reads the runs
     * of its region (out = region B's run) and their schools within its
     * scope (in = the caller's school, out = each out-of-scope one). */
    {"listIdentificationRuns", READ_IN, NONE},
    {"createIdentificationRun",
     {201, 201, 403, 403, 403, 403, 403},
     {0, 422, 403, 403, 403, 403, 403}},
    {"getIdentificationRun", READ_IN, {0, 404, 404, 404, 404, 403, 404}},
    {"listIdentificationRunSchools",
     READ_IN,
     {0, 404, 404, 404, 404, 403, 404}},
    {"getIdentificationRunSchool", READ_IN, READ_OUT},
    {"diffIdentificationRuns", READ_IN, {0, 404, 404, 404, 404, 403, 404}},
    /* The data check: for admins, who see the whole region. */
    {"getIdentificationRunDataCheck",
     {200, 200, 403, 403, 403, 403, 403},
     {0, 404, 403, 403, 403, 403, 403}},
    /* Applying: in = a fresh run of region A, out = region B's run. */
    {"applyIdentificationRun",
     {200, 200, 403, 403, 403, 403, 403},
     {0, 404, 403, 403, 403, 403, 403}},
    /* Partner proposals: read like a run's school (in = the caller's
     * school, out = each out-of-scope one; ingest has no
     * identification:read and no school in the path: 403). Accepting one
     * makes a partnership: as partners are written (admins, municipal). */
    {"listIdentificationPartnerProposals",
     READ_IN,
     {0, 404, 404, 404, 404, 403, 404}},
    {"acceptIdentificationPartnerProposal", AUTH_IN(201), AUTH_OUT},
    /* Saved methodologies: read like runs (out = region B's); saved and
     * deleted by admins (in = region A, out = region B). */
    {"listIdentificationMethodologies", READ_IN, NONE},
    {"getIdentificationMethodology",
     READ_IN,
     {0, 404, 404, 404, 404, 403, 404}},
    {"createIdentificationMethodology",
     {201, 201, 403, 403, 403, 403, 403},
     {0, 422, 403, 403, 403, 403, 403}},
    {"deleteIdentificationMethodology",
     {204, 204, 403, 403, 403, 403, 403},
     {0, 404, 403, 403, 403, 403, 403}},
    /* Objectivity of marks: every role but ingest reads, within its scope
     * (the school's: in = the caller's school, out = each out-of-scope
     * one). */
    {"listObjectivity", READ_IN, NONE},
    {"listSchoolObjectivity", READ_IN, READ_OUT},
    /* A programme's effectiveness: every role that reads roadmaps, on a
     * programme of its own school (in) or of an out-of-scope one (out). */
    {"getProgrammeEffectiveness", READ_IN, READ_OUT},
    {"getProgrammeReport", READ_IN, READ_OUT},
    /* Reports kept as sent: made by the authorities (roadmaps:approve);
     * a copy made in a school's scope is read by callers whose scope
     * covers it (the school, its curator, its municipality, its region). */
    {"createProgrammeReportCopy",
     {201, 201, 201, 403, 403, 403, 403},
     {0, 404, 404, 404, 404, 404, 404}},
    {"listReportCopies", READ_IN, NONE},
    {"getReportCopy", READ_IN, {0, 404, 404, 404, 404, 403, 404}},
    {"getReportCopyFile", READ_IN, {0, 404, 404, 404, 404, 403, 404}},
};

static const size_t access_expect_count =
    sizeof access_expect / sizeof access_expect[0];

#undef ALL
#undef NONE
#undef READ_IN
#undef READ_OUT
#undef ADMIN_IN
#undef ADMIN_OUT
#undef AUTH_IN
#undef AUTH_OUT
#undef RISK_IN
#undef MON_READ_IN
#undef MON_READ_OUT
#undef MON_SUBMIT_OUT
#undef MON_REVIEW_OUT

#endif
