// CNI error values (spec cni-openvnet.md A5). Codes 0-99 are the spec's, ours start at 100.
// One top-level catch (skel.ts) prints a CniError as is and wraps anything else as 999.

export const CNI_CODES = {
  INCOMPATIBLE_VERSION: 1,
  UNSUPPORTED_FIELD: 2,
  UNKNOWN_CONTAINER: 3,
  INVALID_ENV: 4,
  IO_FAILURE: 5,
  DECODE_FAILURE: 6,
  INVALID_CONFIG: 7,
  TRY_AGAIN_LATER: 11,
  NOT_AVAILABLE: 50,
  LIMITED_CONNECTIVITY: 51,
  /** A command (ip, ovs-vsctl, nsenter) failed while plumbing. */
  PLUMBING_FAILED: 100,
  /** OpenVNet refused a record (duplicate MAC/IP/port name, datapath mismatch, …). */
  OPENVNET_REJECTED: 101,
  /** The DHCP client got no lease, or not the address OpenVNet leased. */
  DHCP_FAILED: 102,
  /** CHECK found the attachment missing or different from prevResult. */
  CHECK_FAILED: 103,
  /** ADD for a (container, interface) that is already attached. */
  ALREADY_ATTACHED: 104,
  /** No free address left (lease policy or agent-link range). */
  ADDRESS_EXHAUSTED: 105,
  /** DEL/gc could not remove everything; details list what is left. */
  CLEANUP_INCOMPLETE: 106,
  INTERNAL: 999,
} as const;

export type CniCode = (typeof CNI_CODES)[keyof typeof CNI_CODES];

export class CniError extends Error {
  override readonly name = 'CniError';
  constructor(readonly code: number, readonly msg: string, readonly details?: string) {
    super(details === undefined ? msg : `${msg}: ${details}`);
  }

  /** The wire form, with the cniVersion the caller asked for. */
  toJSON(cniVersion: string): { cniVersion: string; code: number; msg: string; details?: string } {
    return this.details === undefined || this.details === ''
      ? { cniVersion, code: this.code, msg: this.msg }
      : { cniVersion, code: this.code, msg: this.msg, details: this.details };
  }
}

export const invalidConfig = (details: string): CniError => new CniError(CNI_CODES.INVALID_CONFIG, 'invalid network config', details);

/** Anything thrown that is not a CniError becomes 999, as cni pkg/skel does. */
export function toCniError(err: unknown): CniError {
  if (err instanceof CniError) return err;
  const text = err instanceof Error ? err.message : String(err);
  return new CniError(CNI_CODES.INTERNAL, 'internal error', text);
}
