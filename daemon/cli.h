/* Subcommands: each parses its own options and returns the process exit code. */
#ifndef TW_CLI_H
#define TW_CLI_H

/* Exit codes (SPEC §1). */
#define EXIT_OK		0
#define EXIT_RUNTIME	1
#define EXIT_MISMATCH	2		/* verify: the record does not verify (SPEC §12) */
#define EXIT_USAGE	3

struct conf;

int cmd_check(int argc, char **argv);
int cmd_probe(int argc, char **argv);
int cmd_run(int argc, char **argv);
int cmd_serve(int argc, char **argv);
int cmd_report(int argc, char **argv);
int cmd_export(int argc, char **argv);
int cmd_incident(int argc, char **argv);
int cmd_store(int argc, char **argv);
int cmd_keygen(int argc, char **argv);
int cmd_verify(int argc, char **argv);
int cmd_nodes(int argc, char **argv);
int cmd_discover(int argc, char **argv);

/* Loads the config named by path, printing every error as "trustwatch: …"; NULL on error. */
struct conf *cli_load_conf(const char *path);

/*
 * Opens c's store with c's time zone and incident policy, printing the error on failure.
 * Returns the store (caller closes) or NULL.
 */
struct store *cli_open_store(const struct conf *c);

/* Prints "trustwatch: " + message to stderr. */
void cli_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
