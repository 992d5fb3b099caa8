/* `opora user add` and `opora client add`: the first accounts, from the
 * command line (as a global administrator). */
#ifndef OPORA_ACCOUNTS_H
#define OPORA_ACCOUNTS_H

#include <libpq-fe.h>
#include <stddef.h>

/* The account flags of argv[0..argc): recognised ones are consumed and
 * replaced by NULL so the settings parser sees only its own. */
struct account_args {
  const char *login, *client_id, *full_name, *position, *email, *description;
  const char *role, *scope;
};

/* Reads --login, --role, --scope... into a; returns 0, or -1 with a
 * one-line message in err. Leaves the other arguments in argv. */
int account_args_take(struct account_args *a, int *argc, char **argv, char *err,
                      size_t err_len);

/* Parses "global", "region:ID", "municipality:ID", "school:ID" into a JSON
 * text {"kind":..,"id":..}; -1 with a message when malformed. */
int account_scope_json(const char *scope, char *out, size_t len, char *err,
                       size_t err_len);

/* Creates the account and prints its one-time password or secret. Returns
 * the exit status. */
int account_user_add(PGconn *conn, const struct account_args *a);
int account_client_add(PGconn *conn, const struct account_args *a);

extern const char account_user_help[], account_client_help[];

#endif
