import { describe, expect, it } from 'vitest';
import { cookieSent, siteOf, storeCookie } from '../../harness/spec/cookies.ts';

const visit = new URL('https://api.site-b.localhost:4431/__lab/set-cookies/n1');
const request = (url: string, credentials = true, topLevelSite = 'https://site-a.localhost') => ({
  url: new URL(url),
  credentials,
  topLevelSite,
});
const api = 'https://api.site-b.localhost:4431/x/n1/me';

describe('sites', () => {
  it('uses the last two labels under the default public-suffix rule', () => {
    expect(siteOf(new URL('https://app.site-a.localhost:1/'))).toBe('https://site-a.localhost');
    expect(siteOf(new URL('https://api.site-a.localhost/'))).toBe('https://site-a.localhost');
    expect(siteOf(new URL('http://api.site-a.localhost/'))).toBe('http://site-a.localhost');
    expect(siteOf(new URL('https://127.0.0.1:9/'))).toBe('https://127.0.0.1');
    expect(siteOf(new URL('https://localhost/'))).toBe('https://localhost');
  });
});

describe('storing cookies', () => {
  it('parses attributes and defaults the path to the visit directory', () => {
    expect(storeCookie('sid=1; SameSite=None; Secure; Path=/', visit)).toMatchObject({
      name: 'sid',
      domain: 'api.site-b.localhost',
      hostOnly: true,
      path: '/',
      secure: true,
      sameSite: 'none',
    });
    expect(storeCookie('a=1; Secure', visit)).toMatchObject({ path: '/__lab/set-cookies', sameSite: 'default' });
    expect(storeCookie('a=1; Domain=.site-b.localhost; SameSite=Strict', visit)).toMatchObject({
      domain: 'site-b.localhost',
      hostOnly: false,
      sameSite: 'strict',
    });
    expect(storeCookie('a=1; SameSite=bogus; Path=relative', visit)).toMatchObject({
      sameSite: 'default',
      path: '/__lab/set-cookies',
    });
    expect(storeCookie('a=1', new URL('https://x.localhost/top'))!.path).toBe('/');
  });

  it('refuses SameSite=None or Partitioned without Secure, and nameless pairs', () => {
    expect(storeCookie('a=1; SameSite=None', visit)).toBeNull();
    expect(storeCookie('a=1; Partitioned', visit)).toBeNull();
    expect(storeCookie('novalue', visit)).toBeNull();
    expect(storeCookie('c=1; Secure; Partitioned; SameSite=None; Path=/', visit)!.partitionKey).toBe(
      'https://site-b.localhost',
    );
  });
});

describe('sending cookies', () => {
  const none = storeCookie('sid=1; SameSite=None; Secure; Path=/', visit)!;
  const lax = storeCookie('lax=1; SameSite=Lax; Secure; Path=/', visit)!;
  const strict = storeCookie('st=1; SameSite=Strict; Path=/', visit)!;
  const chip = storeCookie('chip=1; SameSite=None; Secure; Path=/; Partitioned', visit)!;

  it('sends SameSite=None cross-site when credentials are included', () => {
    expect(cookieSent(none, request(api)).ok).toBe(true);
    expect(cookieSent(none, request(api, false)).reason).toMatch(/credentials mode excludes cookies/);
  });

  it('withholds Lax and Strict from cross-site requests and sends them same-site', () => {
    expect(cookieSent(lax, request(api)).reason).toMatch(/SameSite=Lax cookies are withheld/);
    expect(cookieSent(strict, request(api)).reason).toMatch(/SameSite=Strict/);
    expect(cookieSent(lax, request(api, true, 'https://site-b.localhost')).ok).toBe(true);
  });

  it('keys Partitioned cookies by the top-level site', () => {
    expect(cookieSent(chip, request(api)).reason).toMatch(/Partitioned by https:\/\/site-b\.localhost/);
    expect(cookieSent(chip, request(api, true, 'https://site-b.localhost')).ok).toBe(true);
  });

  it('checks host, domain, path and Secure', () => {
    expect(cookieSent(none, request('https://other.site-b.localhost/x')).reason).toMatch(/host-only/);
    const domain = storeCookie('d=1; Domain=site-b.localhost; SameSite=None; Secure; Path=/', visit)!;
    expect(cookieSent(domain, request('https://other.site-b.localhost/x')).ok).toBe(true);
    expect(cookieSent(domain, request('https://site-c.localhost/x')).reason).toMatch(/Domain is site-b\.localhost/);
    const scoped = storeCookie('p=1; SameSite=None; Secure; Path=/api', visit)!;
    expect(cookieSent(scoped, request('https://api.site-b.localhost/api/v1')).ok).toBe(true);
    expect(cookieSent(scoped, request('https://api.site-b.localhost/apix')).reason).toMatch(
      /Path \/api does not match/,
    );
    expect(cookieSent(none, request('http://api.site-b.localhost/x')).reason).toMatch(
      /Secure and the request is not https/,
    );
  });
});
