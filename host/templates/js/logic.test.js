import assert from 'node:assert/strict';
import { test } from 'node:test';

import { allowList, allowed, judge, newTally } from './logic.js';

test('expressions follow OR and AND', () => {
  const allow = new Set(['MIT', 'Apache-2.0']);
  assert.ok(allowed('MIT', allow));
  assert.ok(allowed('GPL-3.0-only OR MIT', allow));
  assert.ok(allowed('(MIT AND Apache-2.0)', allow));
  assert.ok(!allowed('MIT AND GPL-3.0-only', allow));
  assert.ok(!allowed('BSD-2-Clause', allow));
});

test('components outside the list are denied', () => {
  const sbom = {
    bomFormat: 'CycloneDX',
    specVersion: '1.6',
    components: [
      { name: 'a', version: '1', licenses: [{ license: { id: 'MIT' } }] },
      {
        name: 'b',
        version: '2',
        licenses: [{ expression: 'GPL-3.0-only' }],
        components: [{ name: 'c', licenses: [{ license: { name: 'Custom' } }] }],
      },
      { name: 'd' },
    ],
  };
  const tally = newTally();
  judge(sbom, new Set(['MIT']), tally);
  assert.equal(tally.components, 4);
  assert.equal(tally.unlicensed, 1);
  assert.deepEqual([...tally.denied].sort(), ['Custom', 'GPL-3.0-only']);
  assert.equal(tally.offenders.length, 2);
});

test('the config must name the allowed licences', () => {
  assert.throws(() => allowList('{}'));
  assert.throws(() => allowList('{"allowed": [1]}'));
  assert.deepEqual([...allowList('{"allowed": ["MIT"]}')], ['MIT']);
});
