// simple-cors as a cors-lab adapter, so the conformance profile runs against it:
//   npx cors-lab run --middleware ./examples/middleware-author/adapter.ts,cors scenarios/middleware
// The default export is the adapter: a name, a version, and create(policy,
// handler), which turns cors-lab's policy into the middleware's options and
// returns a Node request listener (or an http.Server).
import type { MiddlewareAdapter } from 'cors-lab';
import { simpleCors } from './simple-cors.ts';

const adapter: MiddlewareAdapter = {
  name: 'simple-cors',
  version: 'simple-cors 0.0.1 (example)',
  create(policy, handler) {
    // simple-cors knows exact origins only: "*" and "reflect" have no equivalent.
    const origins = Array.isArray(policy.origins) ? policy.origins : [];
    const middleware = simpleCors({
      origins,
      ...(policy.credentials !== undefined ? { credentials: policy.credentials } : {}),
      ...(policy.methods ? { methods: policy.methods } : {}),
      ...(policy.allowHeaders ? { allowHeaders: policy.allowHeaders } : {}),
      ...(policy.exposeHeaders ? { exposeHeaders: policy.exposeHeaders } : {}),
      ...(policy.maxAge !== undefined ? { maxAge: policy.maxAge } : {}),
    });
    return (request, response) => middleware(request, response, () => handler(request, response));
  },
};

export default adapter;
