// RDB writer and loader in process (src/persistence/rdb-writer.ts, rdb-loader.ts,
// src/store/rdb-value-*.ts): CRC64 test vector, round trips of every type, every truncation of
// a file refused with RdbError and nothing left loaded, corrupted files and DUMP payloads refused
// or loaded but never crashing.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { type InProcess, startInProcess } from '../helpers/in-process.ts';
import { datasetDigest } from '../../src/persistence/digest.ts';
import { RdbError, loadRdb } from '../../src/persistence/rdb-loader.ts';
import { writeRdbSync } from '../../src/persistence/rdb-save.ts';
import { Crc64, crc64 } from '../../src/store/rdb-encoding.ts';
import { rng } from '../helpers/rng.ts';
import type { Client } from '../../src/server/client.ts';

let ip: InProcess;
let cli: Client;

function run(...args: string[]): string {
  return Buffer.from(ip.server.runCommand(cli, args)).toString('latin1');
}

function runBytes(args: (string | Uint8Array)[]): string {
  return Buffer.from(ip.server.runCommand(cli, args)).toString('latin1');
}

function fill(): void {
  run('FLUSHALL');
  run('CONFIG', 'SET', 'hash-max-listpack-entries', '128');
  run('CONFIG', 'SET', 'zset-max-listpack-entries', '128');
  run('SET', 'int', '42');
  run('SET', 'str', 'hello world');
  run('SET', 'long', 'x'.repeat(200));
  run('SET', 'ttl', 'v', 'EX', '10000');
  run('RPUSH', 'list', 'a', 'b', '1', '2');
  for (let i = 0; i < 300; i++) run('RPUSH', 'biglist', `element-${i}`);
  run('HSET', 'hash', 'f', 'v', 'g', '1');
  for (let i = 0; i < 200; i++) run('HSET', 'bighash', `f${i}`, `v${i}`);
  run('SADD', 'iset', '1', '2', '3');
  run('SADD', 'sset', 'a', 'b');
  run('ZADD', 'zset', '1', 'a', '2', 'b');
  for (let i = 0; i < 200; i++) run('ZADD', 'bigzset', String(i / 3), `m${i}`);
  run('XADD', 'stream', '1-1', 'f', 'v');
  run('XADD', 'stream', '2-1', 'f', 'w');
  run('XGROUP', 'CREATE', 'stream', 'g', '0');
  run('XREADGROUP', 'GROUP', 'g', 'c', 'COUNT', '1', 'STREAMS', 'stream', '>');
  run('SELECT', '5');
  run('SET', 'in5', 'x');
  run('SELECT', '0');
}

function fileBytes(): Buffer {
  const parts: Buffer[] = [];
  writeRdbSync(ip.server, (chunk) => parts.push(Buffer.from(chunk)));
  return Buffer.concat(parts);
}

function totalKeys(): number {
  return ip.server.dbs.reduce((n, db) => n + db.count, 0);
}

beforeAll(async () => {
  ip = await startInProcess();
  cli = ip.server.createSocketlessClient();
});

afterAll(() => ip?.stop());

describe('CRC64', () => {
  test("Redis's test vector and chunked updates", () => {
    expect(crc64(Buffer.from('123456789'))).toBe(0xe9c6d914c4b8d9can);
    const c = new Crc64();
    c.update(Buffer.from('1234'));
    c.update(Buffer.from('56789'));
    expect(c.value).toBe(0xe9c6d914c4b8d9can);
  });
});

describe('RDB files', () => {
  test('a saved file loads back to the same digest', () => {
    fill();
    const digest = datasetDigest(ip.server.dbs);
    const bytes = fileBytes();
    expect(bytes.subarray(0, 9).toString()).toBe('REDIS0010');
    run('FLUSHALL');
    const info = loadRdb(ip.server, bytes);
    expect(info.keysLoaded).toBe(14);
    expect(datasetDigest(ip.server.dbs)).toBe(digest);
    expect(run('OBJECT', 'ENCODING', 'bighash')).toBe('$9\r\nhashtable\r\n');
    expect(run('OBJECT', 'ENCODING', 'iset')).toBe('$6\r\nintset\r\n');
    expect(run('OBJECT', 'ENCODING', 'bigzset')).toBe('$8\r\nskiplist\r\n');
  });

  test('every truncation is refused with RdbError and leaves nothing loaded', () => {
    fill();
    const bytes = fileBytes();
    run('FLUSHALL');
    for (let n = 0; n < bytes.length; n++) {
      let err: unknown = null;
      try {
        loadRdb(ip.server, bytes.subarray(0, n));
      } catch (e) {
        err = e;
      }
      expect(err, `prefix ${n}`).toBeInstanceOf(RdbError);
      expect((err as RdbError).offset).toBeGreaterThanOrEqual(0);
      expect(totalKeys(), `prefix ${n}`).toBe(0);
    }
  });

  test('corrupted bytes are refused or loaded, never a crash (checksum off to reach the decoders)', () => {
    fill();
    // Deep validation (as sanitize-dump-payload yes): whatever loads must be readable.
    run('CONFIG', 'SET', 'sanitize-dump-payload', 'yes');
    const good = fileBytes();
    const rnd = rng(1207);
    let refused = 0;
    for (let trial = 0; trial < 400; trial++) {
      const b = Buffer.from(good);
      b.fill(0, b.length - 8); // CRC 0: not checked
      const flips = 1 + Math.floor(rnd() * 3);
      for (let i = 0; i < flips; i++) b[9 + Math.floor(rnd() * (b.length - 17))] = Math.floor(rnd() * 256);
      run('FLUSHALL');
      try {
        loadRdb(ip.server, b);
        // Loaded: the dataset must be usable.
        datasetDigest(ip.server.dbs);
      } catch (e) {
        expect(e, `trial ${trial}`).toBeInstanceOf(RdbError);
        refused++;
      }
    }
    run('CONFIG', 'SET', 'sanitize-dump-payload', 'no');
    expect(refused).toBeGreaterThan(0);
  });

  test('a wrong checksum is refused', () => {
    fill();
    const b = fileBytes();
    b[b.length - 1] ^= 0xff;
    run('FLUSHALL');
    expect(() => loadRdb(ip.server, b)).toThrow(/Wrong RDB checksum/);
  });
});

describe('RESTORE of corrupted payloads (sanitize-dump-payload yes)', () => {
  test('refused with an error or restored, and the server keeps working', () => {
    fill();
    run('CONFIG', 'SET', 'sanitize-dump-payload', 'yes');
    const keys = ['int', 'str', 'long', 'list', 'biglist', 'hash', 'bighash', 'iset', 'sset', 'zset', 'bigzset', 'stream'];
    const rnd = rng(7);
    for (const k of keys) {
      const reply = ip.server.runCommand(cli, ['DUMP', k]);
      const s = Buffer.from(reply);
      const nl = s.indexOf('\r\n');
      const payload = s.subarray(nl + 2, s.length - 2);
      for (let trial = 0; trial < 60; trial++) {
        const p = Buffer.from(payload);
        const at = Math.floor(rnd() * (p.length - 10));
        p[at] = Math.floor(rnd() * 256);
        const body = p.subarray(0, p.length - 8);
        p.writeBigUInt64LE(crc64(body), p.length - 8);
        const r = runBytes(['RESTORE', 'target', '0', p, 'REPLACE']);
        expect(['+OK\r\n', '-ERR Bad data format\r\n', '-ERR DUMP payload version or checksum are wrong\r\n'], `${k} ${trial} ${r}`).toContain(r);
        if (r === '+OK\r\n') {
          // Whatever was accepted must be readable.
          run('DEBUG', 'DIGEST-VALUE', 'target');
          run('TYPE', 'target');
        }
      }
    }
    run('CONFIG', 'SET', 'sanitize-dump-payload', 'no');
    expect(run('PING')).toBe('+PONG\r\n');
  });
});
