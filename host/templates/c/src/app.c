/* `{{name}}` as a stagegate plugin: reads CycloneDX JSON SBOMs and reports
 * the licences outside the allow-list in its configuration. The judgement is
 * in logic.c; this file only reads artifacts (under the read-only /bundle)
 * and builds facts, with the helpers of stagegate.h. */
#include <stdio.h>
#include <stdlib.h>

#include "logic.h"
#include "stagegate.h"

#define MAX_SBOM_BYTES (64u * 1024 * 1024)

void exports_stagegate_plugin_guest_describe(sg_metadata *ret) {
  sg_metadata_init(ret, "{{name}}", "0.1.0",
                   "licences of CycloneDX SBOM components outside an allow-list");
  sg_match_json_keys(sg_reads(ret, "cyclonedx-json"), "bomFormat", "specVersion", NULL);
  sg_fact_spec(ret, "inputs", SG_LONG, "SBOMs read");
  sg_fact_spec(ret, "components", SG_LONG, "components in them");
  sg_fact_spec(ret, "unlicensed", SG_LONG, "components naming no licence");
  sg_fact_spec(ret, "denied", SG_TEXT_SET, "licences outside the allow-list");
}

bool exports_stagegate_plugin_guest_evaluate(exports_stagegate_plugin_guest_list_artifact_t *artifacts,
                                             plugin_string_t *config, sg_evaluation *ret,
                                             plugin_string_t *err) {
  bool ok = false;
  allow_list_t allow = {0};
  tally_t tally = {0};
  sg_evaluation_init(ret);
  cJSON *settings = sg_config(config, err);
  if (settings == NULL) goto done;
  const char *problem = allow_list(settings, &allow);
  cJSON_Delete(settings);
  if (problem) {
    sg_fail(err, "%s", problem);
    goto done;
  }
  for (size_t i = 0; i < artifacts->len; i++) {
    cJSON *sbom = sg_read_json(&artifacts->ptr[i], MAX_SBOM_BYTES, err);
    if (sbom == NULL) goto done;
    size_t before = tally.offenders_len;
    judge(sbom, &allow, &tally);
    cJSON_Delete(sbom);
    char *path = sg_path(&artifacts->ptr[i]);
    for (size_t j = before; j < tally.offenders_len; j++) {
      char message[1024];
      snprintf(message, sizeof message, "%s: licence %s is not allowed",
               tally.offenders[j].component, tally.offenders[j].licence);
      sg_finding(ret, "{{name}}/denied", SG_MEDIUM, message, path, 0);
    }
    free(path);
  }
  sg_log(SG_LOG_INFO, "read %zu SBOM(s), %ld component(s)", artifacts->len, tally.components);
  sg_fact_long(ret, "inputs", (int64_t)artifacts->len);
  sg_fact_long(ret, "components", tally.components);
  sg_fact_long(ret, "unlicensed", tally.unlicensed);
  sg_fact_text_set(ret, "denied", (const char *const *)tally.denied, tally.denied_len);
  ok = true;
done:
  allow_list_free(&allow);
  tally_free(&tally);
  /* The arguments belong to the callee. */
  exports_stagegate_plugin_guest_list_artifact_free(artifacts);
  plugin_string_free(config);
  return ok;
}
