/* Unit tests of logic.c, run natively: `make test`. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "logic.h"

static int failures = 0;
static int passed = 0;
#define CHECK(cond)                                                   \
  do {                                                                \
    if (!(cond)) {                                                    \
      fprintf(stderr, "%s:%d: failed: %s\n", __FILE__, __LINE__, #cond); \
      failures++;                                                     \
      return;                                                         \
    }                                                                 \
  } while (0)

static allow_list_t list(const char *json) {
  cJSON *config = cJSON_Parse(json);
  allow_list_t allow;
  if (config == NULL || allow_list(config, &allow) != NULL) abort();
  cJSON_Delete(config);
  return allow;
}

static void expressions_follow_or_and_and(void) {
  allow_list_t allow = list("{\"allowed\": [\"MIT\", \"Apache-2.0\"]}");
  CHECK(allowed("MIT", &allow));
  CHECK(allowed("GPL-3.0-only OR MIT", &allow));
  CHECK(allowed("(MIT AND Apache-2.0)", &allow));
  CHECK(allowed("Apache-2.0 WITH LLVM-exception", &allow));
  CHECK(!allowed("MIT AND GPL-3.0-only", &allow));
  CHECK(!allowed("BSD-2-Clause", &allow));
  allow_list_free(&allow);
  passed++;
}

static int contains(char **values, size_t len, const char *value) {
  for (size_t i = 0; i < len; i++) {
    if (strcmp(values[i], value) == 0) return 1;
  }
  return 0;
}

static void components_outside_the_list_are_denied(void) {
  cJSON *sbom = cJSON_Parse(
      "{\"bomFormat\": \"CycloneDX\", \"specVersion\": \"1.6\", \"components\": ["
      "{\"name\": \"a\", \"version\": \"1\", \"licenses\": [{\"license\": {\"id\": \"MIT\"}}]},"
      "{\"name\": \"b\", \"version\": \"2\", \"licenses\": [{\"expression\": \"GPL-3.0-only\"}],"
      " \"components\": [{\"name\": \"c\", \"licenses\": [{\"license\": {\"name\": \"Custom\"}}]}]},"
      "{\"name\": \"d\"}]}");
  CHECK(sbom != NULL);
  allow_list_t allow = list("{\"allowed\": [\"MIT\"]}");
  tally_t tally = {0};
  judge(sbom, &allow, &tally);
  CHECK(tally.components == 4);
  CHECK(tally.unlicensed == 1);
  CHECK(tally.denied_len == 2);
  CHECK(contains(tally.denied, tally.denied_len, "Custom"));
  CHECK(contains(tally.denied, tally.denied_len, "GPL-3.0-only"));
  CHECK(tally.offenders_len == 2);
  CHECK(strcmp(tally.offenders[0].component, "b@2") == 0);
  tally_free(&tally);
  allow_list_free(&allow);
  cJSON_Delete(sbom);
  passed++;
}

static void the_config_must_name_the_allowed_licences(void) {
  allow_list_t allow;
  cJSON *empty = cJSON_Parse("{}");
  CHECK(allow_list(empty, &allow) != NULL);
  cJSON_Delete(empty);
  cJSON *numbers = cJSON_Parse("{\"allowed\": [1]}");
  CHECK(allow_list(numbers, &allow) != NULL);
  cJSON_Delete(numbers);
  allow = list("{\"allowed\": [\"MIT\"]}");
  CHECK(allow.len == 1 && strcmp(allow.ids[0], "MIT") == 0);
  allow_list_free(&allow);
  passed++;
}

int main(void) {
  expressions_follow_or_and_and();
  components_outside_the_list_are_denied();
  the_config_must_name_the_allowed_licences();
  printf("%d passed, %d failed\n", passed, failures);
  return failures ? 1 : 0;
}
