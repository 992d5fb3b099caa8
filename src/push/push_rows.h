/* Where each good row of a push goes (src/push/push_rows.c): straight into
 * the open COPY, or into a batch merged with the stored rows. */
#ifndef OPORA_PUSH_ROWS_H
#define OPORA_PUSH_ROWS_H

#include <stdbool.h>

#include "push_internal.h"

/* Sizes the filter for about `rows` codes and, for an instrument that has
 * rows, loads their codes, schools and hashes. False after answering. */
bool push_rows_prepare(struct push *p, bool has_rows, long rows);
/* One good row of a known school. False after answering. */
bool push_rows_add(struct push *p, const struct result_row *row,
                   int64_t school_id);
/* Everything still held is written. False after answering. */
bool push_rows_flush(struct push *p);
/* Stops the sending thread: before the connection is closed. */
void push_rows_free(struct push *p);

#endif
