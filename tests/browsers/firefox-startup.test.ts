// Firefox's startup cache carried from one launch to the next: a launch that
// closed cleanly leaves its build's seed in cors-lab's cache (only Firefox's
// own compiled code and the build stamp it is checked against, nothing of
// the pages it loaded), and the next launch's fresh profile starts with it.
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { discoverForRun } from '../../harness/engines/discovery.ts';
import { startupSeedDir } from '../../harness/engines/firefox-startup-cache.ts';
import { startLab, type Lab } from '../../harness/lab/lab.ts';
import { launchForLab } from '../../harness/session/launch.ts';
import { pageOnlyScenario, tempCertDir, tempDir } from '../helpers.ts';

const scenario = pageOnlyScenario();

let lab: Lab;
const cacheBefore = process.env.CORS_LAB_CACHE;
beforeAll(async () => {
  process.env.CORS_LAB_CACHE = tempDir('cache');
  lab = await startLab({ hostnames: ['app.site-a.localhost'], certDir: tempCertDir() });
});
afterAll(async () => {
  await lab?.close();
  if (cacheBefore === undefined) delete process.env.CORS_LAB_CACHE;
  else process.env.CORS_LAB_CACHE = cacheBefore;
});

describe('Firefox startup cache', () => {
  it('is kept from a clean close, holds nothing of the pages, and seeds the next profile', async () => {
    const [firefox] = (await discoverForRun(['firefox'])).runnable;
    const executablePath = (firefox!.discovery as { executablePath: string }).executablePath;
    const seed = startupSeedDir(executablePath);
    expect(existsSync(seed)).toBe(false);

    const first = await launchForLab(firefox!.driver!, lab.certificates, { profile: 'defaults' });
    const context = await first.newContext();
    await context.goto(`${lab.originUrl(scenario.page)}/__lab/runner`, 10_000);
    await first.close();
    expect(readdirSync(seed).sort()).toEqual(['compatibility.ini', 'startupCache']);

    // The next launch's fresh profile starts with the seed (a marker put into it shows it was copied, since Firefox writes the same cache bytes itself).
    writeFileSync(join(seed, 'startupCache', 'seeded-by-the-test'), 'marker');
    const second = await launchForLab(firefox!.driver!, lab.certificates, { profile: 'defaults' });
    try {
      const profiles = readdirSync(tmpdir())
        .filter((name) => name.startsWith('cors-lab-firefox-'))
        .map((name) => join(tmpdir(), name));
      expect(profiles.some((dir) => existsSync(join(dir, 'startupCache', 'seeded-by-the-test')))).toBe(true);
    } finally {
      await second.close();
    }
  }, 120_000);
});
