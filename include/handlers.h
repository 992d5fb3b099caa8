/* Every endpoint's handler; one file per resource under src/api/. Each file
 * also exports what its operations take, for the route table (src/routes.c)
 * to point at: the field tables of bodies and queries, and list specs. */
#ifndef OPORA_HANDLERS_H
#define OPORA_HANDLERS_H

#include <stdbool.h>
#include <stddef.h>

#include "jspec.h"

struct request;
struct list_spec;

/* src/ops.c (the server's own endpoints) */
void health_get(struct request *rq);
void ready_get(struct request *rq);
void metrics_get(struct request *rq);
void openapi_get(struct request *rq);

/* src/docs.c (the API documentation in the browser) */
void docs_page_get(struct request *rq);
void docs_file_get(struct request *rq);
extern const struct jspec_field docs_file_params[];

/* src/api/auth_http.c */
/* Lifetime of the tokens people get at login. */
void auth_configure(unsigned person_token_ttl);
void auth_login(struct request *rq);
void auth_token_issue(struct request *rq);
void auth_token_revoke(struct request *rq);
void me_get(struct request *rq);
extern const struct jspec_field login_fields[], token_fields[];

/* src/api/users.c */
void users_list(struct request *rq);
void users_create(struct request *rq);
void user_get(struct request *rq);
void user_update(struct request *rq);
void user_password_reset(struct request *rq);
extern const struct jspec_field user_fields[], user_patch_fields[],
    users_list_params[];
extern const struct list_spec users_list_spec;

/* src/api/clients.c */
void clients_list(struct request *rq);
void clients_create(struct request *rq);
void client_get(struct request *rq);
void client_update(struct request *rq);
void client_secret_rotate(struct request *rq);
extern const struct jspec_field client_fields[], client_patch_fields[],
    clients_list_params[];
extern const struct list_spec clients_list_spec;

/* src/api/audit_http.c */
void audit_list(struct request *rq);
extern const struct jspec_field audit_list_params[];

/* src/api/regions.c */
void regions_list(struct request *rq);
void regions_create(struct request *rq);
void region_get(struct request *rq);
void region_update(struct request *rq);
extern const struct jspec_field regions_list_params[], region_fields[];
extern const struct list_spec regions_list_spec;

/* src/api/municipalities.c */
void municipalities_list(struct request *rq);
void municipalities_create(struct request *rq);
void municipality_get(struct request *rq);
void municipality_update(struct request *rq);
extern const struct jspec_field municipalities_list_params[],
    municipality_fields[];
extern const struct list_spec municipalities_list_spec;

/* src/api/schools.c */
void schools_list(struct request *rq);
void schools_create(struct request *rq);
void school_get(struct request *rq);
void school_update(struct request *rq);
void school_delete(struct request *rq);
extern const struct jspec_field schools_list_params[], school_fields[];
extern const struct list_spec schools_list_spec;

/* src/api/statuses.c */
void statuses_list(struct request *rq);
void statuses_create(struct request *rq);
void status_update(struct request *rq);
extern const struct jspec_field status_create_fields[], status_update_fields[],
    statuses_list_params[];
extern const struct list_spec statuses_list_spec;

/* src/api/curators.c */
void curators_list(struct request *rq);
void curators_create(struct request *rq);
void curator_update(struct request *rq);
void curator_delete(struct request *rq);
extern const struct jspec_field curator_fields[], curators_list_params[];
extern const struct list_spec curators_list_spec;

/* src/api/partners.c */
void partners_list(struct request *rq);
void partners_create(struct request *rq);
void partner_update(struct request *rq);
void partner_delete(struct request *rq);
extern const struct jspec_field partner_fields[], partners_list_params[];
extern const struct list_spec partners_list_spec;

/* src/api/social_context.c, src/api/context_import.c */
void context_get(struct request *rq);
void context_put(struct request *rq);
void context_years_list(struct request *rq);
void contexts_list(struct request *rq);
void context_import(struct request *rq);
extern const struct jspec_field context_put_fields[], context_years_params[],
    contexts_list_params[], context_import_params[];
extern const struct list_spec context_years_spec, contexts_list_spec;

/* src/api/risk_factors.c */
void risk_factors_list(struct request *rq);
void risk_factors_create(struct request *rq);
void risk_factor_get(struct request *rq);
void risk_factor_update(struct request *rq);
extern const struct jspec_field risk_factor_create_fields[],
    risk_factor_update_fields[], risk_factors_list_params[];
extern const struct list_spec risk_factors_list_spec;

/* src/api/risk_profiles.c */
void risk_profile_get(struct request *rq);
void risk_profile_put(struct request *rq);
void risk_profile_history(struct request *rq);
void risk_profile_factor_update(struct request *rq);
void risk_profiles_list(struct request *rq);
void risk_profiles_summary(struct request *rq);
extern const struct jspec_field risk_profile_params[],
    risk_profile_put_fields[], risk_profile_patch_fields[],
    risk_profile_history_params[], risk_profiles_list_params[],
    risk_profiles_summary_params[];
extern const struct list_spec risk_profile_history_spec,
    risk_profiles_list_spec;

/* src/api/roadmaps.c */
void roadmaps_list(struct request *rq);
void roadmaps_create(struct request *rq);
void roadmap_get(struct request *rq);
void roadmap_update(struct request *rq);
void roadmap_revisions_list(struct request *rq);
void roadmap_revisions_create(struct request *rq);
void roadmap_revision_get(struct request *rq);
extern const struct jspec_field roadmap_create_fields[],
    roadmap_update_fields[], roadmaps_list_params[], roadmap_get_params[],
    roadmap_revisions_list_params[], roadmap_revision_fields[];
extern const struct list_spec roadmaps_list_spec;

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
extern const struct jspec_field roadmap_item_fields[], item_report_fields[],
    roadmap_items_page_params[], roadmap_items_search_params[];
extern const struct list_spec roadmap_items_search_spec;

/* src/api/programmes.c, src/api/programme_targets.c */
void programmes_list(struct request *rq);
void programmes_create(struct request *rq);
void programme_get(struct request *rq);
void programme_update(struct request *rq);
void programme_delete(struct request *rq);
void programme_targets_list(struct request *rq);
void programme_targets_create(struct request *rq);
void programme_target_get(struct request *rq);
void programme_target_update(struct request *rq);
void programme_target_delete(struct request *rq);
void programme_target_history(struct request *rq);
extern const struct jspec_field programme_create_fields[],
    programme_update_fields[], programmes_list_params[],
    programme_target_create_fields[], programme_target_update_fields[],
    programme_targets_page_params[];
extern const struct list_spec programmes_list_spec;

/* src/api/indicators.c */
void indicators_list(struct request *rq);
void indicators_create(struct request *rq);
void indicator_get(struct request *rq);
void indicator_update(struct request *rq);
void indicator_aggregate(struct request *rq);
extern const struct jspec_field indicator_create_fields[],
    indicator_update_fields[], indicators_list_params[],
    indicator_aggregate_params[];
extern const struct list_spec indicators_list_spec;

/* src/api/campaigns.c */
void campaigns_list(struct request *rq);
void campaigns_create(struct request *rq);
void campaign_get(struct request *rq);
void campaign_update(struct request *rq);
void campaign_completeness(struct request *rq);
void monitoring_due(struct request *rq);
extern const struct jspec_field campaign_create_fields[],
    campaign_update_fields[], campaigns_list_params[], monitoring_due_params[],
    campaign_completeness_params[];
extern const struct list_spec campaigns_list_spec, monitoring_due_spec;

/* src/api/campaign_report.c */
void campaign_report(struct request *rq);

/* src/api/submissions.c */
void submissions_list(struct request *rq);
void submission_get(struct request *rq);
void submission_put(struct request *rq);
void submission_submit(struct request *rq);
void submission_accept(struct request *rq);
void submission_return(struct request *rq);
void submission_history(struct request *rq);
void school_submissions_list(struct request *rq);
extern const struct jspec_field submissions_list_params[],
    submission_history_params[], school_submissions_list_params[],
    submission_return_fields[], submission_put_fields[];
extern const struct list_spec school_submissions_list_spec;

/* src/api/indicator_values.c */
void indicator_values_list(struct request *rq);
void school_indicators(struct request *rq);
extern const struct jspec_field indicator_values_list_params[],
    school_indicators_params[];

/* src/api/assessments.c: the instruments */
void assessments_list(struct request *rq);
void assessments_create(struct request *rq);
void assessment_get(struct request *rq);
void assessment_update(struct request *rq);
void assessment_delete(struct request *rq);
extern const struct jspec_field assessment_fields[], assessments_list_params[];
extern const struct list_spec assessments_list_spec;

/* src/api/assessment_stats.c: what authorities read */
void assessment_schools(struct request *rq);
void assessment_distribution(struct request *rq);
void school_assessments(struct request *rq);
extern const struct jspec_field school_assessments_params[],
    assessment_schools_params[], assessment_distribution_params[];
extern const struct list_spec school_assessments_spec;

/* src/api/assessment_minimums.c: ЕГЭ minimum scores per year and subject */
void assessment_minimums_list(struct request *rq);
void assessment_minimum_put(struct request *rq);
extern const struct jspec_field assessment_minimums_params[],
    assessment_minimum_params[], assessment_minimum_fields[];
/* src/api/identification.c: identification runs */
void identification_runs_create(struct request *rq);
void identification_runs_list(struct request *rq);
void identification_run_get(struct request *rq);
void identification_run_schools(struct request *rq);
void identification_run_school(struct request *rq);
void identification_run_diff(struct request *rq);
void identification_run_apply(struct request *rq);
void identification_run_data_check(struct request *rq);
extern const struct jspec_field identification_run_fields[],
    identification_apply_fields[], identification_runs_list_params[],
    identification_run_schools_params[], identification_run_diff_params[];
extern const struct list_spec identification_runs_list_spec;

/* src/api/objectivity.c: objectivity of marks */
void objectivity_list(struct request *rq);
void school_objectivity(struct request *rq);
extern const struct jspec_field objectivity_list_params[],
    school_objectivity_params[];
extern const struct list_spec objectivity_list_spec, school_objectivity_spec;
/* src/api/card.c: the school card */
void school_card(struct request *rq);
extern const struct jspec_field school_card_params[];

/* src/api/effectiveness.c: a programme's effectiveness indicators */
void programme_effectiveness(struct request *rq);
extern const struct jspec_field programme_effectiveness_params[];
/* src/api/report_copies.c: reports kept as they were sent */
void programme_report_copy(struct request *rq);
void campaign_report_copy(struct request *rq);
extern const struct jspec_field campaign_report_copy_fields[];
void report_copies_list(struct request *rq);
void report_copy_get(struct request *rq);
void report_copy_file(struct request *rq);
extern const struct jspec_field report_copy_fields[];
extern const struct jspec_field report_copies_list_params[];
extern const struct list_spec report_copies_list_spec;
/* src/api/effectiveness_report.c: the programme's report as a workbook */
void programme_report(struct request *rq);
extern const struct jspec_field programme_report_params[];
/* src/api/identification_partners.c: partner proposals of a ШНОР run */
void identification_partner_proposals(struct request *rq);
void identification_proposal_accept(struct request *rq);
extern const struct jspec_field identification_proposals_params[],
    identification_accept_fields[];

/* src/api/identification_methodologies.c: saved methodologies */
void identification_methodologies_list(struct request *rq);
void identification_methodologies_create(struct request *rq);
void identification_methodology_get(struct request *rq);
void identification_methodology_delete(struct request *rq);
extern const struct jspec_field identification_methodology_fields[],
    identification_methodologies_list_params[];
extern const struct list_spec identification_methodologies_list_spec;

/* src/api/assessment_push.c: the bulk push (a streaming route) */
void assessment_results_push(struct request *rq);
bool assessment_results_open(struct request *rq);
bool assessment_results_chunk(struct request *rq, const char *data, size_t len);
extern const struct jspec_field assessment_push_params[];

/* src/api/imports.c: the pushes' records */
void imports_list(struct request *rq);
void import_get(struct request *rq);
extern const struct jspec_field imports_list_params[], import_get_params[];

#endif
