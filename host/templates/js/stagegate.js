// Helpers for stagegate plugins in JavaScript, with the concepts of the Rust
// SDK (stagegate-sdk): metadata, matchers, reading artifacts from the
// read-only bundle (in chunks), a facts builder, findings with file and line,
// the plugin's config as a parsed object, and logging through the host.
// The names mirror wit/plugin.wit; stagegate's test suite checks that every
// fact type, severity, matcher and log level of the contract is covered.
import { log as hostLog } from 'stagegate:plugin/host@0.1.0';
import { getDirectories } from 'wasi:filesystem/preopens@0.2.12';

// wit: enum fact-type
export const FACT_TYPES = ['boolean', 'long', 'text', 'text-set', 'decimal'];
// wit: enum severity
export const SEVERITIES = ['info', 'low', 'medium', 'high', 'critical'];
// wit: enum log-level
export const LOG_LEVELS = ['debug', 'info', 'warn', 'error'];
// wit: variant matcher
export const matchers = {
  'xml-root': (root) => ({ tag: 'xml-root', val: root }),
  'json-keys': (...keys) => ({ tag: 'json-keys', val: keys }),
  'yaml-keys': (...keys) => ({ tag: 'yaml-keys', val: keys }),
  glob: (pattern) => ({ tag: 'glob', val: pattern }),
  'text-prefix': (prefix) => ({ tag: 'text-prefix', val: prefix }),
  'any-text': () => ({ tag: 'any-text' }),
};

function check(value, allowed, what) {
  if (!allowed.includes(value)) throw `unknown ${what} \`${value}\` (one of ${allowed.join(', ')})`;
  return value;
}

/** `reads` maps a kind name to its matchers; `facts` are [name, type, doc]. */
export function metadata(name, version, description, reads, facts) {
  return {
    name,
    version,
    description,
    reads: Object.entries(reads).map(([kind, list]) => ({ name: kind, matchers: list })),
    facts: facts.map(([fact, type, doc]) => ({ name: fact, type: check(type, FACT_TYPES, 'fact type'), doc })),
  };
}

/** The plugin's configuration as an object; anything else is an error. */
export function config(text) {
  let value;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw `config is not JSON: ${e.message}`;
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw 'config must be a JSON object';
  return value;
}

let root;
function bundle() {
  if (root === undefined) {
    const found = getDirectories().find(([, path]) => path === '/bundle');
    if (found === undefined) throw 'the sandbox has no /bundle';
    root = found[0];
  }
  return root;
}

/** Calls `onChunk(bytes)` for each 64 KiB chunk of the artifact, refusing more than `limit` bytes. */
export function readChunks(artifact, limit, onChunk) {
  let fd;
  try {
    fd = bundle().openAt({}, artifact.path, {}, { read: true });
  } catch (e) {
    throw `cannot open \`${artifact.path}\`: ${e?.payload ?? e}`;
  }
  let total = 0;
  for (;;) {
    const [bytes, eof] = fd.read(65536n, BigInt(total));
    total += bytes.length;
    if (total > limit) throw `\`${artifact.path}\` is larger than ${limit} bytes`;
    if (bytes.length > 0) onChunk(bytes);
    if (eof || bytes.length === 0) return total;
  }
}

/** The artifact as UTF-8 text, refusing more than `limit` bytes. */
export function readText(artifact, limit) {
  const decoder = new TextDecoder();
  let text = '';
  readChunks(artifact, limit, (bytes) => {
    text += decoder.decode(bytes, { stream: true });
  });
  return text + decoder.decode();
}

/** The artifact parsed as JSON, refusing more than `limit` bytes. */
export function readJson(artifact, limit) {
  try {
    return JSON.parse(readText(artifact, limit));
  } catch (e) {
    if (typeof e === 'string') throw e;
    throw `\`${artifact.path}\` is not JSON: ${e.message}`;
  }
}

/** A finding; `severity` is one of SEVERITIES, `line` is 1-based. */
export function finding(rule, severity, message, path, line) {
  return { rule, severity: check(severity, SEVERITIES, 'severity'), message, path, line };
}

/** Builds the facts of one evaluation, in order. */
export class Facts {
  #facts = [];
  boolean(name, value) { this.#facts.push({ name, value: { tag: 'boolean', val: Boolean(value) } }); return this; }
  long(name, value) { this.#facts.push({ name, value: { tag: 'long', val: BigInt(value) } }); return this; }
  text(name, value) { this.#facts.push({ name, value: { tag: 'text', val: String(value) } }); return this; }
  textSet(name, values) { this.#facts.push({ name, value: { tag: 'text-set', val: [...new Set(values)].sort() } }); return this; }
  decimal(name, value) { this.#facts.push({ name, value: { tag: 'decimal', val: String(value) } }); return this; }
  evaluation(findings = []) { return { facts: this.#facts, findings }; }
}

/** A line in the plugin's log (bounded by the host; shown in the report). */
export function log(level, message) {
  hostLog(check(level, LOG_LEVELS, 'log level'), message);
}
