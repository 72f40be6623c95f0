// The CORS check (Fetch § 4.10), with the WPT cases of cors/origin.htm.
import { describe, expect, it } from 'vitest';
import { corsCheck } from '../../harness/spec/cors-check.ts';
import { headerListFromWire } from '../../harness/spec/header-lists.ts';
import type { CredentialsMode } from '../../harness/spec/types.ts';

const ORIGIN = 'https://app.site-a.localhost:4431';
const HOST = 'app.site-a.localhost:4431';

function check(acao: string | string[] | null, credentials: CredentialsMode = 'omit', acac?: string, origin = ORIGIN) {
  const lines: [string, string][] = [];
  for (const value of acao === null ? [] : Array.isArray(acao) ? acao : [acao])
    lines.push(['Access-Control-Allow-Origin', value]);
  if (acac !== undefined) lines.push(['Access-Control-Allow-Credentials', acac]);
  return corsCheck(headerListFromWire(lines), origin, credentials);
}

describe('Access-Control-Allow-Origin (WPT cors/origin.htm)', () => {
  const pass = ['*', ' *  ', '\t*', ORIGIN, ` ${ORIGIN}`, ` ${ORIGIN}   \t `, `\t${ORIGIN}`];
  it.each(pass)('allows %j', (value) => {
    expect(check(value).ok).toBe(true);
  });

  const fail = [
    `https://sub.${HOST}`,
    `//${HOST}`,
    `://${HOST}`,
    `ftp://${HOST}`,
    `https:://${HOST}`,
    `https:/${HOST}`,
    `https:${HOST}`,
    HOST,
    `${ORIGIN}?`,
    `${ORIGIN}/`,
    `${ORIGIN} /`,
    `${ORIGIN}#`,
    `${ORIGIN}%23`,
    `${ORIGIN}:443`,
    `${ORIGIN}, *`,
    `${ORIGIN}\0`,
    ORIGIN.toUpperCase(),
    `HTTPS://${HOST}`,
    '-',
    '**',
    '\0*',
    '*\0',
    "'*'",
    '"*"',
    '* *',
    '* null',
    `*https://*`,
    `*${ORIGIN}`,
    `* ${ORIGIN}`,
    `*, ${ORIGIN}`,
    `\0${ORIGIN}`,
    `null ${ORIGIN}`,
    'http://example.net',
    'null',
    'null *',
    '',
    `${ORIGIN}/index.html`,
    'site-a.localhost:4431',
    '.site-a.localhost:4431',
    '*.site-a.localhost:4431',
    'https://site-a.localhost:4431',
    'https://*.site-a.localhost:4431',
  ];
  it.each(fail)('refuses %j', (value) => {
    expect(check(value).ok).toBe(false);
  });

  const doubles: [string, string][] = [
    ['', '*'],
    ['*', ''],
    ['*', '*'],
    ['', ORIGIN],
    ['*', ORIGIN],
    [ORIGIN, ORIGIN],
  ];
  it.each(doubles)('refuses two headers %j and %j', (a, b) => {
    const verdict = check([a, b]);
    expect(verdict.ok).toBe(false);
    expect(verdict.reason).toMatch(/has 2 Access-Control-Allow-Origin headers/);
  });
});

describe('explanations name the usual mistakes', () => {
  it.each([
    [null, 'the response has no Access-Control-Allow-Origin header'],
    ['', 'the response has an empty Access-Control-Allow-Origin header'],
    [`${ORIGIN}/`, 'an origin has no trailing slash or path'],
    [`${ORIGIN}:443`.replace(':4431:443', ':4431'), ''],
    [ORIGIN.toUpperCase(), 'the comparison is case-sensitive'],
    ['null', "'null' matches only requests whose Origin is 'null'"],
    [`${ORIGIN}, https://other.localhost`, 'exactly one origin, not a list'],
    [` ${ORIGIN} x`, 'it contains whitespace'],
  ])('%j', (acao, reason) => {
    const verdict = check(acao);
    if (reason === '') expect(verdict.ok).toBe(true);
    else expect(verdict.reason).toContain(reason);
  });

  it('names the default port', () => {
    expect(check('https://api.localhost:443', 'omit', undefined, 'https://api.localhost').reason).toContain(
      'an origin omits the default port',
    );
    expect(check('http://api.localhost:80', 'omit', undefined, 'http://api.localhost').reason).toContain(
      'an origin omits the default port',
    );
  });

  it("explains a 'null' request origin", () => {
    expect(check(ORIGIN, 'omit', undefined, 'null').reason).toContain("the Origin is 'null'");
    expect(check('null', 'omit', undefined, 'null').ok).toBe(true);
  });
});

describe('credentials', () => {
  it("refuses '*' with credentials mode 'include'", () => {
    const verdict = check('*', 'include', 'true');
    expect(verdict).toMatchObject({ ok: false, cite: 'Fetch § 4.10 CORS check, step 4' });
    expect(verdict.reason).toBe("Access-Control-Allow-Origin '*' cannot be used with credentials mode 'include'");
  });

  it("allows '*' with 'omit' and 'same-origin'", () => {
    expect(check('*', 'omit').ok).toBe(true);
    expect(check('*', 'same-origin').ok).toBe(true);
  });

  it("needs Access-Control-Allow-Credentials exactly 'true' with 'include'", () => {
    expect(check(ORIGIN, 'include', 'true')).toMatchObject({ ok: true, cite: 'Fetch § 4.10 CORS check, step 7' });
    expect(check(ORIGIN, 'include', ' true ').ok).toBe(true);
    expect(check(ORIGIN, 'include').reason).toBe(
      "credentials mode 'include' needs Access-Control-Allow-Credentials: true; the response has none",
    );
    expect(check(ORIGIN, 'include', 'True').reason).toContain('case-sensitive');
    expect(check(ORIGIN, 'include', '1').reason).toContain("the response has '1'");
    // Two lines combine to "true, true".
    const twice = corsCheck(
      [
        ['Access-Control-Allow-Origin', ORIGIN],
        ['Access-Control-Allow-Credentials', 'true'],
        ['Access-Control-Allow-Credentials', 'true'],
      ],
      ORIGIN,
      'include',
    );
    expect(twice.ok).toBe(false);
  });

  it('ignores Access-Control-Allow-Credentials without include', () => {
    expect(check(ORIGIN, 'same-origin', 'false')).toMatchObject({ ok: true, cite: 'Fetch § 4.10 CORS check, step 5' });
  });
});
