/* The re-push tests again with one bit of key per stored participant
 * (OPORA_PUSH_KEY_BITS=1, src/push/push_stored.c): every code shares its key
 * with about half the stored ones, so that lookups meet other participants'
 * slots, rows are left to the database and repeats of rows counted
 * unchanged are asked of it. The counts, repeats, deletions and statistics
 * must be the same as with whole keys. */
#define REPUSH_KEY_BITS "1"
#include "test_push_repush.c"
