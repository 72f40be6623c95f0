// What a result needs so that two results can be compared: where cors-lab ran
// from (its git commit, when it ran from a clone), the machine, and a hash of
// what was measured. Two results with the same scenario-set hash measured the
// same rows (`cors-lab diff` calls them aligned).
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { arch, platform, release } from 'node:os';
import { join } from 'node:path';
import { PACKAGE_ROOT } from '../package/root.ts';

export interface RunInfo {
  /** The commit of the cors-lab clone that ran, with `dirty` when it had uncommitted changes; absent for an installed package. */
  commit?: { id: string; dirty: boolean };
  /** sha256 over each row's id and definition, sorted by id. */
  scenarioSet: { hash: string; rows: number };
  os: { platform: string; release: string; arch: string; distribution?: string };
  node: string;
}

/** A row as measured: its id and what defines it (a scenario without its file path, a check's request). */
export interface RowDefinition {
  id: string;
  definition: unknown;
}

export function runInfo(rows: RowDefinition[]): RunInfo {
  const commit = gitCommit();
  const distribution = osDistribution();
  return {
    ...(commit ? { commit } : {}),
    scenarioSet: { hash: scenarioSetHash(rows), rows: rows.length },
    os: { platform: platform(), release: release(), arch: arch(), ...(distribution ? { distribution } : {}) },
    node: process.version,
  };
}

export function scenarioSetHash(rows: RowDefinition[]): string {
  const hash = createHash('sha256');
  for (const row of [...rows].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)))
    hash.update(`${row.id}\n${stableJson(row.definition)}\n`);
  return `sha256:${hash.digest('hex')}`;
}

/** JSON with object keys sorted, so the same definition always hashes alike. */
function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  if (value && typeof value === 'object') {
    return `{${Object.keys(value)
      .sort()
      .filter((key) => (value as Record<string, unknown>)[key] !== undefined)
      .map((key) => `${JSON.stringify(key)}:${stableJson((value as Record<string, unknown>)[key])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value);
}

let cachedCommit: RunInfo['commit'] | null | undefined;
function gitCommit(): RunInfo['commit'] | undefined {
  if (cachedCommit !== undefined) return cachedCommit ?? undefined;
  cachedCommit = null;
  if (existsSync(join(PACKAGE_ROOT, '.git'))) {
    try {
      const git = (...args: string[]) =>
        execFileSync('git', ['-C', PACKAGE_ROOT, ...args], {
          encoding: 'utf8',
          stdio: ['ignore', 'pipe', 'ignore'],
          timeout: 5000,
        }).trim();
      cachedCommit = {
        id: git('rev-parse', 'HEAD'),
        dirty: git('status', '--porcelain', '--untracked-files=no') !== '',
      };
    } catch {
      // No git on the machine, or not a repository after all: the commit is simply not known.
    }
  }
  return cachedCommit ?? undefined;
}

function osDistribution(): string | undefined {
  try {
    return /^PRETTY_NAME="?([^"\n]*)"?$/m.exec(readFileSync('/etc/os-release', 'utf8'))?.[1];
  } catch {
    return undefined;
  }
}
