// CNI spec versions the driver speaks, and which result shape each one gets (spec A4).
import { CniError, CNI_CODES } from './errors';

export const SUPPORTED_VERSIONS = ['0.1.0', '0.2.0', '0.3.0', '0.3.1', '0.4.0', '1.0.0', '1.1.0'] as const;
export type CniVersion = (typeof SUPPORTED_VERSIONS)[number];

/** `legacy` = ip4/ip6 (0.1-0.2), `versioned` = ips[] with `version` (0.3-0.4), `current` = 1.x. */
export type ResultShape = 'legacy' | 'versioned' | 'current';

/** Mesos may send no cniVersion: answer as 0.2.0, the only shape it reads. */
export const DEFAULT_VERSION: CniVersion = '0.2.0';

export function isSupportedVersion(v: unknown): v is CniVersion {
  return typeof v === 'string' && (SUPPORTED_VERSIONS as readonly string[]).includes(v);
}

export function requireVersion(v: unknown): CniVersion {
  if (v === undefined || v === null || v === '') return DEFAULT_VERSION;
  if (!isSupportedVersion(v)) {
    throw new CniError(CNI_CODES.INCOMPATIBLE_VERSION, 'incompatible CNI versions',
      `config is "${typeof v === 'string' ? v.slice(0, 32) : typeof v}", plugin supports ${SUPPORTED_VERSIONS.join(', ')}`);
  }
  return v;
}

export function shapeOf(v: CniVersion): ResultShape {
  if (v === '0.1.0' || v === '0.2.0') return 'legacy';
  if (v === '1.0.0' || v === '1.1.0') return 'current';
  return 'versioned';
}

/** CHECK exists from 0.4.0 on. */
export function supportsCheck(v: CniVersion): boolean {
  return v === '0.4.0' || v === '1.0.0' || v === '1.1.0';
}

/** GC and STATUS exist from 1.1.0 on. */
export function supportsGcStatus(v: CniVersion): boolean {
  return v === '1.1.0';
}

export function versionAnswer(requested: unknown): { cniVersion: string; supportedVersions: string[] } {
  const cniVersion = isSupportedVersion(requested) ? requested : '1.1.0';
  return { cniVersion, supportedVersions: [...SUPPORTED_VERSIONS] };
}
