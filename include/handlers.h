/* Every endpoint's handler; one file per resource under src/api/. */
#ifndef OPORA_HANDLERS_H
#define OPORA_HANDLERS_H

#include <stdbool.h>
#include <stddef.h>

struct request;

/* src/api/ops.c */
void health_get(struct request *rq);
void ready_get(struct request *rq);
void metrics_get(struct request *rq);
void openapi_get(struct request *rq);

/* src/api/auth.c */
void auth_login(struct request *rq);
void auth_token_issue(struct request *rq);
void auth_token_revoke(struct request *rq);
void me_get(struct request *rq);

/* src/api/users.c */
void users_list(struct request *rq);
void users_create(struct request *rq);
void user_get(struct request *rq);
void user_update(struct request *rq);
void user_password_reset(struct request *rq);

/* src/api/clients.c */
void clients_list(struct request *rq);
void clients_create(struct request *rq);
void client_get(struct request *rq);
void client_update(struct request *rq);
void client_secret_rotate(struct request *rq);

/* src/api/audit.c */
void audit_list(struct request *rq);

/* src/api/regions.c */
void regions_list(struct request *rq);
void regions_create(struct request *rq);
void region_get(struct request *rq);
void region_update(struct request *rq);

/* src/api/municipalities.c */
void municipalities_list(struct request *rq);
void municipalities_create(struct request *rq);
void municipality_get(struct request *rq);
void municipality_update(struct request *rq);

/* src/api/schools.c */
void schools_list(struct request *rq);
void schools_create(struct request *rq);
void school_get(struct request *rq);
void school_update(struct request *rq);
void school_delete(struct request *rq);

/* src/api/statuses.c */
void statuses_list(struct request *rq);
void statuses_create(struct request *rq);
void status_update(struct request *rq);

/* src/api/curators.c */
void curators_list(struct request *rq);
void curators_create(struct request *rq);
void curator_update(struct request *rq);
void curator_delete(struct request *rq);

/* src/api/partners.c */
void partners_list(struct request *rq);
void partners_create(struct request *rq);
void partner_update(struct request *rq);
void partner_delete(struct request *rq);

/* src/api/risk_factors.c */
void risk_factors_list(struct request *rq);
void risk_factors_create(struct request *rq);
void risk_factor_get(struct request *rq);
void risk_factor_update(struct request *rq);

/* src/api/risk_profiles.c */
void risk_profile_get(struct request *rq);
void risk_profile_put(struct request *rq);
void risk_profile_history(struct request *rq);
void risk_profile_factor_update(struct request *rq);
void risk_profiles_list(struct request *rq);
void risk_profiles_summary(struct request *rq);

/* src/api/roadmaps.c */
void roadmaps_list(struct request *rq);
void roadmaps_create(struct request *rq);
void roadmap_get(struct request *rq);
void roadmap_update(struct request *rq);
void roadmap_revisions_list(struct request *rq);
void roadmap_revisions_create(struct request *rq);
void roadmap_revision_get(struct request *rq);

/* src/api/roadmap_items.c (CSV: src/api/roadmap_csv.c) */
void roadmap_items_list(struct request *rq);
void roadmap_items_create(struct request *rq);
void roadmap_items_import(struct request *rq);
void roadmap_items_search(struct request *rq);
void roadmap_item_get(struct request *rq);
void roadmap_item_update(struct request *rq);
void roadmap_item_delete(struct request *rq);
void item_reports_list(struct request *rq);
void item_reports_create(struct request *rq);

/* src/api/indicators.c */
void indicators_list(struct request *rq);
void indicators_create(struct request *rq);
void indicator_get(struct request *rq);
void indicator_update(struct request *rq);
void indicator_aggregate(struct request *rq);

/* src/api/campaigns.c */
void campaigns_list(struct request *rq);
void campaigns_create(struct request *rq);
void campaign_get(struct request *rq);
void campaign_update(struct request *rq);
void campaign_completeness(struct request *rq);
void monitoring_due(struct request *rq);

/* src/api/submissions.c */
void submissions_list(struct request *rq);
void submission_get(struct request *rq);
void submission_put(struct request *rq);
void submission_submit(struct request *rq);
void submission_accept(struct request *rq);
void submission_return(struct request *rq);
void submission_history(struct request *rq);
void school_submissions_list(struct request *rq);

/* src/api/indicator_values.c */
void indicator_values_list(struct request *rq);
void school_indicators(struct request *rq);

/* src/api/assessments.c: the instruments */
void assessments_list(struct request *rq);
void assessments_create(struct request *rq);
void assessment_get(struct request *rq);
void assessment_update(struct request *rq);
void assessment_delete(struct request *rq);

/* src/api/assessment_stats.c: what authorities read */
void assessment_schools(struct request *rq);
void assessment_distribution(struct request *rq);
void school_assessments(struct request *rq);

/* src/api/assessment_push.c: the bulk push (a streaming route) */
void assessment_results_push(struct request *rq);
bool assessment_results_chunk(struct request *rq, const char *data, size_t len);

/* src/api/imports.c: the pushes' records */
void imports_list(struct request *rq);
void import_get(struct request *rq);

#endif
