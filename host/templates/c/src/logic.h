/* The judgement of `{{name}}`, in plain C on cJSON values: tested natively
 * with `make test`, no WebAssembly needed. app.c adapts it to the stagegate
 * contract. */
#ifndef LOGIC_H
#define LOGIC_H

#include <stdbool.h>
#include <stddef.h>

#include "cJSON.h"

typedef struct {
  char **ids;
  size_t len;
} allow_list_t;

typedef struct {
  char *component; /* name@version */
  char *licence;
} offender_t;

typedef struct {
  long components;
  long unlicensed;
  char **denied; /* may repeat; the facts builder sorts and dedupes */
  size_t denied_len;
  offender_t *offenders;
  size_t offenders_len;
} tally_t;

/* One alternative of an OR is enough; every part of an AND (or WITH) must
 * be allowed. */
bool allowed(const char *expression, const allow_list_t *allow);

/* The allow-list from the plugin's configuration (a parsed JSON object).
 * Returns NULL on success, or a message saying what is wrong. */
const char *allow_list(const cJSON *config, allow_list_t *out);
void allow_list_free(allow_list_t *allow);

/* Adds one CycloneDX JSON SBOM to `tally`, nested components included. */
void judge(const cJSON *sbom, const allow_list_t *allow, tally_t *tally);
void tally_free(tally_t *tally);

#endif
