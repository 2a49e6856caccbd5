/*
 * CLIENT PAUSE / UNPAUSE (Redis 7.0 semantics): ALL holds back every command, WRITE only writes;
 * held-back commands run, in order, when the pause ends (timeout or UNPAUSE); a pause is extended,
 * never shortened. Runs in both io-threads modes.
 */
import { afterAll, beforeAll, expect, test } from 'vitest';
import { rawClient, startSpindle, type ServerHandle } from '../helpers/servers.ts';

let srv: ServerHandle;

beforeAll(async () => {
  srv = await startSpindle();
});

afterAll(async () => {
  await srv?.stop();
});

const elapsed = async (f: () => Promise<unknown>): Promise<number> => {
  const t = performance.now();
  await f();
  return performance.now() - t;
};

test('argument errors', async () => {
  const c = await rawClient(srv.port);
  expect((await c.send(['CLIENT', 'PAUSE', 'abc'])).toString()).toBe('-ERR timeout is not an integer or out of range\r\n');
  expect((await c.send(['CLIENT', 'PAUSE', '100', 'FOO'])).toString()).toBe('-ERR CLIENT PAUSE mode must be WRITE or ALL\r\n');
  expect((await c.send(['CLIENT', 'PAUSE', '-1'])).toString()).toBe('-ERR timeout is negative\r\n');
  expect((await c.send(['CLIENT', 'UNPAUSE'])).toString()).toBe('+OK\r\n');
  c.close();
});

test('WRITE holds writes until UNPAUSE, reads go on, order is kept', async () => {
  const admin = await rawClient(srv.port);
  const w = await rawClient(srv.port);
  expect((await admin.send(['CLIENT', 'PAUSE', '5000', 'WRITE'])).toString()).toBe('+OK\r\n');
  expect(await elapsed(() => w.send(['GET', 'p:k']))).toBeLessThan(1000);
  // A pipeline: the SET is held, and the GET behind it waits for it (per-client order).
  w.sendRaw('*3\r\n$3\r\nSET\r\n$3\r\np:k\r\n$1\r\n1\r\n*2\r\n$3\r\nGET\r\n$3\r\np:k\r\n');
  await new Promise((r) => setTimeout(r, 300));
  expect(w.pending().length).toBe(0);
  expect((await admin.send(['GET', 'p:k'])).toString()).toBe('$-1\r\n');
  expect((await admin.send(['CLIENT', 'UNPAUSE'])).toString()).toBe('+OK\r\n');
  expect((await w.readReply()).toString()).toBe('+OK\r\n');
  expect((await w.readReply()).toString()).toBe('$1\r\n1\r\n');
  admin.close();
  w.close();
});

test('ALL holds every command, UNPAUSE included, until the timeout', async () => {
  const a = await rawClient(srv.port);
  const b = await rawClient(srv.port);
  expect((await a.send(['CLIENT', 'PAUSE', '600', 'ALL'])).toString()).toBe('+OK\r\n');
  const t = await elapsed(async () => {
    expect((await b.send(['PING'], 5000)).toString()).toBe('+PONG\r\n');
  });
  expect(t).toBeGreaterThan(400);
  expect(await elapsed(() => b.send(['PING']))).toBeLessThan(300);
  a.close();
  b.close();
});

const infoField = async (c: Awaited<ReturnType<typeof rawClient>>, section: string, field: string): Promise<string> => {
  const text = (await c.send(['INFO', section])).toString('latin1');
  const m = new RegExp(`^${field}:(.*)\\r$`, 'm').exec(text);
  if (m === null) throw new Error(`no ${field} in INFO ${section}`);
  return m[1];
};

test('held clients count in blocked_clients and show flag b, as in Redis', async () => {
  const admin = await rawClient(srv.port);
  const w = await rawClient(srv.port);
  const gone = await rawClient(srv.port);
  expect(await infoField(admin, 'clients', 'blocked_clients')).toBe('0');
  expect((await admin.send(['CLIENT', 'PAUSE', '5000', 'WRITE'])).toString()).toBe('+OK\r\n');
  w.sendRaw('*3\r\n$3\r\nSET\r\n$5\r\np:bc1\r\n$1\r\n1\r\n');
  gone.sendRaw('*3\r\n$3\r\nSET\r\n$5\r\np:bc2\r\n$1\r\n1\r\n');
  await new Promise((r) => setTimeout(r, 200));
  expect(await infoField(admin, 'clients', 'blocked_clients')).toBe('2');
  const list = (await admin.send(['CLIENT', 'LIST'])).toString('latin1');
  expect(list.split('\n').filter((l) => / flags=b /.test(l) && / cmd=set /.test(l)).length).toBe(2);
  gone.close();
  await new Promise((r) => setTimeout(r, 200));
  expect(await infoField(admin, 'clients', 'blocked_clients')).toBe('1');
  expect((await admin.send(['CLIENT', 'UNPAUSE'])).toString()).toBe('+OK\r\n');
  expect((await w.readReply()).toString()).toBe('+OK\r\n');
  expect(await infoField(admin, 'clients', 'blocked_clients')).toBe('0');
  admin.close();
  w.close();
});

test('no key expires while clients are paused, lazily or actively (7.0 expireIfNeeded)', async () => {
  const admin = await rawClient(srv.port);
  expect((await admin.send(['SET', 'p:exp', 'v', 'PX', '50'])).toString()).toBe('+OK\r\n');
  const before = Number(await infoField(admin, 'stats', 'expired_keys'));
  expect((await admin.send(['CLIENT', 'PAUSE', '5000', 'WRITE'])).toString()).toBe('+OK\r\n');
  await new Promise((r) => setTimeout(r, 400)); // several cron ticks (hz 10)
  // Gone for readers, but not deleted: expired_keys does not move and DBSIZE still counts it.
  expect((await admin.send(['GET', 'p:exp'])).toString()).toBe('$-1\r\n');
  expect(Number(await infoField(admin, 'stats', 'expired_keys'))).toBe(before);
  expect((await admin.send(['DBSIZE'])).toString()).not.toBe(':0\r\n');
  expect((await admin.send(['CLIENT', 'UNPAUSE'])).toString()).toBe('+OK\r\n');
  expect((await admin.send(['GET', 'p:exp'])).toString()).toBe('$-1\r\n');
  expect(Number(await infoField(admin, 'stats', 'expired_keys'))).toBe(before + 1);
  admin.close();
});
