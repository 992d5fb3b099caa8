/* The social context of schools (src/api/social_context.c,
 * src/api/context_import.c; docs/CONTEXT.md). */
#ifndef OPORA_CONTEXT_H
#define OPORA_CONTEXT_H

#include <stdbool.h>

#define CONTEXT_MIN_YEAR 2000
#define CONTEXT_MAX_YEAR 2100
#define CONTEXT_MAX_PUPILS 100000

/* The members of the shares, in the order of the table; NULL-ended. */
extern const char *const context_shares[];

/* A share is a percentage: 0 to 100. */
bool context_share_valid(double v);

#endif
