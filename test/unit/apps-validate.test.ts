import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { normalizeApp } from '../../src/core/apps/normalize';
import { checkAddressConflicts, toMarathonDetails, validateApp } from '../../src/core/apps/validate';
import type { AppDefinition, ValidationFacts, Violation } from '../../src/core/apps/types';

// Test rows mutate plain JSON freely; `any` stays inside this file.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Raw = { [key: string]: any };

const NETWORKS = new Map([
  ['nw-vnet1', { subnet: '10.100.0.0/24' }],
  ['nw-vnet2', { subnet: '10.0.0.0/24' }],
  ['nw-vnet3', { subnet: '192.168.0.0/24' }],
]);
const FACTS: ValidationFacts = { networks: NETWORKS, agentLink: 'vnet-agent-link' };

const SAMPLES = path.resolve(__dirname, '../../../samples/apps');
function sample(name: string): Raw {
  return JSON.parse(fs.readFileSync(path.join(SAMPLES, `${name}.json`), 'utf8')) as Raw;
}

/** The original two-interface request: eth0 DHCP on nw-vnet1, eth1 static on nw-vnet3. */
function vnettest(change: (app: Raw) => void = () => undefined): Raw {
  const app = sample('vnettest');
  change(app);
  return app;
}

/** A plain Marathon app without interfaces. */
function plain(change: (app: Raw) => void = () => undefined): Raw {
  const app: Raw = { id: '/web/nginx', cmd: 'nginx -g "daemon off;"', cpus: 0.5, mem: 64 };
  change(app);
  return app;
}

function iface(app: Raw, i: number): Raw {
  return app.container.networkInterfaces[i] as Raw;
}

function violationsOf(raw: unknown, facts: ValidationFacts = FACTS): Violation[] {
  const normalized = normalizeApp(raw);
  if ('violations' in normalized) return normalized.violations;
  return validateApp(normalized.app, facts);
}

function pathsOf(raw: unknown, facts: ValidationFacts = FACTS): string[] {
  return [...new Set(violationsOf(raw, facts).map((v) => v.path))].sort();
}

function normalized(raw: unknown): AppDefinition {
  const result = normalizeApp(raw);
  if ('violations' in result) assert.fail(`unexpected violations ${JSON.stringify(result.violations)}`);
  return result.app;
}

interface Row { name: string; app: Raw | unknown; paths: string[]; facts?: ValidationFacts; message?: RegExp }

const I0 = '/container/networkInterfaces(0)';
const I1 = '/container/networkInterfaces(1)';

const rows: Row[] = [
  // --- JSON types
  { name: 'whole body is an array', app: [], paths: ['/'] },
  { name: 'id is a number', app: plain((a) => { a.id = 42; }), paths: ['/id'], message: /error\.expected\.jsstring/ },
  { name: 'instances is a string', app: plain((a) => { a.instances = '3'; }), paths: ['/instances'], message: /jsnumber/ },
  { name: 'cpus is a string', app: plain((a) => { a.cpus = 'lots'; }), paths: ['/cpus'] },
  { name: 'env value is a number', app: plain((a) => { a.env = { FOO: 1 }; }), paths: ['/env/FOO'] },
  { name: 'label value is a number', app: plain((a) => { a.labels = { a: 1 }; }), paths: ['/labels/a'] },
  { name: 'args is not an array', app: plain((a) => { delete a.cmd; a.args = 'ls -l'; }), paths: ['/args'] },
  { name: 'args element is not a string', app: plain((a) => { delete a.cmd; a.args = ['ls', 7]; }), paths: ['/args(1)'] },
  { name: 'constraint is not an array', app: plain((a) => { a.constraints = ['hostname:UNIQUE']; }), paths: ['/constraints(0)'] },
  { name: 'constraint with one field', app: plain((a) => { a.constraints = [['hostname']]; }), paths: ['/constraints(0)'] },
  { name: 'requirePorts is a string', app: plain((a) => { a.requirePorts = 'yes'; }), paths: ['/requirePorts'] },
  { name: 'upgradeStrategy capacity is a string', app: plain((a) => { a.upgradeStrategy = { minimumHealthCapacity: 'half' }; }), paths: ['/upgradeStrategy/minimumHealthCapacity'] },
  { name: 'docker image is a number', app: vnettest((a) => { a.container.docker.image = 5; }), paths: ['/container/docker/image'] },
  { name: 'networkInterfaces is an object', app: vnettest((a) => { a.container.networkInterfaces = { eth0: {} }; }), paths: ['/container/networkInterfaces'] },
  { name: 'interface entry is a string', app: vnettest((a) => { a.container.networkInterfaces[0] = 'nw-vnet1'; }), paths: [I0] },
  { name: 'interface mtu is a string', app: vnettest((a) => { iface(a, 1).mtu = '1500'; }), paths: [`${I1}/mtu`] },
  { name: 'ipAddresses is a string', app: vnettest((a) => { delete iface(a, 1).ipAddress; iface(a, 1).ipAddresses = '192.168.0.10'; }), paths: [`${I1}/ipAddresses`] },
  { name: 'route entry is a string', app: vnettest((a) => { iface(a, 1).routes = ['10.0.0.0/8 via 192.168.0.1']; }), paths: [`${I1}/routes(0)`] },
  { name: 'top-level networkInterfaces entry has a numeric networkName', app: plain((a) => { a.networkInterfaces = [{ networkName: 1 }]; }), paths: ['/networkInterfaces(0)/networkName'] },

  // --- ids
  { name: 'id with upper-case letters', app: plain((a) => { a.id = '/Web/nginx'; }), paths: ['/id'] },
  { name: 'id segment ending in a hyphen', app: plain((a) => { a.id = '/web-/nginx'; }), paths: ['/id'] },
  { name: 'id with an underscore', app: plain((a) => { a.id = '/web_app'; }), paths: ['/id'] },
  { name: 'id ending in reserved segment restart', app: plain((a) => { a.id = '/web/restart'; }), paths: ['/id'] },
  { name: 'id ending in reserved segment tasks', app: plain((a) => { a.id = '/web/tasks'; }), paths: ['/id'] },
  { name: 'id ending in reserved segment versions', app: plain((a) => { a.id = 'versions'; }), paths: ['/id'] },
  { name: 'id ending in ..', app: plain((a) => { a.id = '/web/..'; }), paths: ['/id'] },
  { name: 'id missing', app: plain((a) => { delete a.id; }), paths: ['/id'] },
  { name: 'id is the root group', app: plain((a) => { a.id = '//'; }), paths: ['/id'] },

  // --- command
  { name: 'cmd and args both given', app: plain((a) => { a.args = ['nginx']; }), paths: ['/'] },
  { name: 'no cmd, no args, no container', app: plain((a) => { delete a.cmd; }), paths: ['/'] },

  // --- numeric ranges
  { name: 'negative instances', app: plain((a) => { a.instances = -1; }), paths: ['/instances'] },
  { name: 'fractional instances', app: plain((a) => { a.instances = 1.5; }), paths: ['/instances'] },
  { name: 'cpus of zero', app: plain((a) => { a.cpus = 0; }), paths: ['/cpus'] },
  { name: 'negative mem', app: plain((a) => { a.mem = -64; }), paths: ['/mem'] },
  { name: 'negative disk', app: plain((a) => { a.disk = -1; }), paths: ['/disk'] },
  { name: 'gpus with the DOCKER container type', app: vnettest((a) => { a.gpus = 1; }), paths: ['/gpus'] },
  { name: 'backoffFactor below 1', app: plain((a) => { a.backoffFactor = 0.5; }), paths: ['/backoffFactor'] },
  { name: 'negative backoffSeconds', app: plain((a) => { a.backoffSeconds = -1; }), paths: ['/backoffSeconds'] },
  { name: 'negative maxLaunchDelaySeconds', app: plain((a) => { a.maxLaunchDelaySeconds = -5; }), paths: ['/maxLaunchDelaySeconds'] },
  { name: 'minimumHealthCapacity above 1', app: plain((a) => { a.upgradeStrategy = { minimumHealthCapacity: 1.5 }; }), paths: ['/upgradeStrategy/minimumHealthCapacity'], message: /^is greater than 1$/ },
  { name: 'maximumOverCapacity below 0', app: plain((a) => { a.upgradeStrategy = { maximumOverCapacity: -0.1 }; }), paths: ['/upgradeStrategy/maximumOverCapacity'], message: /^is less than 0$/ },
  { name: 'unreachable inactive after expunge', app: plain((a) => { a.unreachableStrategy = { inactiveAfterSeconds: 600, expungeAfterSeconds: 60 }; }), paths: ['/unreachableStrategy/inactiveAfterSeconds'] },
  { name: 'unreachableStrategy unknown word', app: plain((a) => { a.unreachableStrategy = 'never'; }), paths: ['/unreachableStrategy'] },
  { name: 'killSelection not in the enum', app: plain((a) => { a.killSelection = 'RANDOM'; }), paths: ['/killSelection'] },
  { name: 'negative taskKillGracePeriodSeconds', app: plain((a) => { a.taskKillGracePeriodSeconds = -2; }), paths: ['/taskKillGracePeriodSeconds'] },

  // --- constraints
  { name: 'unknown constraint operator', app: plain((a) => { a.constraints = [['hostname', 'SPREAD']]; }), paths: ['/constraints(0)'] },
  { name: 'LIKE with an invalid regex', app: plain((a) => { a.constraints = [['rack', 'like', 'rack-[1-']]; }), paths: ['/constraints(0)'] },
  { name: 'LIKE without a value', app: plain((a) => { a.constraints = [['rack', 'LIKE']]; }), paths: ['/constraints(0)'] },
  { name: 'MAX_PER with a non-integer value', app: plain((a) => { a.constraints = [['hostname', 'UNIQUE'], ['rack', 'MAX_PER', 'two']]; }), paths: ['/constraints(1)'] },
  { name: 'UNIQUE with a value', app: plain((a) => { a.constraints = [['hostname', 'UNIQUE', 'x']]; }), paths: ['/constraints(0)'] },
  { name: 'IS with a value Mesos cannot hold', app: plain((a) => { a.constraints = [['os', 'IS', 'debian 12']]; }), paths: ['/constraints(0)'] },
  { name: 'GROUP_BY with a non-integer value', app: plain((a) => { a.constraints = [['zone', 'GROUP_BY', 'all']]; }), paths: ['/constraints(0)'] },

  // --- misc Marathon rules
  { name: 'env secret reference to an undefined secret', app: plain((a) => { a.env = { DB_PASS: { secret: 'db' } }; }), paths: ['/env/DB_PASS'] },
  { name: 'secret with an empty source', app: plain((a) => { a.secrets = { db: { source: '' } }; a.env = { DB_PASS: { secret: 'db' } }; }), paths: ['/secrets/db/source'] },
  { name: 'two readiness checks', app: plain((a) => { a.readinessChecks = [{ name: 'a' }, { name: 'b' }]; }), paths: ['/readinessChecks'] },
  { name: 'health check with an unknown protocol', app: plain((a) => { a.healthChecks = [{ protocol: 'gopher' }]; }), paths: ['/healthChecks(0)/protocol'] },
  { name: 'dependency with an invalid id', app: plain((a) => { a.dependencies = ['/DB']; }), paths: ['/dependencies(0)'] },
  { name: 'resource limit below the request', app: plain((a) => { a.resourceLimits = { cpus: 0.25 }; }), paths: ['/resourceLimits/cpus'] },
  { name: 'fetch with an empty uri', app: plain((a) => { a.fetch = [{ uri: '' }]; }), paths: ['/fetch(0)/uri'] },
  { name: 'deprecated uris mixed with fetch', app: plain((a) => { a.fetch = [{ uri: 'http://x/a' }]; a.uris = ['http://x/b']; }), paths: ['/uris'] },
  { name: 'deprecated ports mixed with portDefinitions', app: plain((a) => { a.ports = [80]; a.portDefinitions = [{ port: 81 }]; }), paths: ['/ports'] },

  // --- networks and ports
  { name: 'host and container networks mixed', app: vnettest((a) => { delete a.container.networkInterfaces; a.networks = [{ mode: 'host' }, { mode: 'container', name: 'n1' }]; }), paths: ['/networks'] },
  { name: 'host network with a name', app: plain((a) => { a.networks = [{ mode: 'host', name: 'n1' }]; }), paths: ['/networks(0)/name'] },
  { name: 'container network without a name', app: vnettest((a) => { delete a.container.networkInterfaces; a.networks = [{ mode: 'container' }]; }), paths: ['/networks(0)/name'] },
  { name: 'container/bridge network with a name', app: vnettest((a) => { delete a.container.networkInterfaces; a.networks = [{ mode: 'container/bridge', name: 'b' }]; }), paths: ['/networks(0)/name'] },
  { name: 'duplicate container network names', app: vnettest((a) => { delete a.container.networkInterfaces; a.container.type = 'MESOS'; a.networks = [{ name: 'n1' }, { name: 'n1' }]; }), paths: ['/networks(1)/name'] },
  { name: 'two container networks with the Docker engine', app: vnettest((a) => { delete a.container.networkInterfaces; a.networks = [{ name: 'n1' }, { name: 'n2' }]; }), paths: ['/networks'] },
  { name: 'legacy docker.network mixed with networks', app: vnettest((a) => { delete a.container.networkInterfaces; a.container.docker.network = 'BRIDGE'; a.networks = [{ mode: 'container/bridge' }]; }), paths: ['/container/docker/network'] },
  { name: 'legacy docker.network with an unknown value', app: vnettest((a) => { delete a.container.networkInterfaces; a.container.docker.network = 'OVERLAY'; }), paths: ['/container/docker/network'] },
  { name: 'legacy docker.portMappings mixed with container.portMappings', app: vnettest((a) => { delete a.container.networkInterfaces; a.networks = [{ mode: 'container/bridge' }]; a.container.portMappings = [{ containerPort: 80 }]; a.container.docker.portMappings = [{ containerPort: 81 }]; }), paths: ['/container/docker/portMappings'] },
  { name: 'port mappings with host networking', app: vnettest((a) => { delete a.container.networkInterfaces; a.container.portMappings = [{ containerPort: 80 }]; }), paths: ['/container/portMappings'] },
  { name: 'port mapping naming a network the app does not join', app: vnettest((a) => { a.container.portMappings = [{ containerPort: 80, networkNames: ['nw-other'] }]; }), paths: ['/container/portMappings(0)/networkNames'] },
  { name: 'port mapping with hostPort and two networks but no networkNames', app: vnettest((a) => { a.container.portMappings = [{ containerPort: 80, hostPort: 0 }]; }), paths: ['/container/portMappings(0)/networkNames'] },
  { name: 'port mapping port out of range', app: vnettest((a) => { a.container.portMappings = [{ containerPort: 70000 }]; }), paths: ['/container/portMappings(0)/containerPort'] },
  { name: 'portDefinitions with a container network', app: vnettest((a) => { delete a.container.networkInterfaces; a.networks = [{ name: 'n1' }]; a.portDefinitions = [{ port: 0 }]; }), paths: ['/portDefinitions'] },
  { name: 'portDefinitions port out of range', app: plain((a) => { a.portDefinitions = [{ port: 65536 }]; }), paths: ['/portDefinitions(0)/port'] },
  { name: 'portDefinitions duplicate port', app: plain((a) => { a.portDefinitions = [{ port: 8080 }, { port: 8080 }]; }), paths: ['/portDefinitions(1)/port'] },
  { name: 'DOCKER container without an image', app: vnettest((a) => { delete a.container.docker; }), paths: ['/container/docker/image'] },
  { name: 'unknown container type', app: vnettest((a) => { a.container.type = 'RKT'; }), paths: ['/container/type'] },

  // --- networkInterfaces: networkName
  { name: 'interface without networkName', app: vnettest((a) => { delete iface(a, 0).networkName; }), paths: [`${I0}/networkName`] },
  { name: 'interface networkName empty string', app: vnettest((a) => { iface(a, 0).networkName = ''; }), paths: [`${I0}/networkName`] },
  { name: 'networkName not an OpenVNet uuid', app: vnettest((a) => { iface(a, 0).networkName = 'vnet1'; }), paths: [`${I0}/networkName`] },
  { name: 'networkName with upper-case letters', app: vnettest((a) => { iface(a, 0).networkName = 'nw-VNET1'; }), paths: [`${I0}/networkName`] },
  { name: 'networkName suffix longer than 16', app: vnettest((a) => { iface(a, 0).networkName = 'nw-abcdefghijklmnopq'; }), paths: [`${I0}/networkName`] },
  { name: 'unknown network when networks are known', app: vnettest((a) => { iface(a, 1).networkName = 'nw-vnet9'; }), paths: [`${I1}/networkName`], message: /does not exist/ },
  { name: 'the agent-link network requested by the app', app: vnettest((a) => { iface(a, 0).networkName = 'vnet-agent-link'; }), facts: { agentLink: 'nw-agentlink' }, paths: [`${I0}/networkName`] },
  { name: 'agent-link network name used as networkName', app: vnettest((a) => { iface(a, 0).networkName = 'nw-agentlink'; }), facts: { networks: new Map([...NETWORKS, ['nw-agentlink', { subnet: '169.254.0.0/16' }]]), agentLink: 'nw-agentlink' }, paths: [`${I0}/networkName`] },
  { name: 'the same network joined twice', app: vnettest((a) => { iface(a, 1).networkName = 'nw-vnet1'; iface(a, 1).ipAddress = '10.100.0.5'; iface(a, 1).gateway = '10.100.0.1'; }), paths: [`${I1}/networkName`] },

  // --- interfaceName
  { name: 'interfaceName with a shell metacharacter (eth0;reboot)', app: vnettest((a) => { iface(a, 0).interfaceName = 'eth0;reboot'; }), paths: [`${I0}/interfaceName`] },
  { name: 'interfaceName of 16 characters', app: vnettest((a) => { iface(a, 0).interfaceName = 'abcdefghijklmnop'; }), paths: [`${I0}/interfaceName`] },
  { name: 'interfaceName lo', app: vnettest((a) => { iface(a, 1).interfaceName = 'lo'; }), paths: [`${I1}/interfaceName`] },
  { name: 'interfaceName with a slash', app: vnettest((a) => { iface(a, 1).interfaceName = 'eth/1'; }), paths: [`${I1}/interfaceName`] },
  { name: 'interfaceName dot-dot', app: vnettest((a) => { iface(a, 1).interfaceName = '..'; }), paths: [`${I1}/interfaceName`] },
  { name: 'duplicate interfaceName', app: vnettest((a) => { iface(a, 1).interfaceName = 'eth0'; }), paths: [`${I1}/interfaceName`] },
  { name: 'a default interfaceName clashing with an explicit one', app: vnettest((a) => { iface(a, 0).interfaceName = 'eth1'; delete iface(a, 1).interfaceName; }), paths: [`${I1}/interfaceName`] },

  // --- bootproto and addresses
  { name: 'unknown bootproto', app: vnettest((a) => { iface(a, 0).bootproto = 'bootp'; }), paths: [`${I0}/bootproto`] },
  { name: 'static without any address', app: vnettest((a) => { iface(a, 1).ipAddress = ''; }), paths: [`${I1}/ipAddress`] },
  { name: 'static with ipAddress and ipRange', app: vnettest((a) => { iface(a, 1).ipRange = '192.168.0.10-192.168.0.20'; }), paths: [`${I1}/ipRange`] },
  { name: 'dhcp with an ipAddress', app: vnettest((a) => { iface(a, 0).ipAddress = '10.100.0.7'; }), paths: [`${I0}/ipAddress`] },
  { name: 'dhcp with a netmask', app: vnettest((a) => { iface(a, 0).netmask = '255.255.255.0'; }), paths: [`${I0}/netmask`] },
  { name: 'ipAddress with an octet above 255', app: vnettest((a) => { iface(a, 1).ipAddress = '192.168.0.300'; }), paths: [`${I1}/ipAddress`] },
  { name: 'ipAddress with leading zeros', app: vnettest((a) => { iface(a, 1).ipAddress = '192.168.000.100'; }), paths: [`${I1}/ipAddress`] },
  { name: 'ipAddress that is a hostname', app: vnettest((a) => { iface(a, 1).ipAddress = 'db.local'; }), paths: [`${I1}/ipAddress`] },
  { name: 'ipAddress outside the known network', app: vnettest((a) => { iface(a, 1).ipAddress = '192.168.1.100'; iface(a, 1).netmask = '16'; }), paths: [`${I1}/ipAddress`], message: /outside network nw-vnet3/ },
  { name: 'gateway outside the netmask of the address (no facts)', app: vnettest((a) => { iface(a, 1).ipAddress = '192.168.1.100'; }), facts: {}, paths: [`${I1}/gateway`], message: /outside the interface's subnet 192\.168\.1\.0\/24/ },
  { name: 'ipAddress prefix disagreeing with netmask', app: vnettest((a) => { iface(a, 1).ipAddress = '192.168.0.100/25'; }), paths: [`${I1}/netmask`] },
  { name: 'ipAddress is the network address', app: vnettest((a) => { iface(a, 1).ipAddress = '192.168.0.0'; }), paths: [`${I1}/ipAddress`] },
  { name: 'ipAddress is the broadcast address', app: vnettest((a) => { iface(a, 1).ipAddress = '192.168.0.255'; }), paths: [`${I1}/ipAddress`] },
  { name: 'non-contiguous netmask', app: vnettest((a) => { iface(a, 1).netmask = '255.0.255.0'; }), paths: [`${I1}/netmask`] },
  { name: 'netmask prefix of 33', app: vnettest((a) => { iface(a, 1).netmask = '/33'; }), paths: [`${I1}/netmask`] },
  { name: 'gateway outside the subnet', app: vnettest((a) => { iface(a, 1).gateway = '192.168.1.1'; }), paths: [`${I1}/gateway`] },
  { name: 'gateway that is not an address', app: vnettest((a) => { iface(a, 1).gateway = 'router'; }), paths: [`${I1}/gateway`] },
  { name: 'gateway equal to the static address', app: vnettest((a) => { iface(a, 1).gateway = '192.168.0.100'; }), paths: [`${I1}/gateway`] },
  { name: 'two default gateways', app: vnettest((a) => { iface(a, 0).gateway = '10.100.0.1'; }), paths: [`${I1}/gateway`], message: /only one interface may carry the default gateway/ },
  { name: 'ipRange with first after last', app: vnettest((a) => { delete iface(a, 1).ipAddress; iface(a, 1).ipRange = '192.168.0.20-192.168.0.10'; }), paths: [`${I1}/ipRange`] },
  { name: 'ipRange CIDR with host bits', app: vnettest((a) => { delete iface(a, 1).ipAddress; iface(a, 1).ipRange = '192.168.0.17/28'; }), paths: [`${I1}/ipRange`] },
  { name: 'ipRange reaching outside the network', app: vnettest((a) => { delete iface(a, 1).ipAddress; iface(a, 1).ipRange = '192.168.0.250-192.168.1.5'; iface(a, 1).netmask = '16'; }), paths: [`${I1}/ipRange`] },
  { name: 'ipRange containing the gateway', app: vnettest((a) => { delete iface(a, 1).ipAddress; iface(a, 1).ipRange = '192.168.0.1-192.168.0.9'; }), paths: [`${I1}/gateway`] },
  { name: 'ipRange including the broadcast address', app: vnettest((a) => { delete iface(a, 1).ipAddress; iface(a, 1).ipRange = '192.168.0.250-192.168.0.255'; }), paths: [`${I1}/ipRange`] },
  { name: 'ipAddresses with a duplicate', app: vnettest((a) => { delete iface(a, 1).ipAddress; iface(a, 1).ipAddresses = ['192.168.0.10', '192.168.0.10']; }), paths: [`${I1}/ipAddresses(1)`] },
  { name: 'ipAddresses with a bad entry', app: vnettest((a) => { delete iface(a, 1).ipAddress; iface(a, 1).ipAddresses = ['192.168.0.x', '192.168.0.11']; }), paths: [`${I1}/ipAddresses(0)`] },

  // --- routes
  { name: 'route destination that is not a CIDR', app: vnettest((a) => { iface(a, 1).routes = [{ destination: '10.0.0.0', gateway: '192.168.0.1' }]; }), paths: [`${I1}/routes(0)/destination`] },
  { name: 'route destination with host bits', app: vnettest((a) => { iface(a, 1).routes = [{ destination: '10.0.0.1/8', gateway: '192.168.0.1' }]; }), paths: [`${I1}/routes(0)/destination`] },
  { name: 'route for the default destination', app: vnettest((a) => { iface(a, 1).routes = [{ destination: '0.0.0.0/0', gateway: '192.168.0.1' }]; }), paths: [`${I1}/routes(0)/destination`] },
  { name: 'route gateway outside the subnet', app: vnettest((a) => { iface(a, 1).routes = [{ destination: '10.0.0.0/8', gateway: '172.16.0.1' }]; }), paths: [`${I1}/routes(0)/gateway`] },
  { name: 'route gateway missing', app: vnettest((a) => { iface(a, 1).routes = [{ destination: '10.0.0.0/8' }]; }), paths: [`${I1}/routes(0)/gateway`] },
  { name: 'route with an unknown field', app: vnettest((a) => { iface(a, 1).routes = [{ destination: '10.0.0.0/8', gateway: '192.168.0.1', via: 'eth1' }]; }), paths: [`${I1}/routes(0)/via`] },
  { name: 'the same route destination on two interfaces', app: vnettest((a) => { iface(a, 0).routes = [{ destination: '10.0.0.0/8', gateway: '10.100.0.1' }]; iface(a, 1).routes = [{ destination: '10.0.0.0/8', gateway: '192.168.0.1' }]; }), paths: [`${I1}/routes(0)/destination`] },
  { name: 'the same route destination twice on one interface', app: vnettest((a) => { iface(a, 1).routes = [{ destination: '10.0.0.0/8', gateway: '192.168.0.1' }, { destination: '10.0.0.0/8', gateway: '192.168.0.2' }]; }), paths: [`${I1}/routes(1)/destination`] },

  // --- MAC, MTU, labels, unknown fields
  { name: 'MAC with bad syntax', app: vnettest((a) => { iface(a, 1).macAddress = '02:00:00:00:00'; }), paths: [`${I1}/macAddress`] },
  { name: 'MAC with mixed separators', app: vnettest((a) => { iface(a, 1).macAddress = '02:00-00:00:00:01'; }), paths: [`${I1}/macAddress`] },
  { name: 'multicast MAC', app: vnettest((a) => { iface(a, 1).macAddress = '01:00:5e:00:00:01'; }), paths: [`${I1}/macAddress`], message: /unicast/ },
  { name: 'broadcast MAC', app: vnettest((a) => { iface(a, 1).macAddress = 'ff:ff:ff:ff:ff:ff'; }), paths: [`${I1}/macAddress`] },
  { name: 'all-zero MAC', app: vnettest((a) => { iface(a, 1).macAddress = '00:00:00:00:00:00'; }), paths: [`${I1}/macAddress`] },
  { name: 'the same MAC on two interfaces (different spelling)', app: vnettest((a) => { iface(a, 0).macAddress = '02:AA:00:00:00:01'; iface(a, 1).macAddress = '02-aa-00-00-00-01'; }), paths: [`${I1}/macAddress`] },
  { name: 'MTU below 68', app: vnettest((a) => { iface(a, 1).mtu = 67; }), paths: [`${I1}/mtu`] },
  { name: 'MTU above 65535', app: vnettest((a) => { iface(a, 1).mtu = 70000; }), paths: [`${I1}/mtu`] },
  { name: 'fractional MTU', app: vnettest((a) => { iface(a, 1).mtu = 1500.5; }), paths: [`${I1}/mtu`] },
  { name: 'interface label in the reserved vnet. namespace', app: vnettest((a) => { iface(a, 1).labels = { 'vnet.mac': 'x' }; }), paths: [`${I1}/labels/vnet.mac`] },
  { name: 'unknown field in an interface (typo gatway)', app: vnettest((a) => { iface(a, 1).gatway = '192.168.0.1'; }), paths: [`${I1}/gatway`] },
  { name: 'networkInterfaces both at the top level and in container', app: vnettest((a) => { a.networkInterfaces = [{ networkName: 'nw-vnet1' }]; }), paths: ['/networkInterfaces'] },
  { name: 'networkInterfaces together with networks', app: vnettest((a) => { a.networks = [{ mode: 'container', name: 'n1' }]; }), paths: ['/networks'] },
  { name: 'privileged Docker with networkInterfaces', app: vnettest((a) => { a.container.docker.privileged = true; }), paths: ['/container/docker/privileged'] },
  { name: 'Docker parameters with networkInterfaces', app: vnettest((a) => { a.container.docker.parameters = [{ key: 'ip', value: '1.2.3.4' }]; }), paths: ['/container/docker/parameters'] },

  // --- instances served by static addresses
  { name: 'scaling a single static address to two instances', app: vnettest((a) => { a.instances = 2; }), paths: ['/instances'], message: /single static address, which serves one instance/ },
  { name: 'scaling beyond a static pool', app: (() => { const a = sample('pool'); a.instances = 11; return a; })(), paths: ['/instances'], message: /has 10 addresses, fewer than instances \(11\)/ },
  { name: 'scaling beyond an ipAddresses list', app: (() => { const a = sample('routes'); a.instances = 3; return a; })(), paths: ['/instances'] },
  { name: 'a fixed MAC with two instances', app: vnettest((a) => { iface(a, 1).bootproto = 'dhcp'; delete iface(a, 1).ipAddress; delete iface(a, 1).netmask; delete iface(a, 1).gateway; iface(a, 0).macAddress = '02:00:00:00:00:05'; a.instances = 2; }), paths: ['/instances'] },
];

describe('app validation: malformed definitions report the exact paths', () => {
  it('has at least 70 malformed rows', () => assert.ok(rows.length >= 70, `${rows.length}`));
  for (const row of rows) {
    it(row.name, () => {
      const violations = violationsOf(row.app, row.facts ?? FACTS);
      assert.deepEqual([...new Set(violations.map((v) => v.path))].sort(), [...row.paths].sort(), JSON.stringify(violations));
      if (row.message) {
        const pattern = row.message;
        assert.ok(violations.some((v) => pattern.test(v.message)), JSON.stringify(violations));
      }
    });
  }
});

describe('app validation: valid definitions', () => {
  const valid: Array<{ name: string; app: Raw; facts?: ValidationFacts }> = [
    { name: 'the original vnettest request, verbatim', app: sample('vnettest') },
    { name: 'the original request with no OpenVNet configured', app: sample('vnettest'), facts: {} },
    { name: 'samples/apps/pool.json', app: sample('pool') },
    { name: 'samples/apps/routes.json', app: sample('routes') },
    { name: 'a plain command app', app: plain() },
    { name: 'args instead of cmd', app: plain((a) => { delete a.cmd; a.args = ['nginx']; }) },
    { name: 'container without cmd', app: vnettest((a) => { delete a.cmd; }) },
    { name: 'interfaces at the top level without a container', app: plain((a) => { a.networkInterfaces = [{ networkName: 'nw-vnet1' }]; }) },
    { name: 'static address with prefix and no netmask', app: vnettest((a) => { iface(a, 1).ipAddress = '192.168.0.100/24'; delete iface(a, 1).netmask; }) },
    { name: 'netmask as a prefix length', app: vnettest((a) => { iface(a, 1).netmask = '24'; }) },
    { name: 'a CIDR pool whose gateway lies inside (left out of the pool)', app: vnettest((a) => { delete iface(a, 1).ipAddress; iface(a, 1).ipRange = '192.168.0.0/28'; a.instances = 13; }) },
    { name: 'dhcp interface with a gateway and routes', app: vnettest((a) => { delete iface(a, 1).gateway; iface(a, 0).gateway = '10.100.0.1'; iface(a, 0).routes = [{ destination: '10.200.0.0/16', gateway: '10.100.0.254' }]; }) },
    { name: 'a fixed unicast MAC with one instance', app: vnettest((a) => { iface(a, 1).macAddress = '52:54:00:12:34:56'; }) },
    { name: 'all Marathon extras at once', app: plain((a) => {
      a.constraints = [['hostname', 'unique'], ['rack', 'LIKE', 'rack-[0-9]+'], ['zone', 'GROUP_BY', '3'], ['rack', 'MAX_PER', '2'], ['os', 'IS', 'debian'], ['dc', 'CLUSTER', 'eu1']];
      a.env = { A: 'b', P: { secret: 'pw' } };
      a.secrets = { pw: { source: '/db/pw' } };
      a.healthChecks = [{ protocol: 'mesos_http', path: '/' }];
      a.upgradeStrategy = { minimumHealthCapacity: 0.5, maximumOverCapacity: 0 };
      a.unreachableStrategy = 'disabled';
      a.killSelection = 'oldest_first';
      a.dependencies = ['../db'];
      a.resourceLimits = { cpus: 'unlimited', mem: 128 };
    }) },
    { name: 'bridge networking with port mappings', app: vnettest((a) => { delete a.container.networkInterfaces; a.networks = [{ mode: 'container/bridge' }]; a.container.portMappings = [{ containerPort: 80 }]; }) },
    { name: 'two named container networks on MESOS with mapped ports', app: vnettest((a) => { delete a.container.networkInterfaces; a.container.type = 'MESOS'; a.networks = [{ name: 'a' }, { name: 'b' }]; a.container.portMappings = [{ containerPort: 80, hostPort: 0, networkNames: ['a'] }]; }) },
  ];
  for (const row of valid) {
    it(row.name, () => assert.deepEqual(violationsOf(row.app, row.facts ?? FACTS), []));
  }

  it('reports every violation at once, not just the first', () => {
    const app = vnettest((a) => {
      a.id = '/Bad';
      a.instances = 2;
      iface(a, 0).interfaceName = 'lo';
      iface(a, 1).gateway = '10.0.0.1';
      iface(a, 1).mtu = 10;
    });
    assert.deepEqual(pathsOf(app), ['/container/networkInterfaces(0)/interfaceName', `${I1}/gateway`, `${I1}/mtu`, '/id', '/instances']);
  });

  it('marks JSON type errors with kind "type" and rule errors without', () => {
    const typeErrors = violationsOf(plain((a) => { a.mem = 'big'; }));
    assert.deepEqual(typeErrors, [{ path: '/mem', message: 'error.expected.jsnumber', kind: 'type' }]);
    const ruleErrors = violationsOf(plain((a) => { a.mem = -1; }));
    assert.equal(ruleErrors.length, 1);
    assert.equal(ruleErrors[0].kind, undefined);
  });
});

describe('toMarathonDetails', () => {
  it('groups violations by path in first-seen order, without repeats', () => {
    assert.deepEqual(toMarathonDetails([
      { path: '/id', message: 'a' },
      { path: '/instances', message: 'b' },
      { path: '/id', message: 'c' },
      { path: '/id', message: 'a' },
    ]), [{ path: '/id', errors: ['a', 'c'] }, { path: '/instances', errors: ['b'] }]);
  });

  it('renders a real validation failure in Marathon\'s details shape', () => {
    const details = toMarathonDetails(violationsOf(plain((a) => { a.upgradeStrategy = { minimumHealthCapacity: 2 }; })));
    assert.deepEqual(details, [{ path: '/upgradeStrategy/minimumHealthCapacity', errors: ['is greater than 1'] }]);
  });
});

describe('checkAddressConflicts', () => {
  const pool = normalized(sample('pool'));

  it('names the holder of an address another app holds', () => {
    const conflicts = checkAddressConflicts(pool, [
      { network: 'nw-vnet2', address: '10.0.0.51', holder: { appId: '/other', slot: 4 } },
    ]);
    assert.equal(conflicts.length, 1);
    assert.equal(conflicts[0].slot, 1);
    assert.equal(conflicts[0].path, '/container/networkInterfaces(0)/ipRange');
    assert.deepEqual(conflicts[0].holder, { appId: '/other', slot: 4 });
    assert.match(conflicts[0].message, /10\.0\.0\.51 on nw-vnet2 is held by app \/other/);
  });

  it('ignores addresses the app itself holds, other networks and addresses beyond its instances', () => {
    assert.deepEqual(checkAddressConflicts(pool, [
      { network: 'nw-vnet2', address: '10.0.0.50', holder: { appId: '/samples/pool', slot: 0 } },
      { network: 'nw-vnet1', address: '10.0.0.51', holder: { appId: '/other', slot: 0 } },
      { network: 'nw-vnet2', address: '10.0.0.53', holder: { appId: '/other', slot: 0 } },
    ]), []);
  });

  it('finds the single static address of the original request', () => {
    const app = normalized(sample('vnettest'));
    const conflicts = checkAddressConflicts(app, [{ network: 'nw-vnet3', address: '192.168.0.100', holder: { appId: '/db', slot: 0 } }]);
    assert.deepEqual(conflicts.map((c) => [c.path, c.address]), [[`${I1}/ipAddress`, '192.168.0.100']]);
  });
});

describe('samples/apps health samples (issue 14)', () => {
  it('health.json and unhealthy.json are valid apps with one executor-run check', () => {
    for (const name of ['health', 'unhealthy']) {
      const n = normalizeApp(JSON.parse(fs.readFileSync(path.join(SAMPLES, `${name}.json`), 'utf8')));
      assert.ok(!('violations' in n), JSON.stringify(n));
      if ('violations' in n) continue;
      assert.deepEqual(validateApp(n.app, {}), []);
      assert.equal(n.app.healthChecks[0]?.protocol, 'MESOS_HTTP');
    }
  });
});
