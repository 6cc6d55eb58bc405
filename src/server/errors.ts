// The HTTP error registry of the API and its security layer (src/server/api, src/server/security; both
// import it from here): one class per failure, each with a stable `code` and HTTP `status`.
// `toMarathonBody` is the only place that knows Marathon's error body shapes (spec §4); routes
// throw these and never build error bodies themselves.

export interface ValidationDetail { path: string; errors: string[] }
export interface DeploymentRef { id: string }

export abstract class ApiError extends Error {
  abstract readonly code: string;
  abstract readonly status: number;
  /** The JSON body Marathon answers for this failure. */
  toMarathonBody(): Record<string, unknown> {
    return { message: this.message };
  }
}

/** Body is not parseable JSON (details is the parser's message, a string, as Marathon does). */
export class InvalidJsonError extends ApiError {
  readonly code = 'MVN_ERR_INVALID_JSON';
  readonly status = 400;
  constructor(readonly details: string) { super('Invalid JSON'); }
  override toMarathonBody(): Record<string, unknown> { return { message: this.message, details: this.details }; }
}

/** Wrong JSON types where a field of another type was expected (400 unless all are validation errors). */
export class JsonTypeError extends ApiError {
  readonly code = 'MVN_ERR_JSON_TYPE';
  readonly status = 400;
  constructor(readonly details: ValidationDetail[]) { super('Invalid JSON'); }
  override toMarathonBody(): Record<string, unknown> { return { message: this.message, details: this.details }; }
}

export class ValidationError extends ApiError {
  readonly code = 'MVN_ERR_VALIDATION';
  readonly status = 422;
  constructor(readonly details: ValidationDetail[]) { super('Object is not valid'); }
  override toMarathonBody(): Record<string, unknown> { return { message: this.message, details: this.details }; }
}

/** A bad query value or request argument (Marathon: 422 with only a message). */
export class IllegalArgumentError extends ApiError {
  readonly code = 'MVN_ERR_ILLEGAL_ARGUMENT';
  readonly status = 422;
}

/** A request Marathon refuses with 400 and only a message (e.g. kills with both scale and wipe). */
export class BadRequestError extends ApiError {
  readonly code = 'MVN_ERR_BAD_REQUEST';
  readonly status = 400;
}

export class AppExistsError extends ApiError {
  readonly code = 'MVN_ERR_APP_EXISTS';
  readonly status = 409;
  constructor(readonly appId: string) { super(`An app with id [${appId}] already exists.`); }
}

export class GroupExistsError extends ApiError {
  readonly code = 'MVN_ERR_GROUP_EXISTS';
  readonly status = 409;
  constructor(readonly groupId: string) { super(`Group ${groupId} is already created. Use PUT to change this group.`); }
}

export class AppLockedError extends ApiError {
  readonly code = 'MVN_ERR_APP_LOCKED';
  readonly status = 409;
  constructor(readonly deployments: DeploymentRef[]) {
    super('App is locked by one or more deployments. Override with the option \'?force=true\'. '
      + `View details at '/v2/deployments/${deployments.map((d) => d.id).join(',')}'.`);
  }
  override toMarathonBody(): Record<string, unknown> {
    return { message: this.message, deployments: this.deployments.map((d) => ({ id: d.id })) };
  }
}

/** `--max_running_deployments` reached (Marathon answers 403); force=true goes past it. */
export class TooManyDeploymentsError extends ApiError {
  readonly code = 'MVN_ERR_TOO_MANY_DEPLOYMENTS';
  readonly status = 403;
  constructor(readonly max: number) {
    super(`Max number (${max}) of running deployments is achieved. Wait for running deployments to finish or cancel one, `
      + 'use force=true, or raise --max_running_deployments (more concurrent deployments cost performance).');
  }
}

/** A static address wanted by an app is already claimed by another holder. */
export class AddressHeldError extends ApiError {
  readonly code = 'MVN_ERR_ADDRESS_HELD';
  readonly status = 409;
  constructor(readonly networkName: string, readonly address: string, readonly holder: string, readonly path?: string) {
    super(`Address ${address} on network ${networkName} is already held by ${holder}`);
  }
  override toMarathonBody(): Record<string, unknown> {
    const body: Record<string, unknown> = {
      message: this.message, networkName: this.networkName, ipAddress: this.address, holder: this.holder,
    };
    if (this.path !== undefined) body.details = [{ path: this.path, errors: [this.message] }];
    return body;
  }
}

export class AppNotFoundError extends ApiError {
  readonly code = 'MVN_ERR_APP_NOT_FOUND';
  readonly status = 404;
  constructor(readonly appId: string) { super(`App '${appId}' does not exist`); }
}

export class AppVersionNotFoundError extends ApiError {
  readonly code = 'MVN_ERR_APP_VERSION_NOT_FOUND';
  readonly status = 404;
  constructor(readonly appId: string, readonly version: string) {
    super(`App '${appId}' does not exist in version ${version}`);
  }
}

export class GroupNotFoundError extends ApiError {
  readonly code = 'MVN_ERR_GROUP_NOT_FOUND';
  readonly status = 404;
  constructor(readonly groupId: string) { super(`Group '${groupId}' does not exist`); }
}

export class TaskNotFoundError extends ApiError {
  readonly code = 'MVN_ERR_TASK_NOT_FOUND';
  readonly status = 404;
  constructor(readonly taskId: string) { super(`Task '${taskId}' does not exist`); }
}

export class DeploymentNotFoundError extends ApiError {
  readonly code = 'MVN_ERR_DEPLOYMENT_NOT_FOUND';
  readonly status = 404;
  constructor(readonly deploymentId: string) { super(`DeploymentPlan ${deploymentId} does not exist`); }
}

export class NoLeaderError extends ApiError {
  readonly code = 'MVN_ERR_NO_LEADER';
  readonly status = 503;
  constructor() { super('There is no leader'); }
}

/** Elected, but still loading the state: the request is neither served nor forwarded (to ourselves). */
export class LeaderNotReadyError extends ApiError {
  readonly code = 'MVN_ERR_LEADER_NOT_READY';
  readonly status = 503;
  constructor() { super('The leader is taking over; try again'); }
}

/** `GET /v2/leader` when nobody leads: Marathon answers 404 there, 503 on proxied calls. */
export class LeaderUnknownError extends ApiError {
  readonly code = 'MVN_ERR_LEADER_UNKNOWN';
  readonly status = 404;
  constructor() { super('There is no leader'); }
}

export class RouteNotFoundError extends ApiError {
  readonly code = 'MVN_ERR_ROUTE_NOT_FOUND';
  readonly status = 404;
  constructor() { super('URI not found'); }
}

export class NotAcceptableError extends ApiError {
  readonly code = 'MVN_ERR_NOT_ACCEPTABLE';
  readonly status = 406;
}

export class UnsupportedMediaTypeError extends ApiError {
  readonly code = 'MVN_ERR_UNSUPPORTED_MEDIA_TYPE';
  readonly status = 415;
}

/** The state store did not answer in time (or lost quorum): writes fail fast. */
export class StoreUnavailableError extends ApiError {
  readonly code = 'MVN_ERR_STORE_UNAVAILABLE';
  readonly status = 503;
}

/** A system we depend on for this request (OpenVNet) did not answer. */
export class UpstreamUnavailableError extends ApiError {
  readonly code = 'MVN_ERR_UPSTREAM_UNAVAILABLE';
  readonly status = 503;
}

export class InternalError extends ApiError {
  readonly code = 'MVN_ERR_INTERNAL';
  readonly status = 500;
}

/** What a client sees for any unexpected failure: a generic message and the id in our log. */
export class InternalServerError extends InternalError {
  constructor(readonly errorId: string) { super(`Internal server error (id ${errorId})`); }
}

// The security layer's refusals (src/server/security). No message ever carries a secret.

/** Request body above the configured limit (Content-Length or counted bytes). */
export class PayloadTooLargeError extends ApiError {
  readonly code = 'MVN_ERR_PAYLOAD_TOO_LARGE';
  readonly status = 413;
  constructor(readonly limitBytes: number) { super(`Request body is larger than ${limitBytes} bytes`); }
}

/** A JSON body nested too deeply or with too long an array: refused before validation. */
export class JsonLimitError extends ApiError {
  readonly code = 'MVN_ERR_JSON_LIMIT';
  readonly status = 400;
  constructor(readonly details: ValidationDetail[]) { super('Invalid JSON'); }
  override toMarathonBody(): Record<string, unknown> { return { message: this.message, details: this.details }; }
}

export class UnauthorizedError extends ApiError {
  readonly code = 'MVN_ERR_UNAUTHORIZED';
  readonly status = 401;
  constructor() { super('Unauthorized: credentials are required to access this resource'); }
}

/** Cross-origin write, or a preflight for a method or origin the policy does not allow. */
export class CrossOriginRefusedError extends ApiError {
  readonly code = 'MVN_ERR_CROSS_ORIGIN';
  readonly status = 403;
}

export class TooManySubscribersError extends ApiError {
  readonly code = 'MVN_ERR_TOO_MANY_SUBSCRIBERS';
  readonly status = 503;
  constructor(readonly limit: number) { super(`Too many event stream subscribers (limit ${limit}); try again later`); }
}

/**
 * Every error class that declares a code, for the registry test (each must be exported and
 * documented). `InternalServerError` is `InternalError` (same code) with an id in its message.
 */
export const API_ERRORS = {
  InvalidJsonError, JsonTypeError, ValidationError, IllegalArgumentError, BadRequestError, AppExistsError, GroupExistsError,
  AppLockedError, TooManyDeploymentsError, AddressHeldError, AppNotFoundError, AppVersionNotFoundError, GroupNotFoundError,
  TaskNotFoundError, DeploymentNotFoundError, NoLeaderError, LeaderNotReadyError, LeaderUnknownError, RouteNotFoundError,
  NotAcceptableError, UnsupportedMediaTypeError, StoreUnavailableError, UpstreamUnavailableError, InternalError,
  PayloadTooLargeError, JsonLimitError, UnauthorizedError, CrossOriginRefusedError, TooManySubscribersError,
} as const;
