// Reading and writing the agent's CNI config directory (one single-plugin file per network,
// as Mesos needs: spec mesos-v1.md B2).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { decodeJson, parseNetConf, type NetConf } from '../cni/config';

/** setup, gc and status default to the same directory: the Mesos agent's --network_cni_config_dir of the guide. */
export const DEFAULT_CONFIG_DIR = '/etc/mesos/cni/net.d';

export interface LoadedConf { file: string; conf: NetConf; problems: string[] }

/** Every vnet-driver config in the directory (parsed leniently: gc must work with all). */
export function loadConfigs(dir: string, hostName: string): LoadedConf[] {
  let names: string[];
  try {
    names = fs.readdirSync(dir).sort();
  } catch {
    return [];
  }
  const out: LoadedConf[] = [];
  for (const n of names) {
    if (!/\.(conf|json)$/.test(n)) continue;
    const file = path.join(dir, n);
    try {
      const raw = decodeJson(fs.readFileSync(file, 'utf8'), file);
      if (raw.type !== 'vnet-driver') continue;
      const { conf, problems } = parseNetConf(raw, { lenient: true, hostName });
      out.push({ file, conf, problems });
    } catch {
      // not a config of ours
    }
  }
  return out;
}

export function loadConfigFile(file: string): Record<string, unknown> {
  return decodeJson(fs.readFileSync(file, 'utf8'), file);
}

export function writeConfig(dir: string, name: string, conf: Record<string, unknown>): string {
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${name}.conf`);
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, `${JSON.stringify(conf, null, 2)}\n`);
  fs.renameSync(tmp, file);
  return file;
}
