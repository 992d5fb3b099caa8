/* Per-school statistics of one instrument, as a push keeps them
 * (docs/ASSESSMENTS.md). Rows the push inserts are added here as they are
 * parsed; an update takes the stored row out (stats_apply, sign -1) and
 * adds the new one; a school whose stored rows ?replace=school deleted
 * ("dirty") is recomputed from its rows instead. All use stats_apply, so
 * all give the same numbers. */
#ifndef OPORA_PUSH_STATS_H
#define OPORA_PUSH_STATS_H

#include <libpq-fe.h>
#include <stdbool.h>
#include <stdint.h>

#include "results_parse.h"

struct school_stats {
  int64_t school_id;
  bool dirty;    /* recompute from the stored rows */
  bool in_batch; /* has a row in the batch being written */
  bool seen;     /* has a row in this push */
  bool touched;  /* its figures change: written at the end */
  /* Its stored rows this push counted unchanged and did not send. */
  int64_t unchanged_unsent;
  int64_t participants, marks[4], failed, primary_sum;
  int64_t test_scored, test_score_sum;
  int64_t journal_known, confirmed, lowered, raised;
  /* Signs of biased marking (docs/OBJECTIVITY.md): the journal mark two or
   * more above the work's mark (journal_higher2) or below it
   * (journal_lower2); a "4" or "5" with basic-level mastery under
   * STATS_SUFFICIENT_PERCENT (high_low_mastery). */
  int64_t journal_higher2, journal_lower2, high_low_mastery;
  int64_t *task_sums;    /* n_tasks */
  int64_t *score_counts; /* max_primary_score + 1 */
};

/* The sufficient mastery of basic-level tasks (the reference's 60 %). Kept
 * statistics count against it, so it is fixed: another level would need
 * every stored row read again. */
#define STATS_SUFFICIENT_PERCENT 60

struct stats_table {
  const struct instrument *ins;
  struct school_stats *items;
  size_t n, cap;
  uint32_t *slots; /* open addressing by school id: index + 1, 0 = empty */
  size_t n_slots;
};

void stats_table_init(struct stats_table *t, const struct instrument *ins);
void stats_table_free(struct stats_table *t);

/* The school's entry, made (empty) when missing. */
struct school_stats *stats_school(struct stats_table *t, int64_t school_id);

/* Adds one participant's result (sign 1), or takes it out (sign -1). */
void stats_apply(const struct instrument *ins, struct school_stats *s, int sign,
                 const int *task_score, int primary_score, int mark,
                 int test_score, int journal_mark);
/* stats_apply with sign 1. */
void stats_add(const struct instrument *ins, struct school_stats *s,
               const int *task_score, int primary_score, int mark,
               int test_score, int journal_mark);

/* The columns of a result row in a PGresult: school_id, task_scores (as
 * text), primary_score, mark, test_score, journal_mark, each name after
 * `prefix`. */
struct stats_columns {
  int school, task_scores, primary_score, mark, test_score, journal_mark;
};
struct stats_columns stats_columns_find(const PGresult *r, const char *prefix);
/* stats_apply with the result in row `row` of r, to its school's entry;
 * false when the row is not of the instrument's shape. */
bool stats_apply_result(struct stats_table *t, int sign, const PGresult *r,
                        int row, const struct stats_columns *c);

/* Writes the statistics of every school whose figures change, inside the
 * push's transaction on `pg`: dirty schools recomputed from their rows,
 * the others added to what is stored. False on a database error (the
 * result is left in *failed_result for the caller to report, or NULL). */
bool stats_table_store(struct stats_table *t, PGconn *pg,
                       PGresult **failed_result);

#endif
