// What the scheduler endpoint answers when it does not stream: status, plain-text body, headers.
/** A scheduler API answer other than success: status code and the master's plain-text body. */
export class HttpAnswer {
  constructor(
    readonly status: number,
    readonly body: string = '',
    readonly headers: Readonly<Record<string, string>> = {},
  ) {}
}
