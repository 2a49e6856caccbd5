/*
 * Pub/sub across connections (src/server/pubsub.ts, src/commands/pubsub.ts): fan-out to channel,
 * pattern and shard subscribers, binary names and payloads, per-subscriber order over thousands
 * of messages, subscribers leaving mid-stream, unsubscribe-all, RESP3 subscribers (node-redis and
 * raw), PUBSUB/INFO/CLIENT LIST views, and keyspace notifications (SET/DEL/EXPIRE and active
 * expiry). One-connection behaviour is compared byte for byte with redis-server 7.0.15 in
 * test/golden/cases/pubsub.txt; what is asserted here was checked against redis-server 7.0.15 too.
 * Runs with io-threads 1 and (SPINDLE_IO_THREADS=4) 4, where subscribers sit on other workers.
 * INTEGRATION_SERVER=redis runs the same tests against a real redis-server (to validate them).
 */
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { createClient } from 'redis';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { decode, strs } from '../helpers/resp.ts';
import { encodeCommand, rawClient, startRedis, startSpindle, type RawClient, type ServerHandle } from '../helpers/servers.ts';

let srv: ServerHandle;
let admin: RawClient;
let open: { close(): void }[] = [];

beforeAll(async () => {
  srv = process.env.INTEGRATION_SERVER === 'redis' ? await startRedis() : await startSpindle();
  admin = await rawClient(srv.port);
});

afterAll(async () => {
  admin?.close();
  await srv?.stop();
});

const s = (b: Buffer) => b.toString('latin1');
const sleep = (ms: number) => new Promise<void>((res) => setTimeout(res, ms));

async function waitFor(what: string, check: () => Promise<boolean> | boolean, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(5);
  }
}

async function statsField(name: string): Promise<number> {
  const text = s(await admin.send(['INFO', 'stats']));
  const m = new RegExp(`\r\n${name}:(\\d+)`).exec(text);
  if (m === null) throw new Error(`no ${name} in INFO stats`);
  return Number(m[1]);
}

/** No subscription of an earlier test's (closed) clients is left. */
async function settled(): Promise<boolean> {
  return (
    (await statsField('pubsub_channels')) === 0 &&
    (await statsField('pubsub_patterns')) === 0 &&
    (await statsField('pubsubshard_channels')) === 0
  );
}

beforeEach(async () => {
  await admin.send(['FLUSHALL']);
  await waitFor('the previous test\'s subscribers to go', settled);
});

afterEach(() => {
  for (const c of open) c.close();
  open = [];
});

async function client(): Promise<RawClient> {
  const c = await rawClient(srv.port);
  open.push(c);
  return c;
}

/** A raw connection that ran `cmd` (optionally after HELLO 3) and read its `confirmations`. */
async function subscriber(cmd: string[], confirmations: number, resp3 = false): Promise<RawClient> {
  const c = await client();
  if (resp3) await c.send(['HELLO', '3']);
  c.sendRaw(encodeCommand(cmd));
  for (let i = 0; i < confirmations; i++) await c.readReply();
  return c;
}

async function next(c: RawClient, timeoutMs?: number): Promise<(string | null)[]> {
  return strs(decode(await c.readReply(timeoutMs)));
}

async function publish(channel: string | Buffer, message: string | Buffer, cmd = 'PUBLISH'): Promise<string> {
  return s(await admin.send([cmd, channel, message]));
}

function ioredis(): Redis {
  const r = new Redis({ port: srv.port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 0 });
  open.push({ close: () => r.disconnect() });
  return r;
}

describe('fan-out', () => {
  test('a publish reaches each channel and pattern subscription once, and counts them', async () => {
    const s1 = await subscriber(['SUBSCRIBE', 'news'], 1);
    const s2 = await subscriber(['SUBSCRIBE', 'news', 'other'], 2);
    const s3 = await subscriber(['PSUBSCRIBE', 'n*'], 1);
    const s4 = await subscriber(['SUBSCRIBE', 'news'], 1);
    s4.sendRaw(encodeCommand(['PSUBSCRIBE', 'ne?s', '*s']));
    expect(await next(s4)).toEqual(['psubscribe', 'ne?s', '2']);
    expect(await next(s4)).toEqual(['psubscribe', '*s', '3']);

    expect(await publish('news', 'hi')).toBe(':6\r\n');
    expect(await next(s1)).toEqual(['message', 'news', 'hi']);
    expect(await next(s2)).toEqual(['message', 'news', 'hi']);
    expect(await next(s3)).toEqual(['pmessage', 'n*', 'news', 'hi']);
    // Channel subscribers first, then the patterns (in Redis's pattern-dict order: compare as a set).
    expect(await next(s4)).toEqual(['message', 'news', 'hi']);
    const pm = [await next(s4), await next(s4)].map((m) => m.join(' ')).sort();
    expect(pm).toEqual(['pmessage *s news hi', 'pmessage ne?s news hi']);

    expect(await publish('other', 'x')).toBe(':1\r\n');
    expect(await next(s2)).toEqual(['message', 'other', 'x']);
    expect(await publish('nothing-here', 'x')).toBe(':1\r\n'); // n*
    expect(await next(s3)).toEqual(['pmessage', 'n*', 'nothing-here', 'x']);

    // A second subscriber of an existing pattern: NUMPAT counts patterns, not subscriptions.
    await subscriber(['PSUBSCRIBE', 'n*'], 1);
    expect(strs(decode(await admin.send(['PUBSUB', 'NUMSUB', 'news', 'other', 'none'])))).toEqual(['news', '3', 'other', '1', 'none', '0']);
    expect(s(await admin.send(['PUBSUB', 'NUMPAT']))).toBe(':3\r\n');
    expect(strs(decode(await admin.send(['PUBSUB', 'CHANNELS']))).sort()).toEqual(['news', 'other']);
    expect(strs(decode(await admin.send(['PUBSUB', 'CHANNELS', 'n*'])))).toEqual(['news']);
    expect(await publish('news', 'again')).toBe(':7\r\n');
    // Nothing else was delivered to s1 meanwhile: its next frame is this one.
    expect(await next(s1)).toEqual(['message', 'news', 'again']);
  });

  test('shard channels reach SSUBSCRIBErs only, and PUBLISH never reaches them', async () => {
    const shard = await subscriber(['SSUBSCRIBE', 'orders'], 1);
    const plain = await subscriber(['SUBSCRIBE', 'orders'], 1);
    const pattern = await subscriber(['PSUBSCRIBE', '*'], 1);
    expect(await publish('orders', 'to-shard', 'SPUBLISH')).toBe(':1\r\n');
    expect(await next(shard)).toEqual(['smessage', 'orders', 'to-shard']);
    expect(await publish('orders', 'to-channel')).toBe(':2\r\n');
    expect(await next(plain)).toEqual(['message', 'orders', 'to-channel']);
    expect(await next(pattern)).toEqual(['pmessage', '*', 'orders', 'to-channel']);
    expect(await publish('orders', 'shard-again', 'SPUBLISH')).toBe(':1\r\n');
    expect(await next(shard)).toEqual(['smessage', 'orders', 'shard-again']);
    expect(strs(decode(await admin.send(['PUBSUB', 'SHARDCHANNELS'])))).toEqual(['orders']);
    expect(strs(decode(await admin.send(['PUBSUB', 'SHARDNUMSUB', 'orders'])))).toEqual(['orders', '1']);
    expect(strs(decode(await admin.send(['PUBSUB', 'NUMSUB', 'orders'])))).toEqual(['orders', '1']);
    // Nothing stray arrived: each subscriber's next frame is the PING reply.
    for (const c of [shard, plain, pattern]) {
      c.sendRaw(encodeCommand(['PING']));
      expect(await next(c)).toEqual(['pong', '']);
    }
  });

  test('binary channel names, patterns and payloads (ioredis buffers)', async () => {
    const sub = ioredis();
    await sub.connect();
    const channel = Buffer.from([0, 0xff, 13, 10, 0x61, 0]);
    const pattern = Buffer.from([0, 0x2a]); // "\0*": channels starting with a NUL byte
    const payloads = [Buffer.alloc(0), Buffer.from(Array.from({ length: 256 }, (_, i) => i)), randomBytes(200_000)];
    const got: [Buffer, Buffer][] = [];
    const pgot: [Buffer, Buffer, Buffer][] = [];
    sub.on('messageBuffer', (ch: Buffer, msg: Buffer) => got.push([ch, msg]));
    // ioredis hands the pattern over as a string here; the channel and message as Buffers.
    sub.on('pmessageBuffer', (pat: Buffer | string, ch: Buffer, msg: Buffer) => pgot.push([Buffer.from(pat as Buffer), ch, msg]));
    await sub.subscribe(channel);
    await sub.psubscribe(pattern as unknown as string); // typed as strings, sent as given
    const pub = ioredis();
    await pub.connect();
    for (const p of payloads) expect(await pub.publish(channel, p)).toBe(2);
    expect(await pub.publish(Buffer.from([0, 1]), 'pattern only')).toBe(1);
    expect(await pub.publish(Buffer.from([1, 0]), 'nobody')).toBe(0);
    await waitFor('binary messages', () => got.length === 3 && pgot.length === 4);
    got.forEach(([ch, msg], i) => {
      expect(ch.equals(channel)).toBe(true);
      expect(msg.equals(payloads[i])).toBe(true);
    });
    pgot.slice(0, 3).forEach(([pat, ch, msg], i) => {
      expect(pat.equals(pattern)).toBe(true);
      expect(ch.equals(channel)).toBe(true);
      expect(msg.equals(payloads[i])).toBe(true);
    });
    expect(pgot[3][1].equals(Buffer.from([0, 1]))).toBe(true);
    expect(pgot[3][2].toString()).toBe('pattern only');
    expect(await pub.pubsub('NUMSUB', channel)).toEqual([channel.toString('utf8'), 1]);
    const listed = (await pub.callBuffer('PUBSUB', 'CHANNELS')) as Buffer[];
    expect(listed.map((b) => b.toString('hex'))).toEqual([channel.toString('hex')]);
  });

  test('RESP2 and RESP3 subscribers of one channel each get their own frame type', async () => {
    const r2 = await subscriber(['SUBSCRIBE', 'ch'], 1);
    const r3 = await subscriber(['SUBSCRIBE', 'ch'], 1, true);
    const p3 = await subscriber(['PSUBSCRIBE', 'c?'], 1, true);
    expect(await publish('ch', 'payload')).toBe(':3\r\n');
    expect(s(await r2.readReply())).toBe('*3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$7\r\npayload\r\n');
    expect(s(await r3.readReply())).toBe('>3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$7\r\npayload\r\n');
    expect(s(await p3.readReply())).toBe('>4\r\n$8\r\npmessage\r\n$2\r\nc?\r\n$2\r\nch\r\n$7\r\npayload\r\n');
    // A RESP3 subscriber runs ordinary commands between pushes.
    expect(s(await r3.send(['SET', 'k', 'v']))).toBe('+OK\r\n');
    expect(s(await r3.send(['PUBLISH', 'ch', 'self']))).toBe('>3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$4\r\nself\r\n');
    expect(s(await r3.readReply())).toBe(':3\r\n');
    expect(s(await r2.readReply())).toBe('*3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$4\r\nself\r\n');
  });
});

describe('CLIENT REPLY OFF / SKIP', () => {
  // 7.0 marks pub/sub output as pushes (CLIENT_PUSHING): only ordinary replies are silenced.
  test('another client\'s messages still reach a subscriber whose replies are off', async () => {
    const c = await client();
    c.sendRaw(encodeCommand(['CLIENT', 'REPLY', 'OFF']));
    c.sendRaw(encodeCommand(['SUBSCRIBE', 'ch']));
    expect(await next(c)).toEqual(['subscribe', 'ch', '1']);
    expect(await publish('ch', 'one')).toBe(':1\r\n');
    expect(await next(c)).toEqual(['message', 'ch', 'one']);
    c.sendRaw(encodeCommand(['PING'])); // an ordinary reply: silenced
    c.sendRaw(encodeCommand(['UNSUBSCRIBE', 'ch']));
    expect(await next(c)).toEqual(['unsubscribe', 'ch', '0']);
    expect(await publish('ch', 'two')).toBe(':0\r\n');

    const r3 = await subscriber(['SUBSCRIBE', 'ch'], 1, true);
    r3.sendRaw(encodeCommand(['CLIENT', 'REPLY', 'SKIP']));
    r3.sendRaw(encodeCommand(['SET', 'k', 'v'])); // skipped
    expect(await publish('ch', 'three')).toBe(':1\r\n');
    expect(s(await r3.readReply())).toBe('>3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$5\r\nthree\r\n');
    r3.sendRaw(encodeCommand(['CLIENT', 'REPLY', 'OFF']));
    expect(await publish('ch', 'four')).toBe(':1\r\n');
    expect(s(await r3.readReply())).toBe('>3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$4\r\nfour\r\n');
    expect(s(await r3.send(['CLIENT', 'REPLY', 'ON']))).toBe('+OK\r\n');
    expect(s(await r3.send(['GET', 'k']))).toBe('$1\r\nv\r\n');
  });
});

describe('ordering and leaving', () => {
  test('every subscriber sees each publisher\'s messages in publish order', async () => {
    const N = 4000;
    const subs = [
      await subscriber(['SUBSCRIBE', 'seq', 'seq2'], 2),
      await subscriber(['SUBSCRIBE', 'seq', 'seq2'], 2),
      await subscriber(['SUBSCRIBE', 'seq', 'seq2'], 2, true),
      await subscriber(['PSUBSCRIBE', 'seq*'], 1),
    ];
    const pubs = [await client(), await client()];
    // Both publishers pipeline all their messages at once; their streams interleave on the server.
    pubs.forEach((p, k) => {
      const parts: Buffer[] = [];
      for (let i = 0; i < N; i++) parts.push(encodeCommand(['PUBLISH', k === 0 ? 'seq' : 'seq2', `${k}:${i}`]));
      p.sendRaw(Buffer.concat(parts));
    });
    await Promise.all(
      pubs.map(async (p) => {
        for (let i = 0; i < N; i++) expect(s(await p.readReply())).toBe(':4\r\n');
      }),
    );
    await Promise.all(
      subs.map(async (c, j) => {
        const seen = [0, 0];
        for (let i = 0; i < 2 * N; i++) {
          const m = await next(c);
          const [k, n] = (m[m.length - 1] as string).split(':').map(Number);
          if (n !== seen[k]) throw new Error(`subscriber ${j}: publisher ${k} message ${n} arrived when ${seen[k]} was due`);
          expect(m[0]).toBe(j === 3 ? 'pmessage' : 'message');
          seen[k]++;
        }
        expect(seen).toEqual([N, N]);
      }),
    );
  });

  test('a subscriber that disconnects mid-stream does not disturb the others', async () => {
    const N = 3000;
    const leaving = await subscriber(['SUBSCRIBE', 'stream'], 1);
    const staying = await subscriber(['SUBSCRIBE', 'stream'], 1);
    const staying3 = await subscriber(['PSUBSCRIBE', 'str*'], 1, true);
    const pub = await client();
    const counts: number[] = [];
    for (let batch = 0; batch < N / 100; batch++) {
      const parts: Buffer[] = [];
      for (let i = 0; i < 100; i++) parts.push(encodeCommand(['PUBLISH', 'stream', String(batch * 100 + i)]));
      pub.sendRaw(Buffer.concat(parts));
      for (let i = 0; i < 100; i++) counts.push(Number(s(await pub.readReply()).slice(1, -2)));
      if (batch === 5) {
        // Read a little of the stream, then drop the connection with messages still in flight.
        for (let i = 0; i < 50; i++) await leaving.readReply();
        leaving.close();
      }
    }
    expect(counts.slice(0, 600).every((n) => n === 3)).toBe(true);
    // The server notices the close shortly; from then on the count is 2.
    expect(counts[counts.length - 1]).toBe(2);
    expect(counts.every((n, i) => i === 0 || n <= counts[i - 1])).toBe(true);
    for (const c of [staying, staying3]) {
      for (let i = 0; i < N; i++) {
        const m = await next(c);
        if (m[m.length - 1] !== String(i)) throw new Error(`message ${m[m.length - 1]} arrived when ${i} was due`);
      }
    }
    expect(strs(decode(await admin.send(['PUBSUB', 'NUMSUB', 'stream'])))).toEqual(['stream', '1']);
    expect(s(await admin.send(['PING']))).toBe('+PONG\r\n');
  });

  test('UNSUBSCRIBE / PUNSUBSCRIBE / SUNSUBSCRIBE without arguments leave every name of their kind', async () => {
    const c = await subscriber(['SUBSCRIBE', 'a', 'b', 'c'], 3);
    c.sendRaw(encodeCommand(['PSUBSCRIBE', 'p1*', 'p2*']));
    c.sendRaw(encodeCommand(['SSUBSCRIBE', 's1']));
    for (let i = 0; i < 3; i++) await c.readReply();
    expect(await statsField('pubsub_channels')).toBe(3);

    c.sendRaw(encodeCommand(['UNSUBSCRIBE']));
    const left = [await next(c), await next(c), await next(c)];
    // Redis leaves channels in its dict's order: compare the names as a set, the counts in order.
    expect(left.map((m) => m[1]).sort()).toEqual(['a', 'b', 'c']);
    expect(left.map((m) => [m[0], m[2]])).toEqual([['unsubscribe', '4'], ['unsubscribe', '3'], ['unsubscribe', '2']]);
    expect(await publish('a', 'x')).toBe(':0\r\n');
    expect(await publish('p1-yes', 'x')).toBe(':1\r\n');
    expect(await next(c)).toEqual(['pmessage', 'p1*', 'p1-yes', 'x']);

    c.sendRaw(encodeCommand(['PUNSUBSCRIBE']));
    // Patterns are a list in 7.0: left in subscription order.
    expect(await next(c)).toEqual(['punsubscribe', 'p1*', '1']);
    expect(await next(c)).toEqual(['punsubscribe', 'p2*', '0']);
    // Still subscribed to a shard channel: still the RESP2 subscribed context.
    c.sendRaw(encodeCommand(['GET', 'k']));
    expect(s(await c.readReply())).toMatch(/^-ERR Can't execute 'get'/);
    expect(await publish('s1', 'y', 'SPUBLISH')).toBe(':1\r\n');
    expect(await next(c)).toEqual(['smessage', 's1', 'y']);
    c.sendRaw(encodeCommand(['SUNSUBSCRIBE']));
    expect(await next(c)).toEqual(['sunsubscribe', 's1', '0']);
    expect(s(await c.send(['GET', 'k']))).toBe('$-1\r\n');
    expect(await settled()).toBe(true);
  });

  test('a closed subscriber\'s subscriptions go with it', async () => {
    const c = await subscriber(['SUBSCRIBE', 'x', 'y'], 2);
    c.sendRaw(encodeCommand(['PSUBSCRIBE', 'z*']));
    c.sendRaw(encodeCommand(['SSUBSCRIBE', 'w']));
    await c.readReply();
    await c.readReply();
    expect(await statsField('pubsub_channels')).toBe(2);
    c.close();
    await waitFor('the closed client\'s subscriptions to go', settled);
    expect(await publish('x', 'gone')).toBe(':0\r\n');
    expect(await publish('zz', 'gone')).toBe(':0\r\n');
    expect(await publish('w', 'gone', 'SPUBLISH')).toBe(':0\r\n');
  });
});

describe('node-redis RESP3 subscribers', () => {
  test('channel, pattern and shard listeners, with commands on the same connection', async () => {
    const sub = createClient({ socket: { port: srv.port, host: '127.0.0.1' }, RESP: 3 });
    open.push({ close: () => void sub.destroy() });
    await sub.connect();
    const got: string[] = [];
    await sub.subscribe('news', (message, channel) => got.push(`c ${channel} ${message}`));
    await sub.pSubscribe('n?ws', (message, channel) => got.push(`p ${channel} ${message}`));
    await sub.sSubscribe('shard', (message, channel) => got.push(`s ${channel} ${message}`));
    // RESP3: the subscribed connection still runs ordinary commands.
    expect(await sub.set('k', 'v')).toBe('OK');
    expect(await sub.get('k')).toBe('v');

    const pub = ioredis();
    await pub.connect();
    for (let i = 0; i < 100; i++) expect(await pub.publish('news', `m${i}`)).toBe(2);
    expect(await pub.publish('nows', 'pattern-only')).toBe(1);
    expect(await pub.spublish('shard', 'sharded')).toBe(1);
    await waitFor('node-redis messages', () => got.length === 202);
    const channelMsgs = got.filter((g) => g.startsWith('c '));
    const patternMsgs = got.filter((g) => g.startsWith('p '));
    expect(channelMsgs).toEqual(Array.from({ length: 100 }, (_, i) => `c news m${i}`));
    expect(patternMsgs).toEqual([...Array.from({ length: 100 }, (_, i) => `p news m${i}`), 'p nows pattern-only']);
    expect(got[got.length - 1]).toBe('s shard sharded');

    await sub.unsubscribe('news');
    await sub.pUnsubscribe('n?ws');
    await sub.sUnsubscribe('shard');
    expect(await pub.publish('news', 'late')).toBe(0);
    expect(await pub.spublish('shard', 'late')).toBe(0);
    expect(await sub.get('k')).toBe('v');
  });
});

describe('introspection', () => {
  test('INFO stats pubsub_channels / pubsub_patterns / pubsubshard_channels count distinct names', async () => {
    const a = await subscriber(['SUBSCRIBE', 'c1', 'c2'], 2);
    const b = await subscriber(['SUBSCRIBE', 'c2', 'c3'], 2, true);
    a.sendRaw(encodeCommand(['PSUBSCRIBE', 'p*', 'q*']));
    await a.readReply();
    await a.readReply();
    b.sendRaw(encodeCommand(['PSUBSCRIBE', 'p*']));
    b.sendRaw(encodeCommand(['SSUBSCRIBE', 's1', 's2']));
    for (let i = 0; i < 3; i++) await b.readReply();
    expect(await statsField('pubsub_channels')).toBe(3);
    expect(await statsField('pubsub_patterns')).toBe(2);
    expect(await statsField('pubsubshard_channels')).toBe(2);
    expect(s(await admin.send(['PUBSUB', 'NUMPAT']))).toBe(':2\r\n');

    a.sendRaw(encodeCommand(['UNSUBSCRIBE', 'c2']));
    await a.readReply();
    expect(await statsField('pubsub_channels')).toBe(3); // b still has c2
    a.sendRaw(encodeCommand(['UNSUBSCRIBE', 'c1']));
    await a.readReply();
    expect(await statsField('pubsub_channels')).toBe(2);
    b.close();
    await waitFor('b\'s subscriptions to go', async () => (await statsField('pubsub_channels')) === 0);
    expect(await statsField('pubsub_patterns')).toBe(2); // a still has p* and q*
    expect(await statsField('pubsubshard_channels')).toBe(0);
    a.sendRaw(encodeCommand(['PUNSUBSCRIBE']));
    await a.readReply();
    await a.readReply();
    expect(await settled()).toBe(true);
  });

  test('CLIENT LIST shows sub/psub/ssub and the P flag; TYPE pubsub selects subscribers', async () => {
    const c = await subscriber(['SUBSCRIBE', 'a', 'b'], 2);
    c.sendRaw(encodeCommand(['PSUBSCRIBE', 'p*']));
    c.sendRaw(encodeCommand(['SSUBSCRIBE', 's1', 's2', 's3']));
    for (let i = 0; i < 4; i++) await c.readReply();
    const r3 = await subscriber(['SSUBSCRIBE', 'only-shard'], 1, true);
    const list = s(await admin.send(['CLIENT', 'LIST'])).split('\n');
    const line = (pred: RegExp) => list.find((l) => pred.test(l)) ?? '';
    const subLine = line(/ sub=2 psub=1 ssub=3 /);
    expect(subLine).toMatch(/ flags=P /);
    expect(subLine).toMatch(/ multi=-1 /);
    const r3Line = line(/ sub=0 psub=0 ssub=1 /);
    expect(r3Line).toMatch(/ flags=P .* resp=3$/);
    const adminLine = line(/ cmd=client\|list /);
    expect(adminLine).toMatch(/ flags=N .*sub=0 psub=0 ssub=0 multi=-1 /);

    const pubsubType = s(await admin.send(['CLIENT', 'LIST', 'TYPE', 'pubsub'])).split('\n').filter((l) => l.includes('id='));
    expect(pubsubType).toHaveLength(2);
    const normal = s(await admin.send(['CLIENT', 'LIST', 'TYPE', 'normal']));
    expect(normal).not.toMatch(/flags=P/);
    expect(normal).toMatch(/cmd=client\|list/);

    // Leaving the last subscription clears P.
    r3.sendRaw(encodeCommand(['SUNSUBSCRIBE']));
    await r3.readReply();
    const r3Id = s(await r3.send(['CLIENT', 'ID'])).slice(1, -2);
    expect(s(await admin.send(['CLIENT', 'LIST', 'ID', r3Id]))).toMatch(/ flags=N .* ssub=0 /);

    expect(s(await admin.send(['CLIENT', 'KILL', 'TYPE', 'pubsub']))).toBe(':1\r\n');
    expect(await c.waitClosed()).toBe(true);
    expect(r3.isClosed()).toBe(false);
    await waitFor('the killed subscriber\'s channels to go', settled);
  });
});

describe('keyspace notifications', () => {
  afterEach(async () => {
    await admin.send(['CONFIG', 'SET', 'notify-keyspace-events', '']);
  });

  test('SET, EXPIRE and DEL by another client publish keyspace and keyevent messages', async () => {
    expect(s(await admin.send(['CONFIG', 'SET', 'notify-keyspace-events', 'KEA']))).toBe('+OK\r\n');
    expect(s(await admin.send(['CONFIG', 'GET', 'notify-keyspace-events']))).toMatch(/\$\d+\r\n[AKE]{3}\r\n$/);
    const sub = await subscriber(['PSUBSCRIBE', '__key*__:*'], 1);
    const w = await client();
    expect(s(await w.send(['SET', 'k', 'v']))).toBe('+OK\r\n');
    expect(s(await w.send(['EXPIRE', 'k', '100']))).toBe(':1\r\n');
    expect(s(await w.send(['DEL', 'k']))).toBe(':1\r\n');
    expect(s(await w.send(['DEL', 'k']))).toBe(':0\r\n');
    await w.send(['SELECT', '5']);
    expect(s(await w.send(['SET', 'other', 'x']))).toBe('+OK\r\n');
    const events: string[] = [];
    for (let i = 0; i < 8; i++) {
      const m = await next(sub);
      expect(m[0]).toBe('pmessage');
      events.push(`${m[2]} ${m[3]}`);
    }
    expect(events).toEqual([
      '__keyspace@0__:k set',
      '__keyevent@0__:set k',
      '__keyspace@0__:k expire',
      '__keyevent@0__:expire k',
      '__keyspace@0__:k del',
      '__keyevent@0__:del k',
      '__keyspace@5__:other set',
      '__keyevent@5__:set other',
    ]);
    // Nothing else is pending: the next frame is the PING reply.
    sub.sendRaw(encodeCommand(['PING']));
    expect(await next(sub)).toEqual(['pong', '']);
  });

  test('only the enabled classes and channel kinds are published', async () => {
    const sub = await subscriber(['PSUBSCRIBE', '__key*'], 1, true);
    const w = await client();
    await admin.send(['CONFIG', 'SET', 'notify-keyspace-events', 'Kg']); // keyspace channel, generic class
    await w.send(['SET', 'k', 'v']); // string class: nothing
    await w.send(['EXPIRE', 'k', '100']);
    await admin.send(['CONFIG', 'SET', 'notify-keyspace-events', 'E$']); // keyevent channel, string class
    await w.send(['SET', 'k', 'v2']);
    await w.send(['DEL', 'k']); // generic: nothing
    await admin.send(['CONFIG', 'SET', 'notify-keyspace-events', 'gK$E']);
    await w.send(['SET', 'k', 'v3']);
    expect(await next(sub)).toEqual(['pmessage', '__key*', '__keyspace@0__:k', 'expire']);
    expect(await next(sub)).toEqual(['pmessage', '__key*', '__keyevent@0__:set', 'k']);
    expect(await next(sub)).toEqual(['pmessage', '__key*', '__keyspace@0__:k', 'set']);
    expect(await next(sub)).toEqual(['pmessage', '__key*', '__keyevent@0__:set', 'k']);
    expect(s(await sub.send(['PING']))).toBe('+PONG\r\n');
  });

  test('Ex: active expiry publishes expired events without any access to the keys', async () => {
    await admin.send(['CONFIG', 'SET', 'notify-keyspace-events', 'Ex']);
    const sub = await subscriber(['SUBSCRIBE', '__keyevent@0__:expired', '__keyevent@2__:expired'], 2);
    const w = await client();
    await w.send(['SET', 'k1', 'v', 'PX', '40']);
    await w.send(['SET', 'k2', 'v', 'PX', '80']);
    await w.send(['SET', 'forever', 'v']);
    await w.send(['SELECT', '2']);
    await w.send(['SET', 'k3', 'v', 'PX', '60']);
    const got: string[] = [];
    for (let i = 0; i < 3; i++) {
      const m = await next(sub, 4000);
      expect(m[0]).toBe('message');
      got.push(`${m[1]} ${m[2]}`);
    }
    expect(got.sort()).toEqual(['__keyevent@0__:expired k1', '__keyevent@0__:expired k2', '__keyevent@2__:expired k3']);
    expect(s(await admin.send(['DBSIZE']))).toBe(':1\r\n');
    // Without x the expiry is silent.
    await admin.send(['CONFIG', 'SET', 'notify-keyspace-events', 'E$']);
    await w.send(['SELECT', '0']);
    await w.send(['SET', 'k4', 'v', 'PX', '20']);
    await waitFor('k4 to expire', async () => s(await admin.send(['DBSIZE'])) === ':1\r\n');
    await sleep(50);
    sub.sendRaw(encodeCommand(['PING']));
    expect(await next(sub)).toEqual(['pong', '']);
  });
});
