/*
 * Spindle driven by real clients: ioredis, node-redis (`redis`), and redis-cli when installed.
 * Replies are compared exactly with Redis 7.0's elsewhere (golden.test.ts); this suite checks that
 * the clients themselves work end to end, including deep pipelines and binary data.
 */
import { execFileSync } from 'node:child_process';
import { Redis } from 'ioredis';
import { createClient } from 'redis';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { rawClient, startSpindle, type ServerHandle } from '../helpers/servers.ts';

let srv: ServerHandle;

beforeAll(async () => {
  srv = await startSpindle();
});

afterAll(async () => {
  await srv?.stop();
});

function hasRedisCli(): boolean {
  try {
    execFileSync('redis-cli', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

describe('ioredis', () => {
  test('strings, counters, binary values', async () => {
    const r = new Redis({ port: srv.port, host: '127.0.0.1', lazyConnect: true });
    await r.connect();
    try {
      await r.flushall();
      expect(await r.set('greeting', 'hello')).toBe('OK');
      expect(await r.get('greeting')).toBe('hello');
      expect(await r.append('greeting', ' world')).toBe(11);
      expect(await r.incr('n')).toBe(1);
      expect(await r.incrby('n', 41)).toBe(42);
      expect(await r.incrbyfloat('f', '10.5')).toBe('10.5');
      const bin = Buffer.from([0, 1, 2, 255, 13, 10, 0]);
      const key = Buffer.from([255, 0, 42]);
      await r.set(key, bin);
      expect(await r.getBuffer(key)).toEqual(bin);
      expect(await r.mget('greeting', 'missing', 'n')).toEqual(['hello world', null, '42']);
      await expect(r.incr('greeting')).rejects.toThrow('ERR value is not an integer or out of range');
    } finally {
      r.disconnect();
    }
  });

  test('a 10,000-command pipeline replies in order', async () => {
    const r = new Redis({ port: srv.port, host: '127.0.0.1' });
    try {
      const p = r.pipeline();
      for (let i = 0; i < 10_000; i++) {
        if (i % 2 === 0) p.set(`pipe:${i}`, `v${i}`);
        else p.get(`pipe:${i - 1}`);
      }
      const res = await p.exec();
      expect(res).not.toBeNull();
      expect(res!.length).toBe(10_000);
      for (let i = 0; i < 10_000; i++) {
        expect(res![i][0]).toBeNull();
        expect(res![i][1]).toBe(i % 2 === 0 ? 'OK' : `v${i - 1}`);
      }
    } finally {
      r.disconnect();
    }
  });
});

describe('node-redis', () => {
  test('RESP2 and RESP3 connections', async () => {
    for (const RESP of [2, 3] as const) {
      const c = createClient({ socket: { port: srv.port, host: '127.0.0.1' }, RESP });
      await c.connect();
      try {
        await c.set('nr', 'value', { expiration: { type: 'EX', value: 100 } });
        expect(await c.get('nr')).toBe('value');
        expect(await c.getDel('nr')).toBe('value');
        expect(await c.get('nr')).toBeNull();
        expect(await c.incrByFloat('nrf', 1.5)).toBe(RESP === 2 ? '1.5' : '1.5');
        await c.del('nrf');
      } finally {
        await c.quit();
      }
    }
  });
});

describe('raw protocol', () => {
  test('inline commands work (as with nc)', async () => {
    const c = await rawClient(srv.port);
    try {
      c.sendRaw(Buffer.from('PING\r\nSET inline "a b"\r\nGET inline\r\n'));
      expect((await c.readReply()).toString()).toBe('+PONG\r\n');
      expect((await c.readReply()).toString()).toBe('+OK\r\n');
      expect((await c.readReply()).toString()).toBe('$3\r\na b\r\n');
    } finally {
      c.close();
    }
  });

  test('a protocol error replies and closes only that connection', async () => {
    const bad = await rawClient(srv.port);
    const good = await rawClient(srv.port);
    try {
      bad.sendRaw(Buffer.from('*1\r\n$x\r\n'));
      expect((await bad.readReply()).toString()).toBe('-ERR Protocol error: invalid bulk length\r\n');
      expect((await good.send(['PING'])).toString()).toBe('+PONG\r\n');
    } finally {
      bad.close();
      good.close();
    }
  });
});

describe.runIf(hasRedisCli())('redis-cli', () => {
  const cli = (...args: string[]) =>
    execFileSync('redis-cli', ['-p', String(srv.port), ...args], { encoding: 'utf8', timeout: 10_000 });

  test('commands, --scan and info', () => {
    expect(cli('set', 'cli:key', 'v').trim()).toBe('OK');
    expect(cli('get', 'cli:key').trim()).toBe('v');
    expect(cli('--scan', '--pattern', 'cli:*').trim()).toBe('cli:key');
    expect(cli('info', 'server')).toContain('redis_version:7.0.15');
  });

  test('--latency samples and exits', () => {
    // With --raw, redis-cli --latency prints one "min max avg samples" line after the first
    // interval and exits (interactive mode would redraw forever).
    const out = execFileSync('redis-cli', ['-p', String(srv.port), '--latency', '-i', '0.2', '--raw'], {
      encoding: 'utf8',
      timeout: 10_000,
    }).trim();
    const fields = out.split(/\s+/).map(Number);
    expect(fields.length).toBe(4);
    expect(fields[3]).toBeGreaterThan(0);
  }, 15_000);
});
