/*
 * TLS for client connections (tls-port), with Node's tls module.
 *
 * The tls-* configs become a TlsSetup: plain data (PEM text, numbers, flags) that can be posted
 * to the I/O workers, each of which builds its own SecureContext from it. A connection accepted
 * on the TLS listener is wrapped in a server-side TLSSocket by whichever thread owns the socket:
 * the main thread with io-threads 1, the worker it is handed to otherwise (the raw TCP socket is
 * transferred as for plain clients; the worker does the handshake and the crypto, which is
 * where the CPU goes). The plain-TCP path is not touched: a TLS client differs only in how its
 * socket is made. Every context of one server shares one set of session-ticket keys, so a session
 * resumes whichever worker it lands on.
 *
 * Redis's rules kept here: tls-auth-clients "yes" requires a client certificate signed by the
 * CA, "optional" accepts a client without one but still refuses a bad one, "no" asks for none;
 * a CA (tls-ca-cert-file or -dir) is required unless tls-auth-clients is "no"; tls-protocols is
 * a space-separated list of TLSv1, TLSv1.1, TLSv1.2, TLSv1.3 (default TLSv1.2 and TLSv1.3; Node
 * can only express a contiguous range, so the lowest and highest named are used);
 * tls-ciphers is the TLS 1.2 cipher list and tls-ciphersuites the TLS 1.3 suites (Node takes
 * both in one list); tls-session-caching no turns session tickets off; tls-session-cache-timeout
 * is the ticket lifetime. Node keeps no stateful server-side session cache (it resumes through
 * tickets only), so tls-session-cache-size is accepted and has no effect.
 */
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import type { Socket } from 'node:net';
import { constants as cryptoConstants } from 'node:crypto';
import { createSecureContext, DEFAULT_CIPHERS, TLSSocket, type SecureContext } from 'node:tls';

/** What a thread needs to build the server's TLS context (structured-cloneable). */
export interface TlsSetup {
  cert: string;
  key: string;
  passphrase: string;
  ca: string[];
  dhparam: string;
  ciphers: string;
  minVersion: 'TLSv1' | 'TLSv1.1' | 'TLSv1.2' | 'TLSv1.3';
  maxVersion: 'TLSv1' | 'TLSv1.1' | 'TLSv1.2' | 'TLSv1.3';
  honorCipherOrder: boolean;
  sessionCaching: boolean;
  sessionTimeout: number;
  ticketKeys: Uint8Array;
  auth: 'yes' | 'no' | 'optional';
}

/** The tls-* config values TlsSetup is made from. */
export interface TlsConfigValues {
  certFile: string;
  keyFile: string;
  keyFilePass: string;
  caCertFile: string;
  caCertDir: string;
  dhParamsFile: string;
  protocols: string;
  ciphers: string;
  ciphersuites: string;
  preferServerCiphers: boolean;
  sessionCaching: boolean;
  sessionCacheTimeout: number;
  authClients: string;
}

const PROTOCOLS = ['TLSv1', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3'] as const;

/** Reads a file named by a config, with the config's name in the error. */
function readConfigFile(file: string, what: string): string {
  try {
    return readFileSync(file, 'latin1');
  } catch (e) {
    throw new Error(`Failed to load ${what} ${file}: ${(e as Error).message}`);
  }
}

/** Builds the setup, or throws an Error whose message is what Redis would log. */
export function tlsSetup(v: TlsConfigValues, ticketKeys: Uint8Array): TlsSetup {
  if (v.certFile === '') throw new Error('No tls-cert-file configured!');
  if (v.keyFile === '') throw new Error('No tls-key-file configured!');
  const auth = v.authClients === 'no' || v.authClients === 'optional' ? v.authClients : 'yes';
  const ca: string[] = [];
  if (v.caCertFile !== '') ca.push(readConfigFile(v.caCertFile, 'CA certificate(s) file'));
  if (v.caCertDir !== '') {
    let names: string[];
    try {
      names = readdirSync(v.caCertDir);
    } catch (e) {
      throw new Error(`Failed to configure CA certificate(s) file/directory: ${(e as Error).message}`);
    }
    for (const n of names.sort()) {
      const f = path.join(v.caCertDir, n);
      try {
        if (!statSync(f).isFile()) continue;
        const text = readFileSync(f, 'latin1');
        if (text.includes('-----BEGIN CERTIFICATE-----')) ca.push(text);
      } catch {
        // unreadable entries are skipped, as OpenSSL's directory lookup would
      }
    }
  }
  if (auth !== 'no' && ca.length === 0 && v.caCertFile === '' && v.caCertDir === '') {
    throw new Error('Either tls-ca-cert-file or tls-ca-cert-dir must be specified when tls-cluster, tls-replication or tls-auth-clients are enabled!');
  }
  let minVersion: TlsSetup['minVersion'] = 'TLSv1.2';
  let maxVersion: TlsSetup['maxVersion'] = 'TLSv1.3';
  const words = v.protocols.trim() === '' ? [] : v.protocols.trim().split(/\s+/);
  if (words.length > 0) {
    let lo: number = PROTOCOLS.length;
    let hi = -1;
    for (const w of words) {
      const i = PROTOCOLS.findIndex((p) => p.toLowerCase() === w.toLowerCase());
      if (i < 0) throw new Error(`Invalid tls-protocols specified. Use a combination of 'TLSv1', 'TLSv1.1', 'TLSv1.2' and 'TLSv1.3'.`);
      lo = Math.min(lo, i);
      hi = Math.max(hi, i);
    }
    minVersion = PROTOCOLS[lo] as TlsSetup['minVersion'];
    maxVersion = PROTOCOLS[hi] as TlsSetup['maxVersion'];
  }
  const defaults = DEFAULT_CIPHERS.split(':');
  const suites = v.ciphersuites !== '' ? v.ciphersuites : defaults.filter((c) => c.startsWith('TLS_')).join(':');
  const ciphers12 = v.ciphers !== '' ? v.ciphers : defaults.filter((c) => !c.startsWith('TLS_')).join(':');
  const setup: TlsSetup = {
    cert: readConfigFile(v.certFile, 'certificate'),
    key: readConfigFile(v.keyFile, 'private key'),
    passphrase: v.keyFilePass,
    ca,
    dhparam: v.dhParamsFile !== '' ? readConfigFile(v.dhParamsFile, 'DH params file') : '',
    ciphers: `${suites}:${ciphers12}`,
    minVersion,
    maxVersion,
    honorCipherOrder: v.preferServerCiphers,
    sessionCaching: v.sessionCaching,
    sessionTimeout: v.sessionCacheTimeout,
    ticketKeys,
    auth,
  };
  // Fails here, on the thread that reads the config, rather than in a worker later.
  secureContextOf(setup);
  return setup;
}

/** New random session-ticket keys (one set per server, shared by all its contexts). */
export function newTicketKeys(): Uint8Array {
  return randomBytes(48);
}

function secureContextOf(s: TlsSetup): SecureContext {
  let ctx: SecureContext;
  try {
    ctx = createSecureContext({
      cert: s.cert,
      key: s.key,
      passphrase: s.passphrase !== '' ? s.passphrase : undefined,
      ca: s.ca.length > 0 ? s.ca : undefined,
      dhparam: s.dhparam !== '' ? s.dhparam : undefined,
      ciphers: s.ciphers,
      minVersion: s.minVersion,
      maxVersion: s.maxVersion,
      honorCipherOrder: s.honorCipherOrder,
      sessionTimeout: s.sessionTimeout,
      ticketKeys: Buffer.from(s.ticketKeys),
      secureOptions: s.sessionCaching ? 0 : cryptoConstants.SSL_OP_NO_TICKET,
    });
  } catch (e) {
    throw new Error(`Failed to configure TLS: ${(e as Error).message}`);
  }
  // OpenSSL refuses to resume (or, with client certificates, to finish a TLS 1.2 handshake that
  // offers a session) without a session id context; tls.Server sets one the same way.
  (ctx as unknown as { context: { setSessionIdContext(id: string): void } }).context.setSessionIdContext('spindle');
  return ctx;
}

/** Whether the peer sent a certificate. */
function hasPeerCert(t: TLSSocket): boolean {
  const c = t.getPeerCertificate();
  return c !== null && Object.keys(c).length > 0;
}

/** Wraps accepted sockets of one TLS setup (one per thread that owns sockets). */
export class TlsAcceptor {
  readonly setup: TlsSetup;
  private readonly context: SecureContext;

  constructor(setup: TlsSetup) {
    this.setup = setup;
    this.context = secureContextOf(setup);
  }

  /**
   * The server side of a TLS connection over `raw` (accepted, paused), delivering decrypted
   * bytes to onRead. A client refused by tls-auth-clients is destroyed after the handshake,
   * before any of its bytes are read.
   */
  wrap(raw: Socket, onRead: (bytes: Uint8Array) => void): TLSSocket {
    const auth = this.setup.auth;
    const t = new TLSSocket(raw, {
      isServer: true,
      secureContext: this.context,
      requestCert: auth !== 'no',
      rejectUnauthorized: false,
    });
    let verified = auth === 'no';
    const pending: Uint8Array[] = [];
    t.on('secure', () => {
      // A TLSSocket made outside a tls.Server does not set `authorized`: ask OpenSSL, as
      // tls.Server does. "yes": a verified certificate is required; "optional": none is fine,
      // a bad one is not.
      if (auth !== 'no') {
        const handle = (t as unknown as { _handle: { verifyError(): Error | null } | null })._handle;
        const err = handle === null ? new Error('closed') : handle.verifyError();
        if (err !== null && !(auth === 'optional' && !hasPeerCert(t))) {
          t.destroy();
          return;
        }
      }
      verified = true;
      for (const b of pending) onRead(b);
      pending.length = 0;
    });
    t.on('data', (b: Buffer) => {
      if (verified) onRead(b);
      else pending.push(b);
    });
    raw.resume();
    return t;
  }
}
