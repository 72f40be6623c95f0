// `cors` on Express 5.
import type { RequestListener } from 'node:http';
import type { MiddlewareAdapter } from '../adapter.ts';
import { corsStyleOptions } from './cors-style-options.ts';
import { importPackage, installedVersion } from './versions.ts';

export const expressCors: MiddlewareAdapter = {
  name: 'cors',
  version: `cors ${installedVersion('cors')} on express ${installedVersion('express')}`,
  async create(policy, handler) {
    const express = (
      await importPackage<{ default: () => { use: (...args: unknown[]) => void } & RequestListener }>('express', 'cors')
    ).default;
    const cors = (await importPackage<{ default: (options: Record<string, unknown>) => unknown }>('cors', 'cors'))
      .default;
    const options = corsStyleOptions(policy);
    const app = express();
    app.use(cors(options));
    app.use(handler);
    return app;
  },
};
