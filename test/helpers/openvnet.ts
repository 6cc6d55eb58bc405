// Fixtures for tests of the embedded OpenVNet webapi (src/sim/openvnet).
import assert from 'node:assert/strict';
import { VnetApiError } from '../../src/lib/openvnet/errors';

/** `status/code` of the VnetApiError that `f` throws, 'ok' when it returns; any other error fails. */
export function vnetFailure(f: () => unknown): string {
  try {
    f();
  } catch (err) {
    assert.ok(err instanceof VnetApiError, String(err));
    return `${err.status}/${err.code}`;
  }
  return 'ok';
}
