// The isolator's durable record, laid out as a Mesos agent keeps it (mesos-v1.md B3):
// <root>/<ContainerID>/container.json (our addition: netns / pause container, written before
// anything is created), <root>/<ContainerID>/<network>/network.conf (the exact ADD stdin, written
// before ADD and reused for DEL) and <network>/<ifname>/network.info (the ADD stdout).
// A DEL happens only for networks whose network.conf exists, as on Mesos.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { checkContainerId } from './names';

export interface ContainerRecord {
  containerId: string;
  /** `ip netns` name when the task runs in a namespace of ours */
  netns: string | null;
  /** Docker containers (pause first) when the task runs under Docker */
  docker: { pause: string; task: string } | null;
  /** ifName per network name, and the plugin type, for DEL */
  attachments: { networkName: string; ifName: string; pluginType: string }[];
}

export interface CheckpointedAttachment {
  networkName: string;
  ifName: string;
  pluginType: string;
  /** the ADD stdin, reused verbatim for DEL */
  conf: string;
}

const NETWORK_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;

export class Checkpoints {
  constructor(readonly root: string) {}

  dir(containerId: string): string {
    return path.join(this.root, checkContainerId(containerId));
  }

  private networkDir(containerId: string, networkName: string): string {
    if (!NETWORK_NAME.test(networkName)) throw new Error(`bad network name ${JSON.stringify(networkName)}`);
    return path.join(this.dir(containerId), networkName);
  }

  writeContainer(rec: ContainerRecord): void {
    const dir = this.dir(rec.containerId);
    fs.mkdirSync(dir, { recursive: true });
    atomicWrite(path.join(dir, 'container.json'), JSON.stringify(rec));
  }

  readContainer(containerId: string): ContainerRecord | null {
    try {
      const v = JSON.parse(fs.readFileSync(path.join(this.dir(containerId), 'container.json'), 'utf8')) as ContainerRecord;
      return v.containerId === containerId && Array.isArray(v.attachments) ? v : null;
    } catch {
      return null;
    }
  }

  writeConf(containerId: string, networkName: string, stdin: string): void {
    const dir = this.networkDir(containerId, networkName);
    fs.mkdirSync(dir, { recursive: true });
    atomicWrite(path.join(dir, 'network.conf'), stdin);
  }

  writeInfo(containerId: string, networkName: string, ifName: string, stdout: string): void {
    const dir = path.join(this.networkDir(containerId, networkName), ifName);
    fs.mkdirSync(dir, { recursive: true });
    atomicWrite(path.join(dir, 'network.info'), stdout);
  }

  /** The attachments whose ADD was at least attempted (network.conf present). */
  attempted(rec: ContainerRecord): CheckpointedAttachment[] {
    const out: CheckpointedAttachment[] = [];
    for (const a of rec.attachments) {
      try {
        const conf = fs.readFileSync(path.join(this.networkDir(rec.containerId, a.networkName), 'network.conf'), 'utf8');
        out.push({ ...a, conf });
      } catch {
        // ADD never attempted: no DEL (B5)
      }
    }
    return out;
  }

  /** Drops one network's checkpoint once its DEL succeeded. */
  removeNetwork(containerId: string, networkName: string): void {
    fs.rmSync(this.networkDir(containerId, networkName), { recursive: true, force: true });
  }

  remove(containerId: string): void {
    fs.rmSync(this.dir(containerId), { recursive: true, force: true });
  }

  /** Container ids with a checkpoint (orphans at start-up). */
  list(): string[] {
    try {
      return fs.readdirSync(this.root).filter((n) => /^[A-Za-z0-9][A-Za-z0-9_.-]{0,47}$/.test(n));
    } catch {
      return [];
    }
  }
}

function atomicWrite(file: string, text: string): void {
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, text);
  fs.renameSync(tmp, file);
}
