// The judgement of `{{name}}`, in plain JavaScript: tested with `node --test`,
// no WebAssembly needed. `app.js` adapts it to the stagegate contract.

/** One alternative of an OR is enough; every part of an AND (or WITH) must be allowed. */
export function allowed(expression, allow) {
  const cleaned = expression.replaceAll('(', ' ').replaceAll(')', ' ');
  return cleaned.split(' OR ').some((alternative) =>
    alternative.split(' AND ').every((part) => allow.has(part.split(' WITH ')[0].trim())),
  );
}

/** The allow-list from the plugin's configuration (a JSON object text). */
export function allowList(config) {
  let settings;
  try {
    settings = JSON.parse(config);
  } catch (e) {
    throw new Error(`config is not JSON: ${e.message}`);
  }
  const values = settings && typeof settings === 'object' ? settings.allowed : undefined;
  if (!Array.isArray(values)) throw new Error('config needs `allowed`, a list of SPDX licence ids');
  if (!values.every((v) => typeof v === 'string')) throw new Error('`allowed` must hold only strings');
  return new Set(values);
}

export function newTally() {
  return { components: 0, unlicensed: 0, denied: new Set(), offenders: [] };
}

/** Adds one CycloneDX JSON SBOM to `tally`, nested components included. */
export function judge(sbom, allow, tally) {
  const stack = [sbom];
  while (stack.length > 0) {
    const node = stack.pop();
    const components = node && typeof node === 'object' ? node.components : undefined;
    if (!Array.isArray(components)) continue;
    for (const component of components) {
      if (!component || typeof component !== 'object') continue;
      stack.push(component);
      tally.components += 1;
      const name = `${component.name ?? '?'}@${component.version ?? ''}`;
      const licences = [];
      for (const entry of Array.isArray(component.licenses) ? component.licenses : []) {
        if (!entry || typeof entry !== 'object') continue;
        if (typeof entry.expression === 'string') {
          licences.push(entry.expression);
          continue;
        }
        const value = entry.license?.id ?? entry.license?.name;
        if (typeof value === 'string') licences.push(value);
      }
      if (licences.length === 0) tally.unlicensed += 1;
      for (const licence of licences) {
        if (!allowed(licence, allow)) {
          tally.denied.add(licence);
          tally.offenders.push([name, licence]);
        }
      }
    }
  }
}
