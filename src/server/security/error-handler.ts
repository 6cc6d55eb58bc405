// Wraps the API's error handler so a client never sees internals: anything that is not a
// deliberate API error becomes 500 `{"message":"Internal server error (id …)"}`, and the same id
// is logged with the real error (message, stack) for the operator. A body over the limit is 413.
import { randomBytes } from 'node:crypto';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { ApiError, InternalServerError, PayloadTooLargeError } from '../errors';

export type ErrorHandler = (err: FastifyError | Error, req: FastifyRequest, reply: FastifyReply) => void;

export function newErrorId(): string {
  return randomBytes(6).toString('hex');
}

/** Errors the API turns into a 4xx or a deliberate 5xx (503 no leader…) are not internal. */
export function isInternalError(err: FastifyError | Error): boolean {
  if (err instanceof ApiError) return err.status === 500;
  if (err instanceof SyntaxError) return false;
  const status = (err as FastifyError).statusCode;
  return !(typeof status === 'number' && status >= 400 && status < 500);
}

export function secureErrorHandler(inner: ErrorHandler, newId: () => string = newErrorId): ErrorHandler {
  return (err, req, reply) => {
    if ((err as FastifyError).code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      inner(new PayloadTooLargeError(req.routeOptions.bodyLimit), req, reply);
      return;
    }
    if (isInternalError(err)) {
      const id = newId();
      req.log.error({ err, errorId: id, method: req.method, url: req.url }, `internal error ${id}`);
      inner(new InternalServerError(id), req, reply);
      return;
    }
    inner(err, req, reply);
  };
}
