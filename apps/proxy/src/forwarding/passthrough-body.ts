import type { FastifyInstance } from 'fastify';

/**
 * Makes Fastify leave every request body unread: the proxy streams it upstream as it arrives
 * (stack-notes §4). Removing the JSON and text parsers and adding a catch-all one that consumes
 * nothing also removes Fastify's body limit and content-type checks from the proxied path, which
 * would otherwise buffer or refuse what the agent sends. The `/_tapes/*` routes read no bodies.
 */
export function passRequestBodiesThrough(fastify: FastifyInstance): void {
  fastify.removeAllContentTypeParsers();
  fastify.addContentTypeParser('*', (_request, _payload, done) => done(null));
}
