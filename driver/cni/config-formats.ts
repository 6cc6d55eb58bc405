// The string formats of the config schema (config-schema.ts): the driver's own predicates, which
// the generated validator (dist/driver/cni/config-validate.js) calls at run time.
import { isIPv4, parseCidrText } from '../../src/lib/ipv4';
import { isInterfaceName, isOpenVnetUuid, isSafePath, isToken, parseDpid } from './names';

/** `unix:/path` or `tcp:a.b.c.d:port`. */
function isOvsDb(s: string): boolean {
  if (s.startsWith('unix:')) return isSafePath(s.slice(5));
  const m = /^tcp:([0-9.]+):(\d{1,5})$/.exec(s);
  return m !== null && isIPv4(m[1]) && Number(m[2]) > 0 && Number(m[2]) < 65536;
}

function isHttpUrl(s: string): boolean {
  if (s.length > 512) return false;
  try {
    const u = new URL(s);
    return (u.protocol === 'http:' || u.protocol === 'https:') && u.hostname !== '';
  } catch {
    return false;
  }
}

/** Format name → check of a string (Ajv calls a format only for strings). */
export const formats: Readonly<Record<string, (s: string) => boolean>> = {
  ipv4: isIPv4,
  cidr: (s) => parseCidrText(s) !== null,
  'interface-name': isInterfaceName,
  'safe-path': isSafePath,
  'ovs-db': isOvsDb,
  'http-url': isHttpUrl,
  'datapath-uuid': (s) => isOpenVnetUuid('dp', s),
  'lease-policy-uuid': (s) => isOpenVnetUuid('lp', s),
  dpid: (s) => parseDpid(s) !== null,
  token: isToken,
};
