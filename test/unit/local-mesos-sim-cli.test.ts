import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { Command } from 'commander';
import { buildAgents, isLoopbackHost, parseHostPort, parseMesosSimOptions, registerMesosSim } from '../../src/cli/mesos-sim';
import { repoRoot } from '../helpers/fixtures';

describe('mesos-sim command line', () => {
  it('defaults to loopback :5050, one simulated agent', () => {
    const c = parseMesosSimOptions({});
    assert.deepEqual([c.host, c.port, c.agents, c.exec, c.heartbeatSeconds, c.leader], ['127.0.0.1', 5050, 1, false, 15, undefined]);
    assert.equal(buildAgents(c)[0]?.kind, 'simulated');
  });

  it('reads every option', () => {
    const c = parseMesosSimOptions({ listen: '0.0.0.0:5151', agents: '3', cpus: '2', mem: '512', disk: '0', exec: true, heartbeat: '0.5', taskDelay: '0', leader: '10.0.0.1:5050', agentPort: '6051' });
    assert.deepEqual(c, { host: '0.0.0.0', port: 5151, agentPort: 6051, agents: 3, cpus: 2, mem: 512, disk: 0, exec: true, heartbeatSeconds: 0.5, taskDelayMs: 0, statusRetryMs: 10_000, leader: '10.0.0.1:5050' });
    assert.deepEqual(buildAgents(c).map((a) => a.kind), ['exec', 'exec', 'exec']);
    assert.deepEqual(buildAgents(c).map((a) => `${a.ip}:${a.port}`), ['127.0.0.1:6051', '127.0.0.2:6052', '127.0.0.3:6053']);
    assert.equal(parseMesosSimOptions({}).agentPort, 5051);
    assert.throws(() => parseMesosSimOptions({ agentPort: '0' }), /--agent-port 0/);
    assert.equal(parseMesosSimOptions({ leader: 'none' }).leader, null);
  });

  it('refuses bad values with the option named', () => {
    assert.throws(() => parseMesosSimOptions({ agents: '1.5' }), /--agents 1.5/);
    assert.equal(parseMesosSimOptions({ agents: '5000' }).agents, 5000);
    assert.throws(() => parseMesosSimOptions({ agents: '5001' }), /--agents 5001.*0 to 5000/);
    assert.throws(() => parseMesosSimOptions({ cpus: '0' }), /--cpus 0/);
    assert.throws(() => parseMesosSimOptions({ heartbeat: 'x' }), /--heartbeat x/);
    assert.throws(() => parseHostPort('listen', 'host'), /expected host:port/);
    assert.throws(() => parseHostPort('listen', '1.2.3.4:70000'), /bad port/);
    assert.throws(() => parseHostPort('listen', 'a b:1'), /bad host/);
    assert.deepEqual(parseHostPort('listen', '[::1]:5050'), { host: '::1', port: 5050 });
  });

  it('knows loopback from the rest', () => {
    assert.ok(isLoopbackHost('127.0.0.1') && isLoopbackHost('::1') && isLoopbackHost('localhost'));
    assert.equal(isLoopbackHost('0.0.0.0'), false);
  });
});

describe('mesos-sim in the README', () => {
  const program = new Command();
  registerMesosSim(program);
  const cmd = program.commands.find((c) => c.name() === 'mesos-sim') as Command;
  const readme = fs.readFileSync(path.join(repoRoot(), 'README.md'), 'utf8');
  const start = readme.indexOf('### `marathon-vnet mesos-sim`');
  const section = readme.slice(start, readme.indexOf('\n### ', start + 1));
  const synopsis = /```sh\n(marathon-vnet mesos-sim[\s\S]*?)```/.exec(section)?.[1] ?? '';

  it('has a section whose synopsis names exactly the command\'s flags', () => {
    assert.ok(start >= 0 && synopsis !== '', 'README has a mesos-sim section with a synopsis');
    const documented = new Set(synopsis.match(/--[a-z][a-z-]*/g) ?? []);
    const real = new Set(cmd.options.map((o) => o.long as string));
    assert.deepEqual([...documented].sort(), [...real].sort());
  });

  it('shows each flag with its real default where the synopsis gives a value', () => {
    const checked: string[] = [];
    for (const o of cmd.options) {
      if (o.defaultValue === undefined) continue;
      const shown = new RegExp(`${o.long as string} ([^\\s\\]|]+)`).exec(synopsis)?.[1];
      if (shown === undefined) continue;
      // Values outside brackets are an example invocation; bracketed ones are the defaults.
      const bracketed = new RegExp(`\\[${o.long as string} `).test(synopsis);
      if (!bracketed) continue;
      assert.equal(shown, String(o.defaultValue), `${o.long as string}`);
      checked.push(o.long as string);
    }
    for (const flag of ['--disk', '--heartbeat', '--task-delay', '--status-retry-ms']) assert.ok(checked.includes(flag), `${flag} shown with its default`);
  });
});

describe('mesos-sim options of issue 14', () => {
  it('--health and --openvnet are checked; agents get distinct loopback hostnames', () => {
    assert.equal(parseMesosSimOptions({ health: 'flapping' }).health, 'flapping');
    assert.throws(() => parseMesosSimOptions({ health: 'sometimes' }), /--health sometimes: expected one of healthy, unhealthy, flapping/);
    assert.equal(parseMesosSimOptions({ openvnet: 'http://127.0.0.1:9090' }).openvnet, 'http://127.0.0.1:9090');
    assert.throws(() => parseMesosSimOptions({ openvnet: 'vnmgr:9090' }), /--openvnet vnmgr:9090/);
    const agents = buildAgents({ ...parseMesosSimOptions({ agents: '3' }) });
    assert.deepEqual(agents.map((a) => a.hostname), ['127.0.0.1', '127.0.0.2', '127.0.0.3']);
  });
});
