// Browser clock control: the browser is launched with cors-lab's clock shim
// preloaded (clock-shim.c, built here with the system C compiler), reading
// its offset from a file that cors-lab rewrites, so hours of cache lifetime
// pass in a moment. The offset only moves forward: the monotonic clocks the
// caches use must never run backwards.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  closeSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  writeSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { userCacheDir } from '../package/root.ts';

const SHIM_SOURCE = new URL('./clock-shim.c', import.meta.url);

export interface ControlledClock {
  /** Launch environment for the browser (LD_PRELOAD and the offset file). */
  env: Record<string, string>;
  /** Seconds the browser's clocks are ahead of real time. */
  readonly offset: number;
  /** Moves the browser's clocks forward by `seconds`. */
  advance(seconds: number): void;
  close(): void;
}

/**
 * The clock shim as a shared library, built once per source version with
 * `cc`; { error } says what is missing when it cannot be built.
 */
export async function buildClockShim(): Promise<{ path: string } | { error: string }> {
  const source = readFileSync(SHIM_SOURCE);
  const version = createHash('sha256').update(source).digest('hex').slice(0, 12);
  const dir = userCacheDir();
  const path = join(dir, `clock-shim-${version}.so`);
  if (existsSync(path)) return { path };
  try {
    mkdirSync(dir, { recursive: true });
    // Built under a private name, then renamed: a concurrent run never loads half a file.
    const partial = `${path}.${process.pid}.partial`;
    await promisify(execFile)(
      'cc',
      ['-O2', '-fPIC', '-shared', '-o', partial, fileURLToPath(SHIM_SOURCE), '-ldl', '-lpthread'],
      { timeout: 60_000 },
    );
    renameSync(partial, path);
    return { path };
  } catch (error) {
    const message =
      (error as NodeJS.ErrnoException).code === 'ENOENT'
        ? 'no C compiler (cc)'
        : ((error as { stderr?: string }).stderr || (error as Error).message).trim().split('\n')[0];
    return {
      error: `the clock shim could not be built: ${message} (apt-get install gcc libc6-dev; npx cors-lab install-browsers does)`,
    };
  }
}

export function createClock(shim: string): ControlledClock {
  const dir = mkdtempSync(join(tmpdir(), 'cors-lab-clock-'));
  const file = join(dir, 'offset');
  let offset = 0;
  const fd = openSync(file, 'w+');
  // The shim's format: the offset in nanoseconds, twice, rewritten in place
  // with one write (a reader seeing the copies differ reads again).
  const write = () => {
    const bytes = Buffer.alloc(16);
    const ns = BigInt(Math.round(offset * 1e9));
    bytes.writeBigInt64LE(ns, 0);
    bytes.writeBigInt64LE(ns, 8);
    writeSync(fd, bytes, 0, 16, 0);
  };
  write();
  return {
    env: { LD_PRELOAD: shim, CORS_LAB_CLOCK_FILE: file },
    get offset() {
      return offset;
    },
    advance(seconds) {
      if (seconds < 0) throw new Error('the controlled clock only moves forward');
      offset += seconds;
      write();
    },
    close() {
      closeSync(fd);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
