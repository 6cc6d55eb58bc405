// The CNI dispatcher (cni pkg/skel): environment → command handler → JSON on stdout.
// Errors of any kind end here, once: a CniError is printed as is, anything else as 999.
import type { DriverDeps } from '../deps';
import { cmdAdd } from './add';
import { cmdCheck } from './check';
import { decodeJson, parseNetConf, type NetConf } from '../cni/config';
import { cmdDel } from './del';
import { CniError, CNI_CODES, invalidConfig, toCniError } from '../cni/errors';
import { cmdGc } from './gc';
import { readEnv, type CniEnv } from '../cni/env';
import { boundedRunner } from '../plumb/exec';
import { fromCniResult } from '../cni/result';
import { cmdStatus } from './status';
import { DEFAULT_VERSION, isSupportedVersion, supportsCheck, versionAnswer } from '../cni/version';

export interface CniOutput { stdout: string; exitCode: number }

function requestedVersion(stdin: string): string {
  try {
    const v = (JSON.parse(stdin) as Record<string, unknown>).cniVersion;
    return isSupportedVersion(v) ? v : DEFAULT_VERSION;
  } catch {
    return DEFAULT_VERSION;
  }
}

async function dispatch(deps: DriverDeps, env: CniEnv, stdin: string): Promise<string> {
  if (env.command === 'VERSION') {
    const raw = stdin.trim() === '' ? {} : decodeJson(stdin, 'VERSION request');
    return JSON.stringify(versionAnswer(raw.cniVersion));
  }
  const raw = decodeJson(stdin, 'network config');
  const lenient = env.command === 'DEL' || env.command === 'GC';
  let conf: NetConf;
  if (lenient) {
    // A DEL follows every ADD, even one refused for a bad config: clean up what we can.
    const withVersion = isSupportedVersion(raw.cniVersion) || raw.cniVersion === undefined ? raw : { ...raw, cniVersion: undefined };
    conf = parseNetConf(withVersion, { lenient: true, hostName: deps.hostName }).conf;
  } else conf = parseNetConf(raw, { hostName: deps.hostName }).conf;
  // Every program gets a deadline, none past the command's own: the answer comes within
  // deadlineMs whatever hangs (what an ADD cut short leaves, its step log lets DEL remove).
  const deadlineAt = Date.now() + conf.deadlineMs;
  const bounded: DriverDeps = { ...deps, run: boundedRunner(deps.run, conf.commandTimeoutMs, deadlineAt) };
  return withDeadline(conf.deadlineMs, env.command, () => handle(bounded, env, conf, raw));
}

async function withDeadline<T>(ms: number, what: string, fn: () => Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new CniError(CNI_CODES.TRY_AGAIN_LATER, 'deadline exceeded', `${what} did not finish within ${ms} ms (deadlineMs); DEL or gc removes what it left`)), ms);
  });
  try {
    return await Promise.race([fn(), expired]);
  } finally {
    clearTimeout(timer);
  }
}

async function handle(deps: DriverDeps, env: CniEnv, conf: NetConf, raw: Record<string, unknown>): Promise<string> {
  switch (env.command) {
    case 'ADD':
      return JSON.stringify(await cmdAdd(deps, env, conf));
    case 'DEL':
      await cmdDel(deps, env, conf);
      return '';
    case 'CHECK': {
      if (!supportsCheck(conf.cniVersion)) {
        throw new CniError(CNI_CODES.INCOMPATIBLE_VERSION, 'incompatible CNI versions', `configuration version "${conf.cniVersion}" does not support the CHECK command`);
      }
      const prev = fromCniResult(raw.prevResult);
      if (prev === null) throw invalidConfig('CHECK needs prevResult');
      await cmdCheck(deps, env, conf, prev);
      return '';
    }
    case 'GC':
      await cmdGc(deps, conf);
      return '';
    case 'STATUS':
      await cmdStatus(deps, conf);
      return '';
    case 'VERSION':
      return JSON.stringify(versionAnswer(raw.cniVersion));
  }
}

/** The whole plugin run: never throws; the caller prints stdout and exits with exitCode. */
export async function runCni(deps: DriverDeps, env: NodeJS.ProcessEnv, readStdin: () => string): Promise<CniOutput> {
  let stdin = '';
  try {
    const cniEnv = readEnv(env);
    try {
      stdin = readStdin();
    } catch (err) {
      if (cniEnv.command !== 'VERSION') throw new CniError(CNI_CODES.IO_FAILURE, 'cannot read stdin', err instanceof Error ? err.message : String(err));
    }
    const out = await dispatch(deps, cniEnv, stdin);
    return { stdout: out === '' ? '' : `${out}\n`, exitCode: 0 };
  } catch (err) {
    return { stdout: `${JSON.stringify(toCniError(err).toJSON(requestedVersion(stdin)))}\n`, exitCode: 1 };
  }
}
