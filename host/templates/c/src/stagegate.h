/* Helpers for stagegate plugins in C, with the concepts of the Rust SDK
 * (stagegate-sdk): metadata, matchers, reading artifacts from the read-only
 * bundle (in chunks), a facts builder, findings with file and line, the
 * plugin's config as a parsed object, and logging through the host.
 *
 * The types are those `wit-bindgen c` generates from wit/plugin.wit into
 * gen/plugin.h (`stagegate plugin build` writes it), so the compiler checks
 * this file against the contract. Every allocation failure aborts, which the
 * host reports as the plugin failing: the gate then denies. */
#ifndef STAGEGATE_H
#define STAGEGATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cJSON.h"
#include "plugin.h"

typedef stagegate_plugin_types_metadata_t sg_metadata;
typedef stagegate_plugin_types_artifact_kind_t sg_kind;
typedef stagegate_plugin_types_evaluation_t sg_evaluation;
typedef stagegate_plugin_types_artifact_t sg_artifact;

/* wit: enum fact-type */
#define SG_BOOLEAN STAGEGATE_PLUGIN_TYPES_FACT_TYPE_BOOLEAN
#define SG_LONG STAGEGATE_PLUGIN_TYPES_FACT_TYPE_LONG
#define SG_TEXT STAGEGATE_PLUGIN_TYPES_FACT_TYPE_TEXT
#define SG_TEXT_SET STAGEGATE_PLUGIN_TYPES_FACT_TYPE_TEXT_SET
#define SG_DECIMAL STAGEGATE_PLUGIN_TYPES_FACT_TYPE_DECIMAL

/* wit: enum severity */
#define SG_INFO STAGEGATE_PLUGIN_TYPES_SEVERITY_INFO
#define SG_LOW STAGEGATE_PLUGIN_TYPES_SEVERITY_LOW
#define SG_MEDIUM STAGEGATE_PLUGIN_TYPES_SEVERITY_MEDIUM
#define SG_HIGH STAGEGATE_PLUGIN_TYPES_SEVERITY_HIGH
#define SG_CRITICAL STAGEGATE_PLUGIN_TYPES_SEVERITY_CRITICAL

/* wit: enum log-level */
#define SG_LOG_DEBUG STAGEGATE_PLUGIN_HOST_LOG_LEVEL_DEBUG
#define SG_LOG_INFO STAGEGATE_PLUGIN_HOST_LOG_LEVEL_INFO
#define SG_LOG_WARN STAGEGATE_PLUGIN_HOST_LOG_LEVEL_WARN
#define SG_LOG_ERROR STAGEGATE_PLUGIN_HOST_LOG_LEVEL_ERROR

/* --- metadata ----------------------------------------------------------- */

void sg_metadata_init(sg_metadata *m, const char *name, const char *version,
                      const char *description);
/* Adds an artifact kind to `m.reads`; give it matchers with sg_match_*. */
sg_kind *sg_reads(sg_metadata *m, const char *kind);
/* Declares a fact: `type` is one of SG_BOOLEAN .. SG_DECIMAL. */
void sg_fact_spec(sg_metadata *m, const char *name, uint8_t type, const char *doc);

/* wit: variant matcher. Key lists end with NULL. */
void sg_match_xml_root(sg_kind *kind, const char *root);
void sg_match_json_keys(sg_kind *kind, ...);
void sg_match_yaml_keys(sg_kind *kind, ...);
void sg_match_glob(sg_kind *kind, const char *pattern);
void sg_match_text_prefix(sg_kind *kind, const char *prefix);
void sg_match_any_text(sg_kind *kind);

/* --- evaluation ----------------------------------------------------------- */

void sg_evaluation_init(sg_evaluation *e);
void sg_fact_boolean(sg_evaluation *e, const char *name, bool value);
void sg_fact_long(sg_evaluation *e, const char *name, int64_t value);
void sg_fact_text(sg_evaluation *e, const char *name, const char *value);
/* Sorted, without duplicates. */
void sg_fact_text_set(sg_evaluation *e, const char *name, const char *const *values,
                      size_t count);
/* A decimal as text, e.g. "87.5" (up to 4 fractional digits). */
void sg_fact_decimal(sg_evaluation *e, const char *name, const char *value);
/* A finding; `path` may be NULL, `line` is 1-based and 0 when unknown. */
void sg_finding(sg_evaluation *e, const char *rule, uint8_t severity, const char *message,
                const char *path, uint32_t line);

/* --- errors, config, reading -------------------------------------------- */

/* Sets `err` to the formatted message and returns false, for
 * `return sg_fail(err, "...")` in evaluate. */
bool sg_fail(plugin_string_t *err, const char *format, ...);

/* The plugin's configuration, which must be a JSON object; NULL with `err`
 * set otherwise. Free it with cJSON_Delete. */
cJSON *sg_config(const plugin_string_t *config, plugin_string_t *err);

/* The artifact's path as a NUL-terminated string (free it). */
char *sg_path(const sg_artifact *artifact);

/* Calls `on_chunk` for each chunk (up to 64 KiB) of the artifact, refusing
 * more than `limit` bytes; `on_chunk` returns false to stop. Returns false
 * with `err` set when the file cannot be read or is too large. */
bool sg_read_chunks(const sg_artifact *artifact, size_t limit,
                    bool (*on_chunk)(const uint8_t *bytes, size_t len, void *context),
                    void *context, plugin_string_t *err);

/* The artifact parsed as JSON, refusing more than `limit` bytes; NULL with
 * `err` set otherwise. Free it with cJSON_Delete. */
cJSON *sg_read_json(const sg_artifact *artifact, size_t limit, plugin_string_t *err);

/* A line in the plugin's log (bounded by the host; shown in the report). */
void sg_log(uint8_t level, const char *format, ...);

#endif
