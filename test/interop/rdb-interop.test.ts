// RDB files and DUMP payloads between redis-server 7.0.15 and Spindle (npm run test:interop):
// every type and encoding is built with the same commands on both, then
//   - DEBUG DIGEST agrees (Redis's algorithm, every type) and so does every DIGEST-VALUE;
//   - Redis's RDB file loads into Spindle (same digest, same OBJECT ENCODING per key);
//   - Spindle's RDB file passes redis-check-rdb and loads into Redis (same digest);
//   - DUMP payloads are byte-identical, and restore both ways;
//   - corrupt and truncated files are refused with a log line naming the offset, exit status 1.
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { type RawClient, type ServerHandle, hasRedis, rawClient, startRedis, startSpindle } from '../helpers/servers.ts';
import { RdbWriter } from '../../src/store/rdb-encoding.ts';
import { RdbInput } from '../../src/store/rdb-value-reader.ts';

/**
 * A STREAM_LISTPACKS_2 DUMP payload rewritten as the v1 type (15) Redis 6.x wrote: no first-id,
 * max-deleted-id, entries-added, nor entries-read per group.
 */
function streamPayloadV1(v2: Buffer): Buffer {
  const inp = new RdbInput(v2, 1, v2.length - 10);
  const w = new RdbWriter();
  w.byte(15);
  const blocks = inp.length();
  w.length(blocks);
  for (let i = 0; i < blocks; i++) {
    w.string(inp.string(), false);
    w.string(inp.string(), false);
  }
  w.length(inp.length()); // length
  w.length(inp.length()); // last id ms
  w.length(inp.length()); // last id seq
  for (let i = 0; i < 5; i++) inp.length(); // first id, max deleted id, entries added
  const groups = inp.length();
  w.length(groups);
  for (let g = 0; g < groups; g++) {
    w.string(inp.string(), false);
    w.length(inp.length());
    w.length(inp.length());
    inp.lengthBig(); // entries read
    // The PELs and consumers are the same in both versions: copy the rest of this group.
    const pel = inp.length();
    w.length(pel);
    for (let i = 0; i < pel; i++) {
      w.raw(inp.raw(16 + 8));
      w.length(inp.length());
    }
    const consumers = inp.length();
    w.length(consumers);
    for (let c = 0; c < consumers; c++) {
      w.string(inp.string(), false);
      w.raw(inp.raw(8));
      const n = inp.length();
      w.length(n);
      for (let i = 0; i < n; i++) w.raw(inp.raw(16));
    }
  }
  w.footer();
  return Buffer.from(w.bytes());
}

const text = (b: Buffer): string => b.toString('latin1');

/** Commands building every type in every encoding 7.0 has (and keys in two databases). */
function fillCommands(): string[][] {
  const cmds: string[][] = [
    ['SET', 's:int', '12345'],
    ['SET', 's:neg', '-7'],
    ['SET', 's:big', '123456789012345'],
    ['SET', 's:emb', 'hello'],
    ['SET', 's:raw', 'a'.repeat(300)],
    ['SET', 's:mixed', Array.from({ length: 50 }, (_, i) => String.fromCharCode(32 + ((i * 7) % 90))).join('')],
    ['SET', 's:ttl', 'v', 'PX', '100000000'],
    ['SET', 's:bin', '\x00\x01\xff\r\n'],
    ['RPUSH', 'l:small', 'a', 'b', '1', '2', '-3', '300000'],
    ['HSET', 'h:small', 'f1', 'v1', 'f2', '2', '3', 'v3'],
    ['SADD', 'set:int', '1', '2', '3', '-100', '70000', '5000000000'],
    ['SADD', 'set:str', 'a', 'b', 'c', '1'],
    ['ZADD', 'z:small', '1', 'a', '2.5', 'b', '-3', 'c', '0.1', 'd'],
    ['ZADD', 'z:inf', 'inf', 'x', '-inf', 'y'],
    ['PFADD', 'hll', 'a', 'b', 'c'],
    ['SELECT', '3'],
    ['SET', 'other:db', '1'],
    ['HSET', 'h3', 'a', 'b'],
    ['SELECT', '0'],
  ];
  for (let i = 1; i <= 300; i++) cmds.push(['RPUSH', 'l:big', `elem-${i}-${'x'.repeat(20)}`, String(i)]);
  for (let i = 1; i <= 200; i++) cmds.push(['HSET', 'h:big', `field${i}`, `value${i}`]);
  for (let i = 1; i <= 600; i++) cmds.push(['SADD', 'set:bigint', String(i)]);
  for (let i = 1; i <= 200; i++) cmds.push(['ZADD', 'z:big', `${i}.25`, `member${i}`]);
  for (let i = 1; i <= 150; i++) cmds.push(['XADD', 'st:1', `${i}-1`, 'f', `v${i}`, 'g', String(i)]);
  cmds.push(
    ['CONFIG', 'SET', 'list-compress-depth', '1'],
    ['CONFIG', 'SET', 'list-max-listpack-size', '4'],
  );
  for (let i = 1; i <= 40; i++) cmds.push(['RPUSH', 'l:compressed', `compressible-element-${'z'.repeat(40)}-${i}`]);
  cmds.push(
    ['CONFIG', 'SET', 'list-compress-depth', '0'],
    ['CONFIG', 'SET', 'list-max-listpack-size', '-2'],
    ['XADD', 'st:1', '200-1', 'other', '1'],
    ['XDEL', 'st:1', '5-1'],
    ['XGROUP', 'CREATE', 'st:1', 'g1', '0'],
    ['XGROUP', 'CREATE', 'st:1', 'g2', '$'],
    ['XREADGROUP', 'GROUP', 'g1', 'alice', 'COUNT', '3', 'STREAMS', 'st:1', '>'],
    ['XREADGROUP', 'GROUP', 'g1', 'bob', 'COUNT', '2', 'STREAMS', 'st:1', '>'],
    ['XACK', 'st:1', 'g1', '1-1'],
    ['XADD', 'st:empty', '1-1', 'a', 'b'],
    ['XDEL', 'st:empty', '1-1'],
  );
  return cmds;
}

async function fill(c: RawClient): Promise<void> {
  for (const cmd of fillCommands()) {
    const r = await c.send(cmd);
    if (r[0] === 0x2d) throw new Error(`${cmd.join(' ')}: ${text(r)}`);
  }
}

async function keysOf(c: RawClient, db: number): Promise<string[]> {
  await c.send(['SELECT', String(db)]);
  const r = text(await c.send(['KEYS', '*']));
  await c.send(['SELECT', '0']);
  return r.split('\r\n').filter((l, i) => i > 0 && !l.startsWith('$') && l !== '').sort();
}

/** Waits for start-up loading to end (commands get -LOADING meanwhile). */
async function loaded(c: RawClient): Promise<RawClient> {
  while (/loading:1/.test(text(await c.send(['INFO', 'persistence'])))) await new Promise((r) => setTimeout(r, 50));
  return c;
}

async function digest(c: RawClient): Promise<string> {
  return text(await c.send(['DEBUG', 'DIGEST']));
}

/** Per key of db 0: digest-value, encoding, TTL presence. */
async function keyFacts(c: RawClient): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const k of await keysOf(c, 0)) {
    const dv = text(await c.send(['DEBUG', 'DIGEST-VALUE', k]));
    const enc = text(await c.send(['OBJECT', 'ENCODING', k]));
    const ttl = text(await c.send(['PTTL', k])) === ':-1\r\n' ? 'no-ttl' : 'ttl';
    out[k] = `${dv} ${enc} ${ttl}`;
  }
  return out;
}

const DEBUG = ['--enable-debug-command', 'yes'];

describe.skipIf(!hasRedis())('RDB and DUMP interop with redis-server 7.0.15', () => {
  let work: string;
  let redis: ServerHandle;
  let spindle: ServerHandle;
  let rc: RawClient;
  let sc: RawClient;

  beforeAll(async () => {
    work = mkdtempSync(path.join(tmpdir(), 'rdb-interop-'));
    redis = await startRedis(DEBUG);
    spindle = await startSpindle(DEBUG);
    rc = await rawClient(redis.port);
    sc = await rawClient(spindle.port);
    await fill(rc);
    await fill(sc);
  }, 60_000);

  afterAll(async () => {
    rc?.close();
    sc?.close();
    await redis?.stop();
    await spindle?.stop();
    rmSync(work, { recursive: true, force: true });
  });

  test('the same commands give the same DEBUG DIGEST, key by key and in total', async () => {
    expect(await keyFacts(sc)).toEqual(await keyFacts(rc));
    expect(await digest(sc)).toBe(await digest(rc));
    expect(await digest(sc)).not.toBe('+0000000000000000000000000000000000000000\r\n');
  });

  test('DUMP payloads are byte-identical for every key not in a hashtable (whose order is its own)', async () => {
    for (const k of await keysOf(rc, 0)) {
      if (text(await rc.send(['OBJECT', 'ENCODING', k])).includes('hashtable')) continue;
      if (k === 'st:1') continue; // consumer seen-times and delivery times are timestamps
      expect(text(await sc.send(['DUMP', k])), k).toBe(text(await rc.send(['DUMP', k])));
    }
  });

  test('DUMP payloads restore both ways', async () => {
    for (const k of await keysOf(rc, 0)) {
      const fromRedis = await rc.send(['DUMP', k]);
      const fromSpindle = await sc.send(['DUMP', k]);
      const payload = (b: Buffer): Buffer => {
        const nl = b.indexOf('\r\n');
        return b.subarray(nl + 2, b.length - 2);
      };
      expect(text(await sc.send(['RESTORE', `copy:${k}`, '0', payload(fromRedis)])), k).toBe('+OK\r\n');
      expect(text(await rc.send(['RESTORE', `copy:${k}`, '0', payload(fromSpindle)])), k).toBe('+OK\r\n');
      const a = text(await sc.send(['DEBUG', 'DIGEST-VALUE', `copy:${k}`]));
      const b = text(await rc.send(['DEBUG', 'DIGEST-VALUE', `copy:${k}`]));
      expect(a, k).toBe(b);
      if (k !== 's:ttl') expect(a, k).toBe(text(await sc.send(['DEBUG', 'DIGEST-VALUE', k])));
      await sc.send(['DEL', `copy:${k}`]);
      await rc.send(['DEL', `copy:${k}`]);
    }
  });

  test('a v1 stream payload (Redis 6 layout) restores on both with the same derived fields', async () => {
    const reply = await rc.send(['DUMP', 'st:1']);
    const nl = reply.indexOf('\r\n');
    const v1 = streamPayloadV1(reply.subarray(nl + 2, reply.length - 2));
    expect(text(await rc.send(['RESTORE', 'v1', '0', v1]))).toBe('+OK\r\n');
    expect(text(await sc.send(['RESTORE', 'v1', '0', v1]))).toBe('+OK\r\n');
    expect(text(await sc.send(['XINFO', 'STREAM', 'v1']))).toBe(text(await rc.send(['XINFO', 'STREAM', 'v1'])));
    expect(text(await sc.send(['XINFO', 'GROUPS', 'v1']))).toBe(text(await rc.send(['XINFO', 'GROUPS', 'v1'])));
    await sc.send(['DEL', 'v1']);
    await rc.send(['DEL', 'v1']);
  });

  test('redis-cli -x RESTORE takes a payload from stdin, as with Redis', async () => {
    const reply = await rc.send(['DUMP', 'z:small']);
    const nl = reply.indexOf('\r\n');
    const payload = reply.subarray(nl + 2, reply.length - 2);
    const out = execFileSync('redis-cli', ['-p', String(spindle.port), '-x', 'RESTORE', 'from:cli', '0'], { input: payload }).toString();
    expect(out.trim()).toBe('OK');
    expect(text(await sc.send(['DEBUG', 'DIGEST-VALUE', 'from:cli']))).toBe(text(await sc.send(['DEBUG', 'DIGEST-VALUE', 'z:small'])));
    await sc.send(['DEL', 'from:cli']);
  });

  test("Redis's RDB file loads into Spindle with the same digest and encodings", async () => {
    // DEBUG RELOAD saves and loads: Redis's encodings become those of a loaded dataset too.
    expect(text(await rc.send(['DEBUG', 'RELOAD']))).toBe('+OK\r\n');
    const dir = mkdtempSync(path.join(work, 'to-spindle-'));
    copyFileSync(path.join(redis.dir, 'dump.rdb'), path.join(dir, 'dump.rdb'));
    const s2 = await startSpindle([...DEBUG, '--dir', dir]);
    const c2 = await loaded(await rawClient(s2.port));
    try {
      expect(await digest(c2)).toBe(await digest(rc));
      expect(await keyFacts(c2)).toEqual(await keyFacts(rc));
      expect(await keysOf(c2, 3)).toEqual(['h3', 'other:db']);
      expect(text(await c2.send(['XINFO', 'GROUPS', 'st:1']))).toBe(text(await rc.send(['XINFO', 'GROUPS', 'st:1'])));
      expect(text(await c2.send(['XPENDING', 'st:1', 'g1', '-', '+', '10', 'alice'])).replace(/:\d+\r\n:1\r\n/g, '')).toBe(
        text(await rc.send(['XPENDING', 'st:1', 'g1', '-', '+', '10', 'alice'])).replace(/:\d+\r\n:1\r\n/g, ''),
      );
      expect(s2.output()).toMatch(/Done loading RDB, keys loaded: 24, keys expired: 0/);
    } finally {
      c2.close();
      await s2.stop();
    }
  }, 30_000);

  test("Spindle's RDB file passes redis-check-rdb and loads into Redis with the same digest", async () => {
    expect(text(await sc.send(['DEBUG', 'RELOAD']))).toBe('+OK\r\n');
    const file = path.join(spindleDir(spindle), 'dump.rdb');
    const check = execFileSync('redis-check-rdb', [file], { encoding: 'utf8' });
    expect(check).toMatch(/RDB looks OK!/);
    const dir = mkdtempSync(path.join(work, 'to-redis-'));
    copyFileSync(file, path.join(dir, 'dump.rdb'));
    const r2 = await startRedis([...DEBUG, '--dir', dir]);
    const c2 = await loaded(await rawClient(r2.port));
    try {
      expect(await digest(c2)).toBe(await digest(sc));
      expect(await keyFacts(c2)).toEqual(await keyFacts(sc));
      expect(text(await c2.send(['XINFO', 'GROUPS', 'st:1']))).toBe(text(await sc.send(['XINFO', 'GROUPS', 'st:1'])));
    } finally {
      c2.close();
      await r2.stop();
    }
  }, 30_000);

  test('IDLE and FREQ records travel both ways under LRU / LFU policies', async () => {
    for (const [policy, opt, value, probe] of [
      ['allkeys-lru', 'IDLETIME', '1000', 'IDLETIME'],
      ['allkeys-lfu', 'FREQ', '77', 'FREQ'],
    ] as const) {
      const args = [...DEBUG, '--maxmemory-policy', policy];
      const r = await startRedis(args);
      const s = await startSpindle(args);
      const rc2 = await rawClient(r.port);
      const sc2 = await rawClient(s.port);
      try {
        const dumped = await rc.send(['DUMP', 's:emb']);
        const payload = dumped.subarray(dumped.indexOf('\r\n') + 2, dumped.length - 2);
        for (const c of [rc2, sc2]) {
          expect(text(await c.send(['RESTORE', 'k', '0', payload, opt, value]))).toBe('+OK\r\n');
          expect(text(await c.send(['SAVE']))).toBe('+OK\r\n');
        }
        // Each server's file loads into the other one.
        const pairs: [ServerHandle, ServerHandle, () => Promise<ServerHandle>][] = [
          [r, s, () => startSpindle([...args, '--dir', copyDir(r)])],
          [s, r, () => startRedis([...args, '--dir', copyDir(s)])],
        ];
        for (const [, , start] of pairs) {
          const h = await start();
          const c = await loaded(await rawClient(h.port));
          const got = Number(text(await c.send(['OBJECT', probe, 'k'])).slice(1));
          if (probe === 'IDLETIME') expect(got).toBeGreaterThanOrEqual(1000);
          else expect(got).toBe(77);
          c.close();
          await h.stop();
        }
      } finally {
        rc2.close();
        sc2.close();
        await r.stop();
        await s.stop();
      }
    }
    function copyDir(h: ServerHandle): string {
      const dir = mkdtempSync(path.join(work, 'meta-'));
      copyFileSync(path.join(h.dir, 'dump.rdb'), path.join(dir, 'dump.rdb'));
      return dir;
    }
  }, 60_000);

  test('100k keys (DEBUG POPULATE) round trip both ways with the same DEBUG DIGEST', async () => {
    const r = await startRedis(DEBUG);
    const s = await startSpindle(DEBUG);
    const rc2 = await rawClient(r.port);
    const sc2 = await rawClient(s.port);
    try {
      for (const c of [rc2, sc2]) {
        await c.send(['DEBUG', 'POPULATE', '100000'], 60_000);
        await c.send(['EXPIRE', 'key:7', '100000']);
        expect(text(await c.send(['SAVE'], 60_000))).toBe('+OK\r\n');
      }
      const d = await digest(rc2);
      expect(await digest(sc2)).toBe(d);
      for (const [from, start] of [
        [r, (dir: string) => startSpindle([...DEBUG, '--dir', dir])],
        [s, (dir: string) => startRedis([...DEBUG, '--dir', dir])],
      ] as const) {
        const dir = mkdtempSync(path.join(work, 'big-'));
        copyFileSync(path.join(from.dir, 'dump.rdb'), path.join(dir, 'dump.rdb'));
        const h = await start(dir);
        const c = await loaded(await rawClient(h.port));
        expect(await digest(c)).toBe(d);
        c.close();
        await h.stop();
      }
    } finally {
      rc2.close();
      sc2.close();
      await r.stop();
      await s.stop();
    }
  }, 120_000);

  test('function libraries travel in RDB files both ways (FUNCTION2 records)', async () => {
    const code = "#!lua name=rdblib\nredis.register_function('rdbf', function() return 'from-rdb' end)";
    const r = await startRedis(DEBUG);
    const s = await startSpindle(DEBUG);
    const rc2 = await rawClient(r.port);
    const sc2 = await rawClient(s.port);
    try {
      for (const c of [rc2, sc2]) {
        expect(text(await c.send(['FUNCTION', 'LOAD', code]))).toBe('$6\r\nrdblib\r\n');
        expect(text(await c.send(['SET', 'k', 'v']))).toBe('+OK\r\n');
        expect(text(await c.send(['SAVE']))).toBe('+OK\r\n');
      }
      expect(text(await sc2.send(['DEBUG', 'RELOAD']))).toBe('+OK\r\n');
      expect(text(await sc2.send(['FCALL', 'rdbf', '0']))).toBe('$8\r\nfrom-rdb\r\n');
      for (const [from, start] of [
        [r, (dir: string) => startSpindle([...DEBUG, '--dir', dir])],
        [s, (dir: string) => startRedis([...DEBUG, '--dir', dir])],
      ] as const) {
        const dir = mkdtempSync(path.join(work, 'fn-'));
        copyFileSync(path.join(from.dir, 'dump.rdb'), path.join(dir, 'dump.rdb'));
        const h = await start(dir);
        const c = await loaded(await rawClient(h.port));
        expect(text(await c.send(['FCALL', 'rdbf', '0']))).toBe('$8\r\nfrom-rdb\r\n');
        expect(text(await c.send(['GET', 'k']))).toBe('$1\r\nv\r\n');
        c.close();
        await h.stop();
      }
    } finally {
      rc2.close();
      sc2.close();
      await r.stop();
      await s.stop();
    }
  }, 60_000);

  test('a corrupt or truncated RDB file is refused with a log line naming the offset', async () => {
    expect(text(await sc.send(['SAVE']))).toBe('+OK\r\n');
    const good = readFileSync(path.join(spindleDir(spindle), 'dump.rdb'));
    const cases: [string, Buffer][] = [
      ['truncated', good.subarray(0, Math.floor(good.length / 2))],
      ['bad checksum', Buffer.concat([good.subarray(0, good.length - 1), Buffer.from([good[good.length - 1] ^ 1])])],
      ['flipped type byte', (() => {
        const b = Buffer.from(good);
        const at = b.indexOf('s:raw') - 2;
        b[at] = 0x63;
        return b;
      })()],
      ['not an RDB file', Buffer.from('hello world, not a dump')],
    ];
    for (const [what, bytes] of cases) {
      const dir = mkdtempSync(path.join(work, 'corrupt-'));
      writeFileSync(path.join(dir, 'dump.rdb'), bytes);
      // Like Redis, Spindle listens before it loads: it may accept a connection, then exits.
      let out: string;
      let code: number | null;
      try {
        const s = await startSpindle(['--dir', dir], { timeoutMs: 8000 });
        if (s.proc.exitCode === null) await new Promise((r) => s.proc.once('exit', r));
        out = s.output();
        code = s.proc.exitCode;
        await s.stop();
      } catch (e) {
        out = String(e);
        code = /exit code 1/.test(out) ? 1 : -1;
      }
      expect(out, what).toMatch(/offset \d+/);
      expect(code, what).toBe(1);
      expect(out, what).not.toMatch(/\n\s+at /); // no stack trace
      // The refused file is left as it was.
      expect(readFileSync(path.join(dir, 'dump.rdb')).equals(bytes), what).toBe(true);
    }
  }, 60_000);
});

function spindleDir(h: ServerHandle): string {
  return h.dir;
}
