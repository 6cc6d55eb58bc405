// The CNI_* environment of one plugin run: read and checked before anything else (code 4).
import { CniError, CNI_CODES } from './errors';
import { isContainerId, isInterfaceName, isSafePath } from './names';

export type CniCommand = 'ADD' | 'DEL' | 'CHECK' | 'VERSION' | 'GC' | 'STATUS';

export interface CniEnv {
  command: CniCommand;
  containerId: string;
  netns: string | null;
  ifName: string;
  args: string | undefined;
  path: string | undefined;
}

const REQUIRED: Record<CniCommand, string[]> = {
  ADD: ['CNI_CONTAINERID', 'CNI_NETNS', 'CNI_IFNAME'],
  CHECK: ['CNI_CONTAINERID', 'CNI_NETNS', 'CNI_IFNAME'],
  DEL: ['CNI_CONTAINERID', 'CNI_IFNAME'],
  VERSION: [],
  GC: [],
  STATUS: [],
};

/** Reads and checks the CNI_* variables (code 4 names what is missing or malformed). */
export function readEnv(env: NodeJS.ProcessEnv): CniEnv {
  const command = env.CNI_COMMAND ?? '';
  if (!(command in REQUIRED)) throw new CniError(CNI_CODES.INVALID_ENV, 'unknown CNI_COMMAND', JSON.stringify(command.slice(0, 32)));
  const cmd = command as CniCommand;
  const missing = REQUIRED[cmd].filter((k) => env[k] === undefined || env[k] === '');
  if (missing.length > 0) throw new CniError(CNI_CODES.INVALID_ENV, `required env variables [${missing.join(',')}] missing`);
  const bad: string[] = [];
  const containerId = env.CNI_CONTAINERID ?? '';
  if (containerId !== '' && !isContainerId(containerId)) bad.push('CNI_CONTAINERID');
  const ifName = env.CNI_IFNAME ?? '';
  if (ifName !== '' && !isInterfaceName(ifName)) bad.push('CNI_IFNAME');
  const netns = env.CNI_NETNS === undefined || env.CNI_NETNS === '' ? null : env.CNI_NETNS;
  if (netns !== null && !isSafePath(netns)) bad.push('CNI_NETNS');
  if (bad.length > 0) throw new CniError(CNI_CODES.INVALID_ENV, `invalid env variables [${bad.join(',')}]`);
  return { command: cmd, containerId, netns, ifName, args: env.CNI_ARGS, path: env.CNI_PATH };
}
