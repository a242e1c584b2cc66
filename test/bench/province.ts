import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A province that only says "accepted" to every record it is sent: what is measured is then the terminal's own cost. */
export async function acceptingProvince(): Promise<{ url: string; close: () => Promise<void>; setDown: (down: boolean) => void }> {
  let down = false;
  const server: Server = createServer((req, res) => {
    if (down) {
      req.resume();
      res.writeHead(503, { 'content-type': 'text/html' }).end('<html>502 Bad Gateway</html>');
      return;
    }
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = req.url ?? '';
      res.setHeader('content-type', 'application/json');
      if (url.endsWith('/evaluations/batch')) {
        const records = (JSON.parse(Buffer.concat(chunks).toString('utf8')) as { records: { evalId: string }[] }).records;
        res.end(JSON.stringify({ results: records.map((r) => ({ evalId: r.evalId, status: 'accepted' })) }));
      } else if (url.endsWith('/heartbeat')) {
        res.end(JSON.stringify({ serverTime: Date.now(), configVersion: 'offline' }));
      } else {
        // No config to give: the terminal keeps its provisioned one.
        res.writeHead(404).end(JSON.stringify({ code: 'NOT_FOUND', message: 'no config here' }));
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${String((server.address() as AddressInfo).port)}`,
    close: () => new Promise((r) => server.close(() => r())),
    /** An outage: every request answered with a gateway's HTML error page until it is over. */
    setDown: (d) => {
      down = d;
    },
  };
}
