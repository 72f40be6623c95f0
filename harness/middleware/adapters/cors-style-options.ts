// `cors` and `@fastify/cors` share option names and shapes: one translation.
import type { CorsPolicy } from '../../scenario/policy.ts';
import { allowlistFunction } from '../../scenario/policy.ts';

export function corsStyleOptions(policy: CorsPolicy): Record<string, unknown> {
  const options: Record<string, unknown> = {};
  if (policy.origins !== undefined) {
    const list = policy.origins;
    // true reflects the request origin; a function is the dynamic form (callback style).
    options.origin =
      list === '*'
        ? '*'
        : list === 'reflect'
          ? true
          : policy.originFunction
            ? (origin: string | undefined, done: (error: null, allow: boolean) => void) =>
                done(null, allowlistFunction(list)(origin))
            : list;
  }
  if (policy.credentials !== undefined) options.credentials = policy.credentials;
  if (policy.methods) options.methods = policy.methods;
  if (policy.allowHeaders) options.allowedHeaders = policy.allowHeaders;
  if (policy.exposeHeaders) options.exposedHeaders = policy.exposeHeaders;
  if (policy.maxAge !== undefined) options.maxAge = policy.maxAge;
  // Neither has a Private Network Access option.
  return options;
}
