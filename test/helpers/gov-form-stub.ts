import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { sm2 } from 'sm-crypto-v2';

/** One request as the stub saw it: the raw form, and what its `sign` and `params.data` decrypt to. */
export interface SeenRequest {
  path: string;
  contentType: string;
  fields: string[];
  form: Record<string, string>;
  sign: string;
  payload: Record<string, string>;
}

export interface StubAnswer {
  status?: number;
  headers?: Record<string, string>;
  /** An object is sent as JSON; a string exactly as it is (HTML, truncated JSON …). */
  body: object | string;
}

export const ok = (data: object | null = null): StubAnswer => ({ body: { code: '0', success: 'true', message: '成功', data } });
export const no = (message: string): StubAnswer => ({ body: { code: '1', success: 'false', message, data: null } });

/** Decrypts a C1C3C2 hex ciphertext with its `04` prefix (the library wants it without). */
export function decrypt(hex: string, privateKey: string): string {
  if (!hex.startsWith('04')) throw new Error('no 04 prefix');
  return sm2.doDecrypt(hex.slice(2), privateKey, 1, { output: 'string' });
}

/**
 * A loopback gov-form province for adapter tests: decrypts every request with the private key and answers from
 * `answer` (default: success, `serviceId` for a service record, a url for evaluation/url).
 */
export async function startGovFormStub(answer: (req: SeenRequest, n: number) => StubAnswer | undefined = () => undefined) {
  const keys = sm2.generateKeyPairHex();
  const seen: SeenRequest[] = [];
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      const params = new URLSearchParams(raw);
      const form = Object.fromEntries(params.entries());
      let seenReq: SeenRequest;
      try {
        const data = (JSON.parse(form['params'] ?? '{}') as { data: string }).data;
        seenReq = {
          path: (req.url ?? '').replace(/^\/pubservice\//, ''),
          contentType: req.headers['content-type'] ?? '',
          fields: [...params.keys()],
          form,
          sign: decrypt(form['sign'] ?? '', keys.privateKey),
          payload: JSON.parse(decrypt(data, keys.privateKey)) as Record<string, string>,
        };
      } catch (err) {
        res.writeHead(400).end(String(err));
        return;
      }
      seen.push(seenReq);
      const a = answer(seenReq, seen.length) ?? (seenReq.path === 'evaluation/url' ? ok({ url: 'https://province.example/h5/e/1', expiresIn: 600 }) : ok());
      const body = typeof a.body === 'string' ? a.body : JSON.stringify(a.body);
      res.writeHead(a.status ?? 200, { 'content-type': typeof a.body === 'string' ? 'text/html' : 'application/json', ...a.headers }).end(body);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${String(port)}/pubservice`,
    publicKey: keys.publicKey,
    privateKey: keys.privateKey,
    seen,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}
