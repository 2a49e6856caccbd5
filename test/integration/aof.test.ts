// The append-only file (src/persistence/aof*.ts) on an in-process Spindle: the multi-part
// directory and manifest, what the incr file holds, restarts that reload it, BGREWRITEAOF (also
// under writes), CONFIG SET appendonly at runtime, INFO fields, truncated and corrupt files.
import { appendFileSync, closeSync, existsSync, mkdirSync, openSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadAppendOnly } from '../../src/persistence/aof-loader.ts';
import { parseManifest } from '../../src/persistence/aof-manifest.ts';
import { aofOf, shutdownAppendOnly, startAppendOnly } from '../../src/persistence/aof.ts';
import { startAofServer, waitRewrite } from '../helpers/aof-server.ts';
import { aofWorkload } from '../helpers/aof-workload.ts';
import { parseAof } from '../helpers/aof.ts';
import { dumpDataset } from '../helpers/dataset.ts';
import { startInProcess } from '../helpers/in-process.ts';
import { scriptingSkipReason } from '../helpers/scripting.ts';
import { scriptingOf } from '../../src/server/commands/scripting.ts';
import { functionsOf } from '../../src/scripting/functions.ts';
import type { Server } from '../../src/server/server.ts';
import { encodeCommand, rawClient, startSpindle } from '../helpers/servers.ts';

const root = mkdtempSync(path.join(tmpdir(), 'spindle-aof-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
const freshDir = (): string => {
  const d = path.join(root, `d${n++}`);
  mkdirSync(d);
  return d;
};
const aofDir = (dir: string): string => path.join(dir, 'appendonlydir');
const manifestOf = (dir: string): string => readFileSync(path.join(aofDir(dir), 'appendonly.aof.manifest'), 'latin1');

async function run(port: number, cmds: string[][]): Promise<string[]> {
  const c = await rawClient(port);
  const out: string[] = [];
  for (const cmd of cmds) out.push((await c.send(cmd)).toString('latin1'));
  c.close();
  return out;
}

describe('AOF files', () => {
  it('creates base, incr and manifest on start, and appends propagated commands with SELECT', async () => {
    const dir = freshDir();
    const s = await startAofServer(dir, ['--aof-use-rdb-preamble', 'no']);
    expect(manifestOf(dir)).toBe('file appendonly.aof.1.base.aof seq 1 type b\nfile appendonly.aof.1.incr.aof seq 1 type i\n');
    await run(s.port, [['SET', 'a', '1'], ['SET', 'b', 'x', 'EX', '100'], ['SELECT', '2'], ['INCR', 'c'], ['GET', 'c']]);
    const incr = parseAof(readFileSync(path.join(aofDir(dir), 'appendonly.aof.1.incr.aof')));
    expect(incr).toEqual([['SELECT', '0'], ['SET', 'a', '1'], ['SET', 'b', 'x', 'PXAT', '<unix-ms>'], ['SELECT', '2'], ['INCR', 'c']]);
    expect(s.logs).toContain('Creating AOF base file appendonly.aof.1.base.aof on server start');
    await s.close();
  });

  it('reloads everything after a restart (every type, TTLs, databases, MULTI)', async () => {
    const dir = freshDir();
    const s = await startAofServer(dir, ['--aof-use-rdb-preamble', 'no']);
    await run(s.port, aofWorkload(7));
    const before = await dumpDataset(s.port);
    await s.close();
    const t = await startAofServer(dir, ['--aof-use-rdb-preamble', 'no']);
    expect(await dumpDataset(t.port)).toEqual(before);
    expect(t.logs).toContain('Opening AOF incr file appendonly.aof.1.incr.aof on server start');
    await t.close();
  });

  it('annotates with #TS when aof-timestamp-enabled and loads such files', async () => {
    const dir = freshDir();
    const s = await startAofServer(dir, ['--aof-use-rdb-preamble', 'no', '--aof-timestamp-enabled', 'yes']);
    await run(s.port, [['SET', 'k', 'v']]);
    const text = readFileSync(path.join(aofDir(dir), 'appendonly.aof.1.incr.aof'), 'latin1');
    expect(text).toMatch(/^#TS:\d{10}\r\n\*2\r\n\$6\r\nSELECT/);
    await s.close();
    const t = await startAofServer(dir, ['--aof-use-rdb-preamble', 'no']);
    expect(await run(t.port, [['GET', 'k']])).toEqual(['$1\r\nv\r\n']);
    await t.close();
  });
});

describe('BGREWRITEAOF', () => {
  it('writes a new base, switches to a new incr file, drops the old files', async () => {
    const dir = freshDir();
    const s = await startAofServer(dir, ['--aof-use-rdb-preamble', 'no']);
    await run(s.port, aofWorkload(3, 200));
    const before = await dumpDataset(s.port);
    expect(await run(s.port, [['BGREWRITEAOF']])).toEqual(['+Background append only file rewriting started\r\n']);
    await waitRewrite(s.port);
    expect(manifestOf(dir)).toBe('file appendonly.aof.2.base.aof seq 2 type b\nfile appendonly.aof.2.incr.aof seq 2 type i\n');
    expect(readdirSync(aofDir(dir)).sort()).toEqual(['appendonly.aof.2.base.aof', 'appendonly.aof.2.incr.aof', 'appendonly.aof.manifest']);
    await run(s.port, [['SET', 'after', 'rewrite']]);
    expect(parseAof(readFileSync(path.join(aofDir(dir), 'appendonly.aof.2.incr.aof')))).toEqual([['SELECT', '0'], ['SET', 'after', 'rewrite']]);
    const info = (await run(s.port, [['INFO', 'persistence']]))[0];
    expect(info).toMatch(/aof_enabled:1\r\n/);
    expect(info).toMatch(/aof_rewrites:1\r\n/);
    expect(info).toMatch(/aof_last_bgrewrite_status:ok\r\n/);
    expect(info).toMatch(/aof_base_size:\d+\r\naof_pending_rewrite:0\r\naof_buffer_length:0\r\naof_pending_bio_fsync:\d\r\naof_delayed_fsync:0\r\n/);
    await s.close();
    const t = await startAofServer(dir, ['--aof-use-rdb-preamble', 'no']);
    expect(await dumpDataset(t.port)).toEqual([...before, 'db0 "after" string "rewrite" pexpiretime=-1'].sort());
    await t.close();
  });

  it('keeps every write made by clients while rewrites run back to back', async () => {
    const dir = freshDir();
    const s = await startAofServer(dir, ['--aof-use-rdb-preamble', 'no']);
    const writers = [0, 1, 2].map(async (w) => {
      const c = await rawClient(s.port);
      for (let i = 0; i < 300; i++) await c.send(['RPUSH', `w${w}`, String(i)]);
      c.close();
    });
    const admin = await rawClient(s.port);
    for (let i = 0; i < 5; i++) {
      await admin.send(['BGREWRITEAOF']);
      await new Promise((r) => setTimeout(r, 5));
    }
    await Promise.all(writers);
    admin.close();
    const before = await dumpDataset(s.port);
    await s.close();
    const t = await startAofServer(dir, ['--aof-use-rdb-preamble', 'no']);
    expect(await dumpDataset(t.port)).toEqual(before);
    expect(await run(t.port, [['LLEN', 'w0'], ['LLEN', 'w2']])).toEqual([':300\r\n', ':300\r\n']);
    await t.close();
  });

  it('works with the AOF off (a base and a manifest, no incr file), and is scheduled inside EXEC', async () => {
    const dir = freshDir();
    const s = await startInProcess(['--dir', dir, '--aof-use-rdb-preamble', 'no']);
    expect(await run(s.port, [['SET', 'k', 'v'], ['BGREWRITEAOF']])).toEqual(['+OK\r\n', '+Background append only file rewriting started\r\n']);
    await waitRewrite(s.port);
    expect(manifestOf(dir)).toBe('file appendonly.aof.1.base.aof seq 1 type b\n');
    expect(await run(s.port, [['MULTI'], ['BGREWRITEAOF'], ['EXEC']])).toEqual(['+OK\r\n', '+QUEUED\r\n', '*1\r\n+Background append only file rewriting scheduled\r\n']);
    expect((await run(s.port, [['INFO', 'persistence']]))[0]).toMatch(/aof_enabled:0\r\n.*aof_rewrite_scheduled:1\r\n/s);
    shutdownAppendOnly(s.server);
    s.stop();
  });
});

describe('CONFIG SET appendonly', () => {
  it('yes at runtime writes the dataset as a base, then appends; no stops appending', async () => {
    const dir = freshDir();
    const s = await startInProcess(['--dir', dir, '--aof-use-rdb-preamble', 'no']);
    startAppendOnly(s.server);
    await run(s.port, [['SET', 'before', '1']]);
    expect(existsSync(aofDir(dir))).toBe(false);
    expect(await run(s.port, [['CONFIG', 'SET', 'appendonly', 'yes'], ['SET', 'after', '2']])).toEqual(['+OK\r\n', '+OK\r\n']);
    await waitRewrite(s.port);
    expect(manifestOf(dir)).toBe('file appendonly.aof.1.base.aof seq 1 type b\nfile appendonly.aof.1.incr.aof seq 1 type i\n');
    expect(parseAof(readFileSync(path.join(aofDir(dir), 'appendonly.aof.1.base.aof')))).toEqual([['SELECT', '0'], ['SET', 'before', '1']]);
    expect(parseAof(readFileSync(path.join(aofDir(dir), 'appendonly.aof.1.incr.aof')))).toEqual([['SELECT', '0'], ['SET', 'after', '2']]);
    expect(await run(s.port, [['CONFIG', 'SET', 'appendonly', 'no'], ['SET', 'off', '3']])).toEqual(['+OK\r\n', '+OK\r\n']);
    expect(parseAof(readFileSync(path.join(aofDir(dir), 'appendonly.aof.1.incr.aof'))).length).toBe(2);
    expect((await run(s.port, [['INFO', 'persistence']]))[0]).toMatch(/aof_enabled:0\r\n/);
    shutdownAppendOnly(s.server);
    s.stop();
  });
});

describe('loading bad files', () => {
  async function prepared(): Promise<{ dir: string; incr: string }> {
    const dir = freshDir();
    const s = await startAofServer(dir, ['--aof-use-rdb-preamble', 'no']);
    await run(s.port, [['SET', 'a', '1'], ['SET', 'b', '2'], ['SET', 'c', '3']]);
    await s.close();
    return { dir, incr: path.join(aofDir(dir), 'appendonly.aof.1.incr.aof') };
  }

  async function loadFails(dir: string, args: string[] = []): Promise<string[]> {
    const s = await startInProcess(['--dir', dir, '--appendonly', 'yes', ...args]);
    const logs: string[] = [];
    s.server.log.warning = (m: string) => void logs.push(m);
    await expect(loadAppendOnly(s.server)).rejects.toThrow();
    shutdownAppendOnly(s.server);
    s.stop();
    return logs;
  }

  it('a truncated tail is cut at the last whole command with aof-load-truncated yes', async () => {
    const { dir, incr } = await prepared();
    const size = statSync(incr).size;
    truncateSync(incr, size - 3);
    const s = await startAofServer(dir, []);
    expect(await run(s.port, [['MGET', 'a', 'b', 'c']])).toEqual(['*3\r\n$1\r\n1\r\n$1\r\n2\r\n$-1\r\n']);
    expect(s.logs).toContain('!!! Warning: short read while loading the AOF file appendonly.aof.1.incr.aof!!!');
    expect(s.logs.some((l) => /^!!! Truncating the AOF appendonly.aof.1.incr.aof at offset \d+ !!!$/.test(l))).toBe(true);
    expect(s.logs).toContain('AOF appendonly.aof.1.incr.aof loaded anyway because aof-load-truncated is enabled');
    await s.close();
  });

  it('a truncated tail is refused with aof-load-truncated no', async () => {
    const { dir, incr } = await prepared();
    truncateSync(incr, statSync(incr).size - 3);
    const logs = await loadFails(dir, ['--aof-load-truncated', 'no']);
    expect(logs[0]).toMatch(/^Unexpected end of file reading the append only file appendonly.aof.1.incr.aof\. You can: 1\)/);
  });

  it('an incomplete MULTI at the end is reverted', async () => {
    const { dir, incr } = await prepared();
    appendFileSync(incr, '*1\r\n$5\r\nMULTI\r\n*3\r\n$3\r\nSET\r\n$1\r\nz\r\n$1\r\n9\r\n');
    const s = await startAofServer(dir, []);
    expect(await run(s.port, [['EXISTS', 'z'], ['GET', 'c']])).toEqual([':0\r\n', '$1\r\n3\r\n']);
    expect(s.logs).toContain('Revert incomplete MULTI/EXEC transaction in AOF file appendonly.aof.1.incr.aof');
    await s.close();
  });

  it('garbage is refused with the file, the offset and the reason', async () => {
    const { dir, incr } = await prepared();
    const size = statSync(incr).size;
    appendFileSync(incr, 'xx*3\r\n');
    const logs = await loadFails(dir);
    expect(logs[0]).toBe('Bad file format reading the append only file appendonly.aof.1.incr.aof: make a backup of your AOF file, then use ./redis-check-aof --fix <filename.manifest>');
    expect(logs[1]).toBe(`AOF appendonly.aof.1.incr.aof: format error at offset ${size}: expected '*', got 'x'`);
  });

  it('an unknown command is refused', async () => {
    const { dir, incr } = await prepared();
    appendFileSync(incr, '*1\r\n$7\r\nNOSUCHC\r\n');
    const logs = await loadFails(dir);
    expect(logs[0]).toBe("Unknown command 'NOSUCHC' reading the append only file appendonly.aof.1.incr.aof");
  });

  it('a bad manifest is refused with the line', async () => {
    const { dir } = await prepared();
    writeFileSync(path.join(aofDir(dir), 'appendonly.aof.manifest'), 'file appendonly.aof.1.base.aof seq 1 type b\nfile x seq 1\n');
    const logs = await loadFails(dir);
    expect(logs[0]).toBe("\n*** FATAL AOF MANIFEST FILE ERROR ***\nReading the manifest file, at line 2\n>>> 'file x seq 1'\nInvalid AOF manifest file format");
  });

  it('a truncated file that is not the last one is refused', async () => {
    const { dir } = await prepared();
    const d = aofDir(dir);
    // A second incr file after the first, and the first cut short.
    writeFileSync(path.join(d, 'appendonly.aof.2.incr.aof'), '');
    writeFileSync(path.join(d, 'appendonly.aof.manifest'), `${manifestOf(dir)}file appendonly.aof.2.incr.aof seq 2 type i\n`);
    const first = path.join(d, 'appendonly.aof.1.incr.aof');
    truncateSync(first, statSync(first).size - 2);
    const logs = await loadFails(dir);
    expect(logs[0]).toBe('Fatal error: the truncated file appendonly.aof.1.incr.aof is not the last file');
  });
});

describe('manifest format', () => {
  it('parses Redis 7.0 lines, quoted names, comments; rejects duplicates and bad sequences', () => {
    const m = parseManifest('# comment\nfile "a b.aof" seq 1 type b\nfile appendonly.aof.3.incr.aof seq 3 type i\nfile h seq 2 type h\n');
    expect(m.base).toEqual({ name: 'a b.aof', seq: 1, type: 'b' });
    expect(m.incrs).toEqual([{ name: 'appendonly.aof.3.incr.aof', seq: 3, type: 'i' }]);
    expect(m.history).toEqual([{ name: 'h', seq: 2, type: 'h' }]);
    expect(() => parseManifest('file a seq 1 type b\nfile b seq 2 type b\n')).toThrow('Found duplicate base file information');
    expect(() => parseManifest('file a seq 2 type i\nfile b seq 1 type i\n')).toThrow('Found a non-monotonic sequence number');
    expect(() => parseManifest('file a/b seq 1 type i\n')).toThrow("File can't be a path, just a filename");
    expect(() => parseManifest('file a seq 1 type x\n')).toThrow('Unknown AOF file type');
    expect(() => parseManifest('')).toThrow('Found an empty AOF manifest');
  });
});

describe('RDB preamble (aof-use-rdb-preamble yes, the default)', () => {
  it('the first base is an RDB; a restart loads it and the incr file', async () => {
    const dir = freshDir();
    const s = await startAofServer(dir);
    expect(manifestOf(dir)).toBe('file appendonly.aof.1.base.rdb seq 1 type b\nfile appendonly.aof.1.incr.aof seq 1 type i\n');
    expect(readFileSync(path.join(aofDir(dir), 'appendonly.aof.1.base.rdb')).subarray(0, 9).toString()).toBe('REDIS0010');
    await run(s.port, aofWorkload(5));
    const before = await dumpDataset(s.port);
    await s.close();
    const t = await startAofServer(dir);
    expect(await dumpDataset(t.port)).toEqual(before);
    expect(t.logs).toContain('RDB is base AOF');
    await t.close();
  });

  it.each([['an RDB', 'yes', 'rdb'], ['a command-form', 'no', 'aof']])('BGREWRITEAOF writes %s base in slices while writes go on, and loses none of them', async (_what, preamble, ext) => {
    const dir = freshDir();
    const srvArgs = ['--aof-use-rdb-preamble', preamble];
    const s = await startAofServer(dir, srvArgs);
    // Enough keys that the snapshot takes several slices.
    const c = await rawClient(s.port);
    for (let i = 0; i < 100; i++) {
      const args = ['MSET'];
      for (let j = 0; j < 100; j++) args.push(`k${i * 100 + j}`, `v${j}`);
      await c.send(args);
    }
    // BGREWRITEAOF and writes in one batch: they all run before the snapshot's first slice, so
    // the writes happen while the base is being written. Then more writes from later turns.
    const batch: string[][] = [['BGREWRITEAOF']];
    for (let i = 0; i < 200; i++) batch.push(['SET', `k${(i * 37) % 10000}`, `new${i}`], ['DEL', `k${(i * 41 + 1) % 10000}`], ['INCR', 'counter']);
    batch.push(['INFO', 'persistence']);
    c.sendRaw(Buffer.concat(batch.map((a) => encodeCommand(a))));
    const replies: string[] = [];
    for (let i = 0; i < batch.length; i++) replies.push((await c.readReply()).toString());
    expect(replies[0]).toBe('+Background append only file rewriting started\r\n');
    expect(replies[replies.length - 1]).toMatch(/aof_rewrite_in_progress:1\r\n/);
    for (let i = 200; i < 400; i++) {
      await c.send(['SET', `k${(i * 37) % 10000}`, `new${i}`]);
      await c.send(['DEL', `k${(i * 41 + 1) % 10000}`]);
      await c.send(['INCR', 'counter']);
    }
    for (let i = 0; i < 400 && /aof_rewrite_in_progress:1/.test((await c.send(['INFO', 'persistence'])).toString()); i++) {
      await new Promise((r) => setTimeout(r, 10));
    }
    expect((await c.send(['BGREWRITEAOF'])).toString()).toBe('+Background append only file rewriting started\r\n');
    const info = (await c.send(['INFO', 'persistence'])).toString();
    c.close();
    expect(info).toMatch(/aof_last_bgrewrite_status:ok/);
    for (let i = 0; i < 400 && /aof_rewrite_in_progress:1/.test((await run(s.port, [['INFO', 'persistence']]))[0]); i++) {
      await new Promise((r) => setTimeout(r, 10));
    }
    expect(manifestOf(dir)).toBe(`file appendonly.aof.3.base.${ext} seq 3 type b\nfile appendonly.aof.3.incr.aof seq 3 type i\n`);
    const before = await dumpDataset(s.port);
    await s.close();
    const t = await startAofServer(dir, srvArgs);
    expect(await dumpDataset(t.port)).toEqual(before);
    expect(await run(t.port, [['GET', 'counter']])).toEqual(['$3\r\n400\r\n']);
    await t.close();
  });
});

describe('CONFIG SET appendonly yes with the RDB preamble', () => {
  it('writes during the first (sliced) base go to the temp incr file, which becomes incr 1', async () => {
    const dir = freshDir();
    const s = await startInProcess(['--dir', dir]);
    startAppendOnly(s.server);
    const c = await rawClient(s.port);
    for (let i = 0; i < 50; i++) {
      const args = ['MSET'];
      for (let j = 0; j < 100; j++) args.push(`k${i * 100 + j}`, 'x');
      await c.send(args);
    }
    // CONFIG SET and writes in one batch: the writes land while the base is being written.
    const batch = [['CONFIG', 'SET', 'appendonly', 'yes'], ['INCR', 'during'], ['DEL', 'k7'], ['INFO', 'persistence']];
    c.sendRaw(Buffer.concat(batch.map((a) => encodeCommand(a))));
    const replies: string[] = [];
    for (let i = 0; i < batch.length; i++) replies.push((await c.readReply()).toString());
    expect(replies.slice(0, 3)).toEqual(['+OK\r\n', ':1\r\n', ':1\r\n']);
    expect(replies[3]).toMatch(/aof_enabled:1\r\naof_rewrite_in_progress:1\r\n/);
    for (let i = 0; i < 500 && /aof_rewrite_in_progress:1/.test((await c.send(['INFO', 'persistence'])).toString()); i++) {
      await new Promise((r) => setTimeout(r, 10));
    }
    await c.send(['INCR', 'during']);
    c.close();
    expect(manifestOf(dir)).toBe('file appendonly.aof.1.base.rdb seq 1 type b\nfile appendonly.aof.1.incr.aof seq 1 type i\n');
    expect(parseAof(readFileSync(path.join(aofDir(dir), 'appendonly.aof.1.incr.aof')))).toEqual([['SELECT', '0'], ['INCR', 'during'], ['DEL', 'k7'], ['INCR', 'during']]);
    const before = await dumpDataset(s.port);
    shutdownAppendOnly(s.server);
    s.stop();
    const t = await startAofServer(dir);
    expect(await dumpDataset(t.port)).toEqual(before);
    await t.close();
  });
});

describe('AOF write errors', () => {
  it('a failing write (full disk) refuses writes with -MISCONF until writing works again', async () => {
    const dir = freshDir();
    const s = await startAofServer(dir, ['--aof-use-rdb-preamble', 'no']);
    const st = aofOf(s.server);
    const good = st.fd;
    st.fd = openSync('/dev/full', 'w');
    const c = await rawClient(s.port);
    expect((await c.send(['SET', 'a', '1'])).toString()).toBe('+OK\r\n');
    expect((await c.send(['SET', 'b', '2'])).toString()).toBe('-MISCONF Errors writing to the AOF file: No space left on device\r\n');
    expect((await c.send(['GET', 'a'])).toString()).toBe('$1\r\n1\r\n');
    expect((await c.send(['INFO', 'persistence'])).toString()).toMatch(/aof_last_write_status:err\r\n/);
    expect(s.logs).toContain('Error writing to the AOF file: No space left on device');
    closeSync(st.fd);
    st.fd = good;
    // The timer retries the pending bytes once a second.
    let r = '';
    for (let i = 0; i < 300; i++) {
      r = (await c.send(['SET', 'b', '2'])).toString();
      if (r === '+OK\r\n') break;
      await new Promise((res) => setTimeout(res, 20));
    }
    expect(r).toBe('+OK\r\n');
    expect(s.logs).toContain('AOF write error looks solved, Redis can write again.');
    c.close();
    await s.close();
    const t = await startAofServer(dir, ['--aof-use-rdb-preamble', 'no']);
    expect(await run(t.port, [['MGET', 'a', 'b']])).toEqual(['*2\r\n$1\r\n1\r\n$1\r\n2\r\n']);
    await t.close();
  });
});

describe('replay semantics', () => {
  it('nothing expires while loading: INCR on a key whose TTL has passed since keeps the TTL', async () => {
    const dir = freshDir();
    const d = aofDir(dir);
    mkdirSync(d);
    writeFileSync(path.join(d, 'appendonly.aof.manifest'), 'file appendonly.aof.1.incr.aof seq 1 type i\n');
    const cmds = [['SELECT', '0'], ['SET', 'k', '1', 'PXAT', '1000'], ['INCR', 'k'], ['SET', 'live', '1', 'PXAT', String(Date.now() + 3_600_000)], ['INCR', 'live']];
    writeFileSync(path.join(d, 'appendonly.aof.1.incr.aof'), Buffer.concat(cmds.map((a) => encodeCommand(a))));
    const s = await startAofServer(dir);
    expect(await run(s.port, [['GET', 'k'], ['GET', 'live'], ['DBSIZE']])).toEqual(['$-1\r\n', '$1\r\n2\r\n', ':1\r\n']);
    await s.close();
  });
});

describe('DEBUG LOADAOF', () => {
  it('reloads the dataset from the AOF without appending the replay to it', async () => {
    const dir = freshDir();
    const s = await startAofServer(dir, ['--aof-use-rdb-preamble', 'no']);
    await run(s.port, aofWorkload(9, 100));
    const before = await dumpDataset(s.port);
    const size = statSync(path.join(aofDir(dir), 'appendonly.aof.1.incr.aof')).size;
    expect(await run(s.port, [['DEBUG', 'LOADAOF']])).toEqual(['+OK\r\n']);
    expect(await dumpDataset(s.port)).toEqual(before);
    expect(statSync(path.join(aofDir(dir), 'appendonly.aof.1.incr.aof')).size).toBe(size);
    expect(s.logs).toContain('Append Only File loaded by DEBUG LOADAOF');
    await run(s.port, [['SET', 'after', '1']]);
    await s.close();
    const t = await startAofServer(dir, ['--aof-use-rdb-preamble', 'no']);
    expect(await run(t.port, [['GET', 'after']])).toEqual(['$1\r\n1\r\n']);
    await t.close();
  });
});

describe('BGREWRITEAOF and BGSAVE', () => {
  it('a rewrite asked for during a BGSAVE is scheduled, then runs when the BGSAVE is done', async () => {
    const dir = freshDir();
    const s = await startAofServer(dir, ['--aof-use-rdb-preamble', 'no']);
    const c = await rawClient(s.port);
    for (let i = 0; i < 50; i++) {
      const args = ['MSET'];
      for (let j = 0; j < 100; j++) args.push(`k${i * 100 + j}`, 'x');
      await c.send(args);
    }
    // In one batch, so the BGSAVE's snapshot is still running when BGREWRITEAOF arrives.
    const batch = [['BGSAVE'], ['BGREWRITEAOF'], ['BGREWRITEAOF'], ['INFO', 'persistence']];
    c.sendRaw(Buffer.concat(batch.map((a) => encodeCommand(a))));
    const replies: string[] = [];
    for (let i = 0; i < batch.length; i++) replies.push((await c.readReply()).toString());
    expect(replies.slice(0, 3)).toEqual([
      '+Background saving started\r\n',
      '+Background append only file rewriting scheduled\r\n',
      '+Background append only file rewriting scheduled\r\n',
    ]);
    expect(replies[3]).toMatch(/aof_rewrite_scheduled:1\r\n/);
    let info = '';
    for (let i = 0; i < 500; i++) {
      info = (await c.send(['INFO', 'persistence'])).toString();
      if (/aof_rewrites:1\r\n/.test(info) && /aof_rewrite_in_progress:0/.test(info)) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(info).toMatch(/aof_rewrite_scheduled:0\r\n/);
    expect(info).toMatch(/aof_rewrites:1\r\n/);
    expect(manifestOf(dir)).toBe('file appendonly.aof.2.base.aof seq 2 type b\nfile appendonly.aof.2.incr.aof seq 2 type i\n');
    c.close();
    await s.close();
  });
});

describe.skipIf(scriptingSkipReason() !== '')('functions in the AOF', () => {
  it.each([['yes'], ['no']])('FUNCTION LOAD is replayed from the incr file and from a rewritten base (preamble %s)', async (preamble) => {
    const dir = freshDir();
    const args = ['--aof-use-rdb-preamble', preamble];
    // The Lua engine (and its libraries) is one per process: empty it as a restart would.
    const fresh = (srv: { server: Server }): void => {
      const engine = scriptingOf(srv.server).engine;
      if (engine !== null) functionsOf(engine).flush();
    };
    const s = await startAofServer(dir, args);
    fresh(s);
    const lib = "#!lua name=aoflib\nredis.register_function('aofinc', function(keys) return redis.call('INCR', keys[1]) end)";
    expect(await run(s.port, [['FUNCTION', 'LOAD', lib], ['FCALL', 'aofinc', '1', 'n']])).toEqual(['$6\r\naoflib\r\n', ':1\r\n']);
    await s.close();
    fresh(s);
    const t = await startAofServer(dir, args);
    expect(await run(t.port, [['FCALL', 'aofinc', '1', 'n'], ['BGREWRITEAOF']])).toEqual([':2\r\n', '+Background append only file rewriting started\r\n']);
    await waitRewrite(t.port);
    await t.close();
    fresh(t);
    const u = await startAofServer(dir, args);
    expect(await run(u.port, [['FCALL', 'aofinc', '1', 'n'], ['FUNCTION', 'LIST']])).toEqual([':3\r\n', expect.stringContaining('aoflib')]);
    await u.close();
    fresh(u);
  });
});

describe('appendfsync always: replies wait for the fsync', () => {
  it('replies, pushes and QUIT all arrive, in order, with writes from many clients', async () => {
    const dir = freshDir();
    const s = await startAofServer(dir, ['--appendfsync', 'always']);
    const sub = await rawClient(s.port);
    expect((await sub.send(['SUBSCRIBE', 'ch'])).toString()).toMatch(/subscribe/);
    const clients = await Promise.all([0, 1, 2, 3].map(() => rawClient(s.port)));
    await Promise.all(clients.map(async (c, i) => {
      for (let j = 0; j < 50; j++) {
        expect((await c.send(['INCR', 'n'])).toString()).toMatch(/^:\d+\r\n$/);
        expect((await c.send(['PUBLISH', 'ch', `${i}:${j}`])).toString()).toBe(':1\r\n');
      }
    }));
    let got = 0;
    for (; got < 200; got++) expect((await sub.readReply()).toString()).toMatch(/^\*3\r\n\$7\r\nmessage\r\n/);
    const q = clients[0];
    q.sendRaw(encodeCommand(['SET', 'last', 'x']));
    q.sendRaw(encodeCommand(['QUIT']));
    expect((await q.readReply()).toString()).toBe('+OK\r\n');
    expect((await q.readReply()).toString()).toBe('+OK\r\n');
    for (const c of clients) c.close();
    sub.close();
    await s.close();
    const t = await startAofServer(dir);
    expect(await run(t.port, [['GET', 'n'], ['GET', 'last']])).toEqual(['$3\r\n200\r\n', '$1\r\nx\r\n']);
    await t.close();
  });
});

describe('start-up (spindle-server process)', () => {
  it('a corrupt AOF stops the server with status 1 and a log line, no stack trace', async () => {
    const { dir, incr } = await (async () => {
      const d = freshDir();
      const s = await startAofServer(d, ['--aof-use-rdb-preamble', 'no']);
      await run(s.port, [['SET', 'a', '1']]);
      await s.close();
      return { dir: d, incr: path.join(aofDir(d), 'appendonly.aof.1.incr.aof') };
    })();
    const size = statSync(incr).size;
    appendFileSync(incr, '*2\r\n$3\r\nGET\r\n$1\r\nk\r\n?oops\r\n');
    // It listens before loading (clients get -LOADING), so it may accept connections first.
    let err: string;
    try {
      const h = await startSpindle(['--dir', dir, '--appendonly', 'yes']);
      const code = await new Promise<number | null>((r) => {
        if (h.proc.exitCode !== null) r(h.proc.exitCode);
        else h.proc.once('exit', (c) => r(c));
      });
      err = `exit code ${code}\n${h.output()}`;
      await h.stop();
    } catch (e) {
      err = (e as Error).message;
    }
    expect(err).toMatch(/exit code 1/);
    expect(err).toContain('Bad file format reading the append only file appendonly.aof.1.incr.aof');
    expect(err).toContain(`AOF appendonly.aof.1.incr.aof: format error at offset ${size + 20}: expected '*', got '?'`);
    expect(err).not.toMatch(/\n\s+at /);
  });
});
