// Reads a browser's version without launching a session, for
// `cors-lab browsers`. Runs report the version the browser itself returns.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { EngineId } from './types.ts';

const run = promisify(execFile);

export async function readVersion(id: EngineId, executablePath: string): Promise<string> {
  if (id === 'webkit') {
    // MiniBrowser needs a display even for --version; the library's package
    // version is the WebKitGTK version.
    const { stdout } = await run('dpkg-query', ['-W', '-f', '${Version}', 'libwebkit2gtk-4.1-0'], { timeout: 5000 });
    return `WebKitGTK ${stdout.trim().replace(/-.*$/, '')}`;
  }
  const { stdout } = await run(executablePath, ['--version'], { timeout: 15_000 });
  return stdout
    .trim()
    .split('\n')
    .at(-1)!
    .replace(/ built on .*$/, '');
}
