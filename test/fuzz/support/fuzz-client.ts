import { connect } from 'node:net';
import { Readable } from 'node:stream';
import { ErrorBody } from '@ticketing/contracts';
import { Pool } from 'undici';
import { describeRequest, type Endpoint, type FuzzRequest } from './fuzz-request';

/** Longer than any honest answer takes; a request still unanswered then is a hang. */
const HANG_MS = 15_000;

export interface FuzzAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

/**
 * What every answer to bad input must be (API.md, MISSION.md invariant 5): a 4xx (never a 5xx, never a
 * success) with a JSON `{ code, message, correlationId }` body whose correlation id is the response's
 * `X-Request-Id`. Returns what is wrong, or undefined.
 */
export function problemWith(answer: FuzzAnswer): string | undefined {
  if (answer.status < 400 || answer.status > 499) return `status ${answer.status}`;
  const type = String(answer.headers['content-type'] ?? '');
  if (!type.startsWith('application/json')) return `content-type ${JSON.stringify(type)}`;
  let body: unknown;
  try {
    body = JSON.parse(answer.text);
  } catch {
    return 'body is not JSON';
  }
  const parsed = ErrorBody.safeParse(body);
  if (!parsed.success) return `not an error body: ${parsed.error.issues.map((i) => i.message).join('; ')}`;
  const requestId = answer.headers['x-request-id'];
  if (typeof requestId !== 'string' || requestId.length === 0) return 'no X-Request-Id';
  if (parsed.data.correlationId !== requestId) return `correlationId ${parsed.data.correlationId} ≠ X-Request-Id ${requestId}`;
  return undefined;
}

/**
 * Sends fuzz requests to the gateway over a few keep-alive connections and counts them per endpoint.
 * A request that errors or gets no answer within HANG_MS throws: both are failures of the service.
 */
export class FuzzClient {
  private readonly pool: Pool;
  readonly sent = new Map<Endpoint | 'raw', number>();
  /** Answer codes per endpoint, to show where the bad input was refused (gateway or upstream). */
  readonly codes = new Map<Endpoint | 'raw', Map<string, number>>();

  constructor(private readonly baseUrl: string, connections: number) {
    this.pool = new Pool(baseUrl, { connections, pipelining: 1, headersTimeout: HANG_MS, bodyTimeout: HANG_MS, keepAliveTimeout: 4_000 });
  }

  get total(): number {
    return [...this.sent.values()].reduce((sum, n) => sum + n, 0);
  }

  async send(request: FuzzRequest): Promise<FuzzAnswer> {
    this.count(request.endpoint);
    const body = request.body;
    try {
      const response = await this.pool.request({
        method: request.method as 'GET',
        path: request.path,
        headers: request.headers,
        body: body === undefined || typeof body === 'string' || Buffer.isBuffer(body) ? body : Readable.from(body.chunks),
      });
      const answer = { status: response.statusCode, headers: response.headers, text: await response.body.text() };
      this.record(request.endpoint, answer);
      return answer;
    } catch (error) {
      throw new Error(`no answer (${(error as { code?: string }).code ?? (error as Error).message}) to ${describeRequest(request)}`, { cause: error });
    }
  }

  /**
   * Bytes no HTTP client library would send (a header over Node's limit, a broken request line), on a
   * fresh connection; the answer is read until the server closes or the response is complete.
   */
  async sendRaw(bytes: string): Promise<FuzzAnswer> {
    this.count('raw');
    const { hostname, port } = new URL(this.baseUrl);
    const raw = await new Promise<string>((resolve, reject) => {
      const socket = connect(Number(port), hostname);
      const chunks: Buffer[] = [];
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new Error(`no answer within ${HANG_MS} ms`));
      }, HANG_MS);
      const done = () => {
        clearTimeout(timer);
        resolve(Buffer.concat(chunks).toString('latin1'));
      };
      socket.on('data', (chunk: Buffer) => {
        chunks.push(chunk);
        if (completeResponse(Buffer.concat(chunks).toString('latin1'))) socket.destroy();
      });
      socket.on('close', done);
      socket.on('error', () => socket.destroy());
      socket.write(bytes, 'latin1');
    });
    const answer = parseRawResponse(raw);
    this.record('raw', answer);
    return answer;
  }

  close(): Promise<void> {
    return this.pool.close();
  }

  private count(endpoint: Endpoint | 'raw'): void {
    this.sent.set(endpoint, (this.sent.get(endpoint) ?? 0) + 1);
  }

  private record(endpoint: Endpoint | 'raw', answer: FuzzAnswer): void {
    let code = String(answer.status);
    try {
      code = `${answer.status} ${(JSON.parse(answer.text) as { code?: string }).code ?? ''}`;
    } catch {
      // not JSON: the status alone
    }
    const codes = this.codes.get(endpoint) ?? new Map<string, number>();
    codes.set(code, (codes.get(code) ?? 0) + 1);
    this.codes.set(endpoint, codes);
  }
}

function completeResponse(raw: string): boolean {
  const end = raw.indexOf('\r\n\r\n');
  if (end === -1) return false;
  const length = /\r\ncontent-length:\s*(\d+)/i.exec(raw.slice(0, end));
  return length !== null && raw.length - end - 4 >= Number(length[1]);
}

export function parseRawResponse(raw: string): FuzzAnswer {
  const end = raw.indexOf('\r\n\r\n');
  const head = end === -1 ? raw : raw.slice(0, end);
  const [statusLine = '', ...lines] = head.split('\r\n');
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(statusLine)?.[1] ?? 0);
  return { status, headers, text: end === -1 ? '' : Buffer.from(raw.slice(end + 4), 'latin1').toString('utf8') };
}
