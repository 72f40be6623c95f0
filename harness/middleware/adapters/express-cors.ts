// `cors` on Express 5.
import type { RequestListener } from 'node:http';
import type { MiddlewareAdapter } from '../adapter.ts';
import { corsStyleOptions } from './cors-style-options.ts';
import { importPackages, installedVersion } from './versions.ts';

export const expressCors: MiddlewareAdapter = {
  name: 'cors',
  version: `cors ${installedVersion('cors')} on express ${installedVersion('express')}`,
  async create(policy, handler) {
    const [{ default: express }, { default: cors }] = await importPackages<
      [
        { default: () => { use: (...args: unknown[]) => void } & RequestListener },
        { default: (options: Record<string, unknown>) => unknown },
      ]
    >('cors', ['express', 'cors']);
    const options = corsStyleOptions(policy);
    const app = express();
    app.use(cors(options));
    app.use(handler);
    return app;
  },
};
