// Engine builds (issue 25) without launching or downloading a browser: how a
// build is named, how the newest version per major is chosen, the column
// order, what the build cache counts as a whole build and what it clears,
// and the CLI's refusals before anything is downloaded.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  buildsDir,
  findCachedBuild,
  listCachedBuilds,
  MANIFEST,
  pruneBuilds,
  removeAbandonedPartials,
  type BuildManifest,
} from '../../harness/engines/builds/cache.ts';
import { compactMajors } from '../../harness/engines/builds/install.ts';
import { BUILD_NAME, canonicalName, isBuildName, majorOf, parseBuildName } from '../../harness/engines/builds/names.ts';
import { BUILD_SOURCES, debianVersionParts, newestPerMajor } from '../../harness/engines/builds/sources.ts';
import { compareEngineIds } from '../../harness/engines/types.ts';
import { BIN, NODE, PROJECT_ROOT, runCommand, tempDir } from '../helpers.ts';

describe('parseBuildName', () => {
  it('accepts a major of any product, normalised, with the kind the product implies', () => {
    expect(parseBuildName('chromium@143')).toEqual({
      build: { name: 'chromium@143', product: 'chromium', family: 'chromium', major: 143 },
    });
    expect(parseBuildName('chromium@143')).not.toHaveProperty('build.kind'); // whichever kind a source has
    expect(parseBuildName('chromium-headless-shell@150')).toEqual({
      build: {
        name: 'chromium-headless-shell@150',
        product: 'chromium-headless-shell',
        family: 'chromium',
        kind: 'headless-shell',
        major: 150,
      },
    });
    expect(parseBuildName('firefox@140')).toEqual({
      build: { name: 'firefox@140', product: 'firefox', family: 'firefox', kind: 'full', major: 140 },
    });
    expect(parseBuildName(' chromium@0143 ')).toEqual({
      build: { name: 'chromium@143', product: 'chromium', family: 'chromium', major: 143 },
    });
  });

  it('accepts a range and the system builds (no version)', () => {
    expect(parseBuildName('chromium@103..153')).toEqual({
      range: { name: 'chromium@103..153', product: 'chromium', family: 'chromium', from: 103, to: 153 },
    });
    expect(parseBuildName('chromium-headless-shell@110..110')).toEqual({
      range: {
        name: 'chromium-headless-shell@110..110',
        product: 'chromium-headless-shell',
        family: 'chromium',
        kind: 'headless-shell',
        from: 110,
        to: 110,
      },
    });
    const firefox = parseBuildName('firefox');
    expect(firefox).toEqual({ build: { name: 'firefox', product: 'firefox', family: 'firefox', kind: 'full' } });
    expect((firefox as { build: { major?: number } }).build.major).toBeUndefined();
    expect(parseBuildName('chromium-headless-shell')).toEqual({
      build: {
        name: 'chromium-headless-shell',
        product: 'chromium-headless-shell',
        family: 'chromium',
        kind: 'headless-shell',
      },
    });
    expect(parseBuildName('webkit')).toEqual({
      build: { name: 'webkit', product: 'webkit', family: 'webkit', kind: 'full' },
    });
  });

  it('refuses malformed names, each message saying what is accepted', () => {
    const errorOf = (text: string): string => {
      const parsed = parseBuildName(text);
      if (!('error' in parsed)) throw new Error(`${text} was accepted: ${JSON.stringify(parsed)}`);
      return parsed.error;
    };
    expect(errorOf('chromium@abc')).toBe(
      '"chromium@abc": a build is named by its major version, e.g. chromium@143 (the exact version is read from the browser itself)',
    );
    expect(errorOf('firefox@esr')).toBe(
      '"firefox@esr": a build is named by its major version, e.g. firefox@140 (the exact version is read from the browser itself)',
    );
    expect(errorOf('chromium@')).toMatch(/^"chromium@": a build is named by its major version/);
    expect(errorOf('chromium@12345')).toMatch(/^"chromium@12345": a build is named by its major version/);
    expect(errorOf('chromium@150..140')).toBe(
      '"chromium@150..140": a range runs from a smaller major version to a larger one, e.g. chromium@110..143',
    );
    expect(errorOf('webkit@2')).toBe(
      '"webkit@2": only the system\'s WebKitGTK is available (no registry cors-lab reaches holds other WebKitGTK builds); write webkit',
    );
    expect(errorOf('nonsense@1')).toBe(
      '"nonsense@1" names no engine build: write chromium, chromium-headless-shell, firefox, webkit, optionally with @MAJOR (chromium@143) or @FROM..TO (chromium@110..143)',
    );
    expect(errorOf('Chromium@143')).toMatch(/names no engine build/);
  });

  it('isBuildName: a single build, not a range or an error', () => {
    expect(['chromium', 'chromium@143', 'chromium-headless-shell', 'firefox@140', 'webkit'].map(isBuildName)).toEqual([
      true,
      true,
      true,
      true,
      true,
    ]);
    expect(['chromium@103..153', 'chromium@abc', 'webkit@2', 'grid-chrome'].map(isBuildName)).toEqual([
      false,
      false,
      false,
      false,
    ]);
  });
});

describe('canonicalName and majorOf', () => {
  it('names a cached build by family, kind and major', () => {
    expect(canonicalName('chromium', 'headless-shell', 110)).toBe('chromium-headless-shell@110');
    expect(canonicalName('chromium', 'full', 150)).toBe('chromium@150');
    expect(canonicalName('firefox', 'full', 140)).toBe('firefox@140');
  });

  it('reads the major of the versions browsers and packages report', () => {
    expect(majorOf('143.0.7499.169')).toBe(143);
    expect(majorOf('140.12.0esr')).toBe(140);
    expect(majorOf('110.0.5478.0')).toBe(110);
    expect(majorOf('153.8.0esr-1~deb12u1')).toBe(153);
    expect(majorOf('esr')).toBeUndefined();
    expect(majorOf('')).toBeUndefined();
  });
});

describe('newestPerMajor', () => {
  it('picks the newest release per major and ignores prereleases (npm versions)', () => {
    const newest = newestPerMajor([
      '110.0.0',
      '110.0.1',
      '119.0.0',
      '119.0.1-next.0',
      '119.0.2',
      '120.0.0-next.3',
      '92.0.0',
      '110.0.0-rc.1',
      '121.0.0',
      '121.0.10',
      '121.0.9',
    ]);
    expect([...newest]).toEqual([
      [110, '110.0.1'],
      [119, '119.0.2'],
      [92, '92.0.0'],
      [121, '121.0.10'],
    ]);
    expect(newest.has(120)).toBe(false); // only a prerelease of 120 exists
  });

  it('compares Debian versions by their upstream numbers, with the parts function the Debian sources pass', () => {
    const debianParts = debianVersionParts;
    const versions = [
      '153.8.0esr-1~deb12u1',
      '140.12.0esr-1~deb12u1',
      '140.9.0esr-1~deb12u1',
      '140.12.1esr-1~deb12u1',
      'not-a-version',
    ];
    expect(newestPerMajor(versions, debianParts)).toEqual(
      new Map([
        [153, '153.8.0esr-1~deb12u1'],
        [140, '140.12.1esr-1~deb12u1'],
      ]),
    );
    // A Debian epoch ("1:") is not the major version.
    expect(debianVersionParts('1:141.0.2esr-1')).toEqual([141, 0, 2]);
    // Without it, the default parts function takes none of them for a release.
    expect(newestPerMajor(versions).size).toBe(0);
  });

  it("the Debian firefox-esr source lists one build per major from this machine's apt-cache", async () => {
    const madison = spawnSync('apt-cache', ['madison', 'firefox-esr'], { encoding: 'utf8' }).stdout;
    const versions = madison
      .split('\n')
      .map((line) => line.split('|')[1]?.trim())
      .filter(Boolean) as string[];
    expect(versions.length).toBeGreaterThan(0);
    const source = BUILD_SOURCES.find((each) => each.name === 'Debian firefox-esr')!;
    const listing = await source.list();
    expect(listing.unavailable).toBeUndefined();
    expect(listing.builds.map((build) => build.major).sort()).toEqual(
      [...new Set(versions.map((version) => majorOf(version)!))].sort(),
    );
    for (const build of listing.builds) {
      expect(build).toMatchObject({
        family: 'firefox',
        kind: 'full',
        source: { registry: 'debian', package: 'firefox-esr' },
      });
      expect(versions).toContain(build.source.version);
      expect(majorOf(build.source.version)).toBe(build.major);
    }
  });
});

describe('compactMajors', () => {
  it('runs of consecutive majors become ranges, in order', () => {
    expect(compactMajors([106, 107, 108, 110])).toBe('106–108, 110');
    expect(compactMajors([110, 92, 108, 107, 106, 153, 152])).toBe('92, 106–108, 110, 152–153');
    expect(compactMajors([140])).toBe('140');
    expect(compactMajors([])).toBe('');
  });
});

describe('compareEngineIds', () => {
  it('orders columns by family, full before headless shell, older majors first, the system build last, then remote ids', () => {
    const ids = [
      'webkit',
      'firefox',
      'chromium',
      'chromium@150',
      'chromium-headless-shell',
      'chromium@110',
      'firefox@140',
      'grid-chrome',
      'chromium-headless-shell@143',
    ];
    expect([...ids].sort(compareEngineIds)).toEqual([
      'chromium@110',
      'chromium@150',
      'chromium',
      'chromium-headless-shell@143',
      'chromium-headless-shell',
      'firefox@140',
      'firefox',
      'webkit',
      'grid-chrome',
    ]);
    expect(['grid-safari', 'grid-chrome', 'chromium@9'].sort(compareEngineIds)).toEqual([
      'chromium@9',
      'grid-chrome',
      'grid-safari',
    ]);
    expect(compareEngineIds('chromium@99', 'chromium@100')).toBeLessThan(0); // by number, not by text
  });
});

describe('the build cache', () => {
  let saved: string | undefined;
  let cache: string;
  beforeEach(() => {
    saved = process.env.CORS_LAB_CACHE;
    cache = tempDir('build-cache');
    process.env.CORS_LAB_CACHE = cache;
  });
  afterEach(() => {
    if (saved === undefined) delete process.env.CORS_LAB_CACHE;
    else process.env.CORS_LAB_CACHE = saved;
  });

  /** A build folder as an install leaves it: an executable and the manifest. */
  function writeBuild(
    name: string,
    manifest: Partial<BuildManifest>,
    options: { executable?: boolean; bytes?: number } = {},
  ): string {
    const dir = join(buildsDir(), name);
    mkdirSync(join(dir, 'bin'), { recursive: true });
    if (options.executable !== false)
      writeFileSync(join(dir, 'bin', 'browser'), Buffer.alloc(options.bytes ?? 10, 1), { mode: 0o755 });
    const full: BuildManifest = {
      name,
      family: 'chromium',
      kind: 'full',
      major: 150,
      version: '150.0.7871.100',
      source: { registry: 'debian', package: 'chromium, chromium-common', version: '150.0.7871.100-1~deb12u1' },
      executable: 'bin/browser',
      installedAt: new Date().toISOString(),
      ...manifest,
    };
    writeFileSync(join(dir, MANIFEST), JSON.stringify(full));
    return dir;
  }

  it('lives under $CORS_LAB_CACHE/browsers', () => {
    expect(buildsDir()).toBe(join(cache, 'browsers'));
    expect(listCachedBuilds()).toEqual([]); // no folder yet
  });

  it('lists only whole builds: a folder without build.json, or whose executable is missing, is not a build', () => {
    mkdirSync(join(buildsDir(), 'chromium@150', 'bin'), { recursive: true });
    writeFileSync(join(buildsDir(), 'chromium@150', 'bin', 'browser'), 'unpacked, never verified');
    writeBuild('firefox@140', { family: 'firefox', major: 140, version: '140.12.0esr' }, { executable: false });
    mkdirSync(join(buildsDir(), 'chromium-headless-shell@143'));
    writeFileSync(join(buildsDir(), 'chromium-headless-shell@143', MANIFEST), '{ "name": "chromium-headless-shell@14'); // cut short
    expect(listCachedBuilds()).toEqual([]);
    expect(findCachedBuild('chromium', 150)).toBeUndefined();
    expect(findCachedBuild('firefox', 140)).toBeUndefined();
    expect(findCachedBuild('chromium', 143, 'headless-shell')).toBeUndefined();

    const dir = writeBuild('firefox@140', { family: 'firefox', major: 140, version: '140.12.0esr' });
    expect(listCachedBuilds().map((build) => [build.name, build.dir, build.executablePath])).toEqual([
      ['firefox@140', dir, join(dir, 'bin', 'browser')],
    ]);
  });

  it('finds a build by family and major: the kind asked for, else the full browser before the headless shell', () => {
    const shell = writeBuild('chromium-headless-shell@110', {
      kind: 'headless-shell',
      major: 110,
      version: '110.0.5478.0',
    });
    expect(findCachedBuild('chromium', 110)?.dir).toBe(shell);
    expect(findCachedBuild('chromium', 110, 'full')).toBeUndefined();
    const full = writeBuild('chromium@110', { major: 110, version: '110.0.5481.77' });
    expect(findCachedBuild('chromium', 110)?.dir).toBe(full);
    expect(findCachedBuild('chromium', 110, 'headless-shell')?.dir).toBe(shell);
    expect(findCachedBuild('chromium', 111)).toBeUndefined();
    writeBuild('firefox@140', { family: 'firefox', major: 140, version: '140.12.0esr' });
    writeBuild('chromium@150', {});
    expect(listCachedBuilds().map((build) => build.name)).toEqual([
      'chromium@110',
      'chromium@150',
      'chromium-headless-shell@110',
      'firefox@140',
    ]);
  });

  it("removes the partial folders of installs whose process is gone, and keeps a running one's", async () => {
    const dead = spawnSync('true').pid; // ended and reaped
    const abandoned = join(buildsDir(), `.partial-${dead}-AbC123`);
    const running = join(buildsDir(), `.partial-${process.pid}-XyZ789`);
    const nameless = join(buildsDir(), '.partial-x-1');
    for (const dir of [abandoned, running, nameless]) {
      mkdirSync(join(dir, 'package', 'bin'), { recursive: true });
      writeFileSync(join(dir, 'package', 'bin', 'chromium.br'), Buffer.alloc(100));
    }
    const whole = writeBuild('chromium@150', {});
    await removeAbandonedPartials();
    expect(existsSync(abandoned)).toBe(false);
    expect(existsSync(nameless)).toBe(false);
    expect(existsSync(running)).toBe(true);
    expect(existsSync(join(whole, MANIFEST))).toBe(true);
  });

  it('pruneBuilds removes every build and partial folder and reports the bytes it freed', async () => {
    const first = writeBuild('chromium@150', {}, { bytes: 100_000 });
    const second = writeBuild(
      'firefox@140',
      { family: 'firefox', major: 140, version: '140.12.0esr' },
      { bytes: 23_456 },
    );
    const partial = join(buildsDir(), `.partial-${process.pid}-abcdef`);
    mkdirSync(join(partial, 'debs'), { recursive: true });
    writeFileSync(join(partial, 'debs', 'firefox-esr.deb'), Buffer.alloc(7_000));
    const manifestBytes = statSync(join(first, MANIFEST)).size + statSync(join(second, MANIFEST)).size;

    const pruned = await pruneBuilds();
    expect(pruned.removed.sort()).toEqual([`.partial-${process.pid}-abcdef`, 'chromium@150', 'firefox@140']);
    expect(pruned.bytes).toBe(100_000 + 23_456 + 7_000 + manifestBytes);
    expect(readdirSync(buildsDir())).toEqual([]);
    expect(listCachedBuilds()).toEqual([]);
    expect(await pruneBuilds()).toEqual({ removed: [], bytes: 0 });
  });
});

describe('the CLI on builds, before anything is downloaded', () => {
  /** The CLI with a private cache: never the user's. */
  // Wide enough that no message is wrapped, so each can be matched whole.
  const cli = (cache: string, ...args: string[]) =>
    runCommand(NODE, [BIN, ...args], {
      cwd: PROJECT_ROOT,
      env: { CORS_LAB_CACHE: cache, COLUMNS: '1000' },
      timeoutMs: 90_000,
    });

  it('install-browsers with a major no source holds: exit 2, nothing installed, the available builds listed, no folder made', async () => {
    const cache = tempDir('cli-builds');
    const result = await cli(cache, 'install-browsers', 'chromium@999');
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('cors-lab: nothing was installed:');
    expect(result.stderr).toContain('chromium@999: no source holds that build. Available chromium builds: ');
    // npm's @sparticuz/chromium has headless shells from 92 on; Debian the full browser, at the majors apt-cache knows.
    expect(result.stderr).toMatch(
      /Available chromium builds: 92, [^;]*\(headless shell from npm @sparticuz\/chromium\)/,
    );
    const debian = spawnSync('apt-cache', ['madison', 'chromium'], { encoding: 'utf8' })
      .stdout.split('\n')
      .map((line) => majorOf(line.split('|')[1]?.trim() ?? ''))
      .filter((major): major is number => major !== undefined);
    expect(debian.length).toBeGreaterThan(0);
    expect(result.stderr).toContain(`; ${compactMajors([...new Set(debian)])} (full browser from Debian chromium)`);
    expect(result.stdout).toBe('');
    expect(existsSync(join(cache, 'browsers')) ? readdirSync(join(cache, 'browsers')) : []).toEqual([]);
  });

  it('install-browsers with a malformed name: exit 2 with the grammar, and no registry asked', async () => {
    const cache = tempDir('cli-builds');
    const result = await cli(cache, 'install-browsers', 'chromium@abc');
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('"chromium@abc": a build is named by its major version, e.g. chromium@143');
    expect(result.stderr).toContain('nothing was installed');
    expect(existsSync(join(cache, 'browsers'))).toBe(false);
  });

  it('run --browsers with a malformed build name: exit 2 naming --browsers, nothing run', async () => {
    const cache = tempDir('cli-builds');
    const report = join(cache, 'r.json');
    const result = await cli(
      cache,
      'run',
      'scenarios/basics',
      '--browsers',
      'chromium@abc',
      '--reporter',
      `json=${report}`,
    );
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('nothing was run');
    expect(result.stderr).toContain('--browsers: "chromium@abc": a build is named by its major version');
    expect(existsSync(report)).toBe(false);
  });

  it('browsers with an empty cache says none; with a build, lists it with its size; --prune removes it', async () => {
    const cache = tempDir('cli-builds');
    const empty = await cli(cache, 'browsers');
    expect(empty.stdout).toContain(`builds in ${join(cache, 'browsers')}: none`);

    const dir = join(cache, 'browsers', 'chromium-headless-shell@110');
    mkdirSync(join(dir, 'chromium'), { recursive: true });
    writeFileSync(join(dir, 'chromium', 'chromium'), Buffer.alloc(3 * 1024 * 1024), { mode: 0o755 });
    writeFileSync(
      join(dir, MANIFEST),
      JSON.stringify({
        name: 'chromium-headless-shell@110',
        family: 'chromium',
        kind: 'headless-shell',
        major: 110,
        version: '110.0.5478.0',
        source: { registry: 'npm', package: '@sparticuz/chromium', version: '110.0.1' },
        executable: 'chromium/chromium',
        installedAt: new Date().toISOString(),
      } satisfies BuildManifest),
    );
    const listed = await cli(cache, 'browsers');
    expect(listed.stdout).toContain(
      `builds in ${join(cache, 'browsers')} (3 MB; run one with --browsers chromium-headless-shell@110):`,
    );
    expect(listed.stdout).toMatch(
      /^ {2}chromium-headless-shell@110 +110\.0\.5478\.0 +headless-shell +3 MB {2}npm @sparticuz\/chromium 110\.0\.1$/m,
    );
    // In a narrow terminal the build's source goes on a line of its own, whole.
    const narrow = await runCommand(NODE, [BIN, 'browsers'], {
      cwd: PROJECT_ROOT,
      env: { CORS_LAB_CACHE: cache, COLUMNS: '72' },
    });
    expect(narrow.stdout).toMatch(
      /^ {2}chromium-headless-shell@110 +110\.0\.5478\.0 +headless-shell +3 MB\n {4}from npm @sparticuz\/chromium 110\.0\.1$/m,
    );
    expect(
      narrow.stdout
        .trimEnd()
        .split('\n')
        .filter((line) => line.length > 72),
    ).toEqual([]);

    const pruned = await cli(cache, 'browsers', '--prune');
    expect(pruned.status).toBe(0);
    expect(pruned.stdout).toBe(
      `cors-lab: removed 1 build folder(s) from ${join(cache, 'browsers')} (3 MB): chromium-headless-shell@110\n`,
    );
    expect(existsSync(dir)).toBe(false);
    expect((await cli(cache, 'browsers', '--prune')).stdout).toBe(
      `cors-lab: no builds in ${join(cache, 'browsers')}\n`,
    );
  }, 120_000);
});

describe('BUILD_NAME, the pattern schemas use', () => {
  it('accepts what parseBuildName calls a build, and nothing else', () => {
    for (const name of [
      'chromium',
      'firefox',
      'webkit',
      'chromium-headless-shell',
      'chromium@143',
      'chromium-headless-shell@150',
      'firefox@140',
    ]) {
      expect([name, BUILD_NAME.test(name)]).toEqual([name, true]);
      expect(isBuildName(name)).toBe(true);
    }
    for (const name of [
      'chromium@abc',
      'chromium@103..153',
      'webkit@2',
      'firefox-esr',
      'Chromium@143',
      'chromium@12345',
      '',
    ]) {
      expect([name, BUILD_NAME.test(name)]).toEqual([name, false]);
      expect(isBuildName(name)).toBe(false);
    }
  });
});
