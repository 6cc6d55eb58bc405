// "Ensure datapath once per host": remember a successful registration in the state dir so
// later ADDs skip the GET. Keyed by everything that would change the record.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { makeDirs } from './dirs';
import type { OpenVnetConf } from '../cni/config';

function file(stateDir: string, datapath: string): string {
  return path.join(stateDir, 'datapaths', `${datapath}.json`);
}

function fingerprint(c: OpenVnetConf): string {
  return JSON.stringify({ url: c.url, dpid: c.dpid, nodeId: c.nodeId });
}

export function datapathKnown(stateDir: string, c: OpenVnetConf): boolean {
  try {
    return fs.readFileSync(file(stateDir, c.datapath), 'utf8') === fingerprint(c);
  } catch {
    return false;
  }
}

export function rememberDatapath(stateDir: string, c: OpenVnetConf): void {
  const f = file(stateDir, c.datapath);
  makeDirs(path.dirname(f));
  const tmp = `${f}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, fingerprint(c));
  fs.renameSync(tmp, f);
}

export function forgetDatapath(stateDir: string, datapath: string): void {
  fs.rmSync(file(stateDir, datapath), { force: true });
}
