import { createServer, type IncomingHttpHeaders, type RequestListener, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';

export interface ReceivedWebhook {
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
  /** When it arrived (Date.now()). */
  readonly at: number;
}

/** What a path answers: a status and headers (e.g. a Location), chosen per request. */
export type Answer = (
  request: ReceivedWebhook,
  count: number,
) => { status: number; headers?: Record<string, string> };

/**
 * A webhook receiver on loopback: records every request, and answers 200 unless a path was told
 * otherwise (`answer('/flaky', (r, n) => ...)`). With `tls`, it speaks https with that certificate.
 */
export const startReceiver = async (
  options: { readonly tls?: { readonly key: string; readonly cert: string } } = {},
) => {
  const received: ReceivedWebhook[] = [];
  const answers = new Map<string, Answer>();
  const handler: RequestListener = (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const request = {
        path: req.url ?? '/',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
        at: Date.now(),
      };
      received.push(request);
      const count = received.filter((r) => r.path === request.path).length;
      const answer = answers.get(request.path)?.(request, count) ?? { status: 200 };
      res.writeHead(answer.status, answer.headers ?? {});
      res.end('ok');
    });
  };
  const server: Server = options.tls
    ? createHttpsServer({ key: options.tls.key, cert: options.tls.cert }, handler)
    : createServer(handler);
  const scheme = options.tls ? 'https' : 'http';
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    port,
    url: (path: string, host = '127.0.0.1') => `${scheme}://${host}:${port}${path}`,
    received,
    at: (path: string) => received.filter((r) => r.path === path),
    answer: (path: string, answer: Answer) => answers.set(path, answer),
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
};

export type Receiver = Awaited<ReturnType<typeof startReceiver>>;
