// From a build name to a driver: "chromium@143" is the system's build when
// that is the version asked for, else the cache's; "chromium-headless-shell"
// is the system's shell. A build that is neither is missing, with the command
// that installs it, never replaced by another build.
import { existsSync } from 'node:fs';
import { CHROMIUM_DRIVER, chromiumDriverFor, discoverSystemChromium } from '../chromium.ts';
import { certutilMissing, discoverSystemFirefox, FIREFOX_DRIVER, firefoxDriverFor } from '../firefox.ts';
import { readVersion } from '../versions.ts';
import type { BuildKind, Discovery, EngineDriver, EngineFamily } from '../types.ts';
import { findCachedBuild, sourceText, type CachedBuild } from './cache.ts';
import { majorOf, type BuildName } from './names.ts';

const SYSTEM_SHELL_PATHS = ['/usr/bin/chromium-headless-shell', '/usr/lib/chromium/chromium-headless-shell'];

export interface SystemBuild {
  executablePath: string;
  version: string;
  discovery: Discovery & { found: true };
}

const systemVersions = new Map<string, Promise<string | undefined>>();

/** The system's build of a family and kind, with its version (read once per process). */
export async function systemBuild(family: EngineFamily, kind: BuildKind): Promise<SystemBuild | undefined> {
  let discovery: Discovery | undefined;
  if (family === 'chromium' && kind === 'headless-shell') {
    const executablePath = SYSTEM_SHELL_PATHS.find((file) => existsSync(file));
    if (executablePath)
      discovery = {
        found: true,
        id: 'chromium-headless-shell',
        executablePath,
        driver: CHROMIUM_DRIVER,
        build: { name: 'chromium-headless-shell', kind, source: `system (${executablePath})` },
      };
  } else if (family === 'chromium') discovery = await discoverSystemChromium();
  else if (family === 'firefox') discovery = await discoverSystemFirefox();
  if (!discovery?.found || discovery.build?.kind !== kind) return undefined;
  const { executablePath } = discovery;
  if (!systemVersions.has(executablePath))
    systemVersions.set(
      executablePath,
      readVersion(family, executablePath).catch(() => undefined),
    );
  const version = await systemVersions.get(executablePath)!;
  return version ? { executablePath, version, discovery } : undefined;
}

function describeSource(build: CachedBuild): string {
  return `${sourceText(build.source)} (${build.dir})`;
}

/** Finds the build a name asks for: the system's of that version and kind, else the cache's. */
export async function locateBuild(asked: BuildName): Promise<Discovery> {
  const id = asked.name;
  const kinds: BuildKind[] = asked.kind ? [asked.kind] : ['full', 'headless-shell'];
  for (const kind of kinds) {
    const system = await systemBuild(asked.family, kind);
    if (system && (asked.major === undefined || majorOf(system.version) === asked.major)) {
      return { ...system.discovery, id, build: { ...system.discovery.build!, name: id } };
    }
  }
  const cached = asked.major === undefined ? undefined : findCachedBuild(asked.family, asked.major, asked.kind);
  if (!cached) {
    const what =
      asked.major === undefined
        ? `the system has no ${asked.product}`
        : `${id} is neither the system's build nor installed in cors-lab's build cache`;
    return {
      found: false,
      id,
      reason: what,
      fix:
        asked.major === undefined
          ? 'as root: apt-get install chromium-headless-shell'
          : `npx cors-lab install-browsers ${id} (where no registry holds that build, it lists the ones they do)`,
    };
  }
  const build = { name: id, kind: cached.kind, source: describeSource(cached) };
  if (asked.family === 'firefox')
    return (
      (await certutilMissing(id)) ?? {
        found: true,
        id,
        executablePath: cached.executablePath,
        driver: FIREFOX_DRIVER,
        build,
      }
    );
  return { found: true, id, executablePath: cached.executablePath, driver: CHROMIUM_DRIVER, build };
}

/** The driver for a build name that is not a plain engine ("chromium@143", "chromium-headless-shell"). */
export function buildDriver(asked: BuildName): EngineDriver {
  const locate = () => locateBuild(asked);
  if (asked.family === 'firefox') return firefoxDriverFor(asked.name, locate);
  if (asked.family === 'chromium') return chromiumDriverFor(asked.name, locate);
  throw new Error(`${asked.name}: only the system's WebKitGTK is available`);
}
