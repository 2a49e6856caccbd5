/*
 * Functions with several connections at once: a busy FCALL (other clients get Redis's
 * FUNCTION KILL flavour of -BUSY, FUNCTION STATS shows the running function, SCRIPT KILL is
 * refused, FUNCTION KILL ends it), a busy EVAL refusing FUNCTION KILL, CLIENT PAUSE WRITE holding
 * FCALL of a writing function but not of a no-writes one, a function called through ioredis, and
 * functions surviving SCRIPT FLUSH. Exact replies are compared with redis-server's in
 * test/golden/cases/functions.txt. Skipped, with the reason, when the Lua addon is not built.
 */
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { scriptingSkipReason } from '../helpers/scripting.ts';
import { IO_THREADS, rawClient, startSpindle, type RawClient, type ServerHandle } from '../helpers/servers.ts';

const skip = scriptingSkipReason();

const ENDLESS = "#!lua name=busy\nredis.register_function{function_name='spin', callback=function() local i = 0 while true do i = i + 1 end end, flags={'no-writes'}}\nredis.register_function('spinw', function() redis.call('set', 'w', 1) while true do end end)";

describe.skipIf(skip !== '')(`functions with several clients (io-threads ${IO_THREADS})${skip === '' ? '' : ` (${skip})`}`, () => {
  let srv: ServerHandle;
  beforeAll(async () => {
    if (skip === '') srv = await startSpindle(['--busy-reply-threshold', '50']);
  }, 20_000);
  afterAll(async () => {
    await srv?.stop();
  });

  async function untilBusy(c: RawClient): Promise<string> {
    for (;;) {
      const r = (await c.send(['GET', 'x'], 10_000)).toString();
      if (r.startsWith('-BUSY')) return r;
      await new Promise((res) => setTimeout(res, 10));
    }
  }

  test('a busy FCALL: BUSY names FUNCTION KILL, STATS shows it, SCRIPT KILL is refused, FUNCTION KILL ends it', async () => {
    const runner = await rawClient(srv.port);
    const other = await rawClient(srv.port);
    // A first reply proves the connection was accepted: with io-threads N the main thread
    // accepts, and a connection it has not yet accepted waits for the script's end.
    await other.send(['PING']);
    try {
      expect((await other.send(['FUNCTION', 'LOAD', 'REPLACE', ENDLESS])).toString()).toBe('$4\r\nbusy\r\n');
      const endless = runner.send(['FCALL', 'spin', '0', 'arg'], 30_000);
      expect(await untilBusy(other)).toBe('-BUSY Redis is busy running a script. You can only call FUNCTION KILL or SHUTDOWN NOSAVE.\r\n');
      const stats = (await other.send(['FUNCTION', 'STATS'])).toString();
      expect(stats).toMatch(/^\*4\r\n\$14\r\nrunning_script\r\n\*6\r\n\$4\r\nname\r\n\$4\r\nspin\r\n\$7\r\ncommand\r\n\*4\r\n\$5\r\nFCALL\r\n\$4\r\nspin\r\n\$1\r\n0\r\n\$3\r\narg\r\n\$11\r\nduration_ms\r\n:\d+\r\n/);
      expect((await other.send(['SCRIPT', 'KILL'])).toString()).toBe('-BUSY Redis is busy running a script. You can only call FUNCTION KILL or SHUTDOWN NOSAVE.\r\n');
      expect((await other.send(['FUNCTION', 'KILL'])).toString()).toBe('+OK\r\n');
      expect((await endless).toString()).toBe('-ERR Script killed by user with SCRIPT KILL... script: spin, on @user_function:2.\r\n');
      expect((await other.send(['FUNCTION', 'KILL'])).toString()).toBe('-NOTBUSY No scripts in execution right now.\r\n');
      expect((await runner.send(['PING'])).toString()).toBe('+PONG\r\n');
    } finally {
      runner.close();
      other.close();
    }
  }, 60_000);

  test('a busy EVAL refuses FUNCTION KILL; a function that wrote is UNKILLABLE', async () => {
    const runner = await rawClient(srv.port);
    const other = await rawClient(srv.port);
    // A first reply proves the connection was accepted: with io-threads N the main thread
    // accepts, and a connection it has not yet accepted waits for the script's end.
    await other.send(['PING']);
    try {
      const endless = runner.send(['EVAL', 'while true do end', '0'], 30_000);
      expect(await untilBusy(other)).toBe('-BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.\r\n');
      expect((await other.send(['FUNCTION', 'KILL'])).toString()).toBe('-BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.\r\n');
      // FUNCTION STATS during a busy EVAL is refused (redis-server 7.0.15 answers BUSY).
      expect((await other.send(['FUNCTION', 'STATS'])).toString()).toBe('-BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.\r\n');
      expect((await other.send(['SCRIPT', 'KILL'])).toString()).toBe('+OK\r\n');
      expect((await endless).toString()).toMatch(/^-ERR Script killed by user with SCRIPT KILL\.\.\./);
    } finally {
      runner.close();
      other.close();
    }
  }, 60_000);

  test('CLIENT PAUSE WRITE holds FCALL of a writing function, not of a no-writes one', async () => {
    const a = await rawClient(srv.port);
    const b = await rawClient(srv.port);
    try {
      await a.send(['FUNCTION', 'LOAD', 'REPLACE', "#!lua name=pause\nredis.register_function('pw', function(k) return redis.call('incr', k[1]) end)\nredis.register_function{function_name='pr', callback=function(k) return redis.call('get', k[1]) end, flags={'no-writes'}}"]);
      expect((await a.send(['CLIENT', 'PAUSE', '100000', 'WRITE'])).toString()).toBe('+OK\r\n');
      expect((await b.send(['FCALL', 'pr', '1', 'n'])).toString()).toBe('$-1\r\n');
      const held = b.send(['FCALL', 'pw', '1', 'n'], 10_000);
      let done = false;
      void held.then(() => {
        done = true;
      });
      await a.send(['PING']);
      await new Promise((r) => setTimeout(r, 50));
      expect(done).toBe(false);
      expect((await a.send(['CLIENT', 'UNPAUSE'])).toString()).toBe('+OK\r\n');
      expect((await held).toString()).toBe(':1\r\n');
      await a.send(['FUNCTION', 'DELETE', 'pause']);
    } finally {
      a.close();
      b.close();
    }
  }, 30_000);

  test('ioredis calls a function; functions survive SCRIPT FLUSH', async () => {
    const r = new Redis({ port: srv.port, lazyConnect: true, maxRetriesPerRequest: 0 });
    await r.connect();
    try {
      const lib = "#!lua name=cli\nredis.register_function('hset_get', function(keys, args) redis.call('hset', keys[1], args[1], args[2]) return redis.call('hget', keys[1], args[1]) end)";
      expect(await r.call('FUNCTION', 'LOAD', 'REPLACE', lib)).toBe('cli');
      expect(await r.fcall('hset_get', 1, 'h', 'f', 'v\u0000bin')).toBe('v\u0000bin');
      expect(await r.call('SCRIPT', 'FLUSH')).toBe('OK');
      expect(await r.fcall('hset_get', 1, 'h', 'g', 'w')).toBe('w');
      expect(await r.call('FUNCTION', 'DELETE', 'cli')).toBe('OK');
      await expect(r.fcall('hset_get', 1, 'h', 'g', 'w')).rejects.toThrow('ERR Function not found');
    } finally {
      r.disconnect();
    }
  });

  test('a function that wrote is UNKILLABLE; the server goes on after SHUTDOWN NOSAVE is refused', async () => {
    const runner = await rawClient(srv.port);
    const other = await rawClient(srv.port);
    // A first reply proves the connection was accepted: with io-threads N the main thread
    // accepts, and a connection it has not yet accepted waits for the script's end.
    await other.send(['PING']);
    try {
      await other.send(['FUNCTION', 'LOAD', 'REPLACE', ENDLESS]);
      void runner.send(['FCALL', 'spinw', '0'], 30_000).catch(() => {});
      await untilBusy(other);
      expect((await other.send(['FUNCTION', 'KILL'])).toString()).toBe(
        '-UNKILLABLE Sorry the script already executed write commands against the dataset. You can either wait the script termination or kill the server in a hard way using the SHUTDOWN NOSAVE command.\r\n',
      );
      other.sendRaw('*2\r\n$8\r\nSHUTDOWN\r\n$6\r\nNOSAVE\r\n');
      if (srv.proc.exitCode === null) await new Promise<void>((res) => srv.proc.once('exit', () => res()));
      expect(srv.proc.exitCode).toBe(0);
    } finally {
      runner.close();
      other.close();
    }
  }, 60_000);
});
