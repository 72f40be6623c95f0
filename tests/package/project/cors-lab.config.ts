// A check suite in the user's project, loaded by `npx cors-lab check --config
// cors-lab.config.ts` in a CommonJS and in an ES-module project alike. The API
// runs in its own process; API_PORT says where.
import { defineConfig } from 'cors-lab';

export default defineConfig({
  baseUrl: 'https://api.example.com',
  resolve: [`api.example.com:443:127.0.0.1:${process.env.API_PORT}`],
  ca: ['certs/rootCA.pem'], // relative to this file
  sweep: false,
  endpoints: [
    {
      name: 'current user',
      url: '/api/me',
      origins: { 'https://app.example.com': 'allowed', 'https://partner.example.net': 'blocked' },
    },
  ],
});
