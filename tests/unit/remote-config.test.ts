// Remote engine configuration: the file and flag forms, and what they refuse.
import { DOCS } from '../docs.ts';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseRemoteFlag, readRemoteConfig, RemoteConfigError } from '../../harness/engines/remote-config.ts';
import { sessionPlan } from '../../harness/engines/remote.ts';
import { tempDir } from '../helpers.ts';

const TRUST = { caCertPem: '', caCertPath: '/ca.pem', spkiHashes: ['AAA=', 'BBB='] };

function problemsOf(yaml: string): string[] {
  const file = join(tempDir('remote-config'), 'remote.yaml');
  writeFileSync(file, yaml);
  try {
    readRemoteConfig(file);
  } catch (error) {
    if (error instanceof RemoteConfigError)
      return error.problems.map((problem) => `${problem.field}: ${problem.message}`);
    throw error;
  }
  return [];
}

describe('remote engine configuration', () => {
  // Found by tests/faults/fuzz-inputs.test.ts: the YAML library's own error
  // code was read as a file system's ("cannot read it (RESOURCE_EXHAUSTION).
  // Fix: give the path of a remote engines file").
  it('names a file nested deeper than the YAML reader goes, and an alias bomb, as what they are', () => {
    expect(problemsOf('['.repeat(50_000) + ']'.repeat(50_000))).toEqual([
      ': it nests deeper than the YAML reader goes. Fix: nest fewer levels',
    ]);
    const bomb = [
      'a: &a ["x","x","x","x","x","x","x","x","x"]',
      ...'bcdefgh'
        .split('')
        .map((name, index) => `${name}: &${name} [${Array(9).fill(`*${'abcdefgh'[index]}`).join(',')}]`),
    ].join('\n');
    expect(problemsOf(bomb)).toEqual([
      ': its aliases (*name) expand to more than the YAML reader takes, as an alias bomb does. Fix: write the values out, or nest fewer aliases',
    ]);
  });

  it('reads a file: family from browserName, the lab address, credentials by variable name', () => {
    const file = join(tempDir('remote-config'), 'remote.yaml');
    writeFileSync(
      file,
      'labAddress: 10.201.0.1\nengines:\n  - id: grid-chrome\n    url: http://10.201.0.2:4444\n    capabilities: { browserName: chrome }\n  - id: cloud-safari\n    url: https://hub.example.test/wd/hub\n    capabilities: { browserName: Safari, platformName: macOS }\n    credentials: { usernameEnv: GRID_USER, passwordEnv: GRID_KEY }\n',
    );
    const engines = readRemoteConfig(file);
    expect(engines.map((engine) => [engine.id, engine.family, engine.labAddress, engine.bidi])).toEqual([
      ['grid-chrome', 'chromium', '10.201.0.1', true],
      ['cloud-safari', 'webkit', '10.201.0.1', false],
    ]);
    expect(engines[1]!.credentials).toEqual({ usernameEnv: 'GRID_USER', passwordEnv: 'GRID_KEY' });
  });

  it('names the field and the fix for each problem', () => {
    expect(
      problemsOf(
        'engines:\n  - id: Grid Chrome\n    url: ftp://x\n    capabilities: { browserName: chrome }\n    extra: 1\n',
      ),
    ).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^engines\[0\]\.id: a short lowercase name/),
        expect.stringMatching(/^engines\[0\]\.url: /),
        expect.stringMatching(/^engines\[0\]\.extra: unknown field "extra"/),
      ]),
    );
    expect(
      problemsOf('engines:\n  - id: x\n    url: http://127.0.0.1:1\n    capabilities: { browserName: opera }\n'),
    ).toEqual([
      expect.stringMatching(/^engines\[0\]\.family: browserName "opera" is not one cors-lab knows\. Fix: add family:/),
    ]);
    expect(
      problemsOf(
        'labAddress: grid.local\nengines:\n  - { id: chromium, url: "http://127.0.0.1:1", capabilities: { browserName: chrome } }\n  - { id: b, url: "http://127.0.0.1:1", capabilities: { browserName: chrome } }\n  - { id: b, url: "http://127.0.0.1:1", capabilities: { browserName: chrome } }\n',
      ),
    ).toEqual([
      expect.stringMatching(/^labAddress: "grid\.local" is not an IP address/),
      expect.stringMatching(/^id: "chromium" is a local engine's or build's name\. Fix: .*grid-chromium/),
      expect.stringMatching(/^id: "b" is given twice/),
    ]);
    // A missing field says what it is for, from the schema, and the fix.
    expect(problemsOf('engines:\n  - id: g\n    url: http://127.0.0.1:1\n')).toEqual([
      'engines[0].capabilities: this field is required (record expected: new-session capabilities; browserName at least). Fix: add capabilities',
    ]);
  });

  it('reads the flag form ID=BROWSER@URL and refuses what it cannot use', () => {
    expect(parseRemoteFlag('grid-webkit=MiniBrowser@http://127.0.0.1:4444/', '10.0.0.1')).toMatchObject({
      id: 'grid-webkit',
      url: 'http://127.0.0.1:4444',
      family: 'webkit',
      labAddress: '10.0.0.1',
      capabilities: { browserName: 'MiniBrowser' },
    });
    expect(() => parseRemoteFlag('http://127.0.0.1:4444')).toThrow(/expected ID=BROWSER@URL/);
    expect(() => parseRemoteFlag('x=opera@http://127.0.0.1:4444')).toThrow(/browser "opera" is not one cors-lab knows/);
    expect(() => parseRemoteFlag('x=chrome@ws://127.0.0.1:4444')).toThrow(/not an http\(s\) URL/);
  });

  it("reads every remote engines file the README shows, and the Grid example's", () => {
    const readme = DOCS;
    const blocks = [...readme.matchAll(/```yaml\n([^`]*?^engines:[^`]*?)```/gm)].map((match) => match[1]!);
    expect(blocks.length).toBeGreaterThanOrEqual(2);
    for (const [index, block] of blocks.entries()) {
      const file = join(tempDir('remote-config'), `readme-${index}.yaml`);
      writeFileSync(file, block);
      expect(readRemoteConfig(file).length).toBeGreaterThan(0);
    }
    expect(
      readRemoteConfig(new URL('../../examples/grid/remote.yaml', import.meta.url).pathname).map(
        (engine) => `${engine.id} ${engine.family} ${engine.labAddress}`,
      ),
    ).toEqual(['grid-chrome chromium 10.201.0.1', 'grid-webkit webkit 10.201.0.1']);
  });

  it('asks each browser for the lab proxy and the narrowest trust it takes', () => {
    const base = { url: 'http://127.0.0.1:4444', bidi: true, labAddress: '127.0.0.1', source: 'test' };
    const chrome = sessionPlan(
      {
        ...base,
        id: 'c',
        family: 'chromium',
        capabilities: { browserName: 'chrome', 'goog:chromeOptions': { args: ['--headless=new'] } },
      },
      '10.0.0.1:8080',
      TRUST,
    );
    expect(chrome.capabilities).toMatchObject({
      proxy: { proxyType: 'manual', httpProxy: '10.0.0.1:8080', sslProxy: '10.0.0.1:8080' },
      'goog:chromeOptions': {
        args: [
          '--headless=new',
          '--disable-features=HttpsUpgrades',
          '--proxy-bypass-list=<-loopback>',
          '--ignore-certificate-errors-spki-list=AAA=,BBB=',
        ],
      },
    });
    expect(chrome.capabilities.acceptInsecureCerts).toBeUndefined();
    // Chromium reads only the last --disable-features: the user's features are kept in it.
    const edge = sessionPlan(
      {
        ...base,
        id: 'e',
        family: 'chromium',
        capabilities: { browserName: 'MicrosoftEdge', 'ms:edgeOptions': { args: ['--disable-features=Foo'] } },
      },
      '10.0.0.1:8080',
      TRUST,
    );
    expect(
      (edge.capabilities['ms:edgeOptions'] as { args: string[] }).args.filter((arg) =>
        arg.startsWith('--disable-features'),
      ),
    ).toEqual(['--disable-features=Foo,HttpsUpgrades']);
    expect(chrome.trust).toMatch(/scoped to the lab CA/);

    const minibrowser = sessionPlan(
      {
        ...base,
        id: 'w',
        family: 'webkit',
        capabilities: {
          browserName: 'MiniBrowser',
          'webkitgtk:browserOptions': { binary: '/MiniBrowser', args: ['--automation'] },
        },
      },
      '10.0.0.1:8080',
      TRUST,
    );
    expect(minibrowser.capabilities).toMatchObject({
      acceptInsecureCerts: true,
      'webkitgtk:browserOptions': { args: ['--automation', '--proxy=http://10.0.0.1:8080'] },
    });
    expect(minibrowser.capabilities.proxy).toBeUndefined();
    expect(minibrowser.trust).toMatch(/NOT scoped/);

    // safaridriver takes no proxy capability: the Mac's own proxy settings point at the lab proxy.
    const safari = sessionPlan(
      { ...base, id: 's', family: 'webkit', capabilities: { browserName: 'Safari' } },
      '10.0.0.1:8080',
      TRUST,
    );
    expect(safari.capabilities).toMatchObject({ acceptInsecureCerts: true });
    expect(safari.capabilities.proxy).toBeUndefined();
    const firefox = sessionPlan(
      { ...base, id: 'f', family: 'firefox', capabilities: { browserName: 'firefox' } },
      '10.0.0.1:8080',
      TRUST,
    );
    expect(firefox.capabilities).toMatchObject({
      acceptInsecureCerts: true,
      proxy: { httpProxy: '10.0.0.1:8080' },
      'moz:firefoxOptions': { prefs: { 'network.proxy.allow_hijacking_localhost': true } },
    });
  });
});
