import assert from 'node:assert/strict';
import { buildAgents, isLoopbackHost, parseHostPort, parseMesosSimOptions } from '../../src/cli/mesos-sim';

describe('mesos-sim command line', () => {
  it('defaults to loopback :5050, one simulated agent', () => {
    const c = parseMesosSimOptions({});
    assert.deepEqual([c.host, c.port, c.agents, c.exec, c.heartbeatSeconds, c.leader], ['127.0.0.1', 5050, 1, false, 15, undefined]);
    assert.equal(buildAgents(c)[0]?.kind, 'simulated');
  });

  it('reads every option', () => {
    const c = parseMesosSimOptions({ listen: '0.0.0.0:5151', agents: '3', cpus: '2', mem: '512', disk: '0', exec: true, heartbeat: '0.5', taskDelay: '0', leader: '10.0.0.1:5050' });
    assert.deepEqual(c, { host: '0.0.0.0', port: 5151, agents: 3, cpus: 2, mem: 512, disk: 0, exec: true, heartbeatSeconds: 0.5, taskDelayMs: 0, statusRetryMs: 10_000, leader: '10.0.0.1:5050' });
    assert.deepEqual(buildAgents(c).map((a) => a.kind), ['exec', 'exec', 'exec']);
    assert.equal(parseMesosSimOptions({ leader: 'none' }).leader, null);
  });

  it('refuses bad values with the option named', () => {
    assert.throws(() => parseMesosSimOptions({ agents: '1.5' }), /--agents 1.5/);
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
