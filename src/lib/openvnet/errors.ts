// OpenVNet webapi errors (spec cni-openvnet.md B3), shared by the client (which translates wire
// errors into OpenVnetError) and the embedded server (which renders VnetApiError).

/** The endpoint error classes of OpenVNet with their HTTP status and string code. */
export const ENDPOINT_ERRORS = {
  UnknownUUIDResource: { status: 404, code: '100' },
  InvalidUUID: { status: 400, code: '101' },
  DuplicateUUID: { status: 400, code: '102' },
  InvalidID: { status: 400, code: '103' },
  ArgumentError: { status: 400, code: '110' },
  MissingArgument: { status: 400, code: '111' },
  RelationAlreadyExists: { status: 400, code: '112' },
  DeleteRestrictionError: { status: 400, code: '113' },
  UnknownResource: { status: 404, code: '114' },
} as const;

export type EndpointErrorName = keyof typeof ENDPOINT_ERRORS;
export const ENDPOINT_ERROR_PREFIX = 'Vnet::Endpoints::Errors::';

/** Codes the client can surface: the server's own, plus transport failures of ours. */
export type OpenVnetErrorCode =
  | (typeof ENDPOINT_ERRORS)[EndpointErrorName]['code']
  | '500'
  | 'MVN_ERR_OPENVNET_UNREACHABLE'
  | 'MVN_ERR_OPENVNET_TIMEOUT'
  | 'MVN_ERR_OPENVNET_BAD_RESPONSE'
  | 'MVN_ERR_OPENVNET_DATAPATH_MISMATCH';

export interface OpenVnetErrorInit {
  code: string;
  message: string;
  status?: number;
  errorClass?: string;
  retryable?: boolean;
  method?: string;
  path?: string;
  /** How many attempts the client made before giving up. */
  attempts?: number;
}

/**
 * A failed OpenVNet call. `code` is the server's string code ("100".."114", "500") or one of
 * ours for transport failures. Key on `code`, never on `message`.
 */
export class OpenVnetError extends Error {
  override readonly name = 'OpenVnetError';
  readonly code: string;
  readonly status?: number;
  /** The server's `error` field (e.g. `Vnet::Endpoints::Errors::DuplicateUUID`). */
  readonly errorClass?: string;
  readonly retryable: boolean;
  readonly method?: string;
  readonly path?: string;
  readonly attempts?: number;

  constructor(init: OpenVnetErrorInit) {
    super(init.message);
    this.code = init.code;
    this.status = init.status;
    this.errorClass = init.errorClass;
    this.retryable = init.retryable ?? false;
    this.method = init.method;
    this.path = init.path;
    this.attempts = init.attempts;
  }

  /** The short class name: the last `::` segment of `errorClass`. */
  get shortName(): string | undefined {
    if (this.errorClass === undefined) return undefined;
    const parts = this.errorClass.split('::');
    return parts[parts.length - 1];
  }

  /** A DB unique violation (duplicate IPv4 in a network, MAC, port name, dpid+node). */
  get isUniqueViolation(): boolean {
    return this.code === '500' && isUniqueViolationText(`${this.errorClass ?? ''} ${this.message}`);
  }

  /** A lease-policy pool with no free address left. */
  get isExhausted(): boolean {
    return this.code === '500' && isExhaustionText(this.message);
  }
}

export function isUniqueViolationText(text: string): boolean {
  return /unique|duplicate entry|already (exists|in use|leased|taken)/i.test(text);
}

export function isExhaustionText(text: string): boolean {
  return /run out of|exhausted/i.test(text);
}

/**
 * Deterministic 500 answers: retrying cannot help and (for creates) could only hide the cause.
 * Real OpenVNet reports unique violations and lease-policy failures as plain 500s.
 */
export function isDeterministicServerError(errorClass: string | undefined, message: string): boolean {
  const text = `${errorClass ?? ''} ${message}`;
  return isUniqueViolationText(text) || isExhaustionText(text) || /lease polic|mac lease/i.test(text);
}

/** Server-side error of the embedded webapi; rendered as `{error, message, code}`. */
export class VnetApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly errorClass: string;

  constructor(status: number, code: string, errorClass: string, message: string) {
    super(message);
    this.status = status;
    this.code = code;
    this.errorClass = errorClass;
  }

  static endpoint(name: EndpointErrorName, message: string): VnetApiError {
    const e = ENDPOINT_ERRORS[name];
    return new VnetApiError(e.status, e.code, ENDPOINT_ERROR_PREFIX + name, message);
  }

  /** A 500 as real OpenVNet reports non-endpoint failures: `error` is the exception class. */
  static internal(errorClass: string, message: string): VnetApiError {
    return new VnetApiError(500, '500', errorClass, message);
  }

  toBody(): { error: string; message: string; code: string } {
    return { error: this.errorClass, message: this.message, code: this.code };
  }
}

export const unknownUuid = (model: string, field: string, uuid: string): VnetApiError =>
  VnetApiError.endpoint('UnknownUUIDResource', `${model}#${field}: ${uuid}`);
export const invalidUuid = (model: string, field: string, uuid: string): VnetApiError =>
  VnetApiError.endpoint('InvalidUUID', `${model}#${field}: ${uuid}`);
export const argumentError = (message: string): VnetApiError => VnetApiError.endpoint('ArgumentError', message);
export const missingArgument = (param: string): VnetApiError => VnetApiError.endpoint('MissingArgument', param);
export const uniqueViolation = (message: string): VnetApiError =>
  VnetApiError.internal('Sequel::UniqueConstraintViolation', message);
