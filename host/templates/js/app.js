// `{{name}}` as a stagegate plugin: reads CycloneDX JSON SBOMs and reports the
// licences outside the allow-list in its configuration. The judgement is in
// logic.js; this file only reads artifacts (under the read-only /bundle) and
// builds facts, with the helpers of stagegate.js. A thrown string becomes
// the `err` of `evaluate`.
import { allowList, judge, newTally } from './logic.js';
import * as sg from './stagegate.js';

const MAX_SBOM_BYTES = 64 * 1024 * 1024;

export const guest = {
  describe() {
    return sg.metadata(
      '{{name}}',
      '0.1.0',
      'licences of CycloneDX SBOM components outside an allow-list',
      { 'cyclonedx-json': [sg.matchers['json-keys']('bomFormat', 'specVersion')] },
      [
        ['inputs', 'long', 'SBOMs read'],
        ['components', 'long', 'components in them'],
        ['unlicensed', 'long', 'components naming no licence'],
        ['denied', 'text-set', 'licences outside the allow-list'],
      ],
    );
  },

  evaluate(artifacts, config) {
    sg.config(config);
    let allow;
    try {
      allow = allowList(config);
    } catch (e) {
      throw e.message;
    }
    const tally = newTally();
    const findings = [];
    for (const artifact of artifacts) {
      const sbom = sg.readJson(artifact, MAX_SBOM_BYTES);
      const before = tally.offenders.length;
      judge(sbom, allow, tally);
      for (const [component, licence] of tally.offenders.slice(before)) {
        findings.push(sg.finding('{{name}}/denied', 'medium', `${component}: licence ${licence} is not allowed`, artifact.path));
      }
    }
    sg.log('info', `read ${artifacts.length} SBOM(s), ${tally.components} component(s)`);
    return new sg.Facts()
      .long('inputs', artifacts.length)
      .long('components', tally.components)
      .long('unlicensed', tally.unlicensed)
      .textSet('denied', tally.denied)
      .evaluation(findings);
  },
};
