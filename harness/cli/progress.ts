// The progress line while browsers run: one line, rewritten in place, on a
// TTY only (quiet when output is piped or CI is set).
import type { EngineId } from '../engines/types.ts';

export class ProgressLine {
  readonly #stream: NodeJS.WriteStream;
  readonly #enabled: boolean;
  readonly #counts = new Map<EngineId, { done: number; total: number }>();
  #label = '';
  #timer: NodeJS.Timeout | undefined;
  #started = 0;

  constructor(stream: NodeJS.WriteStream, enabled: boolean) {
    this.#stream = stream;
    this.#enabled = enabled;
  }

  start(label: string): void {
    if (!this.#enabled) return;
    this.#label = label;
    this.#started = performance.now();
    this.#timer = setInterval(() => this.#draw(), 500);
    this.#timer.unref();
    this.#draw();
  }

  update(engine: EngineId, done: number, total: number): void {
    this.#counts.set(engine, { done, total });
    if (this.#enabled) this.#draw();
  }

  stop(): void {
    if (!this.#enabled) return;
    clearInterval(this.#timer);
    this.#stream.write('\r\u001b[2K');
  }

  /** ", about 40s left": from the rows done so far across every engine, once there is enough to go on. */
  #timeLeft(elapsed: number): string {
    const counts = [...this.#counts.values()];
    const done = counts.reduce((sum, count) => sum + count.done, 0);
    const total = counts.reduce((sum, count) => sum + count.total, 0);
    if (elapsed < 3 || done === 0 || done >= total) return '';
    return `, about ${Math.ceil((elapsed * (total - done)) / done)}s left`;
  }

  #draw(): void {
    const engines = [...this.#counts].map(([engine, count]) => `${engine} ${count.done}/${count.total}`).join('  ');
    const elapsed = (performance.now() - this.#started) / 1000;
    const line = `${this.#label} ${elapsed.toFixed(0)}s${this.#timeLeft(elapsed)}  ${engines || 'starting browsers…'}`;
    this.#stream.write(`\r\u001b[2K${line.slice(0, (this.#stream.columns ?? 100) - 1)}`);
  }
}
