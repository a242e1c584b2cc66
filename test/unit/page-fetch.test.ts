import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkPage } from '../../main/page/page-fetch.js';

/** The province's page server on another loopback origin than the terminal's, answering each path its own way. */
let server: Server;
let origin = '';
beforeAll(async () => {
  server = createServer((req, res) => {
    if (req.headers.cookie) return res.writeHead(400).end('cookie sent');
    switch (req.url) {
      case '/page':
        return res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end('<!doctype html><title>pj</title>');
      case '/json':
        return res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      case '/gone':
        return res.writeHead(404, { 'content-type': 'text/html' }).end('<h1>404</h1>');
      case '/hop':
        return res.writeHead(302, { location: '/page' }).end();
      case '/away':
        return res.writeHead(302, { location: 'https://evil.example.com/pj' }).end();
      case '/slow':
        return; // never answers
      default:
        return res.writeHead(500).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.2', resolve));
  origin = `http://127.0.0.2:${String((server.address() as AddressInfo).port)}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

describe('the terminal’s own GET of the province’s page before it shows it', () => {
  it('accepts a 200 text/html page, also after a redirect within the origins', async () => {
    expect(await checkPage(`${origin}/page`, [origin], 2000)).toEqual({ ok: true });
    expect(await checkPage(`${origin}/hop`, [origin], 2000)).toEqual({ ok: true });
  });

  it('refuses anything else, naming why', async () => {
    expect(await checkPage(`${origin}/json`, [origin], 2000)).toMatchObject({ ok: false, reason: 'not-html' });
    expect(await checkPage(`${origin}/gone`, [origin], 2000)).toMatchObject({ ok: false, reason: 'not-200', detail: 'HTTP 404' });
    expect(await checkPage(`${origin}/away`, [origin], 2000)).toMatchObject({
      ok: false,
      reason: 'redirect-off-origin',
      detail: 'https://evil.example.com/pj',
    });
    expect(await checkPage(`${origin}/slow`, [origin], 300)).toMatchObject({ ok: false, reason: 'fetch-failed' });
    expect(await checkPage('http://127.0.0.2:9/', [origin], 2000)).toMatchObject({ ok: false, reason: 'fetch-failed' });
  });
});
