/* Points of time of the schedule parser (src/text/schedule.c): a date, a month,
 * quarters, half-years or a year as written («15.03.2021», «1 октября»,
 * «Январь 2021», «I-II кв.», «первое полугодие 2023/24 учебного года»,
 * «2021»), deadlines («до конца 2021 года»), and their JSON. */
#ifndef OPORA_SCHEDULE_POINTS_H
#define OPORA_SCHEDULE_POINTS_H

#include "schedule_cursor.h"

#include <jansson.h>

enum pkind { P_DATE, P_MONTH, P_QUARTER, P_HALF, P_YEAR };

/* From month m1 (day d1, 0: the first) to month m2 (day d2, 0: the last)
 * of year y (0 when not written); q1..q2 the quarters of a P_QUARTER. */
struct point {
  enum pkind kind;
  int y, m1, m2, d1, d2, q1, q2;
  int current; /* «текущего года» was written: every year's */
  int end;     /* a deadline: only its last day counts */
};

int schedule_days_in(int y, int m);
json_t *schedule_date_json(int y, int m, int d);
/* Sets "due" of `o` (when not NULL) and returns it. */
json_t *schedule_set_due(json_t *o, int y, int m, int d);

/* A point, with its year when written. */
int point_parse(struct cur *c, struct point *p);
/* Quarters or half-years without a year: «2-3 квартал», «первое полугодие». */
int point_parse_part(struct cur *c, struct point *p);
/* A deadline: «до 15.03.2021», «не позднее 5 марта», «до конца 2021
 * года», «к концу I квартала», «в конце учебного года». */
int point_parse_deadline(struct cur *c, struct point *p);
/* «2020/21 учебного года», «2020-2021 учебный год», «учебного года» (the
 * school year of the default year): the year it starts. */
int point_eat_school_year(struct cur *c, int *year);

int point_valid(const struct point *p);
int point_last_day(const struct point *p);
/* A single point (its year given): date, month, quarter, month_range or
 * date_range; a deadline is the date of its last day. */
json_t *point_json(const struct point *p);
/* «a - b»: missing years filled from the other end or `year`; NULL when
 * it is no range. */
json_t *point_range_json(struct point *a, struct point *b, int year);
/* «Декабрь 2020 года, февраль 2021 года»: months only, else NULL. */
json_t *point_months_json(struct point *items, int n, int year);

#endif
