// `cors-lab install-browsers`: installs the engines from Debian's packages
// when it can (root and apt), and otherwise says exactly what to do.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

/** chromium, firefox-esr, WebKitWebDriver + MiniBrowser, Xvfb for WebKit, certutil for Firefox's profile, a C compiler and libc headers for the research clock shim. */
export const DEBIAN_PACKAGES = ['chromium', 'firefox-esr', 'webkit2gtk-driver', 'xvfb', 'libnss3-tools', 'gcc', 'libc6-dev'];

function isInstalled(pkg: string): boolean {
  const result = spawnSync('dpkg-query', ['-W', '-f', '${Status}', pkg], { encoding: 'utf8' });
  return result.status === 0 && result.stdout.includes('install ok installed');
}

export async function installBrowsers(): Promise<number> {
  const hasApt = existsSync('/usr/bin/apt-get') && existsSync('/usr/bin/dpkg-query');
  if (!hasApt) {
    process.stdout.write(
      [
        'cors-lab: this is not a Debian/Ubuntu system with apt. Choices:',
        '  - on a machine with internet: npx playwright install chromium firefox webkit',
        '    (Playwright\'s own builds; results name them as such)',
        '  - or point cors-lab at installed browsers: CORS_LAB_CHROMIUM, CORS_LAB_FIREFOX,',
        '    CORS_LAB_WEBKIT_DRIVER and CORS_LAB_MINIBROWSER',
        '',
      ].join('\n'),
    );
    return 2;
  }
  const missing = DEBIAN_PACKAGES.filter((pkg) => !isInstalled(pkg));
  if (missing.length === 0) {
    process.stdout.write(`cors-lab: all browser packages are installed (${DEBIAN_PACKAGES.join(', ')})\n`);
    return 0;
  }
  if (process.getuid?.() !== 0) {
    process.stdout.write(
      [
        `cors-lab: missing Debian packages: ${missing.join(', ')}. Choices:`,
        `  - sudo apt-get update && sudo apt-get install -y ${missing.join(' ')}`,
        '  - or, on a machine with internet: npx playwright install chromium firefox webkit',
        '',
      ].join('\n'),
    );
    return 2;
  }
  process.stdout.write(`cors-lab: installing ${missing.join(', ')} with apt-get\n`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  try {
    execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env });
    execFileSync('apt-get', ['install', '-y', '-qq', ...missing], { stdio: 'inherit', env });
  } catch {
    process.stderr.write(`cors-lab: apt-get failed. Run it yourself: apt-get update && apt-get install -y ${missing.join(' ')}\n`);
    return 2;
  }
  const still = DEBIAN_PACKAGES.filter((pkg) => !isInstalled(pkg));
  if (still.length > 0) {
    process.stderr.write(`cors-lab: still missing after apt-get: ${still.join(', ')}\n`);
    return 2;
  }
  process.stdout.write('cors-lab: browsers installed. `npx cors-lab browsers` lists them\n');
  return 0;
}
