// Every name local mode gives to something on the machine (namespaces, links, OpenVNet
// datapaths), derived from one per-data-dir tag so two local instances (or parallel tests) never
// touch each other's objects, and a leftover can be recognised as ours after a crash. Pure.
import { createHash } from 'node:crypto';
import * as path from 'node:path';

export class LocalNameError extends Error {
  readonly code = 'MVN_ERR_LOCAL_NAME';
  constructor(message: string) {
    super(message);
    this.name = 'LocalNameError';
  }
}

const NETNS_NAME = /^[A-Za-z0-9_.-]{1,64}$/;
const LINK_NAME = /^[A-Za-z0-9_.-]{1,15}$/;
const TAG = /^[a-z0-9]{6}$/;

/** 6 hex chars identifying one data dir (the same dir always gives the same tag). */
export function instanceTag(dataDir: string): string {
  return createHash('sha256').update(path.resolve(dataDir)).digest('hex').slice(0, 6);
}

export function checkTag(tag: string): string {
  if (!TAG.test(tag)) throw new LocalNameError(`instance tag must be 6 of [a-z0-9], got ${JSON.stringify(tag)}`);
  return tag;
}

export function checkNetnsName(name: string): string {
  if (!NETNS_NAME.test(name) || name === '.' || name === '..') throw new LocalNameError(`bad namespace name ${JSON.stringify(name)}`);
  return name;
}

export function checkLinkName(name: string): string {
  if (!LINK_NAME.test(name) || name === 'lo' || name === '.' || name === '..') throw new LocalNameError(`bad interface name ${JSON.stringify(name)}`);
  return name;
}

/** The namespace holding the bridges, the DHCP servers' veth ends and the containers' host ends. */
export function fabricNetns(tag: string): string {
  return `mvn-${checkTag(tag)}-fabric`;
}

/** A Mesos ContainerID (a UUID here) as it may appear in a namespace name. */
export function checkContainerId(id: string): string {
  if (!/^[A-Za-z0-9][A-Za-z0-9_.-]{0,47}$/.test(id)) throw new LocalNameError(`bad container id ${JSON.stringify(id)}`);
  return id;
}

/** The task's own network namespace (what Mesos bind-mounts at <root>/<ContainerID>/ns). */
export function containerNetns(tag: string, containerId: string): string {
  return checkNetnsName(`mvn-${checkTag(tag)}-c-${checkContainerId(containerId)}`);
}

/** Namespace of the DHCP server of the network at `index`. */
export function dhcpNetns(tag: string, index: number): string {
  return checkNetnsName(`mvn-${checkTag(tag)}-dhcp${index}`);
}

/** Any namespace this instance may have created (for the leftover sweep at start and stop). */
export function isOwnNetns(tag: string, name: string): boolean {
  return name.startsWith(`mvn-${checkTag(tag)}-`);
}

/** `nw-vnet1` → `vnet1`; anything else → its alphanumerics. */
function networkSuffix(networkUuid: string): string {
  const s = networkUuid.startsWith('nw-') ? networkUuid.slice(3) : networkUuid;
  return s.replace(/[^A-Za-z0-9]/g, '').toLowerCase();
}

export interface NetworkNames {
  networkUuid: string;
  index: number;
  /** Linux or OVS bridge in the fabric namespace. */
  bridge: string;
  /** Fabric end of the DHCP server's veth (the server end is `eth0` in its namespace). */
  dhcpVeth: string;
  dhcpNetns: string;
  /** OpenVNet datapath registered for this bridge. */
  datapath: string;
  /** 16 hex digits, `0x`-prefixed; also the OVS bridge's datapath-id. */
  dpid: string;
}

/**
 * Names per network, in the given order: `vnbr-<suffix>` bridges (suffix cut to 10 chars, an
 * index appended when two networks would collide), `vnd-<suffix>` DHCP veths.
 */
export function networkNames(tag: string, networkUuids: readonly string[]): NetworkNames[] {
  checkTag(tag);
  const used = new Set<string>();
  return networkUuids.map((uuid, index) => {
    let suffix = networkSuffix(uuid).slice(0, 10);
    if (suffix === '' || used.has(suffix)) suffix = `${suffix.slice(0, 7)}${index}`.slice(-10);
    while (used.has(suffix)) suffix = `n${index}${suffix}`.slice(0, 10);
    used.add(suffix);
    return {
      networkUuid: uuid,
      index,
      bridge: checkLinkName(`vnbr-${suffix}`),
      dhcpVeth: checkLinkName(`vnd-${suffix}`),
      dhcpNetns: dhcpNetns(tag, index),
      datapath: `dp-mvn${tag}n${index}`,
      dpid: `0x${`${tag}${index.toString(16).padStart(4, '0')}`.padStart(16, '0')}`,
    };
  });
}

/** A Docker container name for a task's pause container / the task container. */
export function dockerNames(tag: string, containerId: string): { pause: string; task: string } {
  const id = checkContainerId(containerId);
  return { pause: `mvn-${checkTag(tag)}-pause-${id}`, task: `mvn-${tag}-task-${id}` };
}
