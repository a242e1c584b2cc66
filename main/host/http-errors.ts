import type { FastifyError, FastifyInstance } from 'fastify';
import { HttpError } from '../api/errors.js';
import type { Log } from '../log/logger.js';

/** Every error leaves as `{ code, message }` (local-api.md), and never as a stack trace. */
export function installErrorHandling(app: FastifyInstance, log: Log): void {
  app.setErrorHandler((err: FastifyError | HttpError, req, reply) => {
    if (err instanceof HttpError) return reply.code(err.status).send({ code: err.code, message: err.message });
    switch (err.code) {
      case 'FST_ERR_CTP_BODY_TOO_LARGE':
        return reply.code(413).send({ code: 'BODY_TOO_LARGE', message: 'the request body is larger than 64 KiB' });
      case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
        return reply.code(415).send({ code: 'UNSUPPORTED_MEDIA_TYPE', message: 'send the body as application/json' });
      case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
        return reply.code(400).send({ code: 'INVALID_REQUEST', message: 'the Content-Length does not match the body' });
      case 'FST_ERR_BAD_URL':
        return reply.code(400).send({ code: 'INVALID_REQUEST', message: 'the URL is malformed' });
    }
    if (typeof err.statusCode === 'number' && err.statusCode >= 400 && err.statusCode < 500) {
      return reply.code(err.statusCode).send({ code: 'INVALID_REQUEST', message: err.message });
    }
    log.error({ err: { message: err.message, stack: err.stack }, url: req.url }, 'request failed');
    return reply.code(500).send({ code: 'INTERNAL', message: 'the terminal could not complete the request; nothing was changed' });
  });

  app.setNotFoundHandler((req, reply) => reply.code(404).send({ code: 'NOT_FOUND', message: `no route ${req.method} ${req.url.split('?')[0]}` }));

  // JSON only, with a clear message for malformed input; an empty body counts as no body. Fastify's own text/plain
  // parser would hand a string to the body schemas, which then answered 400 where local-api promises 415.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_req, body, done) => {
    const text = typeof body === 'string' ? body : body.toString('utf8');
    if (text.trim() === '') return done(null, undefined);
    try {
      done(null, JSON.parse(text));
    } catch (e) {
      done(new HttpError(400, 'INVALID_JSON', `the body is not valid JSON: ${(e as Error).message}`), undefined);
    }
  });
}
