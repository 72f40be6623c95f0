// A WebDriver classic client over plain fetch: one command at a time against a
// driver's HTTP endpoint (WebKitWebDriver here). Error answers become
// WebDriverError with the WebDriver error code.
import net from 'node:net';

export class WebDriverError extends Error {
  readonly code: string;
  constructor(code: string, message: string) {
    super(message ? `${code}: ${message}` : code);
    this.code = code;
  }
}

/** One WebDriver classic command; error responses become WebDriverError. */
export async function webdriver<T>(base: string, method: string, route: string, body: unknown, timeoutMs: number): Promise<T> {
  let response: Response;
  try {
    response = await fetch(base + route, {
      method,
      headers: body === undefined ? undefined : { 'content-type': 'application/json; charset=utf-8' },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(Math.ceil(timeoutMs)),
    });
  } catch (error) {
    if (error instanceof Error && error.name === 'TimeoutError') {
      throw new WebDriverError('timeout', `WebKitWebDriver did not answer ${method} ${route} within ${timeoutMs} ms`);
    }
    throw new Error(`WebKitWebDriver unreachable (${method} ${route}): ${messageOf(error)}`);
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

export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
