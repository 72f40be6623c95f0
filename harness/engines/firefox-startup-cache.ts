// Firefox starts in about half the time when its new profile already holds
// the startup cache an earlier start of the same build wrote (measured on a
// 2-core machine: 1.0-1.4 s against 1.8-2.6 s for an empty profile). Each
// launch still gets a fresh temporary profile; only Firefox's own compiled
// browser code is carried over (`startupCache/`, and `compatibility.ini`,
// which Firefox checks the cache against and discards it on another build).
// Nothing a page can observe: no cookie, site data, permission, certificate
// or preference. The seed lives in cors-lab's user cache, one per build.
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, realpathSync, renameSync, rmSync } from 'node:fs';
import path from 'node:path';
import { userCacheDir } from '../package/root.ts';

/** What a started profile keeps that makes the next start fast, all internal to Firefox. */
const KEPT = ['compatibility.ini', 'startupCache'] as const;

/** The seed folder of the Firefox build at `executablePath` (keyed by its real path). */
export function startupSeedDir(executablePath: string): string {
  const key = createHash('sha256').update(realpathSync(executablePath)).digest('hex').slice(0, 16);
  return path.join(userCacheDir(), 'firefox-startup', key);
}

/** Copies the build's startup cache into a new, not yet started profile; without a seed the start is simply cold. */
export function seedProfile(profile: string, executablePath: string): boolean {
  try {
    const seed = startupSeedDir(executablePath);
    if (!KEPT.every((name) => existsSync(path.join(seed, name)))) return false;
    for (const name of KEPT) cpSync(path.join(seed, name), path.join(profile, name), { recursive: true });
    return true;
  } catch {
    return false;
  }
}

/**
 * After Firefox closed cleanly: keeps the profile's startup cache as the
 * build's seed, unless the seed already holds one of the same build. Written
 * to a partial folder and renamed into place, so a reader never sees half of
 * one; a cache that cannot be written costs the next start its speed only.
 */
export function keepStartupCache(profile: string, executablePath: string): void {
  let partial: string | undefined;
  try {
    const cache = path.join(profile, 'startupCache');
    if (!existsSync(path.join(profile, 'compatibility.ini')) || !existsSync(cache) || readdirSync(cache).length === 0)
      return;
    const seed = startupSeedDir(executablePath);
    const build = readFileSync(path.join(profile, 'compatibility.ini'), 'utf8');
    if (
      existsSync(path.join(seed, 'startupCache')) &&
      readFileSync(path.join(seed, 'compatibility.ini'), 'utf8') === build
    )
      return;
    mkdirSync(path.dirname(seed), { recursive: true });
    partial = `${seed}.partial-${process.pid}-${Date.now()}`;
    for (const name of KEPT) cpSync(path.join(profile, name), path.join(partial, name), { recursive: true });
    rmSync(seed, { recursive: true, force: true });
    renameSync(partial, seed);
  } catch {
    // another process wrote the seed first, or the cache is not writable
    if (partial) rmSync(partial, { recursive: true, force: true });
  }
}
