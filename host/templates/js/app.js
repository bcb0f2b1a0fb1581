// `{{name}}` as a stagegate plugin: reads CycloneDX JSON SBOMs and reports the
// licences outside the allow-list in its configuration. The judgement is in
// logic.js; this file only reads artifacts (under the read-only /bundle) and
// builds facts. Long facts are BigInt; a thrown string becomes the `err`.
import { log } from 'stagegate:plugin/host@0.1.0';
import { getDirectories } from 'wasi:filesystem/preopens@0.2.12';

import { allowList, judge, newTally } from './logic.js';

const MAX_SBOM_BYTES = 64 * 1024 * 1024;

function bundleRoot() {
  for (const [dir, path] of getDirectories()) if (path === '/bundle') return dir;
  throw 'the sandbox has no /bundle';
}

/** Reads a bundle file in 64 KiB chunks, refusing more than `limit` bytes. */
function readText(root, path, limit) {
  const fd = root.openAt({}, path, {}, { read: true });
  const chunks = [];
  let total = 0;
  for (;;) {
    const [bytes, eof] = fd.read(65536n, BigInt(total));
    chunks.push(bytes);
    total += bytes.length;
    if (total > limit) throw `\`${path}\` is larger than ${limit} bytes`;
    if (eof || bytes.length === 0) break;
  }
  const all = new Uint8Array(total);
  let at = 0;
  for (const chunk of chunks) {
    all.set(chunk, at);
    at += chunk.length;
  }
  return new TextDecoder().decode(all);
}

export const guest = {
  describe() {
    return {
      name: '{{name}}',
      version: '0.1.0',
      description: 'licences of CycloneDX SBOM components outside an allow-list',
      reads: [
        {
          name: 'cyclonedx-json',
          matchers: [{ tag: 'json-keys', val: ['bomFormat', 'specVersion'] }],
        },
      ],
      facts: [
        { name: 'inputs', type: 'long', doc: 'SBOMs read' },
        { name: 'components', type: 'long', doc: 'components in them' },
        { name: 'unlicensed', type: 'long', doc: 'components naming no licence' },
        { name: 'denied', type: 'text-set', doc: 'licences outside the allow-list' },
      ],
    };
  },

  evaluate(artifacts, config) {
    let allow;
    try {
      allow = allowList(config);
    } catch (e) {
      throw e.message;
    }
    const root = bundleRoot();
    const tally = newTally();
    const findings = [];
    for (const artifact of artifacts) {
      let sbom;
      try {
        sbom = JSON.parse(readText(root, artifact.path, MAX_SBOM_BYTES));
      } catch (e) {
        throw `\`${artifact.path}\`: ${e.message ?? e}`;
      }
      const before = tally.offenders.length;
      judge(sbom, allow, tally);
      for (const [component, licence] of tally.offenders.slice(before)) {
        findings.push({
          rule: '{{name}}/denied',
          severity: 'medium',
          message: `${component}: licence ${licence} is not allowed`,
          path: artifact.path,
          line: undefined,
        });
      }
    }
    log('info', `read ${artifacts.length} SBOM(s), ${tally.components} component(s)`);
    return {
      facts: [
        { name: 'inputs', value: { tag: 'long', val: BigInt(artifacts.length) } },
        { name: 'components', value: { tag: 'long', val: BigInt(tally.components) } },
        { name: 'unlicensed', value: { tag: 'long', val: BigInt(tally.unlicensed) } },
        { name: 'denied', value: { tag: 'text-set', val: [...tally.denied].sort() } },
      ],
      findings,
    };
  },
};
