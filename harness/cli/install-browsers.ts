// `cors-lab install-browsers`: installs the engines from Debian's packages
// when it can (root and apt), and otherwise says exactly what to do. Given
// build names (chromium@143, firefox@140, chromium@103..153), it installs
// those builds into cors-lab's build cache instead (engines/builds/).
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { diskSize, formatBytes, sourceText } from '../engines/builds/cache.ts';
import { installBuild, resolveInstall, UnknownBuildError, type InstallOutcome } from '../engines/builds/install.ts';
import { parseBuildName } from '../engines/builds/names.ts';
import type { AvailableBuild } from '../engines/builds/sources.ts';
import { printFitted, warnFitted, warnList } from './common.ts';

/** chromium, firefox-esr, WebKitWebDriver + MiniBrowser, Xvfb for WebKit, certutil for Firefox's profile, a C compiler and libc headers for the research clock shim. */
export const DEBIAN_PACKAGES = [
  'chromium',
  'firefox-esr',
  'webkit2gtk-driver',
  'xvfb',
  'libnss3-tools',
  'gcc',
  'libc6-dev',
];

function isInstalled(pkg: string): boolean {
  const result = spawnSync('dpkg-query', ['-W', '-f', '${Status}', pkg], { encoding: 'utf8' });
  return result.status === 0 && result.stdout.includes('install ok installed');
}

export async function installBrowsers(): Promise<number> {
  const hasApt = existsSync('/usr/bin/apt-get') && existsSync('/usr/bin/dpkg-query');
  if (!hasApt) {
    printFitted(
      [
        'cors-lab: this is not a Debian/Ubuntu system with apt. Choices:',
        '  - on a machine with internet: npx playwright install chromium firefox webkit',
        "    (Playwright's own builds; results name them as such)",
        '  - or point cors-lab at installed browsers: CORS_LAB_CHROMIUM, CORS_LAB_FIREFOX,',
        '    CORS_LAB_WEBKIT_DRIVER and CORS_LAB_MINIBROWSER',
        '',
      ].join('\n'),
    );
    return 2;
  }
  const missing = DEBIAN_PACKAGES.filter((pkg) => !isInstalled(pkg));
  if (missing.length === 0) {
    printFitted(`cors-lab: all browser packages are installed (${DEBIAN_PACKAGES.join(', ')})\n`);
    return 0;
  }
  if (process.getuid?.() !== 0) {
    printFitted(
      [
        `cors-lab: missing Debian packages: ${missing.join(', ')}. Choices:`,
        `  - sudo apt-get update && sudo apt-get install -y ${missing.join(' ')}`,
        '  - or, on a machine with internet: npx playwright install chromium firefox webkit',
        '',
      ].join('\n'),
    );
    return 2;
  }
  printFitted(`cors-lab: installing ${missing.join(', ')} with apt-get\n`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  try {
    execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env });
    execFileSync('apt-get', ['install', '-y', '-qq', ...missing], { stdio: 'inherit', env });
  } catch {
    warnFitted(
      `cors-lab: apt-get failed. Run it yourself: apt-get update && apt-get install -y ${missing.join(' ')}\n`,
    );
    return 2;
  }
  const still = DEBIAN_PACKAGES.filter((pkg) => !isInstalled(pkg));
  if (still.length > 0) {
    warnFitted(`cors-lab: still missing after apt-get: ${still.join(', ')}\n`);
    return 2;
  }
  printFitted('cors-lab: browsers installed. `npx cors-lab browsers` lists them\n');
  return 0;
}

/**
 * Installs named builds. Every name is checked and resolved before anything
 * is downloaded, so a typo costs no download; then builds are installed one
 * after another, each step printed (a download or unpack can take a minute).
 */
export async function installBuilds(names: readonly string[]): Promise<number> {
  const wanted: AvailableBuild[] = [];
  const problems: string[] = [];
  for (const name of names) {
    const parsed = parseBuildName(name);
    if ('error' in parsed) {
      problems.push(parsed.error);
      continue;
    }
    const asked = 'build' in parsed ? parsed.build : parsed.range;
    if ('build' in parsed && parsed.build.major === undefined) {
      problems.push(
        `"${name}" names the system's build: install it with apt (cors-lab install-browsers with no names), or name a version such as ${parsed.build.product}@${parsed.build.family === 'firefox' ? 140 : 143}`,
      );
      continue;
    }
    try {
      wanted.push(...(await resolveInstall(asked)));
    } catch (error) {
      if (!(error instanceof UnknownBuildError)) throw error;
      problems.push(error.message);
    }
  }
  if (problems.length > 0) {
    warnList('nothing was installed', problems);
    return 2;
  }
  const started = performance.now();
  const step = (text: string): void => {
    warnFitted(`  [${((performance.now() - started) / 1000).toFixed(0).padStart(3)}s] ${text}\n`);
  };
  const outcomes: InstallOutcome[] = [];
  for (const build of wanted) outcomes.push(await installBuild(build, step));
  for (const outcome of outcomes) {
    if (outcome.status === 'installed')
      printFitted(
        `${outcome.name.padEnd(30)} installed: ${outcome.build.version} (${outcome.build.kind}), ${formatBytes(await diskSize(outcome.build.dir))}, from ${sourceText(outcome.build.source)}\n`,
      );
    else if (outcome.status === 'present') printFitted(`${outcome.name.padEnd(30)} ${outcome.detail}\n`);
    else printFitted(`${outcome.name.padEnd(30)} FAILED: ${outcome.reason} (nothing was left in the cache)\n`);
  }
  return outcomes.some((outcome) => outcome.status === 'failed') ? 2 : 0;
}
