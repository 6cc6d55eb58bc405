// Typed errors of the local master. `code` is stable; messages are for people.
export type LocalErrorCode =
  | 'MVN_ERR_LOCAL_INVALID_OPTION'
  | 'MVN_ERR_LOCAL_NOT_LISTENING'
  | 'MVN_ERR_LOCAL_CLOSED'
  | 'MVN_ERR_LOCAL_AGENT_LAUNCH';

export class LocalMasterError extends Error {
  constructor(readonly code: LocalErrorCode, message: string) {
    super(message);
    this.name = 'LocalMasterError';
  }
}
