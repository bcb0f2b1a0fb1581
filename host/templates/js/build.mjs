// Builds app.js (and what it imports) into plugin.wasm with componentize-js.
// `stagegate plugin build` runs this; so does `npm run build`.
import { componentize } from '@bytecodealliance/componentize-js';
import { writeFile } from 'node:fs/promises';

const { component } = await componentize({
  sourcePath: 'app.js',
  witPath: 'wit',
  worldName: 'plugin-js',
  // A pure component: no WASI beyond the bundle's file system.
  disableFeatures: ['random', 'stdio', 'clocks', 'http', 'fetch-event'],
});
await writeFile('plugin.wasm', component);
