// networkInterfaces rules (DESIGN §3) over a normalised app and the facts the caller fetched.
// Every rule is checked and every violation reported, each at the path of the field to fix.

import { RESERVED_LABEL_PREFIX, type AppDefinition, type NetworkInterface, type ValidationFacts, type Violation } from './types';
import {
  broadcastOf, formatIPv4, formatSubnet, isCanonicalCidr, isHostAddress, parseAddressWithPrefix, parseCidr, parseIPv4,
  parseNetmask, parseSubnet, subnetContains, type Subnet,
} from '../../lib/ipv4';
import { parseIpRange, poolContains, poolOf } from './address-pool';
import { canonicalMac, isMulticastMac, isZeroMac, parseMac } from '../../lib/mac';

/** OpenVNet's rule for a uuid given as a parameter (cni-openvnet.md B4). */
export const NETWORK_UUID_PATTERN = /^nw-[a-z0-9]{1,16}$/;
/** Linux IFNAMSIZ is 16 including the NUL; we allow the characters no tool needs to quote. */
export const INTERFACE_NAME_PATTERN = /^[A-Za-z0-9_.-]{1,15}$/;
export const MTU_MIN = 68;
export const MTU_MAX = 65535;

export function interfacePath(index: number): string {
  return `/container/networkInterfaces(${index})`;
}

interface Seen { index: number }

/** The subnet the interface's addresses and gateway live in, when it can be known. */
function interfaceSubnet(iface: NetworkInterface, network: Subnet | undefined, prefix: number | undefined): Subnet | undefined {
  if (prefix === undefined) return network;
  let anchor: number | undefined;
  if (iface.bootproto === 'static') {
    const pool = poolOf(iface);
    anchor = pool !== undefined && pool.size > 0 ? pool.ranges[0][0] : undefined;
    if (anchor === undefined && iface.ipRange !== undefined) {
      const range = parseIpRange(iface.ipRange);
      if (range !== undefined) anchor = range.kind === 'range' ? range.first : range.network;
    }
  }
  anchor ??= network?.network;
  if (anchor === undefined) return undefined;
  return parseSubnet(`${formatIPv4(anchor)}/${prefix}`);
}

function checkOneInterface(
  iface: NetworkInterface, index: number, facts: ValidationFacts, out: Violation[],
): void {
  const P = interfacePath(index);
  const add = (field: string, message: string): void => {
    out.push({ path: field === '' ? P : `${P}/${field}`, message });
  };

  // --- networkName
  let network: Subnet | undefined;
  if (iface.networkName === '') add('networkName', 'is required (an OpenVNet network uuid such as nw-vnet1)');
  else if (!NETWORK_UUID_PATTERN.test(iface.networkName)) {
    add('networkName', 'must be an OpenVNet network uuid: nw- followed by 1 to 16 lower-case letters or digits');
  } else if (facts.agentLink !== undefined && iface.networkName === facts.agentLink) {
    add('networkName', `${iface.networkName} is the agent-link network and cannot be requested by apps`);
  } else if (facts.networks !== undefined) {
    const known = facts.networks.get(iface.networkName);
    if (known === undefined) add('networkName', `network ${iface.networkName} does not exist in OpenVNet`);
    else network = parseSubnet(known.subnet);
  }

  // --- interfaceName
  if (!INTERFACE_NAME_PATTERN.test(iface.interfaceName)) {
    add('interfaceName', 'must be 1 to 15 characters of A-Z a-z 0-9 _ . -');
  } else if (iface.interfaceName === 'lo') {
    add('interfaceName', 'lo is the loopback interface of every container');
  } else if (iface.interfaceName === '.' || iface.interfaceName === '..') {
    add('interfaceName', 'is not a valid Linux interface name');
  }

  // --- which address fields belong to the bootproto
  const addressFields = (['ipAddress', 'ipAddresses', 'ipRange'] as const).filter((f) => iface[f] !== undefined);
  if (iface.bootproto === 'dhcp') {
    for (const field of [...addressFields, ...(iface.netmask !== undefined ? ['netmask'] : [])]) {
      add(field, 'is only for bootproto static (a DHCP interface gets its address from the lease)');
    }
  } else if (addressFields.length === 0) {
    add('ipAddress', 'a static interface needs ipAddress, ipAddresses or ipRange');
  } else {
    for (const field of addressFields.slice(1)) add(field, `give only one of ipAddress, ipAddresses, ipRange (${addressFields[0]} is given)`);
  }

  // --- netmask / prefix
  let prefix: number | undefined;
  let netmaskOk = true;
  if (iface.netmask !== undefined) {
    prefix = parseNetmask(iface.netmask);
    if (prefix === undefined) {
      netmaskOk = false;
      add('netmask', 'must be a contiguous dotted netmask (255.255.255.0) or a prefix length (24)');
    }
  }
  const isStatic = iface.bootproto === 'static';
  const primary = isStatic ? addressFields[0] : undefined;

  // --- the addresses themselves
  const addresses: Array<{ address: number; field: string }> = [];
  if (primary === 'ipAddress' && iface.ipAddress !== undefined) {
    const parsed = parseAddressWithPrefix(iface.ipAddress);
    if (parsed === undefined) add('ipAddress', 'must be an IPv4 address (a.b.c.d or a.b.c.d/len)');
    else {
      addresses.push({ address: parsed.address, field: 'ipAddress' });
      if (parsed.prefix !== undefined) {
        if (prefix !== undefined && prefix !== parsed.prefix) add('netmask', `disagrees with the prefix length /${parsed.prefix} of ipAddress`);
        else if (netmaskOk) prefix = parsed.prefix;
      }
    }
  } else if (primary === 'ipAddresses' && iface.ipAddresses !== undefined) {
    const seen = new Map<number, number>();
    iface.ipAddresses.forEach((text, k) => {
      const address = parseIPv4(text);
      if (address === undefined) return add(`ipAddresses(${k})`, 'must be an IPv4 address (a.b.c.d)');
      const earlier = seen.get(address);
      if (earlier !== undefined) return add(`ipAddresses(${k})`, `duplicate of ipAddresses(${earlier})`);
      seen.set(address, k);
      addresses.push({ address, field: `ipAddresses(${k})` });
    });
  } else if (primary === 'ipRange' && iface.ipRange !== undefined) {
    const range = parseIpRange(iface.ipRange);
    if (range === undefined) add('ipRange', 'must be a range a.b.c.d-a.b.c.e (first ≤ last) or a CIDR a.b.c.d/len');
    else if (range.kind === 'cidr' && range.hostBitsSet) {
      add('ipRange', `has host bits set; the CIDR is ${formatIPv4(range.network)}/${range.prefix}`);
    } else {
      const pool = poolOf(iface);
      if (pool === undefined || pool.size === 0) add('ipRange', 'contains no usable address');
      else if (range.kind === 'range') {
        addresses.push({ address: range.first, field: 'ipRange' }, { address: range.last, field: 'ipRange' });
      } else {
        addresses.push({ address: pool.ranges[0][0], field: 'ipRange' });
        const lastRange = pool.ranges[pool.ranges.length - 1];
        addresses.push({ address: lastRange[1], field: 'ipRange' });
      }
    }
  }

  const subnet = netmaskOk ? interfaceSubnet(iface, network, prefix) : undefined;
  const reported = new Set<string>();
  const once = (field: string, message: string): void => {
    if (reported.has(`${field}\n${message}`)) return;
    reported.add(`${field}\n${message}`);
    add(field, message);
  };
  for (const { address, field } of addresses) {
    const text = formatIPv4(address);
    if (network !== undefined && !subnetContains(network, address)) {
      once(field, `${text} is outside network ${iface.networkName} (${formatSubnet(network)})`);
    } else if (subnet !== undefined && !subnetContains(subnet, address)) {
      once(field, `${text} is outside the interface's subnet ${formatSubnet(subnet)}`);
    } else if (subnet !== undefined && !isHostAddress(subnet, address) && field !== 'ipRange') {
      once(field, `${text} is the network or broadcast address of ${formatSubnet(subnet)}`);
    }
  }
  // A range's inner addresses can still be the subnet's network/broadcast address.
  if (primary === 'ipRange' && subnet !== undefined && subnet.prefix < 31) {
    const pool = poolOf(iface);
    const broadcast = broadcastOf(subnet.network, subnet.prefix);
    if (pool !== undefined && (poolContains(pool, subnet.network) || poolContains(pool, broadcast))) {
      once('ipRange', `includes the network or broadcast address of ${formatSubnet(subnet)}`);
    }
  }

  // --- gateway
  if (iface.gateway !== undefined) {
    const gateway = parseIPv4(iface.gateway);
    if (gateway === undefined) add('gateway', 'must be an IPv4 address (a.b.c.d)');
    else if (network !== undefined && !subnetContains(network, gateway)) {
      add('gateway', `${iface.gateway} is outside network ${iface.networkName} (${formatSubnet(network)})`);
    } else if (subnet !== undefined && !isHostAddress(subnet, gateway)) {
      add('gateway', subnetContains(subnet, gateway)
        ? `${iface.gateway} is the network or broadcast address of ${formatSubnet(subnet)}`
        : `${iface.gateway} is outside the interface's subnet ${formatSubnet(subnet)}`);
    } else if (isStatic && primary !== 'ipRange' && addresses.some((a) => a.address === gateway)) {
      add('gateway', `${iface.gateway} is also a static address of this interface`);
    } else if (isStatic && primary === 'ipRange') {
      const range = iface.ipRange === undefined ? undefined : parseIpRange(iface.ipRange);
      const pool = poolOf(iface);
      if (range?.kind === 'range' && pool !== undefined && poolContains(pool, gateway)) {
        add('gateway', `${iface.gateway} lies inside ipRange`);
      }
    }
  }

  // --- routes
  const destinations = new Map<string, number>();
  iface.routes.forEach((route, k) => {
    const RP = `routes(${k})`;
    const destination = parseCidr(route.destination);
    if (destination === undefined) add(`${RP}/destination`, 'must be a CIDR a.b.c.d/len');
    else if (!isCanonicalCidr(route.destination)) add(`${RP}/destination`, 'has host bits set');
    else if (destination.prefix === 0) add(`${RP}/destination`, 'the default route is set with gateway, not with routes');
    else {
      const earlier = destinations.get(route.destination);
      if (earlier !== undefined) add(`${RP}/destination`, `duplicate of routes(${earlier})`);
      else destinations.set(route.destination, k);
    }
    const via = parseIPv4(route.gateway);
    if (via === undefined) add(`${RP}/gateway`, 'must be an IPv4 address (a.b.c.d)');
    else if (network !== undefined && !subnetContains(network, via)) {
      add(`${RP}/gateway`, `${route.gateway} is outside network ${iface.networkName} (${formatSubnet(network)})`);
    } else if (subnet !== undefined && !isHostAddress(subnet, via)) {
      add(`${RP}/gateway`, `${route.gateway} is not a host address of the interface's subnet ${formatSubnet(subnet)}`);
    }
  });

  // --- mac, mtu
  if (iface.macAddress !== undefined) {
    const bytes = parseMac(iface.macAddress);
    if (bytes === undefined) add('macAddress', 'must be a MAC address such as 02:00:00:00:00:01');
    else if (isMulticastMac(bytes)) add('macAddress', 'must be a unicast MAC (the lowest bit of the first octet must be 0)');
    else if (isZeroMac(bytes)) add('macAddress', 'must not be 00:00:00:00:00:00');
  }
  for (const key of Object.keys(iface.labels)) {
    if (key.startsWith(RESERVED_LABEL_PREFIX)) add(`labels/${key}`, `label keys starting with ${RESERVED_LABEL_PREFIX} are reserved for marathon-vnet`);
  }
  if (iface.mtu !== undefined && (!Number.isInteger(iface.mtu) || iface.mtu < MTU_MIN || iface.mtu > MTU_MAX)) {
    add('mtu', `must be an integer from ${MTU_MIN} to ${MTU_MAX}`);
  }
}

/** All networkInterfaces violations of the app (none when it has no interfaces). */
export function validateInterfaces(app: AppDefinition, facts: ValidationFacts): Violation[] {
  const interfaces = app.container?.networkInterfaces;
  if (interfaces === undefined || interfaces.length === 0) return [];
  const out: Violation[] = [];

  if (app.networks.length > 0) {
    out.push({ path: '/networks', message: 'must be empty when networkInterfaces are given (the interfaces are the container\'s networks)' });
  }
  const docker = app.container?.docker;
  if (docker?.privileged) {
    out.push({ path: '/container/docker/privileged', message: 'is not supported with networkInterfaces (tasks run on the Mesos containerizer)' });
  }
  if (docker !== undefined && docker.parameters.length > 0) {
    out.push({ path: '/container/docker/parameters', message: 'are not supported with networkInterfaces (tasks run on the Mesos containerizer)' });
  }

  interfaces.forEach((iface, index) => checkOneInterface(iface, index, facts, out));

  // --- rules across interfaces
  const networks = new Map<string, Seen>();
  const names = new Map<string, Seen>();
  const macs = new Map<string, Seen>();
  let gatewayAt: number | undefined;
  const routeDestinations = new Map<string, number>();
  interfaces.forEach((iface, index) => {
    const P = interfacePath(index);
    if (iface.networkName !== '') {
      const other = networks.get(iface.networkName);
      if (other) out.push({ path: `${P}/networkName`, message: `network ${iface.networkName} is already joined by networkInterfaces(${other.index}); a container joins each network once` });
      else networks.set(iface.networkName, { index });
    }
    const otherName = names.get(iface.interfaceName);
    if (otherName) out.push({ path: `${P}/interfaceName`, message: `duplicate interface name ${iface.interfaceName} (also networkInterfaces(${otherName.index}))` });
    else names.set(iface.interfaceName, { index });
    const mac = iface.macAddress === undefined ? undefined : canonicalMac(iface.macAddress);
    if (mac !== undefined) {
      const otherMac = macs.get(mac);
      if (otherMac) out.push({ path: `${P}/macAddress`, message: `duplicate MAC ${mac} (also networkInterfaces(${otherMac.index}))` });
      else macs.set(mac, { index });
    }
    if (iface.gateway !== undefined) {
      if (gatewayAt !== undefined) {
        out.push({ path: `${P}/gateway`, message: `only one interface may carry the default gateway (networkInterfaces(${gatewayAt}) does)` });
      } else gatewayAt = index;
    }
    iface.routes.forEach((route, k) => {
      if (!isCanonicalCidr(route.destination)) return;
      const other = routeDestinations.get(route.destination);
      if (other !== undefined && other !== index) {
        out.push({ path: `${P}/routes(${k})/destination`, message: `a route to ${route.destination} is already set on networkInterfaces(${other})` });
      } else routeDestinations.set(route.destination, index);
    });
  });

  // --- instances each interface can serve
  interfaces.forEach((iface, index) => {
    const P = `networkInterfaces(${index})`;
    if (iface.macAddress !== undefined && app.instances > 1) {
      out.push({ path: '/instances', message: `${P} has a fixed macAddress, which serves one instance; instances is ${app.instances}` });
    }
    if (iface.bootproto !== 'static') return;
    const pool = poolOf(iface);
    if (pool === undefined || pool.size === 0) return;
    if (iface.ipAddress !== undefined && app.instances > 1) {
      out.push({ path: '/instances', message: `${P} has a single static address, which serves one instance; instances is ${app.instances}` });
    } else if (iface.ipAddress === undefined && pool.size < app.instances) {
      out.push({ path: '/instances', message: `the static pool of ${P} has ${pool.size} addresses, fewer than instances (${app.instances})` });
    }
  });
  return out;
}
