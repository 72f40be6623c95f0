// A minimal WebDriver BiDi client over the WebSocket a WebDriver classic
// session returns as `webSocketUrl` (a Selenium Grid proxies it): commands
// with ids and their results, and events to listeners. Node's own WebSocket,
// so no dependency.
import { messageOf } from '../package/error-message.ts';

type Listener = (params: Record<string, unknown>) => void;

export class BidiSocket {
  readonly #socket: WebSocket;
  readonly #pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
  readonly #listeners = new Map<string, Listener[]>();
  #nextId = 1;
  #closedBecause: string | undefined;

  private constructor(socket: WebSocket) {
    this.#socket = socket;
    socket.addEventListener('message', (event) => this.#receive(String(event.data)));
    socket.addEventListener('close', () => this.#fail('the BiDi connection closed'));
    socket.addEventListener('error', () => this.#fail('the BiDi connection failed'));
  }

  static connect(url: string, timeoutMs: number): Promise<BidiSocket> {
    return new Promise((resolve, reject) => {
      const socket = new WebSocket(url);
      const timer = setTimeout(() => {
        socket.close();
        reject(new Error(`BiDi: no connection to ${url} within ${timeoutMs} ms`));
      }, timeoutMs);
      socket.addEventListener(
        'open',
        () => {
          clearTimeout(timer);
          resolve(new BidiSocket(socket));
        },
        { once: true },
      );
      socket.addEventListener(
        'error',
        (event) => {
          clearTimeout(timer);
          reject(new Error(`BiDi: cannot connect to ${url}: ${messageOf((event as ErrorEvent).error ?? event.type)}`));
        },
        { once: true },
      );
    });
  }

  on(event: string, listener: Listener): void {
    this.#listeners.set(event, [...(this.#listeners.get(event) ?? []), listener]);
  }

  send<T>(method: string, params: Record<string, unknown>, timeoutMs: number): Promise<T> {
    if (this.#closedBecause) return Promise.reject(new Error(`BiDi ${method}: ${this.#closedBecause}`));
    const id = this.#nextId++;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(id);
        reject(new Error(`BiDi ${method}: no answer within ${timeoutMs} ms`));
      }, timeoutMs);
      this.#pending.set(id, {
        resolve: (value) => {
          clearTimeout(timer);
          resolve(value as T);
        },
        reject: (error) => {
          clearTimeout(timer);
          reject(new Error(`BiDi ${method}: ${error.message}`));
        },
      });
      this.#socket.send(JSON.stringify({ id, method, params }));
    });
  }

  close(): void {
    this.#fail('closed');
    this.#socket.close();
  }

  #receive(data: string): void {
    let message: {
      id?: number;
      type?: string;
      result?: unknown;
      error?: string;
      message?: string;
      method?: string;
      params?: Record<string, unknown>;
    };
    try {
      message = JSON.parse(data);
    } catch {
      return;
    }
    if (message.type === 'event' && message.method) {
      for (const listener of this.#listeners.get(message.method) ?? []) listener(message.params ?? {});
      return;
    }
    const waiting = message.id === undefined ? undefined : this.#pending.get(message.id);
    if (!waiting) return;
    this.#pending.delete(message.id!);
    if (message.type === 'error') waiting.reject(new Error(`${message.error}: ${message.message ?? ''}`));
    else waiting.resolve(message.result);
  }

  #fail(reason: string): void {
    this.#closedBecause ??= reason;
    for (const waiting of this.#pending.values()) waiting.reject(new Error(reason));
    this.#pending.clear();
  }
}
