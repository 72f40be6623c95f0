// A middleware adapter's packages are imported together: every one missing is
// named in one error, with one install command that adds them all.
import { describe, expect, it } from 'vitest';
import { importPackages, MissingPackageError } from '../../harness/middleware/adapters/versions.ts';

describe("an adapter's packages", () => {
  it('names every missing package once, by its package name, in one install command', async () => {
    const attempt = importPackages('example', [
      'node:path',
      'cors-lab-no-such-package',
      '@cors-lab-no-such/scope/sub',
      '@cors-lab-no-such/scope',
    ]);
    await expect(attempt).rejects.toBeInstanceOf(MissingPackageError);
    await expect(attempt).rejects.toThrow(
      /^the example adapter needs the npm packages "cors-lab-no-such-package" and "@cors-lab-no-such\/scope" \(.*cors-lab-no-such-package.*\)\. Fix: npm install --save-dev cors-lab-no-such-package @cors-lab-no-such\/scope$/,
    );
  });

  it('one missing package reads in the singular; present ones come back in order', async () => {
    await expect(importPackages('example', ['cors-lab-no-such-package'])).rejects.toThrow(
      /needs the npm package "cors-lab-no-such-package" \(/,
    );
    const [path, url] = await importPackages<[typeof import('node:path'), typeof import('node:url')]>('example', [
      'node:path',
      'node:url',
    ]);
    expect(path.join('a', 'b')).toBe('a/b');
    expect(typeof url.fileURLToPath).toBe('function');
  });
});
