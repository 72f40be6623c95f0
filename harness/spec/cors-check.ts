// The CORS check (Fetch § 4.10): does a response's Access-Control-Allow-Origin
// (and, with credentials, Access-Control-Allow-Credentials) share it with the
// request's origin? Used for every response to a CORS request, redirects and
// preflights included.
import { getAll, getHeader } from './header-lists.ts';
import type { CredentialsMode, HeaderList, Verdict } from './types.ts';

const CITE = 'Fetch § 4.10 CORS check';

// Fetch § 4.10 CORS check, steps 1-8. `serializedOrigin` is the result of
// byte-serializing the request origin (Fetch § 2.2.5): "null" for an opaque
// origin or after a tainting redirect.
export function corsCheck(headers: HeaderList, serializedOrigin: string, credentials: CredentialsMode): Verdict {
  // Step 1: "get" joins repeated headers with ", ", so two headers never match.
  const origin = getHeader(headers, 'access-control-allow-origin');
  // Step 2.
  if (origin === null)
    return {
      ok: false,
      reason: 'the response has no Access-Control-Allow-Origin header',
      cite: `${CITE}, step 2`,
      ...fixFor(serializedOrigin, `answer with Access-Control-Allow-Origin: ${serializedOrigin}`),
    };
  // Step 3.
  if (credentials !== 'include' && origin === '*') {
    return {
      ok: true,
      reason: "Access-Control-Allow-Origin is '*' and credentials mode is not 'include'",
      cite: `${CITE}, step 3`,
    };
  }
  // Step 4: a byte-for-byte comparison.
  if (origin !== serializedOrigin)
    return {
      ok: false,
      reason: mismatch(headers, origin, serializedOrigin, credentials),
      cite: `${CITE}, step 4`,
      ...fixFor(
        serializedOrigin,
        origin === '*'
          ? `answer with the request's origin, Access-Control-Allow-Origin: ${serializedOrigin}, instead of '*' (and Vary: Origin)`
          : `answer with exactly one Access-Control-Allow-Origin: ${serializedOrigin}`,
      ),
    };
  // Step 5.
  if (credentials !== 'include') {
    return {
      ok: true,
      reason: `Access-Control-Allow-Origin '${origin}' is the request's origin`,
      cite: `${CITE}, step 5`,
    };
  }
  // Steps 6-8.
  const allowCredentials = getHeader(headers, 'access-control-allow-credentials');
  if (allowCredentials === 'true') {
    return {
      ok: true,
      reason: `Access-Control-Allow-Origin '${origin}' is the request's origin and Access-Control-Allow-Credentials is 'true'`,
      cite: `${CITE}, step 7`,
    };
  }
  const has =
    allowCredentials === null
      ? 'the response has none'
      : allowCredentials.toLowerCase() === 'true'
        ? `the response has '${allowCredentials}' (the value is case-sensitive)`
        : `the response has '${allowCredentials}'`;
  return {
    ok: false,
    reason: `credentials mode 'include' needs Access-Control-Allow-Credentials: true; ${has}`,
    cite: `${CITE}, step 8`,
    fix: 'add Access-Control-Allow-Credentials: true',
  };
}

/** A fix that allows `serializedOrigin`: none for 'null', which a server should not allow (any sandboxed page has it). */
function fixFor(serializedOrigin: string, fix: string): Pick<Verdict, 'fix'> {
  return serializedOrigin === 'null' ? {} : { fix };
}

/** Why Access-Control-Allow-Origin `origin` is not `serializedOrigin`, with the usual mistakes named. */
function mismatch(headers: HeaderList, origin: string, serializedOrigin: string, credentials: CredentialsMode): string {
  const lines = getAll(headers, 'access-control-allow-origin');
  if (lines.length > 1) {
    return `the response has ${lines.length} Access-Control-Allow-Origin headers (${lines.map((v) => `'${v}'`).join(', ')}); exactly one is allowed`;
  }
  if (origin === '*') return `Access-Control-Allow-Origin '*' cannot be used with credentials mode '${credentials}'`;
  if (origin === '') return 'the response has an empty Access-Control-Allow-Origin header';
  const base = `Access-Control-Allow-Origin '${origin}' does not match the request's Origin '${serializedOrigin}'`;
  if (origin.includes(',')) return `${base}: it must be exactly one origin, not a list`;
  if (serializedOrigin === 'null') {
    return `${base}: the Origin is 'null' because the page's origin is opaque or the request was redirected across origins`;
  }
  if (origin === 'null') return `${base}: 'null' matches only requests whose Origin is 'null'`;
  if (origin.toLowerCase() === serializedOrigin.toLowerCase()) return `${base}: the comparison is case-sensitive`;
  if (origin.startsWith(`${serializedOrigin}/`)) return `${base}: an origin has no trailing slash or path`;
  const defaultPort = serializedOrigin.startsWith('https:') ? ':443' : ':80';
  if (origin === `${serializedOrigin}${defaultPort}`) return `${base}: an origin omits the default port`;
  if (origin.trim() !== origin || /\s/.test(origin)) return `${base}: it contains whitespace`;
  return base;
}
