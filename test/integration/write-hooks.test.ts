/*
 * The before-write hook (store/db.ts WriteHook) sees every change to a key, including the stream
 * group commands that Redis runs on a read lookup (XREADGROUP, XACK, XCLAIM, XAUTOCLAIM), and not
 * reads. The fork-less snapshot will rely on this.
 */
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Db } from '../../src/store/db.ts';
import { startInProcess, type InProcess } from '../helpers/in-process.ts';

let srv: InProcess;
let r: Redis;
const touched: string[] = [];

beforeAll(async () => {
  srv = await startInProcess();
  srv.server.writeHooks.push({
    beforeWrite(db: Db, e: number) {
      touched.push(`w:${Buffer.from(db.keyBytes(e)).toString('latin1')}`);
    },
    keyAdded(db: Db, e: number) {
      touched.push(`a:${Buffer.from(db.keyBytes(e)).toString('latin1')}`);
    },
  });
  r = new Redis({ port: srv.port, host: '127.0.0.1' });
});

afterAll(() => {
  r?.disconnect();
  srv?.stop();
});

/** The keys the hook saw while cmd ran. */
async function seen(cmd: () => Promise<unknown>): Promise<string[]> {
  touched.length = 0;
  await cmd();
  return [...new Set(touched)];
}

describe('before-write hook', () => {
  test('fires for writes, for stream group edits behind read lookups, and not for reads', async () => {
    await r.flushall();
    expect(await seen(() => r.set('k', 'v'))).toEqual(['a:k']);
    expect(await seen(() => r.set('k', 'w'))).toEqual(['w:k']);
    expect(await seen(() => r.get('k'))).toEqual([]);
    await r.xadd('s', '1-1', 'f', 'v');
    await r.xadd('s', '2-1', 'f', 'v');
    await r.xgroup('CREATE', 's', 'g', '0');
    expect(await seen(() => r.xreadgroup('GROUP', 'g', 'c', 'COUNT', 2, 'STREAMS', 's', '>'))).toEqual(['w:s']);
    expect(await seen(() => r.xpending('s', 'g'))).toEqual([]);
    expect(await seen(() => r.xrange('s', '-', '+'))).toEqual([]);
    expect(await seen(() => r.xclaim('s', 'g', 'c2', 0, '1-1'))).toEqual(['w:s']);
    expect(await seen(() => r.xautoclaim('s', 'g', 'c3', 0, '0'))).toEqual(['w:s']);
    expect(await seen(() => r.xack('s', 'g', '1-1'))).toEqual(['w:s']);
  });
});
