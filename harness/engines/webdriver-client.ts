// A WebDriver classic client over plain fetch: one command at a time against a
// driver's HTTP endpoint (WebKitWebDriver, or a remote endpoint such as a
// Selenium Grid). Error answers become WebDriverError with the WebDriver
// error code.
import net from 'node:net';
import { messageOf } from '../package/error-message.ts';

export class WebDriverError extends Error {
  readonly code: string;
  constructor(code: string, message: string) {
    super(message ? `${code}: ${message}` : code);
    this.code = code;
  }
}

/** Where commands go: a base URL, or one with a name for messages and headers (credentials) for every command. */
export interface WebDriverEndpoint {
  base: string;
  name: string;
  headers?: Record<string, string>;
}

/** One WebDriver classic command; error responses become WebDriverError. */
export async function webdriver<T>(
  endpoint: string | WebDriverEndpoint,
  method: string,
  route: string,
  body: unknown,
  timeoutMs: number,
): Promise<T> {
  const { base, name, headers } =
    typeof endpoint === 'string'
      ? { base: endpoint, name: `the WebDriver endpoint ${endpoint}`, headers: undefined }
      : endpoint;
  let response: Response;
  try {
    response = await fetch(base + route, {
      method,
      // A Selenium Grid refuses JSON without the charset.
      headers: { ...headers, ...(body === undefined ? {} : { 'content-type': 'application/json; charset=utf-8' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(Math.ceil(timeoutMs)),
    });
  } catch (error) {
    if (error instanceof Error && error.name === 'TimeoutError') {
      throw new WebDriverError('timeout', `${name} did not answer ${method} ${route} within ${timeoutMs} ms`);
    }
    throw new Error(`${name} unreachable (${method} ${route}): ${messageOf(error)}${causeOf(error)}`);
  }
  const payload = (await response.json().catch(() => undefined)) as { value?: unknown } | undefined;
  const value = payload?.value;
  if (value !== null && typeof value === 'object' && 'error' in value) {
    const { error, message } = value as { error: unknown; message?: unknown };
    throw new WebDriverError(String(error), typeof message === 'string' ? message : '');
  }
  if (!response.ok) throw new WebDriverError(`http ${response.status}`, `${method} ${route}`);
  return value as T;
}

/** A free loopback port for a driver to listen on. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** fetch says only "fetch failed"; the reason (ECONNREFUSED, ...) is its cause. */
function causeOf(error: unknown): string {
  const cause = error instanceof Error ? (error.cause as { code?: string; message?: string } | undefined) : undefined;
  return cause ? ` (${cause.code ?? cause.message})` : '';
}
