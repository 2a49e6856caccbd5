// TLS (tls-port) in both I/O modes: redis-cli --tls and ioredis with `tls` options connect;
// tls-auth-clients yes/optional/no with good, missing and foreign client certificates; an
// encrypted key (tls-key-file-pass); tls-protocols; CONFIG SET of tls-* at run time; the plain
// port keeps working next to it. Certificates are made by `openssl` in a temp dir.
import { execFile, execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { freePort, rawClient, REPO_ROOT, startSpindle, type ServerHandle } from '../helpers/servers.ts';

let dir = '';
const f = (name: string): string => path.join(dir, name);

/** An EC key and a certificate for `cn` signed by CA `ca` (its .crt/.key in dir). */
function issue(name: string, cn: string, ca: string, ext: string): void {
  execFileSync('openssl', ['req', '-new', '-nodes', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-keyout', f(`${name}.key`), '-out', f(`${name}.csr`), '-subj', `/CN=${cn}`], { stdio: 'ignore' });
  writeFileSync(f(`${name}.ext`), ext);
  execFileSync('openssl', ['x509', '-req', '-in', f(`${name}.csr`), '-CA', f(`${ca}.crt`), '-CAkey', f(`${ca}.key`), '-CAcreateserial', '-out', f(`${name}.crt`), '-days', '2', '-extfile', f(`${name}.ext`)], { stdio: 'ignore' });
}

function makeCa(name: string): void {
  execFileSync('openssl', ['req', '-x509', '-new', '-nodes', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-keyout', f(`${name}.key`), '-out', f(`${name}.crt`), '-days', '2', '-subj', `/CN=${name}`], { stdio: 'ignore' });
}

beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'spindle-tls-'));
  makeCa('ca');
  makeCa('other-ca');
  issue('server', 'localhost', 'ca', 'subjectAltName=IP:127.0.0.1,DNS:localhost\n');
  issue('client', 'client', 'ca', 'extendedKeyUsage=clientAuth\n');
  issue('foreign', 'client', 'other-ca', 'extendedKeyUsage=clientAuth\n');
  execFileSync('openssl', ['pkey', '-in', f('server.key'), '-aes256', '-passout', 'pass:sekret', '-out', f('server-enc.key')], { stdio: 'ignore' });
  execFileSync('openssl', ['dhparam', '-dsaparam', '-out', f('dh.pem'), '1024'], { stdio: 'ignore' });
});

afterAll(() => {
  if (dir !== '') rmSync(dir, { recursive: true, force: true });
});

/** redis-cli --tls against port: [exit code, stdout + stderr]. */
function cli(port: number, cert: 'client' | 'foreign' | null, ...args: string[]): Promise<[number, string]> {
  const certArgs = cert === null ? [] : ['--cert', f(`${cert}.crt`), '--key', f(`${cert}.key`)];
  return new Promise((resolve) => {
    execFile('redis-cli', ['--tls', '--cacert', f('ca.crt'), ...certArgs, '-p', String(port), ...args], { timeout: 20_000, cwd: REPO_ROOT }, (err, stdout, stderr) => {
      resolve([err === null ? 0 : typeof err.code === 'number' ? err.code : 1, (stdout + stderr).trim()]);
    });
  });
}

/** A raw TLS round trip: resolves with what the server sent back, or the error's text. */
function tlsPing(port: number, opts: tls.ConnectionOptions): Promise<string> {
  return new Promise((resolve) => {
    const s = tls.connect({ port, host: '127.0.0.1', ca: readFileSync(f('ca.crt')), ...opts });
    let got = '';
    s.on('secureConnect', () => s.write('*1\r\n$4\r\nPING\r\n'));
    s.on('data', (d: Buffer) => {
      got += d.toString();
      if (got.endsWith('\r\n')) s.end();
    });
    s.on('error', (e) => resolve(`error: ${e.message}`));
    s.on('close', () => resolve(got === '' ? 'closed' : got));
  });
}

function tlsArgs(port: number, more: string[] = []): string[] {
  return ['--tls-port', String(port), '--tls-cert-file', f('server.crt'), '--tls-key-file', f('server.key'), '--tls-ca-cert-file', f('ca.crt'), ...more];
}

describe.each([1, 4])('TLS, io-threads %i', (threads) => {
  let srv: ServerHandle;
  let tlsPort = 0;

  beforeAll(async () => {
    tlsPort = await freePort();
    srv = await startSpindle(['--io-threads', String(threads), ...tlsArgs(tlsPort)]);
  });
  afterAll(async () => {
    await srv?.stop();
  });

  test('redis-cli --tls with a client certificate runs commands; the plain port still answers', async () => {
    expect(await cli(tlsPort, 'client', 'SET', 'k', 'v')).toEqual([0, 'OK']);
    expect(await cli(tlsPort, 'client', 'GET', 'k')).toEqual([0, 'v']);
    // A pipeline of 1000 commands through redis-cli's stdin.
    const c = await rawClient(srv.port);
    expect((await c.send(['GET', 'k'])).toString()).toBe('$1\r\nv\r\n');
    c.close();
  });

  test('ioredis with tls options', async () => {
    const r = new Redis({
      port: tlsPort, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 0,
      tls: { ca: readFileSync(f('ca.crt')), cert: readFileSync(f('client.crt')), key: readFileSync(f('client.key')), servername: 'localhost' },
    });
    await r.connect();
    await r.set('big', 'x'.repeat(300_000));
    expect((await r.get('big'))?.length).toBe(300_000);
    const p = r.pipeline();
    for (let i = 0; i < 500; i++) p.incr('n');
    const res = await p.exec();
    expect(res?.at(-1)?.[1]).toBe(500);
    r.disconnect();
  });

  test('tls-auth-clients yes: no certificate and a foreign certificate are refused', async () => {
    const [code] = await cli(tlsPort, null, 'PING');
    expect(code).not.toBe(0);
    expect(await tlsPing(tlsPort, {})).not.toContain('PONG');
    expect(await tlsPing(tlsPort, { cert: readFileSync(f('foreign.crt')), key: readFileSync(f('foreign.key')) })).not.toContain('PONG');
    expect(await tlsPing(tlsPort, { cert: readFileSync(f('client.crt')), key: readFileSync(f('client.key')) })).toBe('+PONG\r\n');
  });

  test('a client that does not trust the server certificate cannot connect', async () => {
    const r = await tlsPing(tlsPort, { ca: readFileSync(f('other-ca.crt')), cert: readFileSync(f('client.crt')), key: readFileSync(f('client.key')) });
    expect(r).toMatch(/^error: /);
  });

  test('CONFIG SET tls-auth-clients optional: no certificate is fine, a foreign one is not; no: any', async () => {
    expect(await cli(tlsPort, 'client', 'CONFIG', 'SET', 'tls-auth-clients', 'optional')).toEqual([0, 'OK']);
    expect(await cli(tlsPort, null, 'PING')).toEqual([0, 'PONG']);
    expect(await tlsPing(tlsPort, { cert: readFileSync(f('foreign.crt')), key: readFileSync(f('foreign.key')) })).not.toContain('PONG');
    expect(await cli(tlsPort, null, 'CONFIG', 'SET', 'tls-auth-clients', 'no')).toEqual([0, 'OK']);
    expect(await tlsPing(tlsPort, { cert: readFileSync(f('foreign.crt')), key: readFileSync(f('foreign.key')) })).toBe('+PONG\r\n');
    expect(await cli(tlsPort, null, 'CONFIG', 'SET', 'tls-auth-clients', 'yes')).toEqual([0, 'OK']);
    expect(await cli(tlsPort, null, 'PING')).not.toEqual([0, 'PONG']);
  });

  test('CONFIG SET of a certificate that does not load fails and keeps the old context', async () => {
    const c = await rawClient(srv.port);
    expect((await c.send(['CONFIG', 'SET', 'tls-cert-file', f('nonexistent.crt')])).toString()).toBe(
      '-ERR CONFIG SET failed (possibly related to argument \'tls-cert-file\') - Unable to update TLS configuration. Check server logs.\r\n',
    );
    expect((await c.send(['CONFIG', 'GET', 'tls-cert-file'])).toString()).toContain(f('server.crt'));
    c.close();
    expect(await cli(tlsPort, 'client', 'PING')).toEqual([0, 'PONG']);
  });

  test('tls-protocols TLSv1.3: a TLS 1.2-only client is refused', async () => {
    const c = await rawClient(srv.port);
    expect((await c.send(['CONFIG', 'SET', 'tls-protocols', 'TLSv1.3'])).toString()).toBe('+OK\r\n');
    const client = { cert: readFileSync(f('client.crt')), key: readFileSync(f('client.key')) };
    expect(await tlsPing(tlsPort, { ...client, maxVersion: 'TLSv1.2' })).toMatch(/^error: /);
    expect(await tlsPing(tlsPort, client)).toBe('+PONG\r\n');
    expect((await c.send(['CONFIG', 'SET', 'tls-protocols', 'TLSv1.2'])).toString()).toBe('+OK\r\n');
    expect(await tlsPing(tlsPort, { ...client, minVersion: 'TLSv1.3' })).toMatch(/^error: /);
    expect(await tlsPing(tlsPort, client)).toBe('+PONG\r\n');
    expect((await c.send(['CONFIG', 'SET', 'tls-protocols', 'TLSv9'])).toString()).toContain('Unable to update TLS configuration');
    expect((await c.send(['CONFIG', 'SET', 'tls-protocols', ''])).toString()).toBe('+OK\r\n');
    c.close();
  });

  test('a session resumes with a ticket (tls-session-caching yes)', async () => {
    const client = { cert: readFileSync(f('client.crt')), key: readFileSync(f('client.key')), maxVersion: 'TLSv1.2' as const };
    const session = await new Promise<Buffer>((resolve, reject) => {
      const s = tls.connect({ port: tlsPort, host: '127.0.0.1', ca: readFileSync(f('ca.crt')), ...client });
      s.once('session', (sess: Buffer) => {
        resolve(sess);
        s.end();
      });
      s.on('error', reject);
    });
    const reused = await new Promise<boolean>((resolve, reject) => {
      const s = tls.connect({ port: tlsPort, host: '127.0.0.1', ca: readFileSync(f('ca.crt')), session, ...client }, () => {
        resolve(s.isSessionReused());
        s.end();
      });
      s.on('error', reject);
    });
    expect(reused).toBe(true);
  });
});

describe('TLS start-up', () => {
  test('an encrypted key with tls-key-file-pass, tls-auth-clients no, redis-cli without a certificate', async () => {
    const port = await freePort();
    const srv = await startSpindle(['--tls-port', String(port), '--tls-cert-file', f('server.crt'), '--tls-key-file', f('server-enc.key'), '--tls-key-file-pass', 'sekret', '--tls-auth-clients', 'no']);
    try {
      expect(await cli(port, null, 'PING')).toEqual([0, 'PONG']);
    } finally {
      await srv.stop();
    }
  });

  test('tls-ca-cert-dir, tls-ciphersuites, tls-ciphers, tls-prefer-server-ciphers, tls-session-caching no, tls-dh-params-file', async () => {
    const port = await freePort();
    mkdirSync(f('cadir'), { recursive: true });
    copyFileSync(f('ca.crt'), f('cadir/ca.pem'));
    const srv = await startSpindle([
      '--tls-port', String(port), '--tls-cert-file', f('server.crt'), '--tls-key-file', f('server.key'), '--tls-ca-cert-dir', f('cadir'),
      '--tls-ciphersuites', 'TLS_CHACHA20_POLY1305_SHA256', '--tls-ciphers', 'ECDHE-ECDSA-AES256-GCM-SHA384', '--tls-prefer-server-ciphers', 'yes',
      '--tls-session-caching', 'no', '--tls-dh-params-file', f('dh.pem'),
    ]);
    try {
      const client = { ca: readFileSync(f('ca.crt')), cert: readFileSync(f('client.crt')), key: readFileSync(f('client.key')), host: '127.0.0.1', port };
      const cipherOf = (opts: tls.ConnectionOptions): Promise<[string, boolean]> =>
        new Promise((resolve, reject) => {
          const s = tls.connect({ ...client, ...opts }, () => {
            const r: [string, boolean] = [s.getCipher().name, s.isSessionReused()];
            s.once('session', () => {});
            setTimeout(() => {
              s.end();
              resolve(r);
            }, 50);
          });
          s.on('error', reject);
        });
      const first = await cipherOf({}).catch(async (e: Error) => {
        await new Promise((r) => setTimeout(r, 1000));
        throw new Error(`${e.message}\n${srv.output()}`);
      });
      expect(first[0]).toBe('TLS_CHACHA20_POLY1305_SHA256');
      expect((await cipherOf({ maxVersion: 'TLSv1.2' }))[0]).toBe('ECDHE-ECDSA-AES256-GCM-SHA384');
      // No tickets: a TLS 1.2 session offered back is not resumed.
      const session = await new Promise<Buffer | null>((resolve, reject) => {
        const s = tls.connect({ ...client, maxVersion: 'TLSv1.2' }, () => {
          setTimeout(() => {
            resolve(s.getSession() ?? null);
            s.end();
          }, 50);
        });
        s.on('error', reject);
      });
      if (session !== null) expect((await cipherOf({ maxVersion: 'TLSv1.2', session }))[1]).toBe(false);
    } finally {
      await srv.stop();
    }
  });

  test('maxclients: the TLS connection over the limit gets the error over TLS', async () => {
    const port = await freePort();
    const srv = await startSpindle(['--maxclients', '1', '--tls-port', String(port), '--tls-cert-file', f('server.crt'), '--tls-key-file', f('server.key'), '--tls-auth-clients', 'no']);
    try {
      // The start-up probe's connection may not be freed yet: the first client retries.
      let first = await rawClient(srv.port);
      for (let i = 0; i < 50 && (await first.send(['PING'])).toString() !== '+PONG\r\n'; i++) {
        first.close();
        await new Promise((r) => setTimeout(r, 100));
        first = await rawClient(srv.port);
      }
      expect(await tlsPing(port, {})).toBe('-ERR max number of clients reached\r\n');
      first.close();
    } finally {
      await srv.stop();
    }
  });

  test('tls-port without a CA while tls-auth-clients is yes: Redis start-up error, exit 1', async () => {
    const port = await freePort();
    const out = await new Promise<string>((resolve) => {
      execFile(process.execPath, ['src/main.ts', '--port', '0', '--tls-port', String(port), '--tls-cert-file', f('server.crt'), '--tls-key-file', f('server.key')], { timeout: 20_000, cwd: REPO_ROOT }, (err, stdout, stderr) => {
        resolve(`${err?.code} ${stdout}${stderr}`);
      });
    });
    expect(out).toMatch(/^1 /);
    expect(out).toContain('Either tls-ca-cert-file or tls-ca-cert-dir must be specified when tls-cluster, tls-replication or tls-auth-clients are enabled!');
    expect(out).toContain('Failed to configure TLS. Check logs for more info.');
  });
});
