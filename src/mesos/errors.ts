// Typed failures of the Mesos scheduler client and master detection. Every error carries a stable
// `code`; callers branch on the class or the code, never on the message. (RecordIO framing errors
// are `RecordIOError`, code MVN_ERR_RECORDIO, in recordio.ts.)

export abstract class MesosError extends Error {
  abstract readonly code: string;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** The master answered a call with an unexpected HTTP status (4xx other than 307, or 503 after all retries). */
export class MesosHttpError extends MesosError {
  readonly code: string;
  constructor(
    readonly status: number,
    readonly body: string,
    readonly callType: string,
  ) {
    super(`Mesos master answered ${callType} with ${status}${body ? `: ${body.slice(0, 300)}` : ''}`);
    this.code = `MVN_ERR_MESOS_${status}`;
  }
}

/** A call was made while no subscription is established (no stream id or framework id yet). */
export class MesosNotSubscribedError extends MesosError {
  readonly code = 'MVN_ERR_MESOS_NOT_SUBSCRIBED';
  constructor(callType: string) {
    super(`cannot send ${callType}: not subscribed to a Mesos master`);
  }
}

/** Too many 307 answers in a row, or a Location header that is not a usable URL. */
export class MesosRedirectError extends MesosError {
  readonly code = 'MVN_ERR_MESOS_REDIRECT';
}

/** No answer (or no response headers) within requestTimeoutMs. */
export class MesosTimeoutError extends MesosError {
  readonly code = 'MVN_ERR_MESOS_TIMEOUT';
}

/** The TCP/HTTP exchange with the master failed (refused, reset, closed early). */
export class MesosConnectionError extends MesosError {
  readonly code = 'MVN_ERR_MESOS_CONNECTION';
}

/** A stream record that is not a valid Event in the negotiated encoding. */
export class MesosDecodeError extends MesosError {
  readonly code = 'MVN_ERR_MESOS_DECODE';
}

/** The master sent an ERROR event on the subscription stream. */
export class MesosErrorEvent extends MesosError {
  readonly code = 'MVN_ERR_MESOS_ERROR_EVENT';
}

/** The subscription stream was silent for heartbeatMissLimit heartbeat intervals. */
export class MesosHeartbeatTimeoutError extends MesosError {
  readonly code = 'MVN_ERR_MESOS_HEARTBEAT_TIMEOUT';
}

/** The SUBSCRIBE response was not a usable event stream (wrong content type, no stream id, stream ended). */
export class MesosStreamError extends MesosError {
  readonly code = 'MVN_ERR_MESOS_STREAM';
}

/** A call that cannot be built from the arguments given (missing agent id, bad id, …). */
export class MesosInvalidCallError extends MesosError {
  readonly code = 'MVN_ERR_MESOS_INVALID_CALL';
}

/** The client was stopped while the call was in flight, or a call was made after stop(). */
export class MesosStoppedError extends MesosError {
  readonly code = 'MVN_ERR_MESOS_STOPPED';
}

/** The `master` option is not `http(s)://host:port`, `host:port` or `zk://host:port[,…]/path`. */
export class MesosMasterUrlError extends MesosError {
  readonly code = 'MVN_ERR_MESOS_MASTER_URL';
}

/** A ZooKeeper operation did not complete within its timeout (the library has none of its own). */
export class ZkTimeoutError extends MesosError {
  readonly code = 'MVN_ERR_ZK_TIMEOUT';
}

/** A ZooKeeper operation failed, or a leader node held data we cannot read as a master address. */
export class ZkDetectionError extends MesosError {
  readonly code = 'MVN_ERR_ZK_DETECTION';
}

/**
 * A call whose outcome is unknown: the connection broke after the request went out, or no answer
 * came in time, so the master may or may not have acted. Only calls that must not be repeated
 * blindly (ACCEPT) end with it; the caller reconciles instead.
 */
export class MesosCallOutcomeUnknownError extends MesosError {
  readonly code = 'MVN_ERR_MESOS_OUTCOME_UNKNOWN';
}

/** The subscription a call was made on ended before the master took the call (it was not retried on the next one). */
export class MesosSubscriptionLostError extends MesosError {
  readonly code = 'MVN_ERR_MESOS_SUBSCRIPTION_LOST';
}
