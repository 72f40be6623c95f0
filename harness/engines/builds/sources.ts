// Where builds come from, through the machine's own package clients (npm and
// apt, as configured here: no host is named and nothing is fetched by hand):
// - npm `@sparticuz/chromium`: Chromium headless-shell builds shipped inside
//   the package (bin/chromium.br, brotli), the package major being Chromium's.
//   Only the binary and its SwiftShader GL libraries are unpacked: the
//   package's own launch arguments (among them --disable-web-security and
//   --single-process) are never read, and its Amazon Linux libraries and fonts
//   are not for this system.
// - Debian's archive: older `chromium`, `chromium-headless-shell` and
//   `firefox-esr` builds beside the current ones, downloaded with
//   `apt-get download` and unpacked with `dpkg-deb -x` into the build's own
//   folder, never installed system-wide.
import { execFile } from 'node:child_process';
import { createReadStream, createWriteStream, existsSync } from 'node:fs';
import { chmod, mkdir, readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createBrotliDecompress } from 'node:zlib';
import type { EngineFamily } from '../types.ts';
import type { BuildSource } from './cache.ts';
import type { BuildKind } from './names.ts';

/** One build a source can provide. */
export interface AvailableBuild {
  family: EngineFamily;
  kind: BuildKind;
  major: number;
  source: BuildSource;
}

/** What a source found (or why it could not look). */
export interface SourceListing {
  source: string;
  builds: AvailableBuild[];
  /** Why this source could not be asked (no apt, npm failed), for the message that lists what is available. */
  unavailable?: string;
}

export type Step = (text: string) => void;

export interface BuildSourceDefinition {
  /** "npm @sparticuz/chromium", "Debian chromium". */
  readonly name: string;
  readonly family: EngineFamily;
  readonly kind: BuildKind;
  list(): Promise<SourceListing>;
  /** Downloads and unpacks `build` into `dir` (empty, the build's partial folder); returns the executable relative to `dir`. */
  fetch(build: AvailableBuild, dir: string, step: Step): Promise<string>;
}

const COMMAND_TIMEOUT_MS = 10 * 60_000;

/** Runs a command; rejects with the command and its stderr's last line. */
function runCommand(file: string, args: string[], cwd?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      file,
      args,
      { cwd, timeout: COMMAND_TIMEOUT_MS, killSignal: 'SIGKILL', encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => {
        if (!error) return resolve(stdout);
        const last = (stderr || error.message).trim().split('\n').filter(Boolean).at(-1) ?? error.message;
        reject(new Error(`${file} ${args.join(' ')} failed: ${last}`));
      },
    );
  });
}

/** A release version (no "-next.0"), as numbers. */
function releaseParts(version: string): number[] | undefined {
  return /^\d+(\.\d+)*$/.test(version) ? version.split('.').map(Number) : undefined;
}

function compareParts(a: number[], b: number[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i += 1) {
    const diff = (a[i] ?? 0) - (b[i] ?? 0);
    if (diff !== 0) return diff;
  }
  return 0;
}

/** Per major, the newest version of a list: one build per major is what a build name asks for. */
export function newestPerMajor(
  versions: readonly string[],
  partsOf: (version: string) => number[] | undefined = releaseParts,
): Map<number, string> {
  const newest = new Map<number, { version: string; parts: number[] }>();
  for (const version of versions) {
    const parts = partsOf(version);
    if (!parts) continue;
    const major = parts[0]!;
    const held = newest.get(major);
    if (!held || compareParts(parts, held.parts) > 0) newest.set(major, { version, parts });
  }
  return new Map([...newest].map(([major, { version }]) => [major, version]));
}

/** "140.12.0esr-1~deb12u1" (or with an epoch, "1:140.12.0esr-1"): the upstream version's numbers decide which is newest. */
export function debianVersionParts(version: string): number[] | undefined {
  return /^(?:\d+:)?(\d+(?:\.\d+)*)/.exec(version)?.[1]?.split('.').map(Number);
}

async function unbrotli(from: string, to: string): Promise<void> {
  await pipeline(createReadStream(from), createBrotliDecompress(), createWriteStream(to, { mode: 0o755 }));
}

/**
 * Extracts a .tar.br into `dir`: decompressed to a file first, then the
 * system's tar. (Piped, tar stops reading at the archive's end marker and
 * the rest of the stream fails with "Premature close".)
 */
async function untarBrotli(from: string, dir: string): Promise<void> {
  const tarball = `${from}.tar`;
  await unbrotli(from, tarball);
  await runCommand('tar', ['-xf', tarball, '-C', dir]);
  await rm(tarball, { force: true });
}

const SPARTICUZ = '@sparticuz/chromium';

export const npmChromiumSource: BuildSourceDefinition = {
  name: `npm ${SPARTICUZ}`,
  family: 'chromium',
  kind: 'headless-shell',
  async list() {
    try {
      const versions = JSON.parse(await runCommand('npm', ['view', SPARTICUZ, 'versions', '--json'])) as string[];
      const builds = [...newestPerMajor(versions)].map(([major, version]) => ({
        family: 'chromium' as const,
        kind: 'headless-shell' as const,
        major,
        source: { registry: 'npm' as const, package: SPARTICUZ, version },
      }));
      return { source: this.name, builds };
    } catch (error) {
      return { source: this.name, builds: [], unavailable: (error as Error).message };
    }
  },
  async fetch(build, dir, step) {
    step(`downloading ${SPARTICUZ}@${build.source.version} with npm pack`);
    const packed = JSON.parse(
      await runCommand(
        'npm',
        ['pack', `${SPARTICUZ}@${build.source.version}`, '--pack-destination', dir, '--json', '--silent'],
        dir,
      ),
    ) as { filename: string }[];
    const tarball = path.join(dir, packed[0]!.filename);
    step('unpacking the package');
    await runCommand('tar', ['-xzf', tarball, '-C', dir, 'package/bin']);
    const bin = path.join(dir, 'package', 'bin');
    if (!existsSync(path.join(bin, 'chromium.br')))
      throw new Error(
        `${SPARTICUZ}@${build.source.version} holds no bin/chromium.br (found: ${(await readdir(bin)).join(', ')})`,
      );
    const target = path.join(dir, 'chromium');
    await mkdir(target);
    step('decompressing bin/chromium.br');
    await unbrotli(path.join(bin, 'chromium.br'), path.join(target, 'chromium'));
    await chmod(path.join(target, 'chromium'), 0o755);
    // SwiftShader: the software GL the binary loads from its own folder (canvas, WebGL).
    if (existsSync(path.join(bin, 'swiftshader.tar.br')))
      await untarBrotli(path.join(bin, 'swiftshader.tar.br'), target);
    return path.join('chromium', 'chromium');
  },
};

/** A Debian source: these packages at one version, unpacked together. */
function debianSource(
  family: EngineFamily,
  kind: BuildKind,
  packages: string[],
  executable: string,
): BuildSourceDefinition {
  const main = packages[0]!;
  return {
    name: `Debian ${main}`,
    family,
    kind,
    async list() {
      if (!existsSync('/usr/bin/apt-cache') || !existsSync('/usr/bin/dpkg-deb'))
        return { source: this.name, builds: [], unavailable: 'not a Debian system (no apt-cache or dpkg-deb)' };
      try {
        const madison = await runCommand('apt-cache', ['madison', main]);
        const versions = madison
          .split('\n')
          .map((line) => line.split('|')[1]?.trim())
          .filter((version): version is string => Boolean(version));
        const newest = newestPerMajor(versions, debianVersionParts);
        const builds = [...newest].map(([major, version]) => ({
          family,
          kind,
          major,
          source: { registry: 'debian' as const, package: packages.join(', '), version },
        }));
        return {
          source: this.name,
          builds,
          ...(builds.length === 0 ? { unavailable: `apt-cache knows no ${main} (run apt-get update first)` } : {}),
        };
      } catch (error) {
        return { source: this.name, builds: [], unavailable: (error as Error).message };
      }
    },
    async fetch(build, dir, step) {
      step(`downloading ${packages.map((pkg) => `${pkg}=${build.source.version}`).join(' ')} with apt-get download`);
      const debs = path.join(dir, 'debs');
      await mkdir(debs);
      await runCommand('apt-get', ['download', '-q', ...packages.map((pkg) => `${pkg}=${build.source.version}`)], debs);
      step('unpacking with dpkg-deb -x');
      const root = path.join(dir, 'root');
      for (const deb of await readdir(debs)) await runCommand('dpkg-deb', ['-x', path.join(debs, deb), root]);
      return path.join('root', executable);
    },
  };
}

export const BUILD_SOURCES: readonly BuildSourceDefinition[] = [
  debianSource('chromium', 'full', ['chromium', 'chromium-common'], 'usr/lib/chromium/chromium'),
  debianSource(
    'chromium',
    'headless-shell',
    ['chromium-headless-shell', 'chromium-common'],
    'usr/lib/chromium/chromium-headless-shell',
  ),
  npmChromiumSource,
  debianSource('firefox', 'full', ['firefox-esr'], 'usr/lib/firefox-esr/firefox-esr'),
];

/** Every build every source of this family (and kind) can provide, the full browser first for each major. */
export async function availableBuilds(
  family: EngineFamily,
  kind?: BuildKind,
): Promise<{ builds: AvailableBuild[]; unavailable: string[] }> {
  const sources = BUILD_SOURCES.filter((source) => source.family === family && (!kind || source.kind === kind));
  const listings = await Promise.all(sources.map((source) => source.list()));
  const builds = listings
    .flatMap((listing) => listing.builds)
    .sort((a, b) => a.major - b.major || (a.kind === 'full' ? -1 : 1) - (b.kind === 'full' ? -1 : 1));
  return {
    builds,
    unavailable: listings.flatMap((listing) =>
      listing.unavailable ? [`${listing.source}: ${listing.unavailable}`] : [],
    ),
  };
}

export function sourceOf(build: AvailableBuild): BuildSourceDefinition {
  return BUILD_SOURCES.find(
    (source) =>
      source.family === build.family &&
      source.kind === build.kind &&
      (source.name.startsWith('npm') ? build.source.registry === 'npm' : build.source.registry === 'debian'),
  )!;
}
