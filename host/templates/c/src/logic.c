/* The judgement of `{{name}}`: see logic.h. */
#include "logic.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void *grow(void *ptr, size_t count, size_t size) {
  void *grown = realloc(ptr, count * size);
  if (grown == NULL) abort();
  return grown;
}

static char *copy(const char *text, size_t len) {
  char *out = grow(NULL, len + 1, 1);
  memcpy(out, text, len);
  out[len] = '\0';
  return out;
}

static bool listed(const char *id, size_t len, const allow_list_t *allow) {
  for (size_t i = 0; i < allow->len; i++) {
    if (strlen(allow->ids[i]) == len && strncmp(allow->ids[i], id, len) == 0) return true;
  }
  return false;
}

/* Whether the part [start, end) is an allowed id, after dropping a
 * `WITH exception` and the surrounding spaces. */
static bool part_allowed(const char *start, const char *end, const allow_list_t *allow) {
  for (const char *p = start; p + 6 <= end; p++) {
    if (strncmp(p, " WITH ", 6) == 0) {
      end = p;
      break;
    }
  }
  while (start < end && *start == ' ') start++;
  while (end > start && end[-1] == ' ') end--;
  return listed(start, (size_t)(end - start), allow);
}

static const char *find(const char *start, const char *end, const char *word) {
  size_t n = strlen(word);
  for (const char *p = start; p + n <= end; p++) {
    if (strncmp(p, word, n) == 0) return p;
  }
  return NULL;
}

bool allowed(const char *expression, const allow_list_t *allow) {
  char *cleaned = copy(expression, strlen(expression));
  for (char *p = cleaned; *p; p++) {
    if (*p == '(' || *p == ')') *p = ' ';
  }
  const char *end = cleaned + strlen(cleaned);
  bool any = false;
  for (const char *alt = cleaned; alt && !any;) {
    const char *alt_end = find(alt, end, " OR ");
    const char *stop = alt_end ? alt_end : end;
    bool all = true;
    for (const char *part = alt; part && all;) {
      const char *part_end = find(part, stop, " AND ");
      all = part_allowed(part, part_end ? part_end : stop, allow);
      part = part_end ? part_end + 5 : NULL;
    }
    any = all;
    alt = alt_end ? alt_end + 4 : NULL;
  }
  free(cleaned);
  return any;
}

const char *allow_list(const cJSON *config, allow_list_t *out) {
  memset(out, 0, sizeof *out);
  const cJSON *values = cJSON_GetObjectItemCaseSensitive(config, "allowed");
  if (!cJSON_IsArray(values)) return "config needs `allowed`, a list of SPDX licence ids";
  const cJSON *value;
  cJSON_ArrayForEach(value, values) {
    if (!cJSON_IsString(value)) {
      allow_list_free(out);
      return "`allowed` must hold only strings";
    }
    out->ids = grow(out->ids, out->len + 1, sizeof *out->ids);
    out->ids[out->len++] = copy(value->valuestring, strlen(value->valuestring));
  }
  return NULL;
}

void allow_list_free(allow_list_t *allow) {
  for (size_t i = 0; i < allow->len; i++) free(allow->ids[i]);
  free(allow->ids);
  memset(allow, 0, sizeof *allow);
}

static const char *text(const cJSON *object, const char *key) {
  const cJSON *value = cJSON_GetObjectItemCaseSensitive(object, key);
  return cJSON_IsString(value) ? value->valuestring : NULL;
}

static void judge_component(const cJSON *component, const allow_list_t *allow,
                            tally_t *tally) {
  tally->components++;
  const char *name = text(component, "name");
  const char *version = text(component, "version");
  size_t size = strlen(name ? name : "?") + strlen(version ? version : "") + 2;
  char *label = grow(NULL, size, 1);
  snprintf(label, size, "%s@%s", name ? name : "?", version ? version : "");
  long found = 0;
  const cJSON *entry;
  cJSON_ArrayForEach(entry, cJSON_GetObjectItemCaseSensitive(component, "licenses")) {
    if (!cJSON_IsObject(entry)) continue;
    const char *licence = text(entry, "expression");
    if (licence == NULL) {
      const cJSON *inner = cJSON_GetObjectItemCaseSensitive(entry, "license");
      licence = text(inner, "id");
      if (licence == NULL) licence = text(inner, "name");
    }
    if (licence == NULL) continue;
    found++;
    if (allowed(licence, allow)) continue;
    tally->denied = grow(tally->denied, tally->denied_len + 1, sizeof *tally->denied);
    tally->denied[tally->denied_len++] = copy(licence, strlen(licence));
    tally->offenders =
        grow(tally->offenders, tally->offenders_len + 1, sizeof *tally->offenders);
    tally->offenders[tally->offenders_len++] =
        (offender_t){copy(label, strlen(label)), copy(licence, strlen(licence))};
  }
  if (found == 0) tally->unlicensed++;
  free(label);
}

void judge(const cJSON *sbom, const allow_list_t *allow, tally_t *tally) {
  const cJSON *components = cJSON_GetObjectItemCaseSensitive(sbom, "components");
  if (!cJSON_IsArray(components)) return;
  const cJSON *component;
  cJSON_ArrayForEach(component, components) {
    if (!cJSON_IsObject(component)) continue;
    judge_component(component, allow, tally);
    /* cJSON refuses documents nested deeper than CJSON_NESTING_LIMIT, so
     * this recursion is bounded. */
    judge(component, allow, tally);
  }
}

void tally_free(tally_t *tally) {
  for (size_t i = 0; i < tally->denied_len; i++) free(tally->denied[i]);
  for (size_t i = 0; i < tally->offenders_len; i++) {
    free(tally->offenders[i].component);
    free(tally->offenders[i].licence);
  }
  free(tally->denied);
  free(tally->offenders);
  memset(tally, 0, sizeof *tally);
}
