// A small scripted stand-in for the Marathon v2 API, for browser tests of the UI's own
// behaviour (rendering, dialogs, 409/422 handling, the disconnected banner) with exact control
// over timing. It answers in the shapes of spec/marathon-api.md; the scheduling is fake:
// tasks start at once unless the app carries the label `fake.hold`, whose deployments then stay
// open until the test calls finishDeployments(). Tests against the real server are in
// ui-local.test.ts.
import { randomUUID } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import Fastify, { type FastifyInstance, type FastifyReply } from 'fastify';
import { registerUi } from '../../src/server/ui/ui-plugin';

interface Iface {
  networkName?: string;
  interfaceName?: string;
  bootproto?: string;
  ipAddress?: string;
  ipRange?: string;
}

interface FakeTask {
  id: string;
  appId: string;
  host: string;
  slaveId: string;
  state: string;
  stagedAt: string;
  startedAt?: string;
  version: string;
  ipAddresses: Array<{ ipAddress: string; protocol: string }>;
  networkInterfaces: Array<Record<string, unknown>>;
  slot: number;
}

interface FakeApp {
  def: Record<string, unknown> & { id: string; instances: number };
  version: string;
  versions: string[];
  tasks: FakeTask[];
  deploymentId?: string;
  hold: boolean;
}

const IPV4 = /^(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}(\/\d{1,2})?$/;

export class FakeMarathon {
  readonly apps = new Map<string, FakeApp>();
  private readonly sse = new Set<ServerResponse>();
  private server: FastifyInstance | undefined;
  private clock = Date.parse('2024-05-01T10:00:00.000Z');
  /** set false to make /v2/events refuse connections (the UI must show it is disconnected) */
  eventsEnabled = true;
  readonly requests: string[] = [];
  /** message of TASK_RUNNING status events, as an agent that explains itself sends it */
  runningMessage = '';
  /** lastTaskFailure to report per app id */
  readonly failures = new Map<string, Record<string, unknown>>();

  constructor(private readonly uiDir: string) {}

  async start(): Promise<string> {
    const app = Fastify();
    this.server = app;
    app.addHook('onRequest', async (req) => {
      this.requests.push(`${req.method} ${req.url}`);
    });
    await registerUi(app, { distDir: this.uiDir });
    this.routes(app);
    await app.listen({ host: '127.0.0.1', port: 0 });
    const addr = app.server.address();
    if (addr === null || typeof addr === 'string') throw new Error('no address');
    return `http://127.0.0.1:${addr.port}`;
  }

  async stop(): Promise<void> {
    this.dropEventStreams();
    await this.server?.close();
  }

  /** Cuts every open event stream, as a server restart or a proxy timeout would. */
  dropEventStreams(): void {
    for (const res of this.sse) res.destroy();
    this.sse.clear();
  }

  finishDeployments(): void {
    for (const a of this.apps.values()) {
      a.hold = false;
      for (const t of a.tasks) this.run(t);
      this.endDeployment(a);
    }
  }

  private now(): string {
    this.clock += 1000;
    return new Date(this.clock).toISOString();
  }

  private emit(eventType: string, payload: Record<string, unknown>): void {
    const data = JSON.stringify({ eventType, timestamp: this.now(), ...payload });
    for (const res of this.sse) res.write(`event: ${eventType}\ndata: ${data}\n\n`);
  }

  private interfaces(a: FakeApp): Iface[] {
    const c = a.def.container as { networkInterfaces?: Iface[] } | undefined;
    return c?.networkInterfaces ?? [];
  }

  private launch(a: FakeApp, slot: number): void {
    const id = `${a.def.id.slice(1).replace(/\//g, '_')}.instance-${randomUUID()}._app.1`;
    const ifs = this.interfaces(a).map((spec, i) => {
      const name = spec.interfaceName || `eth${i}`;
      const mac = `02:5a:00:${String(slot).padStart(2, '0')}:0${i}:01`;
      let ip = '';
      if (spec.bootproto === 'static') {
        if (spec.ipRange) {
          const [from] = spec.ipRange.split('-');
          const parts = from.split('.');
          parts[3] = String(Number(parts[3]) + slot);
          ip = parts.join('.');
        } else ip = (spec.ipAddress ?? '').split('/')[0];
      } else ip = `10.100.0.${101 + slot}`;
      return { networkName: spec.networkName, interfaceName: name, macAddress: mac, ipAddress: ip, prefixLength: 24, gateway: '', bootproto: spec.bootproto || 'dhcp' };
    });
    const t: FakeTask = {
      id,
      appId: a.def.id,
      host: 'agent-1',
      slaveId: 'fake-S0',
      state: 'TASK_STAGING',
      stagedAt: this.now(),
      version: a.version,
      ipAddresses: [],
      networkInterfaces: ifs,
      slot,
    };
    a.tasks.push(t);
    this.emit('status_update_event', { taskId: id, taskStatus: 'TASK_STAGING', appId: a.def.id, host: t.host, slaveId: t.slaveId, ipAddresses: [], ports: [], version: a.version, message: '' });
    if (!a.hold) this.run(t);
  }

  private run(t: FakeTask): void {
    if (t.state === 'TASK_RUNNING') return;
    t.state = 'TASK_RUNNING';
    t.startedAt = this.now();
    t.ipAddresses = t.networkInterfaces.map((i) => ({ ipAddress: String(i.ipAddress), protocol: 'IPv4' }));
    this.emit('status_update_event', { taskId: t.id, taskStatus: 'TASK_RUNNING', appId: t.appId, host: t.host, slaveId: t.slaveId, ipAddresses: t.ipAddresses, ports: [], version: t.version, message: this.runningMessage });
  }

  private scaleTo(a: FakeApp, n: number): void {
    a.def.instances = n;
    while (a.tasks.length > n) {
      const t = a.tasks.pop() as FakeTask;
      this.emit('status_update_event', { taskId: t.id, taskStatus: 'TASK_KILLED', appId: a.def.id, host: t.host, slaveId: t.slaveId, ipAddresses: [], ports: [], version: t.version, message: '' });
    }
    const used = new Set(a.tasks.map((t) => t.slot));
    for (let slot = 0; a.tasks.length < n; slot++) if (!used.has(slot)) this.launch(a, slot);
  }

  private startDeployment(a: FakeApp, action: string): string {
    const id = randomUUID();
    a.deploymentId = id;
    this.emit('deployment_info', { plan: { id, affectedApps: [a.def.id] }, currentStep: { actions: [{ action, app: a.def.id }] } });
    if (!a.hold) this.endDeployment(a);
    return id;
  }

  private endDeployment(a: FakeApp): void {
    if (!a.deploymentId) return;
    const id = a.deploymentId;
    a.deploymentId = undefined;
    this.emit('deployment_success', { id, plan: { id, affectedApps: [a.def.id] } });
  }

  private view(a: FakeApp): Record<string, unknown> {
    const running = a.tasks.filter((t) => t.state === 'TASK_RUNNING').length;
    return {
      ...a.def,
      version: a.version,
      versionInfo: { lastScalingAt: a.version, lastConfigChangeAt: a.versions[0] },
      tasksRunning: running,
      tasksStaged: a.tasks.length - running,
      tasksHealthy: 0,
      tasksUnhealthy: 0,
      deployments: a.deploymentId ? [{ id: a.deploymentId }] : [],
      tasks: a.tasks.map(({ slot: _slot, ...t }) => t),
      lastTaskFailure: this.failures.get(a.def.id) ?? null,
    };
  }

  private locked(reply: FastifyReply, a: FakeApp): FastifyReply {
    return reply.code(409).send({
      message: `App is locked by one or more deployments. Override with the option '?force=true'. View details at '/v2/deployments/${a.deploymentId}'.`,
      deployments: [{ id: a.deploymentId }],
    });
  }

  private validate(body: Record<string, unknown>): Array<{ path: string; errors: string[] }> {
    const out: Array<{ path: string; errors: string[] }> = [];
    if (typeof body.id !== 'string' || !/^\/?[a-z0-9][a-z0-9\-/]*$/.test(body.id)) out.push({ path: '/id', errors: ['must be a valid path'] });
    const ifs = ((body.container as { networkInterfaces?: Iface[] } | undefined)?.networkInterfaces ?? []) as Iface[];
    ifs.forEach((spec, i) => {
      if (!spec.networkName) out.push({ path: `/container/networkInterfaces(${i})/networkName`, errors: ['is required'] });
      if (spec.bootproto === 'static' && !spec.ipRange && !IPV4.test(spec.ipAddress ?? '')) out.push({ path: `/container/networkInterfaces(${i})/ipAddress`, errors: ['must be an IPv4 address for a static interface'] });
    });
    return out;
  }

  private routes(app: FastifyInstance): void {
    const find = (raw: string): FakeApp | undefined => this.apps.get(`/${raw.split('/').filter((s) => s !== '').join('/')}`);

    app.get('/v2/events', (req, reply) => {
      if (!this.eventsEnabled) return reply.code(503).send({ message: 'events off' });
      reply.hijack();
      reply.raw.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache', Connection: 'keep-alive' });
      reply.raw.write('retry: 300\n\n');
      this.sse.add(reply.raw);
      req.raw.on('close', () => this.sse.delete(reply.raw));
      this.emit('event_stream_attached', { remoteAddress: '127.0.0.1' });
      return undefined;
    });
    app.get('/v2/queue', async () => ({
      queue: [...this.apps.values()].filter((a) => a.tasks.length < a.def.instances || a.tasks.some((t) => t.state !== 'TASK_RUNNING')).map((a) => ({
        count: a.def.instances - a.tasks.filter((t) => t.state === 'TASK_RUNNING').length,
        since: a.version,
        delay: { timeLeftSeconds: 0, overdue: true },
        app: { id: a.def.id },
      })),
    }));
    app.get('/v2/deployments', async () =>
      [...this.apps.values()].filter((a) => a.deploymentId).map((a) => ({
        id: a.deploymentId,
        version: a.version,
        affectedApps: [a.def.id],
        steps: [{ actions: [{ action: 'StartApplication', app: a.def.id }] }, { actions: [{ action: 'ScaleApplication', app: a.def.id }] }],
        // [project] the launch queue's reasons while instances wait (serve: src/server/api/routes/deployments.ts)
        currentActions: [{ action: 'ScaleApplication', app: a.def.id, waitingFor: [{ reason: 'InsufficientCpus', declined: 3 }] }],
        currentStep: 2,
        totalSteps: 2,
      })),
    );
    app.get('/v2/apps', async () => ({ apps: [...this.apps.values()].map((a) => this.view(a)) }));
    app.post<{ Body: Record<string, unknown> }>('/v2/apps', async (req, reply) => {
      const body = req.body;
      const details = this.validate(body);
      if (details.length > 0) return reply.code(422).send({ message: 'Object is not valid', details });
      const id = `/${String(body.id).replace(/^\//, '')}`;
      if (this.apps.has(id)) return reply.code(409).send({ message: `An app with id [${id}] already exists.` });
      const version = this.now();
      const labels = (body.labels ?? {}) as Record<string, string>;
      const a: FakeApp = { def: { ...body, id, instances: Number(body.instances ?? 1) }, version, versions: [version], tasks: [], hold: labels['fake.hold'] === 'true' };
      this.apps.set(id, a);
      this.emit('api_post_event', { clientIp: '127.0.0.1', uri: '/v2/apps', appDefinition: a.def });
      const n = a.def.instances;
      a.def.instances = 0;
      this.scaleTo(a, n);
      const dep = this.startDeployment(a, 'ScaleApplication');
      return reply.code(201).header('Location', id).header('Marathon-Deployment-Id', dep).send({ ...this.view(a), deployments: [{ id: dep }] });
    });
    app.get<{ Params: { '*': string } }>('/v2/apps/*', async (req, reply) => {
      const rest = req.params['*'];
      const m = /^(.*)\/versions(?:\/(.+))?$/.exec(rest);
      if (m) {
        const a = find(m[1]);
        if (!a) return reply.code(404).send({ message: `App '/${m[1]}' does not exist` });
        if (m[2]) return { ...a.def, version: decodeURIComponent(m[2]) };
        return { versions: [...a.versions].reverse() };
      }
      const a = find(rest);
      if (!a) return reply.code(404).send({ message: `App '/${rest}' does not exist` });
      return { app: this.view(a) };
    });
    app.put<{ Params: { '*': string }; Body: { instances?: number }; Querystring: { force?: string } }>('/v2/apps/*', async (req, reply) => {
      const a = find(req.params['*']);
      if (!a) return reply.code(404).send({ message: 'App does not exist' });
      if (a.deploymentId && req.query.force !== 'true') return this.locked(reply, a);
      const n = Number(req.body.instances);
      if (!Number.isInteger(n) || n < 0) return reply.code(422).send({ message: 'Object is not valid', details: [{ path: '/instances', errors: ['must be ≥ 0'] }] });
      if (a.deploymentId) this.endDeployment(a);
      a.version = this.now();
      a.versions.push(a.version);
      this.scaleTo(a, n);
      const dep = this.startDeployment(a, 'ScaleApplication');
      return reply.header('Marathon-Deployment-Id', dep).send({ version: a.version, deploymentId: dep });
    });
    app.post<{ Params: { '*': string }; Querystring: { force?: string } }>('/v2/apps/*', async (req, reply) => {
      const m = /^(.*)\/restart$/.exec(req.params['*']);
      const a = m ? find(m[1]) : undefined;
      if (!a) return reply.code(404).send({ message: 'App does not exist' });
      if (a.deploymentId && req.query.force !== 'true') return this.locked(reply, a);
      a.version = this.now();
      a.versions.push(a.version);
      const n = a.def.instances;
      this.scaleTo(a, 0);
      this.scaleTo(a, n);
      const dep = this.startDeployment(a, 'RestartApplication');
      return reply.header('Marathon-Deployment-Id', dep).send({ version: a.version, deploymentId: dep });
    });
    app.delete<{ Params: { '*': string } }>('/v2/apps/*', async (req, reply) => {
      const a = find(req.params['*']);
      if (!a) return reply.code(404).send({ message: 'App does not exist' });
      this.scaleTo(a, 0);
      this.apps.delete(a.def.id);
      this.emit('app_terminated_event', { appId: a.def.id });
      return { version: this.now(), deploymentId: randomUUID() };
    });
    app.post<{ Body: { ids?: string[] }; Querystring: { scale?: string } }>('/v2/tasks/delete', async (req) => {
      const ids = new Set(req.body.ids ?? []);
      for (const a of this.apps.values()) {
        const killed = a.tasks.filter((t) => ids.has(t.id));
        if (killed.length === 0) continue;
        a.tasks = a.tasks.filter((t) => !ids.has(t.id));
        for (const t of killed) this.emit('status_update_event', { taskId: t.id, taskStatus: 'TASK_KILLED', appId: a.def.id, host: t.host, slaveId: t.slaveId, ipAddresses: [], ports: [], version: t.version, message: '' });
        if (req.query.scale === 'true') a.def.instances -= killed.length;
        this.scaleTo(a, a.def.instances);
      }
      return req.query.scale === 'true' ? { version: this.now(), deploymentId: randomUUID() } : { tasks: [] };
    });
  }
}
