/* Statistics a push keeps per school (src/push/push_stats.h). */
#include "push_stats.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"

static void *xcalloc(size_t n, size_t size) {
  void *p = calloc(n ? n : 1, size);
  if (p == NULL)
    abort();
  return p;
}

void stats_table_init(struct stats_table *t, const struct instrument *ins) {
  memset(t, 0, sizeof *t);
  t->ins = ins;
}

void stats_table_free(struct stats_table *t) {
  for (size_t i = 0; i < t->n; i++) {
    free(t->items[i].task_sums);
    free(t->items[i].score_counts);
  }
  free(t->items);
  free(t->slots);
  memset(t, 0, sizeof *t);
}

static size_t slot_of(int64_t id, size_t n_slots) {
  uint64_t h = (uint64_t)id * 0x9e3779b97f4a7c15ULL;
  return (size_t)(h >> 17) & (n_slots - 1);
}

static void rehash(struct stats_table *t) {
  size_t n_slots = t->n_slots ? t->n_slots * 2 : 1024;
  free(t->slots);
  t->slots = xcalloc(n_slots, sizeof *t->slots);
  t->n_slots = n_slots;
  for (size_t i = 0; i < t->n; i++) {
    size_t s = slot_of(t->items[i].school_id, n_slots);
    while (t->slots[s] != 0)
      s = (s + 1) & (n_slots - 1);
    t->slots[s] = (uint32_t)(i + 1);
  }
}

static void reset_counts(const struct instrument *ins, struct school_stats *s) {
  int64_t *tasks = s->task_sums, *scores = s->score_counts;
  int64_t id = s->school_id;
  bool dirty = s->dirty, in_batch = s->in_batch, seen = s->seen;
  bool touched = s->touched;
  memset(s, 0, sizeof *s);
  s->school_id = id;
  s->dirty = dirty;
  s->in_batch = in_batch;
  s->seen = seen;
  s->touched = touched;
  s->task_sums = tasks;
  s->score_counts = scores;
  memset(tasks, 0, ins->n_tasks * sizeof *tasks);
  memset(scores, 0, ((size_t)ins->max_primary_score + 1) * sizeof *scores);
}

struct school_stats *stats_school(struct stats_table *t, int64_t school_id) {
  if (t->n_slots != 0) {
    size_t s = slot_of(school_id, t->n_slots);
    for (; t->slots[s] != 0; s = (s + 1) & (t->n_slots - 1))
      if (t->items[t->slots[s] - 1].school_id == school_id)
        return &t->items[t->slots[s] - 1];
  }
  if (t->n == t->cap) {
    t->cap = t->cap ? t->cap * 2 : 64;
    t->items = realloc(t->items, t->cap * sizeof *t->items);
    if (t->items == NULL)
      abort();
  }
  struct school_stats *st = &t->items[t->n++];
  memset(st, 0, sizeof *st);
  st->school_id = school_id;
  st->task_sums = xcalloc(t->ins->n_tasks, sizeof *st->task_sums);
  st->score_counts =
      xcalloc((size_t)t->ins->max_primary_score + 1, sizeof *st->score_counts);
  if (2 * t->n > t->n_slots) {
    rehash(t);
  } else {
    size_t s = slot_of(school_id, t->n_slots);
    while (t->slots[s] != 0)
      s = (s + 1) & (t->n_slots - 1);
    t->slots[s] = (uint32_t)t->n;
  }
  return st;
}

void stats_apply(const struct instrument *ins, struct school_stats *s, int sign,
                 const int *task_score, int primary_score, int mark,
                 int test_score, int journal_mark) {
  s->touched = true;
  s->participants += sign;
  for (size_t i = 0; i < ins->n_tasks; i++)
    s->task_sums[i] += sign * task_score[i];
  if (primary_score >= 0 && primary_score <= ins->max_primary_score)
    s->score_counts[primary_score] += sign;
  s->primary_sum += sign * primary_score;
  if (mark >= 2 && mark <= 5)
    s->marks[mark - 2] += sign;
  if (test_score >= 0) {
    s->test_scored += sign;
    s->test_score_sum += sign * test_score;
  }
  /* Failed: a "2", or (ЕГЭ on the 100 scale) under the minimum. */
  if (mark == 2 || (mark == 0 && test_score >= 0 && ins->min_test_score >= 0 &&
                    test_score < ins->min_test_score))
    s->failed += sign;
  if (mark >= 2 && journal_mark >= 2) {
    s->journal_known += sign;
    if (mark == journal_mark) {
      s->confirmed += sign;
    } else if (mark < journal_mark) {
      s->lowered += sign;
      s->journal_higher2 += sign * (journal_mark - mark >= 2);
    } else {
      s->raised += sign;
      s->journal_lower2 += sign * (mark - journal_mark >= 2);
    }
  }
  /* Only high marks need the basic tasks' sum: most rows skip the loop. */
  if (mark >= 4 && ins->basic_max > 0) {
    int basic = 0;
    for (size_t i = 0; i < ins->n_tasks; i++)
      if (ins->task_basic[i])
        basic += task_score[i];
    s->high_low_mastery +=
        sign * (100 * basic < STATS_SUFFICIENT_PERCENT * ins->basic_max);
  }
}

void stats_add(const struct instrument *ins, struct school_stats *s,
               const int *task_score, int primary_score, int mark,
               int test_score, int journal_mark) {
  stats_apply(ins, s, 1, task_score, primary_score, mark, test_score,
              journal_mark);
}

/* --- reading what PostgreSQL returns -------------------------------------- */

/* "{1,2,3}" into out[0..n); false when it does not have n numbers. */
static bool parse_int_array(const char *text, int64_t *out, size_t n) {
  if (*text++ != '{')
    return false;
  size_t i = 0;
  while (*text != '}' && *text != '\0') {
    char *end;
    long long v = strtoll(text, &end, 10);
    if (end == text || i >= n)
      return false;
    out[i++] = v;
    text = *end == ',' ? end + 1 : end;
  }
  return i == n;
}

static int int_or(const PGresult *r, int row, int col, int none) {
  return PQgetisnull(r, row, col) ? none : atoi(PQgetvalue(r, row, col));
}

static int64_t int64_at(const PGresult *r, int row, int col) {
  return strtoll(PQgetvalue(r, row, col), NULL, 10);
}

static bool is_dirty(const struct school_stats *s) {
  return s->dirty;
}
/* Not recomputed, but changed by the push: added to what is stored. */
static bool is_clean(const struct school_stats *s) {
  return !s->dirty && s->touched;
}
static bool is_written(const struct school_stats *s) {
  return s->dirty || s->touched;
}
static bool is_empty(const struct school_stats *s) {
  return is_written(s) && s->participants == 0;
}

/* The ids of the schools `pick` takes, as a bigint[] parameter. */
static char *school_ids_where(const struct stats_table *t,
                              bool (*pick)(const struct school_stats *)) {
  int64_t *ids = xcalloc(t->n, sizeof *ids);
  size_t n = 0;
  for (size_t i = 0; i < t->n; i++)
    if (pick(&t->items[i]))
      ids[n++] = t->items[i].school_id;
  char *text = db_id_array(ids, n);
  free(ids);
  return text;
}

struct stats_columns stats_columns_find(const PGresult *r, const char *prefix) {
  char name[64];
#define FIND(column)                                                           \
  (snprintf(name, sizeof name, "%s" column, prefix), db_column(r, name))
  return (struct stats_columns){
      .school = FIND("school_id"),
      .task_scores = FIND("task_scores"),
      .primary_score = FIND("primary_score"),
      .mark = FIND("mark"),
      .test_score = FIND("test_score"),
      .journal_mark = FIND("journal_mark"),
  };
#undef FIND
}

bool stats_apply_result(struct stats_table *t, int sign, const PGresult *r,
                        int row, const struct stats_columns *c) {
  const struct instrument *ins = t->ins;
  int64_t scores64[RESULTS_MAX_TASKS];
  int scores[RESULTS_MAX_TASKS];
  if (!parse_int_array(PQgetvalue(r, row, c->task_scores), scores64,
                       ins->n_tasks))
    return false;
  for (size_t k = 0; k < ins->n_tasks; k++)
    scores[k] = (int)scores64[k];
  struct school_stats *s = stats_school(t, int64_at(r, row, c->school));
  stats_apply(ins, s, sign, scores, int_or(r, row, c->primary_score, 0),
              int_or(r, row, c->mark, 0), int_or(r, row, c->test_score, -1),
              int_or(r, row, c->journal_mark, 0));
  return true;
}

/* The columns of PUSH_STATS_READ. */
struct stored_columns {
  int school, participants, marks, failed, primary_sum, test_scored,
      test_score_sum, task_sums, score_counts, journal_known, confirmed,
      lowered, raised, journal_higher2, journal_lower2, high_low_mastery;
};

static struct stored_columns stored_columns(const PGresult *r) {
  return (struct stored_columns){
      .school = db_column(r, "school_id"),
      .participants = db_column(r, "participants"),
      .marks = db_column(r, "marks"),
      .failed = db_column(r, "failed"),
      .primary_sum = db_column(r, "primary_sum"),
      .test_scored = db_column(r, "test_scored"),
      .test_score_sum = db_column(r, "test_score_sum"),
      .task_sums = db_column(r, "task_sums"),
      .score_counts = db_column(r, "score_counts"),
      .journal_known = db_column(r, "journal_known"),
      .confirmed = db_column(r, "confirmed"),
      .lowered = db_column(r, "lowered"),
      .raised = db_column(r, "raised"),
      .journal_higher2 = db_column(r, "journal_higher2"),
      .journal_lower2 = db_column(r, "journal_lower2"),
      .high_low_mastery = db_column(r, "high_low_mastery"),
  };
}

static bool exec_ok(PGresult *r, PGresult **failed) {
  if (db_result_ok(r) || PQresultStatus(r) == PGRES_SINGLE_TUPLE)
    return true;
  *failed = r;
  return false;
}

/* Dirty schools: counts from nothing, then every stored row, read one row
 * at a time so that memory stays flat. `instrument`: its year and id. */
static bool recompute_dirty(struct stats_table *t, PGconn *pg,
                            const json_t *instrument, PGresult **failed) {
  const struct instrument *ins = t->ins;
  bool any = false;
  for (size_t i = 0; i < t->n && !any; i++)
    any = t->items[i].dirty;
  if (!any)
    return true; /* and no scan of the instrument's rows */
  for (size_t i = 0; i < t->n; i++)
    if (t->items[i].dirty)
      reset_counts(ins, &t->items[i]);
  char *ids = school_ids_where(t, is_dirty);
  const struct db_arg args[] = {{"schools", ids}, DB_END};
  int sent =
      db_send_on(pg, STMT_PUSH_ROWS_OF_SCHOOLS, args, instrument, NULL, NULL);
  free(ids);
  if (!sent || !PQsetSingleRowMode(pg))
    return false;
  bool ok = true, found = false;
  struct stats_columns c = {0};
  PGresult *r;
  while ((r = PQgetResult(pg)) != NULL) {
    if (PQresultStatus(r) == PGRES_SINGLE_TUPLE && ok) {
      if (!found) {
        c = stats_columns_find(r, "");
        found = true;
      }
      /* A row not of this instrument's shape would be a bug. */
      ok = stats_apply_result(t, 1, r, 0, &c);
      PQclear(r);
    } else if (PQresultStatus(r) == PGRES_TUPLES_OK) {
      PQclear(r); /* the end of the rows */
    } else if (ok && !exec_ok(r, failed)) {
      ok = false; /* keep *failed; drain the rest */
    } else {
      PQclear(r);
    }
  }
  return ok;
}

/* Clean schools: what this push added, plus what was stored. */
static bool add_stored(struct stats_table *t, PGconn *pg,
                       const json_t *instrument, PGresult **failed) {
  const struct instrument *ins = t->ins;
  char *ids = school_ids_where(t, is_clean);
  const struct db_arg args[] = {{"schools", ids}, DB_END};
  PGresult *r =
      db_call_on(pg, STMT_PUSH_STATS_READ, args, instrument, NULL, NULL);
  free(ids);
  if (!exec_ok(r, failed))
    return false;
  struct stored_columns c = stored_columns(r);
  size_t n_scores = (size_t)ins->max_primary_score + 1;
  int64_t *tasks = xcalloc(ins->n_tasks, sizeof *tasks);
  int64_t *scores = xcalloc(n_scores, sizeof *scores);
  int64_t marks[4];
  bool ok = true;
  for (int row = 0; row < PQntuples(r) && ok; row++) {
    struct school_stats *s = stats_school(t, int64_at(r, row, c.school));
    ok =
        parse_int_array(PQgetvalue(r, row, c.marks), marks, 4) &&
        parse_int_array(PQgetvalue(r, row, c.task_sums), tasks, ins->n_tasks) &&
        parse_int_array(PQgetvalue(r, row, c.score_counts), scores, n_scores);
    if (!ok)
      break;
    s->participants += int64_at(r, row, c.participants);
    for (int k = 0; k < 4; k++)
      s->marks[k] += marks[k];
    s->failed += int64_at(r, row, c.failed);
    s->primary_sum += int64_at(r, row, c.primary_sum);
    s->test_scored += int64_at(r, row, c.test_scored);
    s->test_score_sum += int64_at(r, row, c.test_score_sum);
    for (size_t k = 0; k < ins->n_tasks; k++)
      s->task_sums[k] += tasks[k];
    for (size_t k = 0; k < n_scores; k++)
      s->score_counts[k] += scores[k];
    s->journal_known += int64_at(r, row, c.journal_known);
    s->confirmed += int64_at(r, row, c.confirmed);
    s->lowered += int64_at(r, row, c.lowered);
    s->raised += int64_at(r, row, c.raised);
    s->journal_higher2 += int64_at(r, row, c.journal_higher2);
    s->journal_lower2 += int64_at(r, row, c.journal_lower2);
    s->high_low_mastery += int64_at(r, row, c.high_low_mastery);
  }
  free(tasks);
  free(scores);
  PQclear(r);
  return ok;
}

static json_t *int_array_json(const int64_t *v, size_t n) {
  json_t *a = json_array();
  for (size_t i = 0; i < n; i++)
    json_array_append_new(a, json_integer(v[i]));
  return a;
}

static json_t *school_json(const struct instrument *ins,
                           const struct school_stats *s) {
  json_t *o = json_pack(
      "{sI sI so sI sI sI sI so so}", "school_id", (json_int_t)s->school_id,
      "participants", (json_int_t)s->participants, "marks",
      int_array_json(s->marks, 4), "failed", (json_int_t)s->failed,
      "primary_sum", (json_int_t)s->primary_sum, "test_scored",
      (json_int_t)s->test_scored, "test_score_sum",
      (json_int_t)s->test_score_sum, "task_sums",
      int_array_json(s->task_sums, ins->n_tasks), "score_counts",
      int_array_json(s->score_counts, (size_t)ins->max_primary_score + 1));
  const struct {
    const char *name;
    int64_t v;
  } counts[] = {{"journal_known", s->journal_known},
                {"confirmed", s->confirmed},
                {"lowered", s->lowered},
                {"raised", s->raised},
                {"journal_higher2", s->journal_higher2},
                {"journal_lower2", s->journal_lower2},
                {"high_low_mastery", s->high_low_mastery}};
  for (size_t i = 0; i < sizeof counts / sizeof counts[0]; i++)
    json_object_set_new(o, counts[i].name, json_integer(counts[i].v));
  return o;
}

static bool write_all(struct stats_table *t, PGconn *pg,
                      const json_t *instrument, PGresult **failed) {
  json_t *rows = json_array();
  for (size_t i = 0; i < t->n; i++)
    if (is_written(&t->items[i]) && !is_empty(&t->items[i]))
      json_array_append_new(rows, school_json(t->ins, &t->items[i]));
  char *empty = school_ids_where(t, is_empty);
  char *rows_text = json_dumps(rows, JSON_COMPACT);
  json_decref(rows);
  const struct db_arg write_args[] = {{"rows", rows_text}, DB_END};
  PGresult *r =
      db_call_on(pg, STMT_PUSH_STATS_WRITE, write_args, instrument, NULL, NULL);
  free(rows_text);
  bool ok = exec_ok(r, failed);
  if (ok) {
    PQclear(r);
    const struct db_arg drop_args[] = {{"schools", empty}, DB_END};
    r = db_call_on(pg, STMT_PUSH_STATS_DROP, drop_args, instrument, NULL, NULL);
    ok = exec_ok(r, failed);
    if (ok)
      PQclear(r);
  }
  free(empty);
  return ok;
}

bool stats_table_store(struct stats_table *t, PGconn *pg,
                       PGresult **failed_result) {
  *failed_result = NULL;
  if (t->n == 0)
    return true;
  /* What the statements take of the instrument, by name. */
  json_t *instrument = json_pack("{si sI}", "year", t->ins->year, "assessment",
                                 (json_int_t)t->ins->id);
  bool ok = recompute_dirty(t, pg, instrument, failed_result) &&
            add_stored(t, pg, instrument, failed_result) &&
            write_all(t, pg, instrument, failed_result);
  json_decref(instrument);
  return ok;
}
