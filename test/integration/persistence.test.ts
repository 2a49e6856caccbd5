// SAVE / BGSAVE / save points / stop-writes-on-bgsave-error / SHUTDOWN and signals / start-up
// loading, over real Spindle processes (src/persistence/rdb-save.ts, startup.ts,
// src/server/commands/persistence.ts).
import { existsSync, mkdirSync, readFileSync, rmdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { type RawClient, type ServerHandle, encodeCommand, rawClient, startSpindle } from '../helpers/servers.ts';

const text = (b: Buffer): string => b.toString('latin1');
const ARGS = ['--enable-debug-command', 'yes'];
const running: ServerHandle[] = [];
const conns: RawClient[] = [];

afterEach(async () => {
  for (const c of conns.splice(0)) c.close();
  for (const h of running.splice(0)) await h.stop();
});

async function spindle(extra: string[] = []): Promise<[ServerHandle, RawClient]> {
  const h = await startSpindle([...ARGS, ...extra]);
  running.push(h);
  const c = await rawClient(h.port);
  conns.push(c);
  while (/loading:1/.test(text(await c.send(['INFO', 'persistence'])))) await new Promise((r) => setTimeout(r, 20));
  return [h, c];
}

async function field(c: RawClient, name: string): Promise<string> {
  const m = new RegExp(`${name}:([^\\r\\n]*)`).exec(text(await c.send(['INFO', 'persistence'])));
  return m === null ? '' : m[1];
}

async function until(pred: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 400; i++) {
    if (await pred()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('condition not reached');
}

function exited(h: ServerHandle): Promise<number | null> {
  if (h.proc.exitCode !== null) return Promise.resolve(h.proc.exitCode);
  return new Promise((r) => h.proc.once('exit', (code) => r(code)));
}

describe('RDB persistence', () => {
  test('SAVE writes the file atomically, updates LASTSAVE, dirty and rdb_saves', async () => {
    const [h, c] = await spindle();
    await c.send(['SET', 'a', '1']);
    await c.send(['RPUSH', 'l', 'x', 'y']);
    expect(await field(c, 'rdb_changes_since_last_save')).toBe('3'); // RPUSH counts each element
    const before = Number(text(await c.send(['LASTSAVE'])).slice(1));
    expect(text(await c.send(['SAVE']))).toBe('+OK\r\n');
    const file = path.join(h.dir, 'dump.rdb');
    expect(readFileSync(file).subarray(0, 9).toString()).toBe('REDIS0010');
    expect(existsSync(path.join(h.dir, `temp-${h.proc.pid}.rdb`))).toBe(false);
    expect(existsSync(path.join(h.dir, `temp-bgsave-${h.proc.pid}.rdb`))).toBe(false);
    expect(Number(text(await c.send(['LASTSAVE'])).slice(1))).toBeGreaterThanOrEqual(before);
    expect(await field(c, 'rdb_changes_since_last_save')).toBe('0');
    expect(await field(c, 'rdb_saves')).toBe('1');
    expect(text(await c.send(['BGSAVE']))).toBe('+Background saving started\r\n');
    await until(async () => (await field(c, 'rdb_bgsave_in_progress')) === '0');
    expect(await field(c, 'rdb_saves')).toBe('2');
    expect(await field(c, 'rdb_last_bgsave_status')).toBe('ok');
    expect(await field(c, 'rdb_last_bgsave_time_sec')).toBe('0');
  });

  test('a failing BGSAVE keeps the old file, reports err, and MISCONF refuses writes until a save works', async () => {
    const [h, c] = await spindle(['--save', '3600 1', '--enable-protected-configs', 'yes']);
    await c.send(['SET', 'a', '1']);
    expect(text(await c.send(['SAVE']))).toBe('+OK\r\n');
    const file = path.join(h.dir, 'dump.rdb');
    const good = readFileSync(file);
    // The rename target becomes unusable: dbfilename pointing at a directory.
    mkdirSync(path.join(h.dir, 'blocked.rdb'));
    expect(text(await c.send(['CONFIG', 'SET', 'dbfilename', 'blocked.rdb']))).toBe('+OK\r\n');
    await c.send(['SET', 'b', '2']);
    expect(text(await c.send(['BGSAVE']))).toBe('+Background saving started\r\n');
    await until(async () => (await field(c, 'rdb_bgsave_in_progress')) === '0');
    expect(await field(c, 'rdb_last_bgsave_status')).toBe('err');
    expect(readFileSync(file).equals(good)).toBe(true);
    expect(existsSync(path.join(h.dir, `temp-${h.proc.pid}.rdb`))).toBe(false);
    expect(existsSync(path.join(h.dir, `temp-bgsave-${h.proc.pid}.rdb`))).toBe(false);
    await until(async () => text(await c.send(['SET', 'c', '3'])).startsWith('-MISCONF'));
    expect(text(await c.send(['PING']))).toMatch(/^-MISCONF Redis is configured to save RDB snapshots/);
    expect(text(await c.send(['GET', 'a']))).toBe('$1\r\n1\r\n');
    expect(text(await c.send(['SAVE']))).toBe('-ERR\r\n');
    // stop-writes-on-bgsave-error no lets writes through; a good save clears the state.
    expect(text(await c.send(['CONFIG', 'SET', 'stop-writes-on-bgsave-error', 'no']))).toBe('+OK\r\n');
    expect(text(await c.send(['SET', 'c', '3']))).toBe('+OK\r\n');
    expect(text(await c.send(['CONFIG', 'SET', 'stop-writes-on-bgsave-error', 'yes']))).toBe('+OK\r\n');
    rmdirSync(path.join(h.dir, 'blocked.rdb'));
    expect(text(await c.send(['BGSAVE']))).toBe('+Background saving started\r\n');
    await until(async () => (await field(c, 'rdb_last_bgsave_status')) === 'ok');
    await until(async () => text(await c.send(['SET', 'd', '4'])) === '+OK\r\n');
    expect(statSync(path.join(h.dir, 'blocked.rdb')).isFile()).toBe(true);
  });

  test('a save point triggers a BGSAVE from the cron', async () => {
    const [h, c] = await spindle(['--save', '1 1']);
    await c.send(['SET', 'a', '1']);
    await until(async () => (await field(c, 'rdb_saves')) === '1');
    expect(h.output()).toMatch(/1 changes in 1 seconds\. Saving\.\.\./);
    expect(existsSync(path.join(h.dir, 'dump.rdb'))).toBe(true);
  });

  test('BGSAVE inside MULTI is scheduled; SAVE is refused there', async () => {
    const [, c] = await spindle();
    c.sendRaw(Buffer.concat([['MULTI'], ['BGSAVE'], ['EXEC']].map((a) => encodeCommand(a))));
    expect(text(await c.readReply())).toBe('+OK\r\n');
    expect(text(await c.readReply())).toBe('+QUEUED\r\n');
    expect(text(await c.readReply())).toBe('*1\r\n+Background saving scheduled\r\n');
    await until(async () => (await field(c, 'rdb_saves')) === '1');
    expect(text(await c.send(['MULTI']))).toBe('+OK\r\n');
    expect(text(await c.send(['SAVE']))).toBe('-ERR Command not allowed inside a transaction\r\n');
    await c.send(['DISCARD']);
  });

  test('SHUTDOWN saves with save points, NOSAVE does not, and a failing save refuses it unless FORCE', async () => {
    {
      const [h, c] = await spindle(['--save', '3600 1']);
      await c.send(['SET', 'k', 'v']);
      c.sendRaw(encodeCommand(['SHUTDOWN']));
      expect(await exited(h)).toBe(0);
      expect(existsSync(path.join(h.dir, 'dump.rdb'))).toBe(true);
      expect(h.output()).toMatch(/Saving the final RDB snapshot before exiting/);
    }
    {
      const [h, c] = await spindle(['--save', '3600 1']);
      await c.send(['SET', 'k', 'v']);
      c.sendRaw(encodeCommand(['SHUTDOWN', 'NOSAVE']));
      expect(await exited(h)).toBe(0);
      expect(existsSync(path.join(h.dir, 'dump.rdb'))).toBe(false);
    }
    {
      const [h, c] = await spindle();
      mkdirSync(path.join(h.dir, 'dump.rdb'));
      expect(text(await c.send(['SHUTDOWN', 'SAVE']))).toBe('-ERR Errors trying to SHUTDOWN. Check logs.\r\n');
      expect(text(await c.send(['PING']))).toBe('+PONG\r\n');
      c.sendRaw(encodeCommand(['SHUTDOWN', 'SAVE', 'FORCE']));
      expect(await exited(h)).toBe(0);
      expect(h.output()).toMatch(/Exit anyway/);
    }
  });

  test('SIGTERM saves the dataset when save points are set, and it loads back at start-up', async () => {
    const [h, c] = await spindle(['--save', '3600 1']);
    for (let i = 0; i < 2000; i++) c.sendRaw(encodeCommand(['SET', `key:${i}`, `v${i}`]));
    for (let i = 0; i < 2000; i++) await c.readReply();
    await c.send(['HSET', 'h', 'f', 'v']);
    const digest = text(await c.send(['DEBUG', 'DIGEST']));
    h.proc.kill('SIGTERM');
    expect(await exited(h)).toBe(0);
    const file = path.join(h.dir, 'dump.rdb');
    expect(existsSync(file)).toBe(true);
    // A second server in a directory holding that file loads it.
    const dir2 = path.join(h.dir, 'second');
    mkdirSync(dir2);
    writeFileSync(path.join(dir2, 'dump.rdb'), readFileSync(file));
    const [h2, c2] = await spindle(['--dir', dir2]);
    expect(text(await c2.send(['DEBUG', 'DIGEST']))).toBe(digest);
    expect(await field(c2, 'rdb_last_load_keys_loaded')).toBe('2001');
    expect(h2.output()).toMatch(/Done loading RDB, keys loaded: 2001, keys expired: 0\./);
  });

  test('expired keys are skipped at load and counted; DEBUG RELOAD keeps the dataset', async () => {
    const [h, c] = await spindle();
    await c.send(['SET', 'soon', 'x', 'PX', '300']);
    await c.send(['SET', 'later', 'y', 'EX', '1000']);
    await c.send(['SET', 'always', 'z']);
    await c.send(['DEBUG', 'SET-ACTIVE-EXPIRE', '0']);
    expect(text(await c.send(['SAVE']))).toBe('+OK\r\n');
    await new Promise((r) => setTimeout(r, 400));
    const dir2 = path.join(h.dir, 'second');
    mkdirSync(dir2);
    writeFileSync(path.join(dir2, 'dump.rdb'), readFileSync(path.join(h.dir, 'dump.rdb')));
    const [, c2] = await spindle(['--dir', dir2]);
    expect(await field(c2, 'rdb_last_load_keys_expired')).toBe('1');
    expect(await field(c2, 'rdb_last_load_keys_loaded')).toBe('2');
    const d = text(await c2.send(['DEBUG', 'DIGEST']));
    expect(text(await c2.send(['DEBUG', 'RELOAD']))).toBe('+OK\r\n');
    expect(text(await c2.send(['DEBUG', 'DIGEST']))).toBe(d);
    expect(text(await c2.send(['TTL', 'later']))).toMatch(/^:9\d\d\r\n$/);
  });

  test('commands during start-up loading get -LOADING (or run once it is done), INFO shows loading_*', async () => {
    const [h, c] = await spindle();
    await c.send(['DEBUG', 'POPULATE', '300000']);
    expect(text(await c.send(['SAVE']))).toBe('+OK\r\n');
    const dir2 = path.join(h.dir, 'second');
    mkdirSync(dir2);
    writeFileSync(path.join(dir2, 'dump.rdb'), readFileSync(path.join(h.dir, 'dump.rdb')));
    const h2 = await startSpindle([...ARGS, '--dir', dir2]);
    running.push(h2);
    const c2 = await rawClient(h2.port);
    conns.push(c2);
    // Whatever the timing: each reply is -LOADING or the real answer, and loading ends.
    let sawLoading = false;
    for (;;) {
      const r = text(await c2.send(['GET', 'key:1']));
      if (r === '-LOADING Redis is loading the dataset in memory\r\n') {
        sawLoading = true;
        const inf = text(await c2.send(['INFO', 'persistence']));
        if (/loading:1/.test(inf)) expect(inf).toMatch(/loading_loaded_perc:\d+\.\d\d/);
        continue;
      }
      expect(r).toBe('$7\r\nvalue:1\r\n');
      break;
    }
    expect(text(await c2.send(['DBSIZE']))).toBe(':300000\r\n');
    if (!sawLoading) console.log('the load ended before the first command arrived');
  }, 60_000);
});
