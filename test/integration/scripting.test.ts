/*
 * Scripting driven by real clients and by several connections at once: ioredis defineCommand,
 * node-redis scripts, BullMQ's job lifecycle (all Lua), EVAL inside MULTI/EXEC with WATCH, the
 * bounds that keep a bad script from hurting the server (memory, recursion, self-referencing
 * replies), binary safety end to end, and what INFO and the log say. Exact replies are compared
 * with redis-server's in test/golden/cases/scripting.txt.
 *
 * Skipped, with the reason, when the Lua engine addon is not built (scripts/build-native.ts).
 */
import net from 'node:net';
import { Redis } from 'ioredis';
import { createClient, defineScript } from 'redis';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { scriptingSkipReason } from '../helpers/scripting.ts';
import { IO_THREADS, rawClient, startSpindle, type ServerHandle } from '../helpers/servers.ts';

const skip = scriptingSkipReason();

/** Waits (up to 10 s) until the server's output contains text: its log is read asynchronously. */
async function outputHas(h: ServerHandle, text: string): Promise<boolean> {
  for (let i = 0; i < 1000 && !h.output().includes(text); i++) await new Promise((r) => setTimeout(r, 10));
  return h.output().includes(text);
}

/** Sends argv on a fresh socket and reads until `marker` arrives (for replies too deep to parse). */
function rawReplyUntil(port: number, argv: string[], marker: string): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const sock = net.connect({ port, host: '127.0.0.1' });
    let got = '';
    sock.on('data', (d) => {
      got += d.toString('latin1');
      if (got.includes(marker)) {
        sock.destroy();
        resolve(true);
      }
    });
    sock.on('error', reject);
    sock.write(`*${argv.length}\r\n${argv.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('')}`);
  });
}

let srv: ServerHandle;

beforeAll(async () => {
  if (skip === '') srv = await startSpindle();
}, 20_000);

afterAll(async () => {
  await srv?.stop();
});

describe.skipIf(skip !== '')(`scripting${skip === '' ? '' : ` (${skip})`}`, () => {
  test('ioredis defineCommand: EVALSHA, and EVAL after NOSCRIPT', async () => {
    const r = new Redis({ port: srv.port, host: '127.0.0.1' });
    try {
      r.defineCommand('incrAndGet', {
        numberOfKeys: 1,
        lua: "redis.call('incrby', KEYS[1], ARGV[1]) return {redis.call('get', KEYS[1]), ARGV[2]}",
      });
      const cmd = r as unknown as { incrAndGet(k: string, by: number, tag: string): Promise<[string, string]> };
      expect(await cmd.incrAndGet('ctr', 5, 'a')).toEqual(['5', 'a']);
      expect(await cmd.incrAndGet('ctr', 2, 'b')).toEqual(['7', 'b']);
      await r.call('SCRIPT', 'FLUSH');
      expect(await cmd.incrAndGet('ctr', 1, 'c')).toEqual(['8', 'c']);
      // Binary keys and values in and out.
      const key = Buffer.from([0, 255, 13, 10]);
      const val = Buffer.from([0xc3, 0x28, 0, 1]);
      await r.eval("return redis.call('set', KEYS[1], ARGV[1])", 1, key, val);
      expect(await r.callBuffer('EVAL', "return redis.call('get', KEYS[1])", 1, key)).toEqual(val);
      await expect(r.eval("return redis.call('incr', KEYS[1])", 1, key)).rejects.toThrow(
        /^ERR value is not an integer or out of range script: [0-9a-f]{40}, on @user_script:1\.$/,
      );
    } finally {
      r.disconnect();
    }
  });

  test('node-redis scripts (defineScript)', async () => {
    const client = createClient({
      socket: { port: srv.port, host: '127.0.0.1' },
      scripts: {
        addTwice: defineScript({
          NUMBER_OF_KEYS: 1,
          SCRIPT: "return redis.call('incrby', KEYS[1], ARGV[1] * 2)",
          parseCommand(parser, key: string, by: number) {
            parser.pushKey(key);
            parser.push(String(by));
          },
          transformReply: undefined as unknown as () => number,
        }),
      },
    });
    await client.connect();
    try {
      expect(await client.addTwice('nr', 3)).toBe(6);
      expect(await client.addTwice('nr', 1)).toBe(8);
      expect(await client.eval("return {KEYS[1], ARGV[1]}", { keys: ['k'], arguments: ['v'] })).toEqual(['k', 'v']);
      expect(await client.sendCommand(['SCRIPT', 'EXISTS', 'ffffffffffffffffffffffffffffffffffffffff'])).toEqual([0]);
    } finally {
      await client.close();
    }
  });

  test('EVAL inside MULTI runs at EXEC; WATCH sees a script write from another client', async () => {
    const a = await rawClient(srv.port);
    const b = await rawClient(srv.port);
    try {
      await a.send(['SET', 'w', '1']);
      await a.send(['WATCH', 'w']);
      await b.send(['EVAL', "return redis.call('set', 'w', '2')", '0']);
      await a.send(['MULTI']);
      await a.send(['EVAL', "return redis.call('get', 'w')", '0']);
      expect((await a.send(['EXEC'])).toString()).toBe('*-1\r\n');
      await a.send(['MULTI']);
      expect((await a.send(['EVAL', "return redis.call('incr', 'w')", '0'])).toString()).toBe('+QUEUED\r\n');
      expect((await a.send(['EXEC'])).toString()).toBe('*1\r\n:3\r\n');
    } finally {
      a.close();
      b.close();
    }
  });

  test('a script that pushes serves a client blocked on the key after it ends', async () => {
    const a = await rawClient(srv.port);
    const b = await rawClient(srv.port);
    try {
      await a.send(['DEL', 'q']);
      const blocked = a.send(['BLPOP', 'q', '0'], 10_000);
      while (!(await b.send(['INFO', 'clients'])).toString().includes('blocked_clients:1')) await new Promise((r) => setTimeout(r, 10));
      expect((await b.send(['EVAL', "redis.call('rpush', 'q', 'x') return redis.call('llen', 'q')", '0'])).toString()).toBe(':1\r\n');
      expect((await blocked).toString()).toBe('*2\r\n$1\r\nq\r\n$1\r\nx\r\n');
    } finally {
      a.close();
      b.close();
    }
  });

  test('CLIENT PAUSE WRITE holds scripts that may write, not no-writes or read-only ones', async () => {
    const a = await rawClient(srv.port);
    const b = await rawClient(srv.port);
    const ctl = await rawClient(srv.port);
    try {
      await ctl.send(['CLIENT', 'PAUSE', '100000', 'WRITE']);
      const held = a.send(['EVAL', 'return 1', '0'], 20_000);
      while (!(await ctl.send(['INFO', 'clients'])).toString().includes('blocked_clients:1')) await new Promise((r) => setTimeout(r, 10));
      expect((await b.send(['EVAL', '#!lua flags=no-writes\nreturn 2', '0'])).toString()).toBe(':2\r\n');
      expect((await b.send(['EVAL_RO', 'return 3', '0'])).toString()).toBe(':3\r\n');
      await ctl.send(['CLIENT', 'UNPAUSE']);
      expect((await held).toString()).toBe(':1\r\n');
    } finally {
      a.close();
      b.close();
      ctl.close();
    }
  });

  test('bad scripts are bounded: memory, recursion, self-referencing replies, huge unpack', async () => {
    const c = await rawClient(srv.port);
    try {
      const mem = (await c.send(['EVAL', "local t = {} local s = string.rep('x', 1024 * 1024) for i = 1, 1e6 do t[i] = s .. i end return #t", '0'], 60_000)).toString();
      expect(mem).toMatch(/^-ERR .*not enough memory/);
      const deep = (await c.send(['EVAL', 'local function r(n) return r(n + 1) + 1 end return r(1)', '0'])).toString();
      expect(deep).toMatch(/stack overflow/);
      // A table holding itself: nested arrays until Lua's stack limit, then an error; no crash.
      expect(await rawReplyUntil(srv.port, ['EVAL', 'local t = {} t[1] = t return t', '0'], '-ERR reached lua stack limit\r\n')).toBe(true);
      expect((await c.send(['EVAL', 'return unpack({}, 1, 1e8)', '0'])).toString()).toMatch(/too many results to unpack/);
      expect((await c.send(['PING'])).toString()).toBe('+PONG\r\n');
    } finally {
      c.close();
    }
  });

  test('the sandbox: no os, io, package, require, loadfile, bytecode', async () => {
    const c = await rawClient(srv.port);
    try {
      for (const name of ['os', 'io', 'package', 'require', 'loadfile', 'dofile', 'debug']) {
        const r = (await c.send(['EVAL', `return ${name}`, '0'])).toString();
        expect(r).toContain(`Script attempted to access nonexistent global variable '${name}'`);
      }
      const dump = (await c.send(['EVAL', 'local f, e = loadstring(string.dump(function() return 1 end)) return {tostring(f), e}', '0'])).toString();
      expect(dump).toContain("unexpected symbol near 'char(27)'");
      expect((await c.send(['EVAL', 'redis = nil', '0'])).toString()).toContain('Attempt to modify a readonly table');
    } finally {
      c.close();
    }
  });

  test('errorstats and commandstats count script errors as redis-server 7.0.15 does', async () => {
    const c = await rawClient(srv.port);
    try {
      await c.send(['CONFIG', 'RESETSTAT']);
      await c.send(['SET', 's', 'text']);
      for (const body of [
        "return redis.call('incr', 's')", "error('x')", "return redis.pcall('incr', 's')", "return redis.call('nosuch')",
        "return {err='MYERR custom'}", "return redis.error_reply('OTHER x')", 'return 1', "return redis.call('set')",
        "return redis.call('subscribe', 'x')",
      ]) await c.send(['EVAL', body, '0']);
      // The figures redis-server 7.0.15 gives for the same sequence.
      expect((await c.send(['INFO', 'errorstats'])).toString()).toBe('$87\r\n# Errorstats\r\nerrorstat_ERR:count=6\r\nerrorstat_MYERR:count=1\r\nerrorstat_OTHER:count=1\r\n\r\n');
      const stats = (await c.send(['INFO', 'commandstats'])).toString();
      expect(stats).toMatch(/cmdstat_eval:calls=9,usec=\d+,usec_per_call=[\d.]+,rejected_calls=0,failed_calls=8/);
      expect(stats).toMatch(/cmdstat_incr:calls=2,.*,rejected_calls=0,failed_calls=2/);
      expect(stats).toMatch(/cmdstat_set:calls=1,.*,rejected_calls=1,failed_calls=0/);
      expect(stats).toMatch(/cmdstat_subscribe:calls=0,.*,rejected_calls=1,failed_calls=0/);
    } finally {
      c.close();
    }
  });

  test('INFO reports scripting, cached scripts and the Lua memory', async () => {
    const c = await rawClient(srv.port);
    try {
      await c.send(['SCRIPT', 'FLUSH']);
      await c.send(['SCRIPT', 'LOAD', 'return 1']);
      const info = (await c.send(['INFO', 'everything'])).toString();
      expect(info).toContain('scripting:available');
      expect(info).toContain('number_of_cached_scripts:1');
      expect(Number(/used_memory_lua:(\d+)/.exec(info)?.[1])).toBeGreaterThan(0);
      expect(await outputHas(srv, 'Lua scripting: Lua 5.1')).toBe(true);
    } finally {
      c.close();
    }
  });

  // BullMQ's scripts write their events to a stream (XADD): they need the streams family.
  test('BullMQ job lifecycle: add, process, complete, fail, retry, delayed', async () => {
    const { Queue, Worker, QueueEvents } = await import('bullmq');
    const connection = { host: '127.0.0.1', port: srv.port, maxRetriesPerRequest: null };
    const queue = new Queue('jobs', { connection });
    const events = new QueueEvents('jobs', { connection });
    await events.waitUntilReady();
    const attempts = new Map<string, number>();
    const worker = new Worker(
      'jobs',
      async (job) => {
        const n = (attempts.get(job.name) ?? 0) + 1;
        attempts.set(job.name, n);
        if (job.name === 'always-fails') throw new Error('boom');
        if (job.name === 'fails-once' && n === 1) throw new Error('first try');
        return { doubled: (job.data as { x: number }).x * 2 };
      },
      { connection },
    );
    try {
      const ok = await queue.add('ok', { x: 21 });
      expect(await ok.waitUntilFinished(events, 20_000)).toEqual({ doubled: 42 });
      const retried = await queue.add('fails-once', { x: 1 }, { attempts: 2 });
      expect(await retried.waitUntilFinished(events, 20_000)).toEqual({ doubled: 2 });
      expect(attempts.get('fails-once')).toBe(2);
      const failed = await queue.add('always-fails', { x: 0 }, { attempts: 1 });
      await expect(failed.waitUntilFinished(events, 20_000)).rejects.toThrow('boom');
      const delayed = await queue.add('ok', { x: 5 }, { delay: 200 });
      expect(await delayed.getState()).toBe('delayed');
      expect(await delayed.waitUntilFinished(events, 20_000)).toEqual({ doubled: 10 });
      const counts = await queue.getJobCounts('completed', 'failed');
      expect(counts).toEqual({ completed: 3, failed: 1 });
    } finally {
      await worker.close();
      await events.close();
      await queue.close();
    }
  }, 60_000);
});

// With io-threads 1 a busy script's hook runs the event loop, so other clients are answered; with
// io-threads N the I/O workers answer them from shared state (docs/design-scripting.md).
describe.skipIf(skip !== '')(`busy scripts (io-threads ${IO_THREADS})`, () => {
  let busy: ServerHandle;
  beforeAll(async () => {
    busy = await startSpindle(['--busy-reply-threshold', '50']);
  }, 20_000);
  afterAll(async () => {
    await busy?.stop();
  });

  /** Sends GET on c until the server answers -BUSY (the script passed busy-reply-threshold). */
  async function untilBusy(c: Awaited<ReturnType<typeof rawClient>>): Promise<string> {
    for (;;) {
      const r = (await c.send(['GET', 'x'], 10_000)).toString();
      if (r.startsWith('-BUSY')) return r;
      await new Promise((res) => setTimeout(res, 10));
    }
  }

  test('an endless script: other clients get BUSY, SCRIPT KILL ends it, the server stays up', async () => {
    const runner = await rawClient(busy.port);
    const other = await rawClient(busy.port);
    // Accepted before the script runs (with io-threads N the main thread accepts connections).
    expect((await other.send(['PING'])).toString()).toBe('+PONG\r\n');
    try {
      const endless = runner.send(['EVAL', 'local i = 0 while true do i = i + 1 end', '0'], 30_000);
      expect(await untilBusy(other)).toBe('-BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.\r\n');
      expect((await other.send(['SHUTDOWN'])).toString()).toMatch(/^-BUSY /);
      expect((await other.send(['SCRIPT', 'KILL'])).toString()).toBe('+OK\r\n');
      expect((await endless).toString()).toBe(
        '-ERR Script killed by user with SCRIPT KILL... script: 3fcf51a9b854b8f66cb8685600b0d7df968f4398, on @user_script:1.\r\n',
      );
      expect((await other.send(['SCRIPT', 'KILL'])).toString()).toBe('-NOTBUSY No scripts in execution right now.\r\n');
      // pcall cannot swallow the kill.
      const caught = runner.send(['EVAL', 'while true do pcall(function() while true do end end) end', '0'], 30_000);
      await untilBusy(other);
      expect((await other.send(['SCRIPT', 'KILL'])).toString()).toBe('+OK\r\n');
      expect((await caught).toString()).toMatch(/^-ERR Script killed by user with SCRIPT KILL\.\.\./);
      expect((await runner.send(['PING'])).toString()).toBe('+PONG\r\n');
      expect(await outputHas(busy, 'Slow script detected: still in execution after')).toBe(true);
      expect(await outputHas(busy, 'Lua script killed by user with SCRIPT KILL.')).toBe(true);
    } finally {
      runner.close();
      other.close();
    }
  }, 60_000);

  // Replies compared with redis-server 7.0.15's by hand (same sequence, lua-time-limit 50). Six
  // clients, so with io-threads 4 some share the caller's I/O worker and ring.
  test("during a busy script every client gets Redis's replies, and the caller's own next command waits", async () => {
    const cs = await Promise.all([0, 1, 2, 3, 4, 5].map(() => rawClient(busy.port)));
    const [runner, ...others] = cs;
    for (const c of cs) expect((await c.send(['PING'])).toString()).toBe('+PONG\r\n');
    const BUSY = '-BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.\r\n';
    try {
      const inMulti = others[0];
      expect((await inMulti.send(['MULTI'])).toString()).toBe('+OK\r\n');
      runner.sendRaw('*3\r\n$4\r\nEVAL\r\n$25\r\nwhile true do local x end\r\n$1\r\n0\r\n*1\r\n$4\r\nPING\r\n');
      for (const c of others.slice(1)) await untilBusy(c);
      expect((await inMulti.send(['SET', 'a', 'b'])).toString()).toBe(BUSY);
      expect((await others[1].send(['SHUTDOWN'])).toString()).toBe(BUSY);
      expect((await others[1].send(['EXEC'])).toString()).toBe(`-EXECABORT Transaction discarded because of: ${BUSY.slice(1)}`);
      expect((await others[2].send(['QUIT'])).toString()).toBe('+OK\r\n');
      expect(await others[2].waitClosed(10_000)).toBe(true);
      expect((await others[3].send(['SCRIPT', 'KILL'])).toString()).toBe('+OK\r\n');
      expect((await runner.readReply(30_000)).toString()).toMatch(/^-ERR Script killed by user with SCRIPT KILL\.\.\./);
      expect((await runner.readReply(10_000)).toString()).toBe('+PONG\r\n');
      expect((await inMulti.send(['EXEC'])).toString()).toBe('-EXECABORT Transaction discarded because of previous errors.\r\n');
      expect((await others[4].send(['GET', 'a'])).toString()).toBe('$-1\r\n');
    } finally {
      for (const c of cs) c.close();
    }
  }, 60_000);

  test('a script that wrote is UNKILLABLE; SHUTDOWN NOSAVE stops the server', async () => {
    const runner = await rawClient(busy.port);
    const other = await rawClient(busy.port);
    // Accepted before the script runs (with io-threads N the main thread accepts connections).
    expect((await other.send(['PING'])).toString()).toBe('+PONG\r\n');
    try {
      void runner.send(['EVAL', "redis.call('set', 'w', 1) while true do end", '0'], 30_000).catch(() => {});
      await untilBusy(other);
      expect((await other.send(['SCRIPT', 'KILL'])).toString()).toBe(
        '-UNKILLABLE Sorry the script already executed write commands against the dataset. You can either wait the script termination or kill the server in a hard way using the SHUTDOWN NOSAVE command.\r\n',
      );
      other.sendRaw('*2\r\n$8\r\nSHUTDOWN\r\n$6\r\nNOSAVE\r\n');
      if (busy.proc.exitCode === null) await new Promise<void>((res) => busy.proc.once('exit', () => res()));
      expect(busy.proc.exitCode).toBe(0);
    } finally {
      runner.close();
      other.close();
    }
  }, 60_000);
});

// Runs whether or not the addon is built: SPINDLE_NO_LUA=1 makes the server start without it.
describe('without the Lua engine', () => {
  test('the log and INFO say so, and EVAL answers an error', async () => {
    const s = await startSpindle([], { env: { ...process.env, SPINDLE_NO_LUA: '1' } });
    const c = await rawClient(s.port);
    try {
      expect(await outputHas(s, 'WARNING Lua scripting is unavailable: disabled by SPINDLE_NO_LUA=1.')).toBe(true);
      expect((await c.send(['INFO', 'spindle'])).toString()).toContain('scripting:unavailable (disabled by SPINDLE_NO_LUA=1)');
      expect((await c.send(['EVAL', 'return 1', '0'])).toString()).toBe('-ERR scripting is not available: disabled by SPINDLE_NO_LUA=1\r\n');
      expect((await c.send(['SCRIPT', 'LOAD', 'return 1'])).toString()).toMatch(/^-ERR scripting is not available/);
      expect((await c.send(['SCRIPT', 'EXISTS', 'x'])).toString()).toBe('*1\r\n:0\r\n');
      expect((await c.send(['PING'])).toString()).toBe('+PONG\r\n');
    } finally {
      c.close();
      await s.stop();
    }
  });
});
