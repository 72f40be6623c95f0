// Fault: the reader of cors-lab's output goes away (`cors-lab diff a b | head`,
// a CI step that stops reading). The rest of the terminal output is dropped;
// the command still does its work and exits with its own code, and nothing
// on stderr is a stack trace (before, the first write died with EPIPE).
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { NODE, PROJECT_ROOT, tempDir } from '../helpers.ts';

const fixture = (name: string) =>
  gunzipSync(readFileSync(new URL(`../fixtures/results/${name}.json.gz`, import.meta.url)));

describe('a reader that goes away', () => {
  it('does not end the command in a stack trace: diff still writes its report and exits with its own code', async () => {
    const dir = tempDir('closed-output');
    const [before, after] = ['check-not-allowed', 'check-sweep'].map((name) => {
      const file = join(dir, `${name}.json`);
      writeFileSync(file, fixture(name));
      return file;
    });
    const out = join(dir, 'diff');
    const child = spawn(
      NODE,
      [join(PROJECT_ROOT, 'bin', 'cors-lab.js'), 'diff', before!, after!, '--reporter', 'json', '--out', out],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
        env: { ...process.env, CI: 'true' },
      },
    );
    // The reading end closes before cors-lab writes a line: its every write to stdout fails with EPIPE.
    child.stdout.destroy();
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk));
    const status = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(stderr).not.toMatch(/EPIPE|Error: write|\n\s+at /);
    // Its own code: 1, for the second run's new origin is not as expected (a new failure).
    expect(status).toBe(1);
    expect(readFileSync(join(out, 'diff.json'), 'utf8')).toContain('"kind"');
  });
});
