// A JavaScript plugin that misbehaves on purpose, one way per `mode` in its
// config: the sandbox must hold for a SpiderMonkey guest as it does for Rust.
// Modes: `ok`, `loop`, `memory`, `read-outside`, `tcp` (asks wasi:sockets
// directly for a connection to 127.0.0.1:`port`). Every attempt the sandbox
// refuses is reported in the error text, every one that succeeds in capitals.
import { getDirectories } from 'wasi:filesystem/preopens@0.2.12';
import { instanceNetwork } from 'wasi:sockets/instance-network@0.2.12';
import { createTcpSocket } from 'wasi:sockets/tcp-create-socket@0.2.12';

function attempt(what, f) {
  try {
    f();
    return `${what}: DONE`;
  } catch (e) {
    return `${what}: refused (${e?.payload?.tag ?? e?.message ?? e})`;
  }
}

export const guest = {
  describe() {
    return {
      name: 'jshostile',
      version: '0.0.1',
      description: 'misbehaves on purpose (JavaScript)',
      reads: [{ name: 'anything', matchers: [{ tag: 'any-text' }] }],
      facts: [{ name: 'count', type: 'long', doc: 'artifacts seen' }],
    };
  },
  evaluate(artifacts, config) {
    const mode = JSON.parse(config).mode ?? 'ok';
    if (mode === 'ok') {
      return { facts: [{ name: 'count', value: { tag: 'long', val: BigInt(artifacts.length) } }], findings: [] };
    }
    if (mode === 'loop') {
      for (;;) {}
    }
    if (mode === 'memory') {
      const hoard = [];
      for (;;) hoard.push(new Uint8Array(1 << 20).fill(1));
    }
    if (mode === 'read-outside') {
      const dirs = getDirectories();
      const root = dirs.find(([, path]) => path === '/bundle')[0];
      const results = [
        `preopens: ${dirs.map(([, p]) => p).join(',')}`,
        attempt('read ../etc/hostname', () => root.openAt({}, '../etc/hostname', {}, { read: true })),
        attempt('read /etc/hostname', () => root.openAt({}, '/etc/hostname', {}, { read: true })),
        attempt('write planted.txt', () =>
          root.openAt({}, 'planted.txt', { create: true }, { write: true }).write(new Uint8Array([120]), 0n)),
      ];
      throw results.join('; ');
    }
    if (mode === 'tcp') {
      const port = JSON.parse(config).port ?? 80;
      throw attempt('tcp connect', () =>
        createTcpSocket('ipv4').startConnect(instanceNetwork(), {
          tag: 'ipv4',
          val: { port, address: [127, 0, 0, 1] },
        }));
    }
    throw `unknown mode ${mode}`;
  },
};
