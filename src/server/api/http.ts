// Small request/reply helpers shared by the route plugins.
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { DeploymentPlan } from '../../core/deploy/plan';
import { BadRequestError, IllegalArgumentError } from '../errors';

export type Query = Record<string, string | string[] | undefined>;

export function queryOf(req: FastifyRequest): Query {
  return (req.query ?? {}) as Query;
}

/** A boolean query parameter: `true`/`false` (any case); absent → default; anything else → 422. */
export function boolParam(q: Query, name: string, dflt: boolean): boolean {
  const raw = q[name];
  const v = Array.isArray(raw) ? raw[raw.length - 1] : raw;
  if (v === undefined || v === '') return dflt;
  const lower = v.toLowerCase();
  if (lower === 'true') return true;
  if (lower === 'false') return false;
  throw new IllegalArgumentError(`Query parameter ${name} must be true or false, not '${v}'`);
}

/** Every value of a repeatable parameter (`embed=a&embed=b`, also `status[]=…`). */
export function listParam(q: Query, name: string): string[] {
  const out: string[] = [];
  for (const key of [name, `${name}[]`]) {
    const raw = q[key];
    if (raw === undefined) continue;
    out.push(...(Array.isArray(raw) ? raw : [raw]));
  }
  return out;
}

/** `scale`, `force`, `wipe` of a task kill; Marathon refuses scale with wipe (400). */
export function killParams(q: Query): { scale: boolean; force: boolean; wipe: boolean } {
  const scale = boolParam(q, 'scale', false);
  const wipe = boolParam(q, 'wipe', false);
  if (scale && wipe) throw new BadRequestError('You cannot use scale and wipe at the same time.');
  return { scale, force: boolParam(q, 'force', false), wipe };
}

export function stringParam(q: Query, name: string): string | undefined {
  const raw = q[name];
  return Array.isArray(raw) ? raw[raw.length - 1] : raw;
}

/** Marathon's deployment result: header + `{version, deploymentId}`. */
export function sendDeployment(reply: FastifyReply, plan: DeploymentPlan, status = 200): FastifyReply {
  return reply.code(status).header('Marathon-Deployment-Id', plan.id).send({ version: plan.version, deploymentId: plan.id });
}

export function clientIp(req: FastifyRequest): string {
  return req.ip;
}

/** `/a/b/` and `a//b` → `/a/b` (ids come raw from paths). */
export function pathId(raw: string): string {
  const segments = raw.split('/').filter((s) => s !== '').map((s) => {
    try { return decodeURIComponent(s); } catch { return s; }
  });
  return `/${segments.join('/')}`;
}
