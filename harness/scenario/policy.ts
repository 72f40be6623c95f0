// A CORS policy in cors-lab's own words, which every adapter translates into
// its middleware's options. A field left out is left out of the middleware's
// options too, so the middleware's own default shows (that is where
// middlewares differ most).
import { z } from 'zod';

export const policySchema = z
  .object({
    origins: z
      .union([z.literal('*'), z.literal('reflect'), z.array(z.string().min(1)).min(1)])
      .optional()
      .describe(
        '"*", "reflect" (echo the request origin), or an allowlist; templates such as {{origin.page}} are filled in',
      ),
    originFunction: z
      .boolean()
      .optional()
      .describe('Pass the allowlist as a function (a dynamic origin check) rather than a list'),
    credentials: z.boolean().optional(),
    methods: z.array(z.string().min(1)).optional(),
    allowHeaders: z.array(z.string().min(1)).optional(),
    exposeHeaders: z.array(z.string().min(1)).optional(),
    maxAge: z.number().int().optional(),
    privateNetwork: z
      .boolean()
      .optional()
      .describe('Answer Access-Control-Request-Private-Network, where the middleware supports it'),
  })
  .strict();

export type CorsPolicy = z.output<typeof policySchema>;

/** Whether the policy's answer depends on the request's Origin (so Vary: Origin is due). */
export function dependsOnOrigin(policy: CorsPolicy): boolean {
  return Array.isArray(policy.origins) || policy.origins === 'reflect';
}

/** Whether `origin` is one the policy means to allow. */
export function policyAllows(policy: CorsPolicy, origin: string | undefined): boolean {
  if (origin === undefined) return false;
  if (policy.origins === undefined || policy.origins === '*' || policy.origins === 'reflect') return true;
  return policy.origins.includes(origin);
}

/** The allowlist as a function, as middlewares take a dynamic origin check. */
export function allowlistFunction(origins: string[]): (origin: string | undefined) => boolean {
  return (origin) => origin !== undefined && origins.includes(origin);
}

/** One line for reports, e.g. "origins [https://a.test] as a function, credentials, methods GET, PUT". */
export function describePolicy(policy: CorsPolicy): string {
  const parts: string[] = [];
  if (policy.origins !== undefined)
    parts.push(
      `origins ${Array.isArray(policy.origins) ? `[${policy.origins.join(', ')}]` : policy.origins}${policy.originFunction ? ' as a function' : ''}`,
    );
  if (policy.credentials !== undefined) parts.push(policy.credentials ? 'credentials' : 'no credentials');
  if (policy.methods) parts.push(`methods ${policy.methods.join(', ')}`);
  if (policy.allowHeaders) parts.push(`allowed headers ${policy.allowHeaders.join(', ')}`);
  if (policy.exposeHeaders) parts.push(`exposed headers ${policy.exposeHeaders.join(', ')}`);
  if (policy.maxAge !== undefined) parts.push(`max age ${policy.maxAge}`);
  if (policy.privateNetwork !== undefined)
    parts.push(`private network ${policy.privateNetwork ? 'allowed' : 'refused'}`);
  return parts.length > 0 ? parts.join(', ') : "the middleware's defaults";
}
