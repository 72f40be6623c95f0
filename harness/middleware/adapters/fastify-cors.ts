// `@fastify/cors` on Fastify.
import { createServer, type Server } from 'node:http';
import { HANDLER_ANSWER, type MiddlewareAdapter } from '../adapter.ts';
import { corsStyleOptions } from './cors-style-options.ts';
import { importPackages, installedVersion } from './versions.ts';

interface FastifyReply {
  code(status: number): FastifyReply;
  headers(headers: Record<string, string>): FastifyReply;
  send(body: string): FastifyReply;
}
interface FastifyLike {
  register(plugin: unknown, options: unknown): Promise<unknown> | unknown;
  route(options: {
    method: string[];
    url: string;
    handler: (request: unknown, reply: FastifyReply) => FastifyReply;
  }): void;
  supportedMethods: string[];
  ready(): Promise<unknown>;
}

export const fastifyCors: MiddlewareAdapter = {
  name: '@fastify/cors',
  version: `@fastify/cors ${installedVersion('@fastify/cors')} on fastify ${installedVersion('fastify')}`,
  // Fastify answers through its reply object: its route gives cors-lab's handler answer natively.
  async create(policy) {
    const [{ default: fastify }, { default: plugin }] = await importPackages<
      [{ default: (options: unknown) => FastifyLike }, { default: unknown }]
    >('@fastify/cors', ['fastify', '@fastify/cors']);
    const options = corsStyleOptions(policy);
    let server: Server | undefined;
    const app = fastify({
      serverFactory: (listener: Parameters<typeof createServer>[1]) => (server = createServer(listener)),
    });
    await app.register(plugin, options);
    // Every method on every path: the route handler answers what the plugin
    // lets through. OPTIONS is the plugin's own route (it answers preflights).
    app.route({
      method: app.supportedMethods.filter((method) => method !== 'OPTIONS'),
      url: '/*',
      // Answered through the reply, so the headers the plugin set on it are sent too.
      handler: (_request, reply) =>
        reply
          .code(HANDLER_ANSWER.status)
          .headers({ ...HANDLER_ANSWER.headers })
          .send(HANDLER_ANSWER.body),
    });
    await app.ready();
    return server!;
  },
};
