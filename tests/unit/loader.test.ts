import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadScenarios, loadScenarioText } from '../../harness/scenario/loader.ts';
import { BUILTIN_CATALOG } from '../../harness/package/root.ts';
import { tempDir } from '../helpers.ts';

const VALID = `
origins: { page: https://app.site-a.localhost, api: https://api.site-b.localhost:alt }
scenarios:
  - id: one
    title: One
    request: { target: api, path: /data, method: PUT, headers: { X-A: "1" } }
    server:
      api: { /data: { actual: { headers: { Access-Control-Allow-Origin: "{{origin.page}}" } } } }
    expect: { spec: allowed }
`;

describe('scenario loader', () => {
  it('refuses a YAML alias bomb as a problem of the file, naming the fix, and reads nothing of it', () => {
    const levels = [
      'a: &a ["x","x","x","x","x","x","x","x","x"]',
      ...'bcdefgh'
        .split('')
        .map((name, index) => `${name}: &${name} [${Array(9).fill(`*${'abcdefgh'[index]}`).join(',')}]`),
      'scenarios: *h',
    ];
    const { scenarios, problems } = loadScenarioText(levels.join('\n'), 'bomb.yaml');
    expect(scenarios).toEqual([]);
    expect(problems).toEqual([
      {
        file: 'bomb.yaml',
        field: '',
        message:
          'its aliases (*name) expand to more than the YAML reader takes, as an alias bomb does. Fix: write the values out, or nest fewer aliases',
      },
    ]);
  });

  // Found by tests/faults/fuzz-inputs.test.ts: a long string where the
  // origins mapping goes was spread into one field per character, and a
  // million problems overflowed the stack (a harness failure).
  it('names a scenario whose origins is a string, once, however long the string', () => {
    const text = JSON.stringify({
      origins: { page: 'https://app.site-a.localhost', api: 'https://api.site-b.localhost' },
      tags: ['shared'],
      scenarios: [
        {
          id: 'a',
          title: 't',
          origins: 'x'.repeat(1_000_000),
          tags: 'abc',
          request: { target: 'api', path: '/d' },
          expect: { spec: 'allowed' },
        },
      ],
    });
    const { scenarios, problems } = loadScenarioText(text, 'long.yaml');
    expect(scenarios).toEqual([]);
    expect(problems.map((problem) => problem.field).sort()).toEqual(['scenarios[0].origins', 'scenarios[0].tags']);
  });

  it('reports the first 20 problems of one field and how many more, not one line per wrong item', () => {
    const text = JSON.stringify({
      origins: { page: 'https://app.site-a.localhost' },
      scenarios: [
        {
          id: 'a',
          title: 't',
          tags: Array(100_000).fill(7),
          request: { target: 'page', path: '/d' },
          expect: { spec: 'allowed' },
        },
      ],
    });
    const { problems } = loadScenarioText(text, 'many.yaml');
    expect(problems).toHaveLength(21);
    expect(problems.at(-1)).toEqual({
      file: 'many.yaml',
      field: 'scenarios[0]',
      message: 'and 99980 more problems; the first 20 are above. Fix: those first, then read again',
    });
  });

  it('resolves origins, defaults and port slots', () => {
    const { scenarios, problems } = loadScenarioText(VALID, 'x.yaml');
    expect(problems).toEqual([]);
    const [scenario] = scenarios;
    expect(scenario!.target).toMatchObject({
      scheme: 'https',
      host: 'api.site-b.localhost',
      slot: 'alt',
      certificate: 'lab',
      state: 'running',
    });
    expect(scenario!.request).toMatchObject({ kind: 'fetch', credentials: 'same-origin', mode: 'cors', method: 'PUT' });
    expect(scenario!.isolation).toBe('shared');
  });

  it('takes the id of a single-scenario file from its file name', () => {
    const { scenarios } = loadScenarioText(
      'title: T\norigins: { page: https://a.localhost }\nrequest: { target: page }\nexpect: { spec: allowed }\n',
      'dir/my-case.yaml',
    );
    expect(scenarios[0]!.id).toBe('my-case');
  });

  it('refuses a path with dot segments, which the browser would normalise away before sending', () => {
    for (const path of ['/a/../b', '/a/./b', '/a/%2E%2e/b', '/..', '/a/.?x=1']) {
      const { problems } = loadScenarioText(VALID.replace('path: /data', `path: "${path}"`), 'x.yaml');
      expect(problems, path).toEqual([
        expect.objectContaining({
          file: 'x.yaml',
          field: 'scenarios[0].request.path',
          message: expect.stringMatching(/must not have "\." or "\.\." segments.*Fix: /),
        }),
      ]);
    }
    // Dots inside a segment are ordinary characters.
    expect(
      loadScenarioText(VALID.replace('path: /data', 'path: /v1.2/a..b/.well-known?x=../y'), 'x.yaml').problems,
    ).toEqual([]);
  });

  it('refuses header values longer than 8192 characters, naming the field and the limit', () => {
    const { problems } = loadScenarioText(VALID.replace('X-A: "1"', `X-A: "${'a'.repeat(8193)}"`), 'x.yaml');
    expect(problems).toEqual([
      expect.objectContaining({
        field: 'scenarios[0].request.headers.X-A',
        message: expect.stringMatching(/at most 8192 characters/),
      }),
    ]);
  });

  it('names the field of a bad answer rather than "Invalid input" of the list-or-answer union', () => {
    const { problems } = loadScenarioText(
      VALID.replace('actual: { headers:', 'actual: { status: "200", headers:'),
      'x.yaml',
    );
    expect(problems).toEqual([
      expect.objectContaining({
        field: 'scenarios[0].server.api./data.actual.status',
        message: expect.stringMatching(/^expected a number, got a string \(.*\)\. Fix: write a number here$/),
      }),
    ]);
  });

  it('refuses header values with CR or LF, naming the field', () => {
    const { problems } = loadScenarioText(VALID.replace('"{{origin.page}}"', '"x\\r\\nSet-Cookie: a=b"'), 'bad.yaml');
    expect(problems).toHaveLength(1);
    expect(problems[0]!.file).toBe('bad.yaml');
    expect(problems[0]!.field).toBe('scenarios[0].server.api./data.actual.headers.Access-Control-Allow-Origin');
    expect(problems[0]!.message).toMatch(/CR, LF/);
  });

  it('names unknown fields, bad enums and missing fields with their path', () => {
    const text = VALID.replace('method: PUT', 'methd: PUT').replace('spec: allowed', 'spec: maybe');
    const { problems } = loadScenarioText(text, 'bad.yaml');
    const byField = Object.fromEntries(problems.map((problem) => [problem.field, problem.message]));
    expect(byField['scenarios[0].request.methd']).toBe(
      'unknown field "methd": did you mean "method"? Fix: rename it to method',
    );
    expect(byField['scenarios[0].expect.spec']).toMatch(/"allowed", "blocked"/);
    const missing = loadScenarioText(VALID.replace('    title: One\n', ''), 'bad.yaml').problems;
    expect(missing.map((problem) => problem.field)).toContain('scenarios[0].title');
  });

  it('scopes a deviation to engine profiles, and names an unknown profile', () => {
    const scoped = VALID.replace(
      'expect: { spec: allowed }',
      'expect: { spec: allowed, deviations: { webkit: { outcome: blocked, source: s, profiles: [defaults] } } }',
    );
    expect(loadScenarioText(scoped, 'x.yaml').scenarios[0]!.expect.deviations.webkit).toMatchObject({
      profiles: ['defaults'],
    });
    const { problems } = loadScenarioText(scoped.replace('profiles: [defaults]', 'profiles: [safari]'), 'bad.yaml');
    expect(problems[0]!.field).toBe('scenarios[0].expect.deviations.webkit.profiles[0]');
    expect(problems[0]!.message).toMatch(/"defaults", "shipping", "allow-third-party"/);
  });

  it('refuses origins that are not loopback', () => {
    const { problems } = loadScenarioText(
      VALID.replace('https://api.site-b.localhost:alt', 'https://example.com'),
      'bad.yaml',
    );
    expect(problems[0]!.field).toBe('origins.api');
    expect(problems[0]!.message).toMatch(/localhost/);
  });

  it('checks references to origins in targets and templates', () => {
    const text = VALID.replace('target: api', 'target: apii').replace('{{origin.page}}', '{{origin.pag}}');
    const messages = loadScenarioText(text, 'bad.yaml').problems.map(
      (problem) => `${problem.field}: ${problem.message}`,
    );
    expect(
      messages.some((message) => message.startsWith('scenarios[0].request.target: "apii" is not a declared origin')),
    ).toBe(true);
    expect(
      messages.some((message) =>
        message.includes('{{origin.pag}} names no declared origin; did you mean {{origin.page}}? Fix: use one of'),
      ),
    ).toBe(true);
  });

  it('reports every problem of a file in one pass, each with the field meant where one is near', () => {
    const text = `
origins:
  page: https://app.site-a.localhost
  api: https://api.example.com
  api2: https://api.site-b.localhost:8443
scenarios:
  - id: one
    title: several mistakes
    request: { target: apii, path: /x, crossorigin: anonymous, mode: corz }
    server: { api2: { /x: { actual: { headers: { Access-Control-Allow-Origin: "*" } } } } }
    expect: { spec: alowed }
  - id: two
    title: uses the badly declared origin, nothing else wrong
    request: { target: api, path: /y }
`;
    const { scenarios, problems } = loadScenarioText(text, 'bad.yaml');
    expect(scenarios).toEqual([]);
    expect(problems.map((problem) => `${problem.field}: ${problem.message}`)).toEqual([
      expect.stringMatching(/^origins\.api: an origin must look like/),
      expect.stringMatching(
        /^origins\.api2: "https:\/\/api\.site-b\.localhost:8443": a port cannot be pinned, .*Fix: drop the number and pick a port slot, :main \(the default\), :alt or :third; values refer to the port actually used as \{\{port\.NAME\}\}$/,
      ),
      'scenarios[0].request.mode: expected one of "cors", "no-cors", got "corz"; did you mean "cors"?',
      'scenarios[0].request.crossorigin: unknown field "crossorigin": did you mean "crossOrigin"? Fix: rename it to crossOrigin',
      'scenarios[0].expect.spec: expected one of "allowed", "blocked", got "alowed"; did you mean "allowed"?',
      'scenarios[0].request.target: "apii" is not a declared origin (page, api, api2). Did you mean "api"? Fix: use one of them or declare it under origins',
    ]);
  });

  it('says a misspelt template with the other problems of the scenario, not only once they are fixed', () => {
    const text = `
origins: { page: https://app.site-a.localhost, api: https://api.site-b.localhost }
scenarios:
  - id: one
    title: four mistakes
    request: { target: api, path: /x, methd: PUT, credentials: includ, headers: { X-From: "{{origin.pag}}" } }
    expect: { spec: alowed }
`;
    expect(loadScenarioText(text, 'four.yaml').problems.map((problem) => problem.field)).toEqual([
      'scenarios[0].request.credentials',
      'scenarios[0].request.methd',
      'scenarios[0].expect.spec',
      'scenarios[0].request.headers.X-From',
    ]);
  });

  it('says a missing page origin with the other problems of the scenario, not only once they are fixed', () => {
    const text = `
origins:
  app: https://app.site-a.localhost
  api: https://api.site-b.localhost
scenarios:
  - id: one
    title: no page, a typo and an unknown target
    request: { target: apii, path: /x, crossorigin: anonymous }
`;
    const { problems } = loadScenarioText(text, 'nopage.yaml');
    expect(problems.map((problem) => problem.field)).toEqual([
      'scenarios[0].request.crossorigin',
      'scenarios[0].request.target',
      'scenarios[0].origins.page',
    ]);
    expect(problems[2]!.message).toMatch(/^every scenario needs a "page" origin: .* Fix: add origins\.page/);
  });

  it('says an empty file is empty, and asks only for the required fields', () => {
    for (const text of ['', '# only a comment\n'])
      expect(loadScenarioText(text, 'blank.yaml').problems).toEqual([
        {
          file: 'blank.yaml',
          field: '',
          message:
            'the file is empty. Fix: write a scenario (a mapping with id, title and request) or a mapping with a "scenarios" list',
        },
      ]);
    expect(loadScenarioText('hello\n', 'word.yaml').problems[0]!.message).toBe(
      'expected a scenario (a mapping with id, title and request) or a mapping with a "scenarios" list',
    );
  });

  it('sends a preflight answer declared without a status as 204, as the schema says', () => {
    const [scenario] = loadScenarioText(
      VALID.replace('expect: { spec: allowed }', 'expect: { spec: allowed }').replace(
        '/data: {',
        '/data: { preflight: { headers: { Access-Control-Allow-Methods: PUT } },',
      ),
      'x.yaml',
    ).scenarios;
    expect(scenario!.server.api!['/data']!.preflight).toMatchObject({ status: 204 });
    expect(scenario!.server.api!['/data']!.actual).toMatchObject({ status: 200 });
  });

  it('reports YAML syntax errors with a line number', () => {
    const { problems } = loadScenarioText('title: [unclosed\n', 'broken.yaml');
    expect(problems[0]!.field).toMatch(/^line \d+/);
    expect(problems[0]!.message).toMatch(/YAML syntax error/);
    // The position is the field: the message does not say it again.
    expect(problems[0]!.message).not.toMatch(/line \d+, column \d+/);
  });

  it('reports every bad file in one load, and duplicate ids across files', () => {
    const dir = tempDir('loader');
    writeFileSync(join(dir, 'a.yaml'), VALID);
    writeFileSync(join(dir, 'b.yaml'), VALID);
    writeFileSync(join(dir, 'c.yaml'), 'title: [');
    writeFileSync(join(dir, 'd.yml'), VALID.replace('id: one', 'id: two').replace('target: api', 'target: nope'));
    const { problems } = loadScenarios([dir]);
    const files = problems.map((problem) => problem.file.split('/').at(-1));
    expect(files).toEqual(expect.arrayContaining(['b.yaml', 'c.yaml', 'd.yml']));
    expect(problems.find((problem) => problem.file.endsWith('b.yaml'))!.message).toMatch(/already used in .*a\.yaml/);
  });

  it('loads the built-in catalog without problems and with unique ids', () => {
    const { scenarios, problems } = loadScenarios([BUILTIN_CATALOG]);
    expect(problems).toEqual([]);
    expect(scenarios.length).toBeGreaterThanOrEqual(25);
    expect(new Set(scenarios.map((scenario) => scenario.id)).size).toBe(scenarios.length);
  });
});

describe('xhr requests', () => {
  const xhr = (request: string) =>
    loadScenarioText(
      `title: T\norigins: { page: https://a.localhost }\nrequest: { kind: xhr, target: page, ${request} }\nexpect: { spec: allowed }\n`,
      'x.yaml',
    ).problems;

  it('refuses what XMLHttpRequest cannot do', () => {
    expect(xhr('credentials: omit')[0]).toMatchObject({
      field: 'request.credentials',
      message: expect.stringMatching(/cannot omit credentials/),
    });
    expect(xhr('mode: no-cors')[0]).toMatchObject({ field: 'request.mode' });
    expect(xhr('uploadListener: true')).toEqual([]);
  });

  it('refuses uploadListener on fetch', () => {
    const { problems } = loadScenarioText(
      'title: T\norigins: { page: https://a.localhost }\nrequest: { target: page, uploadListener: true }\nexpect: { spec: allowed }\n',
      'x.yaml',
    );
    expect(problems[0]).toMatchObject({ field: 'request.uploadListener' });
  });
});
