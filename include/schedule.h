/* Schedules of roadmap items, as the seeds write them («Январь 2021 года»,
 * «1 раз в полугодие», «По графику КГИРО»...): the text is kept, and parsed
 * into a structured form (docs/PLANS.md, "Schedules"). Parsing never fails:
 * what it does not understand is {"kind": "unparsed"}. */
#ifndef OPORA_SCHEDULE_H
#define OPORA_SCHEDULE_H

#include <jansson.h>

/* Parses `text` (UTF-8). `default_year` is the year of a month or date
 * written without one (the roadmap's first year). Returns a new object
 * (caller owns it): {"kind": ..., members of the kind, "due": "YYYY-MM-DD"
 * when the schedule has a fixed last day}. */
json_t *schedule_parse(const char *text, int default_year);

#endif
