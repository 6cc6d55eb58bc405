// A one-layer Docker image `busybox` for the agent's local registry puller, built from this
// machine's Debian busybox (the layout ../shared/mesos/README.md describes): `<registry>/busybox.tar`
// holding `repositories`, `<id>/layer.tar`, `<id>/json` and `<id>/VERSION`. A dynamically linked
// busybox brings the libraries `ldd` names, so busybox-static is not required.
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { run } from '../helpers/processes';

const BUSYBOX = '/bin/busybox';

async function must(cmd: string, args: string[]): Promise<string> {
  const r = await run(cmd, args);
  if (r.code !== 0) throw new Error(`${cmd} ${args.join(' ')} → ${r.code}: ${r.stderr}`);
  return r.stdout;
}

/** The shared libraries `ldd` lists for a binary (absolute paths), none for a static one. */
async function libraries(bin: string): Promise<string[]> {
  const r = await run('ldd', [bin]);
  if (r.code !== 0) return [];
  const out: string[] = [];
  for (const line of r.stdout.split('\n')) {
    const m = /(\/\S+)\s+\(0x/.exec(line);
    if (m !== null) out.push(m[1]);
  }
  return out;
}

export async function buildBusyboxRegistry(registry: string, work: string): Promise<string> {
  const rootfs = path.join(work, 'rootfs');
  for (const d of ['bin', 'etc', 'proc', 'sys', 'dev', 'tmp', 'root']) fs.mkdirSync(path.join(rootfs, d), { recursive: true });
  fs.copyFileSync(fs.realpathSync(BUSYBOX), path.join(rootfs, 'bin', 'busybox'));
  fs.chmodSync(path.join(rootfs, 'bin', 'busybox'), 0o755);
  const applets = (await must(BUSYBOX, ['--list'])).split('\n').filter((a) => /^[a-z0-9_.[-]+$/.test(a) && a !== 'busybox');
  for (const a of applets) fs.symlinkSync('busybox', path.join(rootfs, 'bin', a));
  for (const lib of await libraries(BUSYBOX)) {
    const target = path.join(rootfs, lib);
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.copyFileSync(fs.realpathSync(lib), target);
  }
  fs.writeFileSync(path.join(rootfs, 'etc', 'passwd'), 'root:x:0:0:root:/root:/bin/sh\n');
  fs.writeFileSync(path.join(rootfs, 'etc', 'group'), 'root:x:0:\n');
  const layer = path.join(work, 'layer.tar');
  await must('tar', ['--numeric-owner', '--owner=0', '--group=0', '-cf', layer, '-C', rootfs, ...fs.readdirSync(rootfs).sort()]);
  const id = createHash('sha256').update(fs.readFileSync(layer)).digest('hex');
  const image = path.join(work, 'image');
  fs.mkdirSync(path.join(image, id), { recursive: true });
  fs.renameSync(layer, path.join(image, id, 'layer.tar'));
  fs.writeFileSync(path.join(image, id, 'VERSION'), '1.0');
  fs.writeFileSync(path.join(image, id, 'json'), JSON.stringify({
    id, created: '2026-01-01T00:00:00Z', architecture: 'amd64', os: 'linux',
    config: { Env: ['PATH=/bin'], Cmd: ['sh'] },
  }));
  fs.writeFileSync(path.join(image, 'repositories'), JSON.stringify({ busybox: { latest: id } }));
  const tarball = path.join(registry, 'busybox.tar');
  await must('tar', ['--numeric-owner', '--owner=0', '--group=0', '-cf', tarball, '-C', image, 'repositories', id]);
  fs.rmSync(work, { recursive: true, force: true });
  return tarball;
}
