// The durable undo list of one attachment (container id + CNI_IFNAME): a JSON-lines file under
// <stateDir>/attachments/<host ifname>.json. Intent is appended BEFORE each step
// is taken, so after a kill the file lists everything that may exist; DEL and gc undo
// it in reverse. The last line `{"committed":…}` marks a finished ADD.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { makeDirs } from './dirs';
import type { OpenVnetConf } from '../cni/config';
import type { CurrentResult } from '../cni/result';
import { trace } from '../trace';

export type StepRecord =
  | { kind: 'veth'; hostIf: string; hostNetns: string | null }
  | { kind: 'ovs-port'; bridge: string; port: string; ovsDb: string | null }
  | { kind: 'openvnet-interface'; uuid: string; openvnet: OpenVnetConf }
  | { kind: 'dhcp-client'; pidFile: string }
  | { kind: 'link-address'; dir: string; owner: string };

export interface LogHeader {
  v: 1;
  containerId: string;
  /** CNI_IFNAME (the key) and the name inside the container (label vnet.interface may differ). */
  ifName: string;
  containerIfName: string;
  network: string;
  mode: 'vif' | 'agent-link';
  hostIf: string;
  netns: string | null;
  netnsInode: number | null;
  /** CLI attach by pid. */
  pid: number | null;
  stateDir: string;
  createdAt: string;
}

export interface LogContents {
  file: string;
  header: LogHeader;
  steps: StepRecord[];
  committed: boolean;
  result: CurrentResult | null;
}

export function attachmentsDir(stateDir: string): string {
  return path.join(stateDir, 'attachments');
}

export function logPath(stateDir: string, hostIf: string): string {
  return path.join(attachmentsDir(stateDir), `${hostIf}.json`);
}

/**
 * One line, written before the step it records (write order is what a killed driver needs: the
 * page cache survives the process). Not fsynced: a machine crash takes the namespaces, veths and
 * DHCP clients with it, and what outlives a reboot (OVS rows, OpenVNet records) carries our owner
 * marks, which gc sweeps without a log. An fsync per step cost ADD more than any other step.
 */
function append(file: string, line: object, flag: 'a' | 'wx'): void {
  fs.writeFileSync(file, `${JSON.stringify(line)}\n`, { flag, mode: 0o600 });
}

/** Reads a log; null when absent. A torn last line (killed mid-write) is ignored. */
export function readLog(file: string): LogContents | null {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    return null;
  }
  const lines = text.split('\n').filter((l) => l !== '');
  let header: LogHeader | null = null;
  const steps: StepRecord[] = [];
  let committed = false;
  let result: CurrentResult | null = null;
  for (const l of lines) {
    let o: Record<string, unknown>;
    try {
      o = JSON.parse(l) as Record<string, unknown>;
    } catch {
      continue;
    }
    if (header === null && o.v === 1) header = o as unknown as LogHeader;
    else if (o.step !== undefined) steps.push(o.step as StepRecord);
    else if (o.committed === true) {
      committed = true;
      result = (o.result as CurrentResult | undefined) ?? null;
    }
  }
  if (header === null) return null;
  return { file, header, steps, committed, result };
}

export function listLogs(stateDir: string): LogContents[] {
  let names: string[];
  try {
    names = fs.readdirSync(attachmentsDir(stateDir));
  } catch {
    return [];
  }
  return names.filter((n) => /^(if|al)-[0-9a-f]{12}\.json$/.test(n))
    .map((n) => readLog(path.join(attachmentsDir(stateDir), n)))
    .filter((l): l is LogContents => l !== null);
}

/** A fault hook: the test harness kills the driver at a named step (VNET_DRIVER_FAULT). */
export type FaultHook = (step: string) => void;

export class StepLog {
  /** Records appended so far, in order (what a rollback undoes). */
  readonly records: StepRecord[] = [];

  private constructor(readonly file: string, readonly header: LogHeader, private readonly fault: FaultHook) {}

  /** Creates the log; fails (EEXIST) when one exists: the caller decides what that means. */
  static create(header: LogHeader, fault: FaultHook): StepLog {
    const file = logPath(header.stateDir, header.hostIf);
    makeDirs(path.dirname(file));
    // An empty or torn file reads as no log.
    append(file, header, 'wx');
    return new StepLog(file, header, fault);
  }

  /** Records intent, takes the step, then passes the fault point named after it. */
  async step<T>(name: string, record: StepRecord | null, act: () => Promise<T>): Promise<T> {
    if (record !== null) {
      append(this.file, { step: record }, 'a');
      this.records.push(record);
    }
    this.fault(`${name}:before`);
    trace(`step ${name}`);
    const out = await act();
    this.fault(name);
    return out;
  }

  commit(result: CurrentResult): void {
    append(this.file, { committed: true, result }, 'a');
  }

  static remove(file: string): void {
    fs.rmSync(file, { force: true });
  }
}
