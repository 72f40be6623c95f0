// The build cache: one folder per installed build under cors-lab's per-user
// cache (beside the certificates), each with a manifest written last. A build
// is unpacked into a ".partial-*" folder and renamed into place only once the
// browser has reported the version asked for, so a folder with a manifest is
// always a whole, verified build, and an interrupted install leaves only a
// partial folder that nothing reads.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { lstat, readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { userCacheDir } from '../../package/root.ts';
import { isRunning } from '../cleanup.ts';
import type { EngineFamily } from '../types.ts';
import { canonicalName, type BuildKind } from './names.ts';

export const MANIFEST = 'build.json';
const PARTIAL_PREFIX = '.partial-';

/** Where a build came from: the registry, the package and the package's version. */
export interface BuildSource {
  registry: 'npm' | 'debian';
  /** The npm package, or the Debian packages unpacked ("chromium, chromium-common"). */
  package: string;
  version: string;
}

/** What build.json holds. */
export interface BuildManifest {
  name: string;
  family: EngineFamily;
  kind: BuildKind;
  major: number;
  /** The version the browser reported when it was verified. */
  version: string;
  source: BuildSource;
  /** The executable, relative to the build's folder. */
  executable: string;
  installedAt: string;
}

/** "npm @sparticuz/chromium 143.0.4", "Debian firefox-esr 140.12.0esr-1~deb12u1". */
export function sourceText(source: BuildSource): string {
  return `${source.registry === 'npm' ? 'npm' : 'Debian'} ${source.package} ${source.version}`;
}

export interface CachedBuild extends BuildManifest {
  dir: string;
  executablePath: string;
}

export function buildsDir(): string {
  return path.join(userCacheDir(), 'browsers');
}

export function partialPrefix(): string {
  return PARTIAL_PREFIX;
}

function readManifest(dir: string): CachedBuild | undefined {
  try {
    const manifest = JSON.parse(readFileSync(path.join(dir, MANIFEST), 'utf8')) as BuildManifest;
    const executablePath = path.join(dir, manifest.executable);
    return existsSync(executablePath) ? { ...manifest, dir, executablePath } : undefined;
  } catch {
    return undefined;
  }
}

/** Every whole build in the cache, by family, kind and major. */
export function listCachedBuilds(): CachedBuild[] {
  const root = buildsDir();
  if (!existsSync(root)) return [];
  return readdirSync(root)
    .filter((entry) => !entry.startsWith('.'))
    .flatMap((entry) => readManifest(path.join(root, entry)) ?? [])
    .sort((a, b) => a.family.localeCompare(b.family) || a.kind.localeCompare(b.kind) || a.major - b.major);
}

/** The cached build of this family and major: of the kind asked for, or the full browser first. */
export function findCachedBuild(family: EngineFamily, major: number, kind?: BuildKind): CachedBuild | undefined {
  const kinds: BuildKind[] = kind ? [kind] : ['full', 'headless-shell'];
  for (const each of kinds) {
    const found = readManifest(path.join(buildsDir(), canonicalName(family, each, major)));
    if (found) return found;
  }
  return undefined;
}

/** Bytes on disk under a folder (files and links as stored, not followed). */
export async function diskSize(dir: string): Promise<number> {
  let total = 0;
  for (const entry of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) total += await diskSize(full);
    else total += (await lstat(full).catch(() => ({ size: 0 }))).size;
  }
  return total;
}

/** Removes every cached build and every partial folder; returns what was removed and the bytes freed. */
export async function pruneBuilds(): Promise<{ removed: string[]; bytes: number }> {
  const root = buildsDir();
  if (!existsSync(root)) return { removed: [], bytes: 0 };
  const removed: string[] = [];
  let bytes = 0;
  for (const entry of readdirSync(root)) {
    const dir = path.join(root, entry);
    bytes += await diskSize(dir);
    await rm(dir, { recursive: true, force: true });
    removed.push(entry);
  }
  return { removed, bytes };
}

/** Partial folders of installs whose process is gone (interrupted, killed): removed before a new install. */
export async function removeAbandonedPartials(): Promise<void> {
  const root = buildsDir();
  if (!existsSync(root)) return;
  for (const entry of readdirSync(root)) {
    if (!entry.startsWith(PARTIAL_PREFIX)) continue;
    const pid = Number(entry.slice(PARTIAL_PREFIX.length).split('-')[0]);
    if (Number.isInteger(pid) && pid > 0 && isRunning(pid)) continue;
    await rm(path.join(root, entry), { recursive: true, force: true });
  }
}

export function formatBytes(bytes: number): string {
  return bytes >= 1024 ** 3 ? `${(bytes / 1024 ** 3).toFixed(2)} GB` : `${(bytes / 1024 ** 2).toFixed(0)} MB`;
}
