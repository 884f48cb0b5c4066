import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** Header the relay uses to tell the double who is calling; stripped before recording. */
export const CALLER_HEADER = 'x-loginflow-caller';
/** The Host the caller used, so the double can name its own URLs (discovery) as FusionAuth does from the request; stripped before recording. */
export const HOST_HEADER = 'x-loginflow-host';

export const RELAY_MAX_BODY = 1024 * 1024; // 1 MiB → 413
const UPSTREAM_TIMEOUT_MS = 10_000;

export interface Relay {
  url: string;
  port: number;
  close(): Promise<void>;
}

const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade', 'te', 'trailer', 'host', 'content-length', 'expect']);

/**
 * A real loopback HTTP server on 127.0.0.1 that forwards every request (method, path,
 * headers, body) into the double's nock origin with node's http.request — nock answers it
 * in-process — and sends the status, raw headers (so repeated Set-Cookie survive) and body
 * back. Bodies are buffered and bounded; every leg has a timeout so nothing hangs.
 */
export async function startRelay(origin: string, caller: string, port = 0, onClose?: () => void): Promise<Relay> {
  const target = new URL(origin);
  const sockets = new Set<import('node:net').Socket>();
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooBig = false;
    req.on('data', (c: Buffer) => {
      if (tooBig) return;
      size += c.length;
      if (size > RELAY_MAX_BODY) {
        tooBig = true;
        res.writeHead(413, { 'content-type': 'text/plain', connection: 'close' });
        res.end('request body too large for the loginflow relay');
        req.resume();
        return;
      }
      chunks.push(c);
    });
    req.on('error', () => res.destroy());
    req.on('end', () => {
      if (tooBig) return;
      const body = Buffer.concat(chunks);
      const headers: http.OutgoingHttpHeaders = {};
      for (let i = 0; i < req.rawHeaders.length; i += 2) {
        const name = req.rawHeaders[i].toLowerCase();
        if (HOP_BY_HOP.has(name) || name === CALLER_HEADER || name === HOST_HEADER) continue;
        const prev = headers[name];
        const value = req.rawHeaders[i + 1];
        if (prev === undefined) headers[name] = value;
        else if (name === 'cookie') headers[name] = `${prev}; ${value}`;
        else headers[name] = Array.isArray(prev) ? [...prev, value] : [String(prev), value];
      }
      headers[CALLER_HEADER] = caller;
      if (req.headers.host) headers[HOST_HEADER] = req.headers.host;
      if (body.length || !['GET', 'HEAD', 'OPTIONS', 'DELETE'].includes(req.method ?? 'GET')) headers['content-length'] = String(body.length);
      const up = http.request(
        { protocol: target.protocol, hostname: target.hostname, port: target.port || 80, method: req.method, path: req.url, headers, timeout: UPSTREAM_TIMEOUT_MS },
        (upRes) => {
          const out: Buffer[] = [];
          upRes.on('data', (c: Buffer) => out.push(c));
          upRes.on('error', () => res.destroy());
          upRes.on('end', () => {
            const payload = Buffer.concat(out);
            const raw: string[] = [];
            for (let i = 0; i < upRes.rawHeaders.length; i += 2) {
              const name = upRes.rawHeaders[i].toLowerCase();
              if (HOP_BY_HOP.has(name)) continue;
              raw.push(upRes.rawHeaders[i], upRes.rawHeaders[i + 1]);
            }
            raw.push('content-length', String(payload.length));
            res.writeHead(upRes.statusCode ?? 502, raw);
            res.end(req.method === 'HEAD' ? undefined : payload);
          });
        },
      );
      up.on('timeout', () => up.destroy(new Error('upstream timeout')));
      up.on('error', (err) => {
        if (res.headersSent) return void res.destroy();
        res.writeHead(/timeout/.test(err.message) ? 504 : 502, { 'content-type': 'text/plain' });
        res.end(`loginflow relay: ${err.message}`);
      });
      up.end(body);
    });
  });
  server.requestTimeout = 15_000;
  server.headersTimeout = 10_000;
  server.keepAliveTimeout = 2_000;
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const actual = (server.address() as AddressInfo).port;
  let closed: Promise<void> | undefined;
  return {
    url: `http://127.0.0.1:${actual}`,
    port: actual,
    close() {
      if (!closed) {
        closed = new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeIdleConnections();
          for (const s of sockets) s.destroy();
        });
        onClose?.();
      }
      return closed;
    },
  };
}
