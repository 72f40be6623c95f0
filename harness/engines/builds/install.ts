// Installing a build into the cache: pick the source that holds it, download
// and unpack into a partial folder, launch the browser to read its version,
// and only when it is the version asked for, write the manifest and rename the
// folder into place. Two installs of one build at once each unpack their own
// partial folder; the first rename wins and the second sees the build there.
import { rmSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { onInterrupt } from '../cleanup.ts';
import { run } from '../system.ts';
import type { EngineFamily } from '../types.ts';
import {
  buildsDir,
  findCachedBuild,
  MANIFEST,
  partialPrefix,
  removeAbandonedPartials,
  type BuildManifest,
  type CachedBuild,
} from './cache.ts';
import { canonicalName, majorOf, type BuildName, type BuildRange } from './names.ts';
import { availableBuilds, sourceOf, type AvailableBuild, type BuildSourceDefinition, type Step } from './sources.ts';
import { systemBuild } from './resolve.ts';

const VERIFY_TIMEOUT_MS = 60_000;

export type InstallOutcome =
  | { name: string; status: 'installed'; build: CachedBuild }
  | { name: string; status: 'present'; detail: string }
  | { name: string; status: 'failed'; reason: string };

/** A failure that is the user's input (no such build): the CLI exits 2 naming it and what is available. */
export class UnknownBuildError extends Error {}

function describeAvailable(builds: readonly AvailableBuild[], unavailable: readonly string[]): string {
  const byKind = new Map<string, number[]>();
  for (const build of builds) {
    const key = `${build.kind === 'full' ? 'full browser' : 'headless shell'} from ${build.source.registry === 'npm' ? `npm ${build.source.package}` : `Debian ${build.source.package.split(',')[0]}`}`;
    byKind.set(key, [...(byKind.get(key) ?? []), build.major]);
  }
  const lines = [...byKind].map(([key, majors]) => `${compactMajors(majors)} (${key})`);
  return [...(lines.length > 0 ? lines : ['none']), ...unavailable.map((reason) => `not asked: ${reason}`)].join('; ');
}

/** "106, 107, 108, 110" → "106–108, 110". */
export function compactMajors(majors: readonly number[]): string {
  const runs: [number, number][] = [];
  for (const major of [...majors].sort((a, b) => a - b)) {
    const last = runs.at(-1);
    if (last && major === last[1] + 1) last[1] = major;
    else runs.push([major, major]);
  }
  return runs.map(([from, to]) => (from === to ? `${from}` : `${from}–${to}`)).join(', ');
}

/** The builds a name or range asks for, one per major (the full browser first where the name does not say the kind). */
export async function resolveInstall(asked: BuildName | BuildRange): Promise<AvailableBuild[]> {
  const { builds, unavailable } = await availableBuilds(asked.family, asked.kind);
  const inRange =
    'from' in asked
      ? builds.filter((build) => build.major >= asked.from && build.major <= asked.to)
      : builds.filter((build) => build.major === asked.major);
  const perMajor = new Map<number, AvailableBuild>();
  for (const build of inRange) if (!perMajor.has(build.major)) perMajor.set(build.major, build);
  if (perMajor.size === 0) {
    throw new UnknownBuildError(
      `${asked.name}: no source holds ${'from' in asked ? 'a build in that range' : 'that build'}. Available ${asked.product} builds: ${describeAvailable(builds, unavailable)}`,
    );
  }
  return [...perMajor.values()];
}

/**
 * A failure in a few lines: Playwright's launch error holds its whole launch
 * log (every argument, with terminal colours); its first line and the
 * browser's own error output are what say why.
 */
function shortReason(error: Error): string {
  const lines = error.message.replace(/\u001b\[[0-9;]*m/g, '').split('\n');
  const browserErrors = lines
    .filter((line) => /\[err\]/.test(line))
    .slice(0, 5)
    .map((line) => line.trim());
  return [lines[0]!.trim(), ...browserErrors].join(' | ');
}

/** Launches the unpacked browser and reads the version it reports. */
async function reportedVersion(family: EngineFamily, executablePath: string): Promise<string> {
  if (family === 'firefox') {
    const out = await run(executablePath, ['--version'], VERIFY_TIMEOUT_MS);
    const version = /(\d+\.\d+[\w.]*)\s*$/.exec(out.trim())?.[1];
    if (!version) throw new Error(`firefox --version printed no version: ${out.trim()}`);
    return version;
  }
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({
    executablePath,
    headless: true,
    timeout: VERIFY_TIMEOUT_MS,
    args: process.getuid?.() === 0 ? ['--no-sandbox'] : [],
  });
  try {
    return browser.version();
  } finally {
    await browser.close().catch(() => {});
  }
}

/** Installs one build; a build already in the cache (or the system's build of that version and kind) is left as it is. */
export async function installBuild(
  build: AvailableBuild,
  step: Step,
  source: BuildSourceDefinition = sourceOf(build),
): Promise<InstallOutcome> {
  const name = canonicalName(build.family, build.kind, build.major);
  const cached = findCachedBuild(build.family, build.major, build.kind);
  if (cached) return { name, status: 'present', detail: `already installed: ${cached.version} in ${cached.dir}` };
  const system = await systemBuild(build.family, build.kind);
  if (system && majorOf(system.version) === build.major)
    return {
      name,
      status: 'present',
      detail: `the system's build is ${system.version} (${system.executablePath}); nothing to install`,
    };

  await mkdir(buildsDir(), { recursive: true });
  await removeAbandonedPartials();
  const partial = await mkdtemp(path.join(buildsDir(), `${partialPrefix()}${process.pid}-`));
  const removePartial = (): void => rmSync(partial, { recursive: true, force: true });
  process.on('exit', removePartial);
  const stopInterrupt = onInterrupt(async () => removePartial());
  try {
    const executable = await source.fetch(build, partial, (text) => step(`${name}: ${text}`));
    step(`${name}: starting the browser to read its version`);
    const version = await reportedVersion(build.family, path.join(partial, executable));
    if (majorOf(version) !== build.major)
      throw new Error(`the unpacked browser reports ${version}, not ${build.major}`);
    // The downloaded packages are no longer needed once unpacked.
    await Promise.all(
      ['debs', 'package'].map((leftover) => rm(path.join(partial, leftover), { recursive: true, force: true })),
    );
    for (const file of await readdir(partial))
      if (file.endsWith('.tgz')) await rm(path.join(partial, file), { force: true });
    const manifest: BuildManifest = {
      name,
      family: build.family,
      kind: build.kind,
      major: build.major,
      version,
      source: build.source,
      executable,
      installedAt: new Date().toISOString(),
    };
    await writeFile(path.join(partial, MANIFEST), `${JSON.stringify(manifest, null, 2)}\n`);
    const final = path.join(buildsDir(), name);
    try {
      await rename(partial, final);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== 'ENOTEMPTY' && code !== 'EEXIST') throw error;
      // Another install of the same build finished first; its folder is whole (it has a manifest).
      removePartial();
      const other = findCachedBuild(build.family, build.major, build.kind);
      if (!other)
        throw new Error(
          `${final} exists but holds no whole build; remove it (cors-lab browsers --prune) and install again`,
        );
      return { name, status: 'present', detail: `installed meanwhile by another process: ${other.version}` };
    }
    return { name, status: 'installed', build: findCachedBuild(build.family, build.major, build.kind)! };
  } catch (error) {
    removePartial();
    return { name, status: 'failed', reason: shortReason(error as Error) };
  } finally {
    process.off('exit', removePartial);
    stopInterrupt();
  }
}
