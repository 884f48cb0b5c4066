import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import zlib from 'node:zlib';
import { Journal, type ExchangeInput, type HeaderMap } from '../trace';
import { FORWARDED_HEADER_NAMES, forwardedHeaders, type LogicalNetwork } from './network';
import { KitError } from '../errors';

/**
 * A recording HTTP forward proxy on 127.0.0.1 for a real browser. Chromium is launched with
 * `--proxy-server=http://127.0.0.1:<port>`, so every request it makes arrives here as an
 * absolute-URI request (`GET http://store.example.test/cart HTTP/1.1`). The proxy maps the
 * logical host to its loopback origin (as the scripted Actor does), forwards method, headers
 * and body with the real Host header set to the logical host, streams the answer back and
 * journals the exchange as `<name> → <participant>`: the browser's own network traffic lands
 * in the same Journal as everything else. Hosts in `unrecordedHosts` (FusionAuth) are
 * forwarded but not journalled, because the double records the calls it answers itself.
 *
 * Nothing is ever forwarded to a host that is not in `hosts`: an unknown host gets a 502 and
 * an error entry, CONNECT (https tunnels) a 405, so no browser request leaves the machine.
 */
export interface RecordingProxyOptions extends LogicalNetwork {
  /** The journal participant making the requests, e.g. 'Browser'. */
  name: string;
  /** Upstream bound: connect + response headers, and any idle gap in a body. Default 10000. */
  timeoutMs?: number;
  /** Request bodies above this are answered 413 and not forwarded. Default 10 MiB. */
  maxRequestBytes?: number;
  /** Bodies are recorded up to this many bytes (the rest is streamed, not recorded). Default 256 KiB. */
  maxRecordedBytes?: number;
  /**
   * Domains (suffix match) whose requests are refused like any unmapped host but not
   * journalled: the browser's own background traffic (Google update, autofill, accounts),
   * which no page asked for. They are listed by `refusedQuietly()` instead. Mapped hosts are
   * always journalled.
   */
  quietDomains?: string[];
}

export interface RecordingProxy {
  /** `http://127.0.0.1:<port>`: what to give Chromium as its proxy server. */
  url: string;
  port: number;
  useJournal(j: Journal): void;
  /** `METHOD url` of the requests to quietDomains that were refused and not journalled. */
  refusedQuietly(): string[];
  close(): Promise<void>;
}

/** Hop-by-hop headers (RFC 9110 §7.6.1) plus the proxy's own: never forwarded either way. */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'proxy-authorization', 'proxy-authenticate', 'te', 'trailer', 'transfer-encoding', 'upgrade']);

const DEFAULT_MAX_REQUEST = 10 * 1024 * 1024;
const DEFAULT_MAX_RECORDED = 256 * 1024;

export async function startRecordingProxy(o: RecordingProxyOptions): Promise<RecordingProxy> {
  const hosts: Record<string, URL> = {};
  for (const [h, origin] of Object.entries(o.hosts)) {
    const u = new URL(origin);
    if (u.protocol !== 'http:') throw new KitError(`recording proxy: origin for ${h} must be http://, got ${origin}`, 'CONFIG_INVALID');
    hosts[h.toLowerCase()] = u;
  }
  const participants = Object.fromEntries(Object.entries(o.participants ?? {}).map(([h, p]) => [h.toLowerCase(), p]));
  const unrecorded = new Set((o.unrecordedHosts ?? []).map((h) => h.toLowerCase()));
  const timeoutMs = o.timeoutMs ?? 10_000;
  const maxRequest = o.maxRequestBytes ?? DEFAULT_MAX_REQUEST;
  const maxRecorded = o.maxRecordedBytes ?? DEFAULT_MAX_RECORDED;
  let journal = o.journal;

  /** The mapping entry for a Host value (with or without port). */
  const lookup = (host: string): { key: string; origin: URL } | undefined => {
    const h = host.toLowerCase();
    const bare = h.replace(/:\d+$/, '');
    if (hosts[h]) return { key: h, origin: hosts[h] };
    // `store.example.test:80` is `store.example.test`.
    if (h.endsWith(':80') && hosts[bare]) return { key: bare, origin: hosts[bare] };
    return undefined;
  };
  const participantFor = (host: string): string => {
    const h = host.toLowerCase();
    return participants[h] ?? participants[h.replace(/:\d+$/, '')] ?? host;
  };
  const isUnrecorded = (host: string): boolean => {
    const h = host.toLowerCase();
    return unrecorded.has(h) || unrecorded.has(h.replace(/:\d+$/, ''));
  };
  const quiet = (o.quietDomains ?? []).map((d) => d.toLowerCase().replace(/^\./, ''));
  const quietlyRefused: string[] = [];
  const isQuiet = (host: string): boolean => {
    const h = host.toLowerCase().replace(/:\d+$/, '');
    return !lookup(host) && quiet.some((d) => h === d || h.endsWith('.' + d));
  };
  const record = (host: string, e: Omit<ExchangeInput, 'from' | 'to'>): void => {
    if (isQuiet(host)) {
      if (quietlyRefused.length < 1000) quietlyRefused.push(`${e.request.method} ${e.request.method === 'CONNECT' ? e.request.host : `http://${e.request.host}${e.request.path}`}`);
      return;
    }
    if (!journal || isUnrecorded(host)) return;
    journal.record({ ...e, from: o.name, to: participantFor(host) });
  };

  const sockets = new Set<Socket>();
  const upstreams = new Set<http.ClientRequest>();

  const server = http.createServer((req, res) => {
    const at = Date.now();
    const method = (req.method ?? 'GET').toUpperCase();
    // Absolute-form (proxy) request; origin-form is accepted too, addressed by its Host header.
    let target: URL;
    try {
      target = new URL(req.url ?? '/', /^[a-z][a-z0-9+.-]*:\/\//i.test(req.url ?? '') ? undefined : `http://${req.headers.host ?? 'unknown.invalid'}`);
    } catch {
      res.writeHead(400, { 'content-type': 'text/plain; charset=utf-8', connection: 'close' });
      res.end(`loginflow proxy: bad request target ${req.url}`);
      return;
    }
    const host = target.host.toLowerCase();
    const path = target.pathname + target.search;

    // Request headers as the upstream will see them (hop-by-hop dropped, Host = logical host).
    const fwd: http.OutgoingHttpHeaders = {};
    const connectionTokens = String(req.headers['connection'] ?? '').toLowerCase().split(',').map((t) => t.trim()).filter(Boolean);
    for (let i = 0; i < req.rawHeaders.length; i += 2) {
      const name = req.rawHeaders[i].toLowerCase();
      if (HOP_BY_HOP.has(name) || connectionTokens.includes(name) || name === 'host') continue;
      const value = req.rawHeaders[i + 1];
      const prev = fwd[name];
      if (prev === undefined) fwd[name] = value;
      else if (name === 'cookie') fwd[name] = `${prev}; ${value}`;
      else fwd[name] = Array.isArray(prev) ? [...prev, value] : [String(prev), value];
    }
    fwd['host'] = target.host;
    // As the deployment's TLS terminator would (network.ts): its own X-Forwarded-*, never the page's.
    const forwarded = forwardedHeaders(o.tlsTerminated, target.host, { origin: fwd['origin'] as string | undefined, referer: fwd['referer'] as string | undefined });
    if (Object.keys(forwarded).length) {
      for (const name of FORWARDED_HEADER_NAMES) delete fwd[name];
      Object.assign(fwd, forwarded);
    }
    const recordedHeaders = (): HeaderMap => {
      const h: HeaderMap = {};
      for (const [k, v] of Object.entries(fwd)) if (v !== undefined) h[k] = Array.isArray(v) ? v.map(String) : String(v);
      return h;
    };

    const fail = (status: number, message: string, body?: string) => {
      record(host, {
        at,
        durationMs: Date.now() - at,
        request: { method, host: target.host, path, headers: recordedHeaders(), ...(body ? { body } : {}) },
        error: message,
      });
      if (res.headersSent) {
        res.destroy();
        return;
      }
      res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'x-loginflow-proxy-error': '1', connection: 'close' });
      res.end(`loginflow proxy: ${message}\n`);
    };

    const mapped = target.protocol === 'http:' ? lookup(host) : undefined;
    if (!mapped) {
      req.resume();
      const why =
        target.protocol !== 'http:'
          ? `${target.protocol} is not proxied (only plain http to mapped hosts)`
          : `no origin mapped for host "${target.host}" (requested ${target.href}); known hosts: ${Object.keys(hosts).join(', ') || '(none)'}`;
      return fail(502, why);
    }

    // Buffer the request body (bounded) so it can be recorded and forwarded with a length.
    const chunks: Buffer[] = [];
    let size = 0;
    let tooBig = false;
    const reqTimer = setTimeout(() => {
      req.destroy();
      fail(408, `request body not received within ${timeoutMs}ms`);
    }, timeoutMs);
    req.on('data', (c: Buffer) => {
      if (tooBig) return;
      size += c.length;
      if (size > maxRequest) {
        tooBig = true;
        clearTimeout(reqTimer);
        req.resume();
        fail(413, `request body over ${maxRequest} bytes; not forwarded`);
        return;
      }
      chunks.push(c);
    });
    req.on('error', () => clearTimeout(reqTimer));
    req.on('end', () => {
      clearTimeout(reqTimer);
      if (tooBig) return;
      const body = Buffer.concat(chunks);
      const reqText = body.length ? bodyText(body.subarray(0, maxRecorded), String(fwd['content-type'] ?? ''), String(fwd['content-encoding'] ?? ''), body.length > maxRecorded, maxRecorded) : undefined;
      delete fwd['content-length'];
      if (body.length || !['GET', 'HEAD', 'OPTIONS', 'DELETE'].includes(method)) fwd['content-length'] = String(body.length);

      let done = false;
      const up = http.request({
        protocol: 'http:',
        hostname: mapped.origin.hostname.replace(/^\[|\]$/g, ''),
        port: mapped.origin.port || 80,
        method,
        path,
        headers: fwd,
        timeout: timeoutMs,
        agent: false,
      });
      upstreams.add(up);
      up.on('close', () => upstreams.delete(up));
      up.on('timeout', () => up.destroy(new Error(`upstream ${mapped.origin.origin} did not answer within ${timeoutMs}ms`)));
      up.on('error', (err) => {
        if (done) return;
        done = true;
        const code = (err as { code?: string }).code;
        fail(/did not answer/.test(err.message) ? 504 : 502, `${method} ${target.href} via ${mapped.origin.origin} failed: ${code ? `${code} ` : ''}${err.message}`, reqText);
      });
      let gotResponse = false;
      res.on('close', () => {
        if (!gotResponse && !done) up.destroy(new Error('the browser dropped the connection before the response arrived'));
      });
      up.on('response', (upRes) => {
        gotResponse = true;
        const status = upRes.statusCode ?? 502;
        const raw: string[] = [];
        const resHeaders: HeaderMap = {};
        const resConnTokens = String(upRes.headers['connection'] ?? '').toLowerCase().split(',').map((t) => t.trim());
        for (let i = 0; i < upRes.rawHeaders.length; i += 2) {
          const name = upRes.rawHeaders[i].toLowerCase();
          if (HOP_BY_HOP.has(name) || resConnTokens.includes(name)) continue;
          const value = upRes.rawHeaders[i + 1];
          raw.push(upRes.rawHeaders[i], value);
          const prev = resHeaders[name];
          resHeaders[name] = prev === undefined ? value : Array.isArray(prev) ? [...prev, value] : [prev, value];
        }
        res.writeHead(status, upRes.statusMessage, raw);
        const kept: Buffer[] = [];
        let keptSize = 0;
        let total = 0;
        upRes.on('data', (c: Buffer) => {
          total += c.length;
          if (keptSize < maxRecorded) {
            const part = c.subarray(0, maxRecorded - keptSize);
            kept.push(part);
            keptSize += part.length;
          }
          if (!res.write(c)) {
            upRes.pause();
            res.once('drain', () => upRes.resume());
          }
        });
        const finish = (error?: string) => {
          if (done) return;
          done = true;
          const truncated = total > keptSize;
          const text = total ? bodyText(Buffer.concat(kept), String(resHeaders['content-type'] ?? ''), String(resHeaders['content-encoding'] ?? ''), truncated, maxRecorded) : undefined;
          record(host, {
            at,
            durationMs: Date.now() - at,
            request: { method, host: target.host, path, headers: recordedHeaders(), ...(reqText !== undefined ? { body: reqText } : {}) },
            response: { status, headers: resHeaders, ...(text !== undefined ? { body: text } : {}) },
            ...(error ? { error } : {}),
            ...(truncated || path === '/favicon.ico'
              ? { note: [path === '/favicon.ico' ? "the browser's own favicon request, not the page's" : '', truncated ? `response body recorded up to ${maxRecorded} of ${total} bytes` : ''].filter(Boolean).join('; ') }
              : {}),
          });
        };
        upRes.on('end', () => {
          finish();
          res.end();
        });
        upRes.on('error', (err) => {
          finish(`response body from ${mapped.origin.origin} broke off: ${err.message}`);
          res.destroy();
        });
        res.on('close', () => {
          if (!res.writableFinished && !done) {
            finish('the browser dropped the connection before the response was complete');
            up.destroy();
          }
        });
      });
      up.end(body);
    });
  });

  server.on('connect', (req: http.IncomingMessage, socket: Socket) => {
    // Everything in the kit is plain http; an https tunnel would be traffic we cannot see.
    const host = String(req.url ?? '').toLowerCase();
    record(host.replace(/:443$/, ''), {
      at: Date.now(),
      durationMs: 0,
      request: { method: 'CONNECT', host, path: '', headers: { ...req.headers } },
      error: `CONNECT ${host} refused: the loginflow proxy forwards plain http only`,
    });
    socket.on('error', () => {});
    socket.end('HTTP/1.1 405 Method Not Allowed\r\nContent-Type: text/plain\r\nConnection: close\r\nContent-Length: 47\r\n\r\nloginflow proxy: CONNECT (https) not supported\n');
  });
  server.on('upgrade', (_req: http.IncomingMessage, socket: Socket) => {
    socket.on('error', () => {});
    socket.end('HTTP/1.1 501 Not Implemented\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
  });
  server.on('clientError', (_err, socket: Socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
    else socket.destroy();
  });
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  server.requestTimeout = timeoutMs + 5_000;
  server.headersTimeout = timeoutMs;
  server.keepAliveTimeout = 5_000;

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  let closed: Promise<void> | undefined;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    useJournal(j: Journal) {
      journal = j;
    },
    refusedQuietly() {
      return [...quietlyRefused];
    },
    close() {
      if (!closed) {
        closed = new Promise<void>((resolve) => {
          server.close(() => resolve());
          for (const u of upstreams) u.destroy();
          server.closeAllConnections();
          for (const s of sockets) s.destroy();
        });
      }
      return closed;
    },
  };
}

const TEXTUAL = /^(text\/|application\/(json|[\w.+-]*\+json|javascript|ecmascript|xml|[\w.+-]*\+xml|x-www-form-urlencoded|graphql)|image\/svg)/i;

/**
 * A body as journal text: UTF-8 for textual types (or no type), decompressed when the whole
 * body was captured and is gzip/deflate/br encoded, otherwise a placeholder naming its size.
 */
function bodyText(buf: Buffer, contentType: string, encoding: string, truncated: boolean, cap: number): string {
  let b = buf;
  const enc = encoding.trim().toLowerCase();
  if (enc && enc !== 'identity') {
    if (truncated) return `[over ${buf.length} bytes, content-encoding ${enc}; not recorded]`;
    try {
      if (enc === 'gzip' || enc === 'x-gzip') b = zlib.gunzipSync(buf);
      else if (enc === 'deflate') b = zlib.inflateSync(buf);
      else if (enc === 'br') b = zlib.brotliDecompressSync(buf);
      else return `[${buf.length} bytes, content-encoding ${enc}]`;
    } catch {
      return `[${buf.length} bytes, content-encoding ${enc}, not decodable]`;
    }
    if (b.length > cap) b = b.subarray(0, cap);
  }
  if (contentType && !TEXTUAL.test(contentType)) return `[${b.length}${truncated ? '+' : ''} bytes of ${contentType.split(';')[0]}]`;
  return b.toString('utf8');
}
