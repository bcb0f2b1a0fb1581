/* Helpers for stagegate plugins in C: see stagegate.h. */
#include "stagegate.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void *sg_alloc(size_t size) {
  void *p = calloc(1, size ? size : 1);
  if (p == NULL) abort();
  return p;
}

/* Makes room for one more element in a list of `len` elements, doubling
 * the allocation at every power of two. Returns the new (zeroed) slot. */
static void *sg_push(void **ptr, size_t *len, size_t size) {
  size_t n = *len;
  if ((n & (n - 1)) == 0) {
    size_t cap = n ? n * 2 : 1;
    void *grown = realloc(*ptr, cap * size);
    if (grown == NULL) abort();
    *ptr = grown;
  }
  *len = n + 1;
  char *slot = (char *)*ptr + n * size;
  memset(slot, 0, size);
  return slot;
}
#define SG_PUSH(list) sg_push((void **)&(list).ptr, &(list).len, sizeof *(list).ptr)

static void sg_string(plugin_string_t *out, const char *text) {
  plugin_string_dup(out, text ? text : "");
}

static char *sg_vformat(const char *format, va_list args) {
  va_list again;
  va_copy(again, args);
  int n = vsnprintf(NULL, 0, format, args);
  char *text = sg_alloc(n > 0 ? (size_t)n + 1 : 1);
  if (n > 0) vsnprintf(text, (size_t)n + 1, format, again);
  va_end(again);
  return text;
}

void sg_metadata_init(sg_metadata *m, const char *name, const char *version,
                      const char *description) {
  memset(m, 0, sizeof *m);
  sg_string(&m->name, name);
  sg_string(&m->version, version);
  sg_string(&m->description, description);
}

sg_kind *sg_reads(sg_metadata *m, const char *kind) {
  sg_kind *slot = SG_PUSH(m->reads);
  sg_string(&slot->name, kind);
  return slot;
}

void sg_fact_spec(sg_metadata *m, const char *name, uint8_t type, const char *doc) {
  stagegate_plugin_types_fact_spec_t *slot = SG_PUSH(m->facts);
  sg_string(&slot->name, name);
  slot->type = type;
  sg_string(&slot->doc, doc);
}

static stagegate_plugin_types_matcher_t *sg_matcher(sg_kind *kind, uint8_t tag) {
  stagegate_plugin_types_matcher_t *slot = SG_PUSH(kind->matchers);
  slot->tag = tag;
  return slot;
}

static void sg_keys(plugin_list_string_t *keys, va_list args) {
  for (const char *key = va_arg(args, const char *); key; key = va_arg(args, const char *)) {
    sg_string(SG_PUSH(*keys), key);
  }
}

void sg_match_xml_root(sg_kind *kind, const char *root) {
  sg_string(&sg_matcher(kind, STAGEGATE_PLUGIN_TYPES_MATCHER_XML_ROOT)->val.xml_root, root);
}

void sg_match_json_keys(sg_kind *kind, ...) {
  va_list args;
  va_start(args, kind);
  sg_keys(&sg_matcher(kind, STAGEGATE_PLUGIN_TYPES_MATCHER_JSON_KEYS)->val.json_keys, args);
  va_end(args);
}

void sg_match_yaml_keys(sg_kind *kind, ...) {
  va_list args;
  va_start(args, kind);
  sg_keys(&sg_matcher(kind, STAGEGATE_PLUGIN_TYPES_MATCHER_YAML_KEYS)->val.yaml_keys, args);
  va_end(args);
}

void sg_match_glob(sg_kind *kind, const char *pattern) {
  sg_string(&sg_matcher(kind, STAGEGATE_PLUGIN_TYPES_MATCHER_GLOB)->val.glob, pattern);
}

void sg_match_text_prefix(sg_kind *kind, const char *prefix) {
  sg_string(&sg_matcher(kind, STAGEGATE_PLUGIN_TYPES_MATCHER_TEXT_PREFIX)->val.text_prefix,
            prefix);
}

void sg_match_any_text(sg_kind *kind) {
  sg_matcher(kind, STAGEGATE_PLUGIN_TYPES_MATCHER_ANY_TEXT);
}

void sg_evaluation_init(sg_evaluation *e) { memset(e, 0, sizeof *e); }

static stagegate_plugin_types_fact_value_t *sg_fact(sg_evaluation *e, const char *name,
                                                    uint8_t tag) {
  stagegate_plugin_types_fact_t *slot = SG_PUSH(e->facts);
  sg_string(&slot->name, name);
  slot->value.tag = tag;
  return &slot->value;
}

void sg_fact_boolean(sg_evaluation *e, const char *name, bool value) {
  sg_fact(e, name, STAGEGATE_PLUGIN_TYPES_FACT_VALUE_BOOLEAN)->val.boolean = value;
}

void sg_fact_long(sg_evaluation *e, const char *name, int64_t value) {
  sg_fact(e, name, STAGEGATE_PLUGIN_TYPES_FACT_VALUE_LONG)->val.long_ = value;
}

void sg_fact_text(sg_evaluation *e, const char *name, const char *value) {
  sg_string(&sg_fact(e, name, STAGEGATE_PLUGIN_TYPES_FACT_VALUE_TEXT)->val.text, value);
}

static int sg_compare(const void *a, const void *b) {
  return strcmp(*(const char *const *)a, *(const char *const *)b);
}

void sg_fact_text_set(sg_evaluation *e, const char *name, const char *const *values,
                      size_t count) {
  plugin_list_string_t *set =
      &sg_fact(e, name, STAGEGATE_PLUGIN_TYPES_FACT_VALUE_TEXT_SET)->val.text_set;
  const char **sorted = sg_alloc(count * sizeof *sorted);
  memcpy(sorted, values, count * sizeof *sorted);
  qsort(sorted, count, sizeof *sorted, sg_compare);
  for (size_t i = 0; i < count; i++) {
    if (i > 0 && strcmp(sorted[i], sorted[i - 1]) == 0) continue;
    sg_string(SG_PUSH(*set), sorted[i]);
  }
  free(sorted);
}

void sg_fact_decimal(sg_evaluation *e, const char *name, const char *value) {
  sg_string(&sg_fact(e, name, STAGEGATE_PLUGIN_TYPES_FACT_VALUE_DECIMAL)->val.decimal, value);
}

void sg_finding(sg_evaluation *e, const char *rule, uint8_t severity, const char *message,
                const char *path, uint32_t line) {
  stagegate_plugin_types_finding_t *slot = SG_PUSH(e->findings);
  sg_string(&slot->rule, rule);
  slot->severity = severity;
  sg_string(&slot->message, message);
  if (path) {
    slot->path.is_some = true;
    sg_string(&slot->path.val, path);
  }
  if (line > 0) {
    slot->line.is_some = true;
    slot->line.val = line;
  }
}

bool sg_fail(plugin_string_t *err, const char *format, ...) {
  va_list args;
  va_start(args, format);
  char *text = sg_vformat(format, args);
  va_end(args);
  sg_string(err, text);
  free(text);
  return false;
}

cJSON *sg_config(const plugin_string_t *config, plugin_string_t *err) {
  cJSON *value = cJSON_ParseWithLength((const char *)config->ptr, config->len);
  if (value == NULL) {
    sg_fail(err, "config is not JSON");
    return NULL;
  }
  if (!cJSON_IsObject(value)) {
    cJSON_Delete(value);
    sg_fail(err, "config must be a JSON object");
    return NULL;
  }
  return value;
}

char *sg_path(const sg_artifact *artifact) {
  char *path = sg_alloc(artifact->path.len + 1);
  memcpy(path, artifact->path.ptr, artifact->path.len);
  return path;
}

bool sg_read_chunks(const sg_artifact *artifact, size_t limit,
                    bool (*on_chunk)(const uint8_t *bytes, size_t len, void *context),
                    void *context, plugin_string_t *err) {
  char *path = sg_path(artifact);
  char *full = sg_alloc(strlen(path) + sizeof "/bundle/");
  strcpy(full, "/bundle/");
  strcat(full, path);
  FILE *file = fopen(full, "rb");
  free(full);
  if (file == NULL) {
    sg_fail(err, "cannot open `%s`", path);
    free(path);
    return false;
  }
  static uint8_t chunk[65536];
  size_t total = 0;
  bool ok = true;
  for (;;) {
    size_t n = fread(chunk, 1, sizeof chunk, file);
    total += n;
    if (total > limit) {
      ok = sg_fail(err, "`%s` is larger than %zu bytes", path, limit);
      break;
    }
    if (n > 0 && !on_chunk(chunk, n, context)) break;
    if (n < sizeof chunk) {
      if (ferror(file)) ok = sg_fail(err, "cannot read `%s`", path);
      break;
    }
  }
  fclose(file);
  free(path);
  return ok;
}

typedef struct {
  char *bytes;
  size_t len;
  size_t cap;
} sg_buffer;

static bool sg_append(const uint8_t *bytes, size_t len, void *context) {
  sg_buffer *buffer = context;
  if (buffer->len + len > buffer->cap) {
    size_t cap = buffer->cap ? buffer->cap : 65536;
    while (cap < buffer->len + len) cap *= 2;
    char *grown = realloc(buffer->bytes, cap);
    if (grown == NULL) abort();
    buffer->bytes = grown;
    buffer->cap = cap;
  }
  memcpy(buffer->bytes + buffer->len, bytes, len);
  buffer->len += len;
  return true;
}

cJSON *sg_read_json(const sg_artifact *artifact, size_t limit, plugin_string_t *err) {
  sg_buffer buffer = {0};
  if (!sg_read_chunks(artifact, limit, sg_append, &buffer, err)) {
    free(buffer.bytes);
    return NULL;
  }
  cJSON *value = cJSON_ParseWithLength(buffer.bytes ? buffer.bytes : "", buffer.len);
  free(buffer.bytes);
  if (value == NULL) {
    char *path = sg_path(artifact);
    sg_fail(err, "`%s` is not JSON", path);
    free(path);
  }
  return value;
}

void sg_log(uint8_t level, const char *format, ...) {
  va_list args;
  va_start(args, format);
  char *text = sg_vformat(format, args);
  va_end(args);
  plugin_string_t message;
  plugin_string_set(&message, text);
  stagegate_plugin_host_log(level, &message);
  free(text);
}
