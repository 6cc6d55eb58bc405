// GET /v2/events: the event bus as Server-Sent Events (spec §7).
import type { FastifyInstance } from 'fastify';
import type { ApiContext } from '../context';
import { NotAcceptableError } from '../../errors';
import { listParam, queryOf } from '../http';
import type { MarathonEvent } from '../../../runtime/event-bus';

/** One SSE frame; the JSON is on one line (JSON.stringify never emits raw newlines). */
export function sseFrame(e: MarathonEvent): string {
  return `event: ${e.eventType}\ndata: ${JSON.stringify(e)}\n\n`;
}

/**
 * A subscriber that leaves this much unsent (it reads slower than events come, or not at all) is
 * cut off, as Marathon drops subscribers beyond --event_stream_max_outstanding_messages: otherwise
 * one stalled client would grow the server's memory without bound.
 */
export const EVENT_STREAM_MAX_UNSENT_BYTES = 8 * 1024 * 1024;

export interface EventStreams {
  /** Ends every open stream (server shutdown). */
  closeAll(): void;
}

export async function eventRoutes(app: FastifyInstance, ctx: ApiContext, streams: Set<() => void>, maxUnsentBytes = EVENT_STREAM_MAX_UNSENT_BYTES): Promise<void> {
  app.get('/v2/events', async (req, reply) => {
    const accept = req.headers.accept ?? '';
    if (!accept.toLowerCase().includes('text/event-stream')) {
      throw new NotAcceptableError('The event stream needs Accept: text/event-stream');
    }
    const filter = new Set(listParam(queryOf(req), 'event_type').flatMap((t) => t.split(',')).map((t) => t.trim()).filter((t) => t !== ''));
    const remoteAddress = req.ip;
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, {
      'Content-Type': 'text/event-stream',
      'Cache-Control': 'no-cache, no-store',
      Connection: 'keep-alive',
      'X-Accel-Buffering': 'no',
    });
    res.write(':\n\n');
    let closed = false;
    const unsubscribe = ctx.bus.subscribe((e) => {
      if (closed || (filter.size > 0 && !filter.has(e.eventType))) return;
      if (res.writableLength > maxUnsentBytes) {
        req.log.warn({ remoteAddress, unsentBytes: res.writableLength }, 'event stream subscriber too slow: disconnected');
        close();
        res.destroy();
        return;
      }
      res.write(sseFrame(e));
    });
    const keepAlive = setInterval(() => res.write(':\n\n'), 15_000);
    const close = (): void => {
      if (closed) return;
      closed = true;
      clearInterval(keepAlive);
      unsubscribe();
      streams.delete(close);
      ctx.bus.publish('event_stream_detached', { remoteAddress });
      if (!res.writableEnded) res.end();
    };
    streams.add(close);
    req.raw.on('close', close);
    res.on('error', close);
    ctx.bus.publish('event_stream_attached', { remoteAddress });
  });
}
