// Browser clock control with libfaketime (Debian's `faketime` package): the
// browser is launched with libfaketimeMT preloaded, reading its offset from a
// file that cors-lab rewrites, so hours of cache lifetime pass in a moment.
// The offset only moves forward: the monotonic clocks the caches use must
// never run backwards.
import { existsSync, mkdtempSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface ControlledClock {
  /** Launch environment for the browser (LD_PRELOAD and libfaketime's settings). */
  env: Record<string, string>;
  /** Seconds the browser's clocks are ahead of real time. */
  readonly offset: number;
  /** Moves the browser's clocks forward by `seconds`. */
  advance(seconds: number): void;
  close(): void;
}

/** libfaketimeMT (the thread-safe build browsers need), or undefined when `faketime` is not installed. */
export function findLibfaketime(): string | undefined {
  const roots = ['/usr/lib', '/usr/local/lib', '/usr/lib64'];
  for (const root of roots) {
    const candidates = [join(root, 'faketime', 'libfaketimeMT.so.1')];
    try {
      for (const entry of readdirSync(root)) candidates.push(join(root, entry, 'faketime', 'libfaketimeMT.so.1'));
    } catch {
      // not there
    }
    const found = candidates.find((path) => existsSync(path));
    if (found) return found;
  }
  return undefined;
}

export function createClock(library: string): ControlledClock {
  const dir = mkdtempSync(join(tmpdir(), 'cors-lab-clock-'));
  const file = join(dir, 'offset');
  let offset = 0;
  // libfaketime's relative form: "+N" seconds ahead of the real clock. The
  // file is replaced atomically: a reader that caught it half-written would
  // see no offset, and the clocks would run backwards for a moment (Chromium
  // then stalls).
  const write = () => {
    writeFileSync(`${file}.next`, `+${offset}\n`);
    renameSync(`${file}.next`, file);
  };
  write();
  return {
    env: {
      LD_PRELOAD: library,
      FAKETIME_TIMESTAMP_FILE: file,
      // Re-read the file on every clock call, so a jump applies at once.
      FAKETIME_NO_CACHE: '1',
    },
    get offset() {
      return offset;
    },
    advance(seconds) {
      if (seconds < 0) throw new Error('the controlled clock only moves forward');
      offset += seconds;
      write();
    },
    close() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
