// `marathon-vnet local` with a Docker engine: the sample app, posted verbatim, runs as a real
// `busybox` container (imported from the host's busybox into a private offline dockerd, since no
// registry is reachable) inside a pause container whose network namespace vnet-driver plumbed.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { instanceTag } from '../../src/local/names';
import { PrivateDockerd } from '../helpers/dockerd';
import { LocalCli, namespacesMatching, REPO } from '../helpers/local-mode';
import { poller } from '../helpers/poll';
import { run } from '../helpers/processes';
import { describeNeeding } from '../helpers/requires';

const until = poller({ timeoutMs: 30_000, everyMs: 100 });

interface TaskJson { id: string; state: string; networkInterfaces?: { interfaceName: string; macAddress?: string; ipAddress?: string }[] }

describeNeeding(['root', 'netns', 'docker', 'dnsmasq', 'udhcpc'], 'marathon-vnet local with a Docker engine (real CLI, private dockerd)', function () {
  this.timeout(120_000);
  const R = randomBytes(3).toString('hex');
  let dockerd: PrivateDockerd | undefined;
  let dir = '';
  let tag = '';
  let cli: LocalCli | undefined;
  let api = '';
  const D = (...args: string[]): ReturnType<PrivateDockerd['docker']> => (dockerd as PrivateDockerd).docker(...args);
  const ours = (): Promise<string[]> => (dockerd as PrivateDockerd).containersNamed(`mvn-${tag}-`);

  before(async function () {
    dockerd = await PrivateDockerd.start(R);
    if (!dockerd.up) {
      process.stdout.write(`      (skipped: dockerd could not start: ${dockerd.logTail(1)[0] ?? ''})\n`);
      this.skip();
    }
    // The sample's image, `busybox`, made from the host's busybox: no registry needed.
    assert.equal((await dockerd.importBusybox('busybox:latest')).code, 0);

    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mvn-e2e-docker-'));
    tag = instanceTag(dir);
    cli = await LocalCli.start({ dataDir: dir, env: { ...process.env, DOCKER_HOST: dockerd.host } });
    api = cli.api;
  });

  after(async () => {
    await cli?.stop();
    if (dockerd !== undefined && dockerd.running) {
      for (const name of await ours()) await D('rm', '-f', name);
      await dockerd.stop();
    }
    if (tag !== '') for (const ns of await namespacesMatching(`mvn-${tag}-`)) await run('ip', ['netns', 'del', ns]);
    dockerd?.removeDir();
    if (dir !== '') fs.rmSync(dir, { recursive: true, force: true });
  });

  it('runs the sample app as a busybox container with both interfaces, and removes the containers on delete and stop', async () => {
    assert.match((cli as LocalCli).stdout, /Docker\s+image tasks run as containers \(unix:\/\//);
    const body = fs.readFileSync(path.join(REPO, 'samples', 'apps', 'vnettest.json'), 'utf8');
    const posted = await fetch(`${api}/v2/apps`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body });
    assert.equal(posted.status, 201, await posted.text());
    const task = await until('a running task', async () => {
      const app = ((await (await fetch(`${api}/v2/apps/vnettest`)).json()) as { app: { tasks: TaskJson[] } }).app;
      return app.tasks.find((t) => t.state === 'TASK_RUNNING');
    }, 60_000);
    // RUNNING is reported once `docker run` is under way; the container follows a moment later.
    const names = await until('the task container', async () => {
      const n = await ours();
      return n.some((x) => x.includes('-task-')) && (await D('inspect', '--format', '{{.State.Running}}', n.find((x) => x.includes('-task-')) ?? '')).stdout.trim() === 'true' ? n : undefined;
    });
    const taskContainer = names.find((n) => n.includes('-task-')) ?? '';
    assert.ok(taskContainer !== '' && names.some((n) => n.includes('-pause-')), names.join(','));
    assert.equal((await D('inspect', '--format', '{{.Config.Image}}', taskContainer)).stdout.trim(), 'busybox');
    const addrs = (await D('exec', taskContainer, 'ip', '-o', 'addr', 'show')).stdout;
    const eth0 = task.networkInterfaces?.find((i) => i.interfaceName === 'eth0');
    assert.match(addrs, /eth1\s+inet 192\.168\.0\.100\/24/);
    assert.ok(eth0?.ipAddress !== undefined && addrs.includes(`inet ${eth0.ipAddress}/24`), addrs);
    assert.match((await D('exec', taskContainer, 'ip', 'route')).stdout, /default via 192\.168\.0\.1 dev eth1/);
    const links = (await D('exec', taskContainer, 'ip', '-o', 'link', 'show')).stdout;
    for (const i of task.networkInterfaces ?? []) assert.ok(links.includes(i.macAddress ?? 'missing'), links);
    assert.equal((await D('exec', taskContainer, 'cat', '/proc/1/cmdline')).code, 0);

    assert.equal((await fetch(`${api}/v2/apps/vnettest`, { method: 'DELETE' })).status, 200);
    await until('containers removed', async () => ((await ours()).length === 0 ? true : undefined));
    const c = cli as LocalCli;
    c.child.kill('SIGINT');
    assert.equal(await c.exited, 0, c.stderr);
    assert.deepEqual(await ours(), []);
    const left = await namespacesMatching(`mvn-${tag}-`);
    assert.deepEqual(left, []);
  });
});
