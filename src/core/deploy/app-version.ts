// One stored version of an app: the normalised definition plus the response-only version fields.
import type { AppDefinition } from '../apps/types';

export interface VersionInfo { lastScalingAt: string; lastConfigChangeAt: string }

export interface AppVersion {
  app: AppDefinition;
  /** ISO-8601 timestamp of this version. */
  version: string;
  versionInfo: VersionInfo;
}

export type ChangeKind = 'none' | 'scale' | 'upgrade';

/** The next stored version of an app after a change of the given kind (spec §3.1). */
export function nextVersion(prev: AppVersion | undefined, app: AppDefinition, kind: ChangeKind | 'create' | 'restart', now: string): AppVersion {
  if (prev === undefined || kind === 'create') {
    return { app, version: now, versionInfo: { lastScalingAt: now, lastConfigChangeAt: now } };
  }
  if (kind === 'scale') {
    return { app, version: now, versionInfo: { lastScalingAt: now, lastConfigChangeAt: prev.versionInfo.lastConfigChangeAt } };
  }
  if (kind === 'none') return { ...prev, app, version: now };
  return { app, version: now, versionInfo: { lastScalingAt: now, lastConfigChangeAt: now } };
}

/** Converts a Date or epoch ms to Marathon's timestamp form (ISO-8601 UTC with milliseconds). */
export function isoTimestamp(t: number | Date): string {
  return (typeof t === 'number' ? new Date(t) : t).toISOString();
}
