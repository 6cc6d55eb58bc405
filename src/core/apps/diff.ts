// What a change to an app means for its running tasks (spec marathon-api.md §8.1), and Marathon's
// partial update (PUT ?partialUpdate=true, PATCH): top-level fields of the body replace the
// current ones; absent fields keep their current value.

import type { AppDefinition, JsonObject, JsonValue } from './types';
import { isHostNetworking, normalizeApp } from './normalize';

export type ChangeKind = 'none' | 'scale' | 'upgrade';

/** JSON with object keys sorted and undefined members dropped, for order-insensitive equality. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map((v) => canonicalJson(v)).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** Fields whose change is not an upgrade: the identity and the instance count. */
const NOT_UPGRADE: ReadonlySet<string> = new Set(['id', 'instances']);

/** The top-level fields that differ between two stored definitions of one app. */
export function changedFields(oldApp: AppDefinition, newApp: AppDefinition): string[] {
  const keys = new Set([...Object.keys(oldApp), ...Object.keys(newApp)]);
  const oldRecord: Record<string, unknown> = { ...oldApp };
  const newRecord: Record<string, unknown> = { ...newApp };
  return [...keys].filter((key) => canonicalJson(oldRecord[key]) !== canonicalJson(newRecord[key])).sort();
}

/**
 * 'scale' when only `instances` changed, 'upgrade' when anything else did (tasks must be replaced:
 * cmd, resources, container incl. networkInterfaces, labels, strategies, …), 'none' otherwise.
 * Different ids are different apps: 'upgrade'.
 */
export function classifyChange(oldApp: AppDefinition, newApp: AppDefinition): ChangeKind {
  if (oldApp.id !== newApp.id) return 'upgrade';
  const changed = changedFields(oldApp, newApp);
  if (changed.some((field) => !NOT_UPGRADE.has(field))) return 'upgrade';
  return changed.includes('instances') ? 'scale' : 'none';
}

function has(obj: JsonObject, key: string): boolean {
  return obj[key] !== undefined;
}

function isObject(value: JsonValue | undefined): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The raw body of a partial update merged over the current definition, ready for normalizeApp.
 * Keeps the result consistent where a field of the body supersedes another stored one:
 * - legacy networking in the body (`ipAddress`, `container.docker.network`) replaces `networks`;
 *   deprecated `uris` replaces `fetch`, deprecated `ports` replaces `portDefinitions`;
 * - a top-level `networkInterfaces` replaces the interfaces inside the current container;
 * - when the body changes networking without giving ports and the result is no longer host
 *   networking, the stored portDefinitions are dropped (they only exist for host networking).
 * A top-level `null` means "not given", as in Marathon's AppUpdate (every field optional, JSON null
 * read as absent, absent keeps the current value): the stock UI's edit form sends `"container": null`
 * for apps it has no container form for, which must not drop their container (networkInterfaces).
 */
export function mergePartial(current: AppDefinition, rawPatch: JsonObject): JsonObject {
  const patch: JsonObject = Object.fromEntries(Object.entries(rawPatch).filter(([, v]) => v !== null));
  const merged = JSON.parse(JSON.stringify(current)) as JsonObject;
  for (const [key, value] of Object.entries(patch)) merged[key] = value;

  const patchContainer = patch.container;
  const legacyNetwork = has(patch, 'ipAddress')
    || (isObject(patchContainer) && isObject(patchContainer.docker) && has(patchContainer.docker, 'network'));
  if (legacyNetwork && !has(patch, 'networks')) delete merged.networks;
  if (has(patch, 'uris') && !has(patch, 'fetch')) delete merged.fetch;
  if (has(patch, 'ports') && !has(patch, 'portDefinitions')) delete merged.portDefinitions;

  if (has(patch, 'networkInterfaces') && !has(patch, 'container') && isObject(merged.container)) {
    const container: JsonObject = { ...merged.container, networkInterfaces: patch.networkInterfaces as JsonValue };
    merged.container = container;
    delete merged.networkInterfaces;
  }

  const touchesNetworking = ['networks', 'ipAddress', 'networkInterfaces', 'container'].some((k) => has(patch, k));
  if (touchesNetworking && !has(patch, 'portDefinitions') && !has(patch, 'ports')) {
    const withoutPorts: JsonObject = { ...merged };
    delete withoutPorts.portDefinitions;
    const probe = normalizeApp(withoutPorts);
    if ('app' in probe && !isHostNetworking(probe.app)) delete merged.portDefinitions;
  }
  return merged;
}
