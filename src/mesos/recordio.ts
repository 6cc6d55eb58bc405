// RecordIO framing used by Mesos streaming endpoints: "<decimal byte length>\n<bytes>" repeated.
// Lengths count bytes, never characters; chunk boundaries are unrelated to record boundaries.

export class RecordIOError extends Error {
  readonly code = 'MVN_ERR_RECORDIO';
  /** Whole records decoded from the same push() before the corruption, so none is lost. */
  records: Buffer[] = [];
  constructor(message: string) {
    super(message);
    this.name = 'RecordIOError';
  }
}

export function encodeRecord(payload: Buffer): Buffer {
  return Buffer.concat([Buffer.from(`${payload.length}\n`, 'ascii'), payload]);
}

/** A largest sane record; a longer header is treated as corruption rather than buffered forever. */
const MAX_RECORD_BYTES = 64 * 1024 * 1024;
const MAX_HEADER_DIGITS = 20;

/**
 * Streaming decoder: feed it chunks, it returns every complete record. Keeps the partial tail
 * (header or payload) between calls without re-copying completed data.
 */
export class RecordIODecoder {
  private chunks: Buffer[] = [];
  private buffered = 0;
  private expected = -1; // payload length once the header is parsed

  push(chunk: Buffer): Buffer[] {
    if (chunk.length > 0) {
      this.chunks.push(chunk);
      this.buffered += chunk.length;
    }
    const out: Buffer[] = [];
    try {
      for (;;) {
        if (this.expected < 0) {
          const header = this.takeHeader();
          if (header === undefined) break;
          this.expected = header;
        }
        if (this.buffered < this.expected) break;
        out.push(this.take(this.expected));
        this.expected = -1;
      }
    } catch (err) {
      if (err instanceof RecordIOError) err.records = out;
      throw err;
    }
    return out;
  }

  /** Bytes held that do not yet form a whole record. */
  get pending(): number {
    return this.buffered;
  }

  private takeHeader(): number | undefined {
    let seen = 0;
    for (const c of this.chunks) {
      const nl = c.indexOf(10);
      if (nl >= 0) {
        const header = this.take(seen + nl + 1).subarray(0, seen + nl);
        return parseLength(header);
      }
      seen += c.length;
      if (seen > MAX_HEADER_DIGITS) break;
    }
    if (this.buffered > MAX_HEADER_DIGITS) {
      throw new RecordIOError(`malformed RecordIO header: no newline within ${MAX_HEADER_DIGITS} bytes`);
    }
    return undefined;
  }

  private take(n: number): Buffer {
    if (n === 0) return Buffer.alloc(0);
    const first = this.chunks[0];
    if (first !== undefined && first.length >= n) {
      const out = first.subarray(0, n);
      if (first.length === n) this.chunks.shift();
      else this.chunks[0] = first.subarray(n);
      this.buffered -= n;
      return out;
    }
    const all = Buffer.concat(this.chunks, this.buffered);
    const out = all.subarray(0, n);
    const rest = all.subarray(n);
    this.chunks = rest.length > 0 ? [rest] : [];
    this.buffered = rest.length;
    return out;
  }
}

function parseLength(header: Buffer): number {
  const text = header.toString('ascii');
  if (!/^[0-9]{1,20}$/.test(text)) throw new RecordIOError(`malformed RecordIO header: ${JSON.stringify(text.slice(0, 32))}`);
  const n = Number(text);
  if (n === 0) throw new RecordIOError('malformed RecordIO header: zero-length record');
  if (n > MAX_RECORD_BYTES) throw new RecordIOError(`RecordIO record too large: ${n} bytes`);
  return n;
}
