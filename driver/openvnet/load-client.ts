// Loads the OpenVNet client (and with it axios) for a short-lived plugin process. When axios'
// module loads it probes its fetch adapter and notes the global FormData class, and touching
// those globals makes node 20 load its bundled undici (25-45 ms of every ADD and DEL) and its
// web streams (~4 ms), for an adapter the driver never uses (on node, axios picks its http
// adapter first; our bodies are form-encoded strings, and axios still recognises FormData
// objects by shape). So axios loads seeing no fetch API; the globals are put back unchanged
// right after.
import type * as ClientModule from '../../src/openvnet/client';

const FETCH_GLOBALS = ['fetch', 'Request', 'Response', 'Headers', 'FormData', 'ReadableStream'] as const;

export function loadClientModule(): typeof ClientModule {
  const g = globalThis as Record<string, unknown>;
  const saved = FETCH_GLOBALS.map((name) => [name, Object.getOwnPropertyDescriptor(g, name)] as const);
  for (const [name, d] of saved) {
    if (d === undefined || d.configurable === true) Object.defineProperty(g, name, { value: undefined, configurable: true, writable: true, enumerable: false });
  }
  try {
    return require('../../src/openvnet/client') as typeof ClientModule;
  } finally {
    for (const [name, d] of saved) {
      if (d === undefined) delete g[name];
      else if (d.configurable === true) Object.defineProperty(g, name, d);
    }
  }
}
