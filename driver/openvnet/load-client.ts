// Loads the OpenVNet client for a short-lived plugin process, only when a config names an
// OpenVNet API. The plugin gives it node's own http as transport (./http-transport.ts), so axios
// (and, through its fetch-adapter probe, node's bundled undici) is never loaded by the driver.
import type * as ClientModule from '../../src/lib/openvnet/client';

export function loadClientModule(): typeof ClientModule {
  return require('../../src/lib/openvnet/client') as typeof ClientModule;
}
