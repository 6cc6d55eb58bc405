// An agent's own HTTP endpoints in mesos-sim, on the agent's address and port (the `pid` the
// master's /master/state lists for it), as the stock Marathon UI and Mesos' UI use them to find a
// task's sandbox: GET /state (also /state.json, /slave(1)/state) lists the agent's frameworks with
// their executors, `directory` being the sandbox (a command task's executor id is its task id);
// /files/browse, /files/read and /files/download over this agent's sandboxes only; /version;
// `?jsonp=fn` on every JSON answer. Shapes follow a real 1.11 agent
// (test/fixtures/mesos-1.11/agent-endpoints.json).
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import type { Agent } from './agent';
import { filesAnswer } from './files-endpoint';
import type { MasterSnapshot, TaskView } from './master-core';
import { stateTask } from './state-view';
import { sendJson } from './send-json';

export interface AgentHttpContext {
  agent: Agent;
  agentId: string;
  snapshot(): MasterSnapshot;
  masterHostname: string;
  mesosVersion: string;
  startTime: number;
}


function plain(res: http.ServerResponse, status: number, body = ''): void {
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': String(Buffer.byteLength(body)) });
  res.end(body);
}

/** The sandbox of a container on this agent, when the agent keeps sandboxes (exec agents). */
function directoryOf(agent: Agent, containerId: string | undefined): string | undefined {
  const root = agent.sandboxRoot?.();
  if (root === undefined || containerId === undefined || containerId === '') return undefined;
  return path.join(root, containerId);
}

function executor(t: TaskView, ctx: AgentHttpContext, role: string, containerId: string | undefined, live: boolean): Record<string, unknown> {
  const out: Record<string, unknown> = {
    id: t.taskId,
    name: `Command Executor (Task: ${t.taskId})`,
    source: t.taskId,
    resources: t.resources,
    role,
    tasks: live ? [stateTask(t)] : [],
    queued_tasks: [],
    completed_tasks: live ? [] : [stateTask(t)],
  };
  if (containerId !== undefined) out.container = containerId;
  const dir = directoryOf(ctx.agent, containerId);
  if (dir !== undefined) out.directory = dir;
  return out;
}

/** GET /state of one agent: its frameworks with live and completed executors. */
export function agentStateView(ctx: AgentHttpContext): Record<string, unknown> {
  const s = ctx.snapshot();
  const me = s.agents.find((a) => a.id === ctx.agentId);
  const containers = new Map(ctx.agent.tasks().map((t) => [t.taskId, t.containerId]));
  const frameworks = s.frameworks.map((f) => {
    const live = f.tasks.filter((t) => t.agentId === ctx.agentId);
    const done = s.completedTasks.filter((t) => t.frameworkId === f.id && t.agentId === ctx.agentId);
    return {
      id: f.id, name: f.name, user: f.user, role: f.role, failover_timeout: f.failoverTimeoutSeconds, checkpoint: true,
      hostname: ctx.masterHostname,
      executors: live.map((t) => executor(t, ctx, f.role, containers.get(t.taskId) ?? t.containerId, true)),
      completed_executors: done.map((t) => executor(t, ctx, f.role, t.containerId ?? containers.get(t.taskId), false)),
    };
  }).filter((f) => f.executors.length > 0 || f.completed_executors.length > 0);
  return {
    version: ctx.mesosVersion,
    start_time: ctx.startTime / 1000,
    id: ctx.agentId,
    pid: `slave(1)@${ctx.agent.hostname}:${ctx.agent.port}`,
    hostname: ctx.agent.hostname,
    resources: me?.total ?? {},
    attributes: {},
    master_hostname: ctx.masterHostname,
    frameworks,
    completed_frameworks: [],
  };
}

/** GET /files/download?path=…: the file's bytes as an attachment (sandbox paths only). */
async function download(res: http.ServerResponse, query: URLSearchParams, roots: readonly string[]): Promise<void> {
  // Confinement and errors as /files/read: ask it for the file's size first.
  const probe = new URLSearchParams(query);
  probe.set('offset', '-1');
  const size = await filesAnswer('read', probe, roots);
  if (size.status !== 200) {
    res.writeHead(size.status, { ...size.headers, 'Content-Length': String(Buffer.byteLength(size.body)) });
    res.end(size.body);
    return;
  }
  const real = await fs.promises.realpath(query.get('path') as string);
  res.writeHead(200, {
    'Content-Type': 'application/octet-stream',
    'Content-Disposition': `attachment; filename=${path.basename(real)}`,
    'Content-Length': String((await fs.promises.stat(real)).size),
  });
  const stream = fs.createReadStream(real);
  stream.on('error', () => res.destroy());
  stream.pipe(res);
}

/** Serves one agent's endpoints until close(). */
export class AgentEndpoints {
  private server: http.Server | undefined;

  constructor(private readonly ctx: AgentHttpContext) {}

  async listen(): Promise<void> {
    const server = http.createServer((req, res) => {
      this.handle(req, res).catch(() => { if (!res.headersSent) plain(res, 500, 'Internal error'); else res.destroy(); });
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.ctx.agent.port, this.ctx.agent.ip, () => { server.off('error', reject); resolve(); });
    });
    this.server = server;
  }

  async close(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (server === undefined) return;
    await new Promise<void>((resolve) => { server.close(() => resolve()); server.closeAllConnections(); });
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const [rawPath = '/', rawQuery = ''] = (req.url ?? '/').split('?');
    const query = new URLSearchParams(rawQuery);
    const jsonp = query.get('jsonp');
    const p = rawPath.replace(/^\/slave\(1\)/, '').replace(/\.json$/, '');
    if (req.method !== 'GET' && req.method !== 'HEAD') return plain(res, 405);
    if (p === '/state') return sendJson(res, agentStateView(this.ctx), jsonp);
    if (p === '/version') return sendJson(res, { version: this.ctx.mesosVersion, build_user: 'mesos-sim' }, jsonp);
    if (p === '/health') return plain(res, 200);
    const root = this.ctx.agent.sandboxRoot?.();
    const roots = root === undefined ? [] : [root];
    if (p === '/files/download') return download(res, query, roots);
    if (p === '/files/browse' || p === '/files/read') {
      const a = await filesAnswer(p === '/files/browse' ? 'browse' : 'read', query, roots);
      if (a.status === 200 && jsonp !== null) return sendJson(res, JSON.parse(a.body) as unknown, jsonp);
      res.writeHead(a.status, { ...a.headers, 'Content-Length': String(Buffer.byteLength(a.body)) });
      res.end(a.body);
      return;
    }
    plain(res, 404);
  }
}
