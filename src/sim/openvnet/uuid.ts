// OpenVNet uuids (spec B4): `<prefix>-<suffix>`, strict for parameters, looser in paths.

/** Model name per uuid prefix, as OpenVNet spells it in error messages. */
export const MODEL_BY_PREFIX = {
  dp: 'Datapath',
  nw: 'Network',
  if: 'Interface',
  seg: 'Segment',
  ns: 'NetworkService',
  topo: 'Topology',
  lp: 'LeasePolicy',
  il: 'IpLease',
  iprg: 'IpRangeGroup',
  ipr: 'IpRange',
  ml: 'MacLease',
  mac: 'MacAddress',
  mrg: 'MacRangeGroup',
  mr: 'MacRange',
  ilc: 'IpLeaseContainer',
  irc: 'IpRetentionContainer',
  dnss: 'DnsService',
  dnsr: 'DnsRecord',
  rl: 'RouteLink',
  r: 'Route',
  fil: 'Filter',
  tr: 'Translation',
  t: 'Tunnel',
} as const;

export type UuidPrefix = keyof typeof MODEL_BY_PREFIX;

function escape(prefix: string): string {
  return prefix.replace(/[^a-z]/g, '');
}

/** The pattern of a uuid given as a parameter (`uuid` on create, `*_uuid`): `^<p>-[a-z0-9]{1,16}$`. */
export function paramUuidPattern(prefix: UuidPrefix): string {
  return `^${escape(prefix)}-[a-z0-9]{1,16}$`;
}

export function isParamUuid(prefix: UuidPrefix, value: string): boolean {
  return new RegExp(paramUuidPattern(prefix)).test(value);
}

/** A uuid in the path: `^<p>-\w+` (no end anchor, as OpenVNet matches it). */
export function isPathUuid(prefix: UuidPrefix, value: string): boolean {
  return new RegExp(`^${escape(prefix)}-\\w+`).test(value);
}

const ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';

/** 8 chars of `[a-z0-9]` from a source of random bytes. */
export function randomSuffix(randomBytes: (n: number) => Uint8Array): string {
  const bytes = randomBytes(8);
  let out = '';
  for (const b of bytes) out += ALPHABET[b % ALPHABET.length];
  return out;
}
