// Service ports (pure): a `portDefinitions[i].port` (or `portMappings[i].servicePort`) of 0 gets a
// port from the range /v2/info advertises (`--local_port_min`…`--local_port_max`, max exclusive as
// in Marathon), unique across apps. A new version of an app first reuses the ports its previous
// version was given that the new definition does not name explicitly, in order, so a config
// change keeps the service ports clients already know.
import type { AppDefinition } from './types';

export interface ServicePortRange { min: number; max: number }

export const DEFAULT_SERVICE_PORT_RANGE: ServicePortRange = { min: 10000, max: 20000 };

export class ServicePortsExhaustedError extends Error {
  constructor(readonly range: ServicePortRange) {
    super(`All ports in the range [${range.min}-${range.max}) are already in use`);
    this.name = 'ServicePortsExhaustedError';
  }
}

/** The app's service ports in declaration order (0 = not yet assigned). */
export function servicePortsOf(app: AppDefinition): number[] {
  const mappings = app.container?.portMappings ?? [];
  if (app.networks.some((n) => n.mode !== 'host') && mappings.length > 0) return mappings.map((p) => p.servicePort);
  return app.portDefinitions.map((p) => p.port);
}

function withServicePorts(app: AppDefinition, ports: number[]): AppDefinition {
  const mappings = app.container?.portMappings ?? [];
  if (app.networks.some((n) => n.mode !== 'host') && mappings.length > 0 && app.container !== undefined) {
    return { ...app, container: { ...app.container, portMappings: mappings.map((p, i) => ({ ...p, servicePort: ports[i] ?? p.servicePort })) } };
  }
  return { ...app, portDefinitions: app.portDefinitions.map((p, i) => ({ ...p, port: ports[i] ?? p.port })) };
}

/**
 * Fills the zero service ports of `app`. `taken` holds every service port other apps use (it is
 * extended with the ports given out, so a batch of apps can share one set); `previous` is the
 * stored version of the same app, if any. Throws ServicePortsExhaustedError when the range is full.
 */
export function assignServicePorts(
  app: AppDefinition, previous: AppDefinition | undefined, taken: Set<number>, range: ServicePortRange = DEFAULT_SERVICE_PORT_RANGE,
): AppDefinition {
  const wanted = servicePortsOf(app);
  if (!wanted.includes(0)) {
    for (const p of wanted) taken.add(p);
    return app;
  }
  const inRange = (p: number): boolean => p >= range.min && p < range.max;
  const explicit = new Set(wanted.filter((p) => p !== 0));
  const reusable = (previous === undefined ? [] : servicePortsOf(previous)).filter((p) => inRange(p) && !explicit.has(p));
  let cursor = range.min;
  const next = (): number => {
    while (reusable.length > 0) {
      const p = reusable.shift() as number;
      if (!taken.has(p)) { taken.add(p); return p; }
    }
    while (cursor < range.max && taken.has(cursor)) cursor++;
    if (cursor >= range.max) throw new ServicePortsExhaustedError(range);
    taken.add(cursor);
    return cursor++;
  };
  for (const p of explicit) taken.add(p);
  return withServicePorts(app, wanted.map((p) => (p === 0 ? next() : p)));
}
