/*
 * The metrics endpoint (`metrics-port`, Spindle only, 0: off): an HTTP server on the main thread
 * serving GET /metrics (Prometheus text, prometheus.ts), GET /live.json (live.ts) and GET / (the
 * live page, page.ts). Each request renders INFO once; nothing is cached. It listens on the first
 * `bind` address (all addresses for `*`), and CONFIG SET metrics-port moves or closes it.
 */
import http from 'node:http';
import type { Server } from '../server.ts';
import { genInfoString } from '../info.ts';
import { liveSnapshot } from './live.ts';
import { LIVE_PAGE } from './page.ts';
import { infoToPrometheus } from './prometheus.ts';

export class MetricsEndpoint {
  private readonly srv: Server;
  private http: http.Server | null = null;
  private port = 0;

  constructor(srv: Server) {
    this.srv = srv;
    srv.config.onChange('metrics-port', () => {
      this.apply().catch(() => {});
      return null;
    });
  }

  /** Opens, moves or closes the listener for the current metrics-port. */
  async apply(): Promise<string | null> {
    const port = this.srv.config.num('metrics-port');
    if (port === this.port) return null;
    this.close();
    if (port === 0) return null;
    const server = http.createServer((req, res) => this.handle(req, res));
    server.keepAliveTimeout = 5000;
    const binds = this.srv.config.values.bind as readonly string[];
    const first = (binds[0] ?? '127.0.0.1').replace(/^-/, '');
    const host = first === '*' || first === '' ? undefined : first;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        resolve();
      });
    }).catch((e: Error) => {
      this.srv.log.warning(`Could not open the metrics endpoint on port ${port}: ${e.message}`);
      throw e;
    });
    this.http = server;
    this.port = port;
    this.srv.log.notice(`Metrics endpoint listening on http://${host ?? '*'}:${port}/ (Prometheus text at /metrics)`);
    return null;
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const url = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    if (url === '/metrics') {
      const body = infoToPrometheus(genInfoString(this.srv, ['everything']));
      res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' }).end(body);
    } else if (url === '/live.json') {
      res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' }).end(JSON.stringify(liveSnapshot(genInfoString(this.srv, ['everything']))));
    } else if (url === '/' || url === '/index.html') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(LIVE_PAGE);
    } else {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
    }
  }

  close(): void {
    this.http?.close();
    this.http?.closeAllConnections();
    this.http = null;
    this.port = 0;
  }
}
