/* What programmes.c and programme_targets.c share (docs/PROGRAMMES.md). */
#ifndef OPORA_PROGRAMMES_H
#define OPORA_PROGRAMMES_H

#include <jansson.h>
#include <libpq-fe.h>
#include <stdbool.h>

struct request;

/* School years, by their first calendar year, as everywhere. */
#define PROGRAMME_YEAR_MIN 2000
#define PROGRAMME_YEAR_MAX 2100
/* A term is at most this many school years. */
#define PROGRAMME_TERM_MAX 10

/* A term from..to: in order and at most PROGRAMME_TERM_MAX years; false
 * after appending the error, at `path`, to errors. */
bool programme_term_check(long long from, long long to, const char *path,
                          json_t *errors);

/* What a programme's targets are created under (resource.h). */
struct parent;
extern const struct parent programme_parent;

/* The programme (id as text) locked for a write on it or its targets, with
 * year_from and year_to: NULL after answering 404 (not there, or not
 * visible), 403 (visible, not writable) or a failed statement. */
PGresult *programme_lock(struct request *rq, const char *id_text);

/* The programme's term (from, to) and the year of a query (its `year`, or
 * the default: the last year of the term that has begun), checked against
 * PROGRAMME_EFFECTIVENESS_CHECK (src/api/effectiveness.c); false after
 * answering 404 for a programme the caller does not see, or 400 naming
 * every bad parameter (`year` outside the term, `municipality` not of the
 * programme's region), at `query.<name>`, or `$.<name>` when in_body. */
bool effectiveness_term(struct request *rq, const char *id, const json_t *query,
                        bool in_body, int *from, int *to, int *year);

/* The programme's report (src/api/effectiveness_report.c) as the caller
 * sees it, with query's `municipality`, written to a new temporary file
 * (its path into path); false after answering. */
bool programme_report_make(struct request *rq, const char *id_text,
                           const json_t *query, bool in_body, char *path,
                           size_t len);

#endif
