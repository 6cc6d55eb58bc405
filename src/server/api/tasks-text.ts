// GET /v2/tasks as text/plain: the documented endpoint list older tools (haproxy bridges, shell
// scripts) parse. One line per app and service port: `<id with / as _>\t<servicePort>\t` followed
// by `host:hostPort\t` per running task; an app without ports gets one line `<id>\t \t` listing
// task hosts. A container-network port without a host port lists `taskIp:containerPort` for the
// networks named in `containerNetworks` (`*` = all, default none), as Marathon's text format did.
import type { AppDefinition } from '../../core/apps/types';
import type { Instance } from '../../core/scheduler/instance';

export interface TextApp {
  app: AppDefinition;
  /** The app's launched instances. */
  instances: readonly Instance[];
}

function cleanId(id: string): string {
  return id.split('/').filter((s) => s !== '').join('_');
}

/** Network names an app joins: named container networks and networkInterfaces. */
function containerNetworkNames(app: AppDefinition): string[] {
  const fromNetworks = app.networks.filter((n) => n.mode === 'container' && n.name !== undefined).map((n) => n.name as string);
  const fromInterfaces = (app.container?.networkInterfaces ?? []).map((i) => i.networkName);
  return [...fromNetworks, ...fromInterfaces];
}

function isHostNetworked(app: AppDefinition): boolean {
  return (app.container?.networkInterfaces?.length ?? 0) === 0 && app.networks.every((n) => n.mode === 'host');
}

export function renderTasksText(apps: readonly TextApp[], containerNetworks: string | undefined): string {
  const wanted = new Set((containerNetworks ?? '').split(',').map((s) => s.trim()).filter((s) => s !== ''));
  const networkWanted = (name: string): boolean => wanted.has('*') || wanted.has(name);
  let out = '';
  for (const { app, instances } of apps) {
    const id = cleanId(app.id);
    const running = instances.filter((i) => i.state === 'TASK_RUNNING');
    const host = isHostNetworked(app);
    const mappings = app.container?.portMappings ?? [];
    const fromTasks = instances.find((i) => i.servicePorts.length > 0)?.servicePorts;
    const servicePorts = fromTasks ?? (host ? app.portDefinitions.map((p) => p.port) : mappings.map((m) => m.servicePort));
    if (servicePorts.length === 0) {
      out += `${id}\t \t${running.map((i) => `${i.host ?? ''}\t`).join('')}\n`;
      continue;
    }
    servicePorts.forEach((servicePort, index) => {
      let line = `${id}\t${servicePort}\t`;
      const mapping = host ? undefined : mappings[index];
      const hostPortAt = (i: Instance, at: number): string => (i.ports[at] === undefined ? '' : `${i.host ?? ''}:${i.ports[at]}\t`);
      if (mapping !== undefined && mapping.hostPort === undefined) {
        const names = mapping.networkNames ?? containerNetworkNames(app);
        if (names.some(networkWanted)) {
          for (const i of running) {
            const ip = i.ipAddresses[0]?.ipAddress;
            if (ip !== undefined) line += `${ip}:${mapping.containerPort}\t`;
          }
        }
      } else if (mapping !== undefined) {
        const at = mappings.slice(0, index).filter((m) => m.hostPort !== undefined).length;
        for (const i of running) line += hostPortAt(i, at);
      } else {
        for (const i of running) line += hostPortAt(i, index);
      }
      out += `${line}\n`;
    });
  }
  return out;
}
