/*
 * INFO TIME CONFIG COMMAND DEBUG SHUTDOWN over real sockets (src/commands/server-admin.ts and
 * introspection.ts, src/server/info.ts and config-rewrite.ts). Exact error texts and reply bytes
 * that Redis fixes are in the golden cases (test/golden/cases/admin.txt); this suite checks what a
 * golden file cannot: INFO's field list against Redis 7.0's, counters moving, config files
 * rewritten, the process exiting.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  REPO_ROOT, SPINDLE_MAIN, freePort, rawClient, startSpindle, type RawClient, type ServerHandle,
} from '../helpers/servers.ts';

// ---- a small RESP decoder (RESP2 and the RESP3 types these commands use) --------------------

type Value = string | number | null | Error | Value[] | { kv: Array<[Value, Value]> };

function decode(buf: Buffer): Value {
  let pos = 0;
  const line = (): string => {
    const end = buf.indexOf('\r\n', pos, 'latin1');
    const s = buf.toString('latin1', pos, end);
    pos = end + 2;
    return s;
  };
  const one = (): Value => {
    const t = String.fromCharCode(buf[pos++]);
    const head = line();
    switch (t) {
      case '+':
        return head;
      case '-':
        return new Error(head);
      case ':':
        return Number(head);
      case '_':
        return null;
      case '$':
      case '=': {
        const n = Number(head);
        if (n < 0) return null;
        const s = buf.toString('latin1', pos, pos + n);
        pos += n + 2;
        return t === '=' ? s.slice(4) : s;
      }
      case '*':
      case '~': {
        const n = Number(head);
        if (n < 0) return null;
        const out: Value[] = [];
        for (let i = 0; i < n; i++) out.push(one());
        return out;
      }
      case '%': {
        const n = Number(head);
        const kv: Array<[Value, Value]> = [];
        for (let i = 0; i < n; i++) kv.push([one(), one()]);
        return { kv };
      }
      default:
        throw new Error(`unexpected RESP type ${t}`);
    }
  };
  return one();
}

/** A flat RESP2 [k, v, k, v] array (or a RESP3 map) as a JS object. */
function pairs(v: Value): Record<string, Value> {
  const out: Record<string, Value> = {};
  if (v !== null && typeof v === 'object' && 'kv' in v) {
    for (const [k, x] of v.kv) out[String(k)] = x;
    return out;
  }
  const a = v as Value[];
  for (let i = 0; i < a.length; i += 2) out[String(a[i])] = a[i + 1];
  return out;
}

async function call(c: RawClient, ...argv: string[]): Promise<Value> {
  return decode(await c.send(argv));
}

async function info(c: RawClient, ...sections: string[]): Promise<string> {
  return (await call(c, 'INFO', ...sections)) as string;
}

interface InfoSection {
  title: string;
  lines: string[];
}

function parseInfo(text: string): InfoSection[] {
  const out: InfoSection[] = [];
  for (const line of text.split('\r\n')) {
    if (line.startsWith('# ')) out.push({ title: line.slice(2), lines: [] });
    else if (line !== '') out[out.length - 1].lines.push(line);
  }
  return out;
}

function infoField(text: string, name: string): string | undefined {
  for (const line of text.split('\r\n')) if (line.startsWith(`${name}:`)) return line.slice(name.length + 1);
  return undefined;
}

/** test/fixtures/redis-7.0-info-fields.txt: `# Section` then indented field names, in order. */
function loadInfoFixture(): Array<{ title: string; fields: string[] }> {
  const text = readFileSync(path.join(REPO_ROOT, 'test', 'fixtures', 'redis-7.0-info-fields.txt'), 'utf8');
  const out: Array<{ title: string; fields: string[] }> = [];
  for (const line of text.split('\n')) {
    if (line.startsWith('# ')) out.push({ title: line.slice(2).trim(), fields: [] });
    else if (line.trim() !== '') out[out.length - 1].fields.push(line.trim());
  }
  return out;
}

let srv: ServerHandle;
let c: RawClient;

beforeAll(async () => {
  srv = await startSpindle(['--enable-debug-command', 'yes']);
  c = await rawClient(srv.port);
});

afterAll(async () => {
  c?.close();
  await srv?.stop();
});

// ---- INFO -----------------------------------------------------------------------------------

describe('INFO', () => {
  test('default sections: Redis 7.0 defaults, then Spindle', async () => {
    const titles = parseInfo(await info(c)).map((s) => s.title);
    expect(titles).toEqual([
      'Server', 'Clients', 'Memory', 'Persistence', 'Stats', 'Replication', 'CPU', 'Modules', 'Errorstats', 'Cluster',
      'Keyspace', 'Spindle',
    ]);
  });

  test('everything: every Redis 7.0 section and field, in order', async () => {
    // Make the commands the fixture's Commandstats section shows appear in ours too.
    await call(c, 'COMMAND', 'INFO', 'get');
    await call(c, 'COMMAND', 'DOCS', 'get');
    await call(c, 'CONFIG', 'GET', 'hz');
    await call(c, 'HELLO', '2');
    const ours = parseInfo(await info(c, 'everything'));
    const fixture = loadInfoFixture();
    expect(ours.map((s) => s.title)).toEqual([...fixture.map((s) => s.title), 'Spindle']);
    const dynamic = new Set(['Commandstats', 'Errorstats', 'Latencystats', 'Keyspace']);
    for (const want of fixture) {
      const got = ours.find((s) => s.title === want.title)!;
      const names = got.lines.map((l) => l.slice(0, l.indexOf(':')));
      if (want.title === 'Commandstats') {
        for (const f of want.fields) expect(names).toContain(f);
      } else if (!dynamic.has(want.title)) {
        expect(names, `section ${want.title}`).toEqual(want.fields);
      }
    }
  });

  test('text format: CRLF lines, one blank line between sections, name:value fields', async () => {
    const text = await info(c, 'everything');
    expect(text.endsWith('\r\n')).toBe(true);
    expect(text.endsWith('\r\n\r\n')).toBe(false);
    expect(text.replace(/\r\n/g, '')).not.toMatch(/[\r\n]/);
    const blocks = text.split('\r\n\r\n');
    for (const b of blocks) {
      const lines = b.split('\r\n').filter((l) => l !== '');
      expect(lines[0]).toMatch(/^# [A-Z][A-Za-z]+$/);
      for (const l of lines.slice(1)) expect(l).toMatch(/^[a-z0-9_|]+:\S*/);
    }
  });

  test('several sections at once come out in Redis order; unknown ones are empty', async () => {
    expect(parseInfo(await info(c, 'keyspace', 'SERVER', 'cpu')).map((s) => s.title)).toEqual(['Server', 'CPU', 'Keyspace']);
    expect(parseInfo(await info(c, 'default', 'commandstats')).map((s) => s.title)).toContain('Commandstats');
    expect(parseInfo(await info(c, 'modules')).map((s) => s.title)).toEqual(['Modules']);
    expect(await info(c, 'nosuchsection')).toBe('');
    expect(parseInfo(await info(c, 'all')).map((s) => s.title)).toContain('Latencystats');
  });

  test('RESP3 replies a verbatim string', async () => {
    const r = await rawClient(srv.port);
    await r.send(['HELLO', '3']);
    const raw = (await r.send(['INFO', 'server'])).toString('latin1');
    expect(raw).toMatch(/^=\d+\r\ntxt:# Server\r\n/);
    r.close();
  });

  test('server, clients, memory and spindle values are real', async () => {
    const text = await info(c, 'everything');
    expect(infoField(text, 'redis_version')).toBe('7.0.15');
    expect(infoField(text, 'redis_mode')).toBe('standalone');
    expect(infoField(text, 'tcp_port')).toBe(String(srv.port));
    expect(infoField(text, 'process_id')).toBe(String(srv.proc.pid));
    expect(infoField(text, 'run_id')).toMatch(/^[0-9a-f]{40}$/);
    expect(infoField(text, 'arch_bits')).toBe('64');
    expect(Number(infoField(text, 'server_time_usec'))).toBeGreaterThan((Date.now() - 60_000) * 1000);
    expect(Number(infoField(text, 'uptime_in_seconds'))).toBeGreaterThanOrEqual(0);
    expect(infoField(text, 'hz')).toBe('10');
    expect(Number(infoField(text, 'connected_clients'))).toBeGreaterThanOrEqual(1);
    expect(infoField(text, 'maxclients')).toBe('10000');
    const used = Number(infoField(text, 'used_memory'));
    expect(used).toBeGreaterThan(1_000_000);
    expect(Number(infoField(text, 'used_memory_rss'))).toBeGreaterThan(0);
    expect(infoField(text, 'used_memory_human')).toMatch(/^\d+(\.\d\d[KMGTP])?B?$/);
    expect(Number(infoField(text, 'used_memory_peak'))).toBeGreaterThanOrEqual(used);
    expect(infoField(text, 'used_memory_peak_perc')).toMatch(/^\d+\.\d\d%$/);
    expect(infoField(text, 'maxmemory_policy')).toBe('noeviction');
    expect(infoField(text, 'role')).toBe('master');
    expect(infoField(text, 'used_cpu_user')).toMatch(/^\d+\.\d{6}$/);
    expect(infoField(text, 'rdb_last_bgsave_status')).toBe('ok');
    expect(infoField(text, 'cluster_enabled')).toBe('0');
    expect(infoField(text, 'spindle_version')).toMatch(/^\d+\.\d+\.\d+/);
    expect(Number(infoField(text, 'gc_count'))).toBeGreaterThanOrEqual(0);
    expect(infoField(text, 'gc_pause_max_ms')).toMatch(/^\d+\.\d{3}$/);
  });

  test('keyspace lists non-empty databases only', async () => {
    await call(c, 'FLUSHALL');
    expect(parseInfo(await info(c, 'keyspace'))[0].lines).toEqual([]);
    await call(c, 'SET', 'a', '1');
    await call(c, 'SET', 'b', '2', 'EX', '100');
    await call(c, 'SELECT', '3');
    await call(c, 'SET', 'c', '3');
    await call(c, 'SELECT', '0');
    const lines = parseInfo(await info(c, 'keyspace'))[0].lines;
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^db0:keys=2,expires=1,avg_ttl=\d+$/);
    expect(lines[1]).toBe('db3:keys=1,expires=0,avg_ttl=0');
    await call(c, 'FLUSHALL');
  });

  test('commandstats and errorstats count calls, rejected and failed calls', async () => {
    expect(await call(c, 'CONFIG', 'RESETSTAT')).toBe('OK');
    await call(c, 'SET', 'n', 'x');
    await call(c, 'SET', 'n', 'y');
    await call(c, 'SET', 'n', 'z');
    await call(c, 'GET', 'n');
    expect(await call(c, 'GET')).toBeInstanceOf(Error); // arity: rejected
    expect(await call(c, 'INCR', 'n')).toBeInstanceOf(Error); // not an integer: failed
    await call(c, 'NOSUCHCOMMAND');
    await call(c, 'CONFIG', 'GET', 'hz');
    const text = await info(c, 'commandstats', 'errorstats', 'stats');
    const stat = (name: string) => parseInfo(text).find((s) => s.title === 'Commandstats')!.lines.find((l) => l.startsWith(`cmdstat_${name}:`));
    expect(stat('set')).toMatch(/^cmdstat_set:calls=3,usec=\d+,usec_per_call=\d+\.\d\d,rejected_calls=0,failed_calls=0$/);
    expect(stat('get')).toMatch(/^cmdstat_get:calls=1,usec=\d+,usec_per_call=\d+\.\d\d,rejected_calls=1,failed_calls=0$/);
    expect(stat('incr')).toMatch(/^cmdstat_incr:calls=1,.*,rejected_calls=0,failed_calls=1$/);
    expect(stat('config|get')).toMatch(/^cmdstat_config\|get:calls=1,/);
    expect(stat('config|resetstat')).toMatch(/^cmdstat_config\|resetstat:calls=1,/);
    expect(stat('info')).toBeUndefined(); // counted once it returns, as in Redis
    const errors = parseInfo(text).find((s) => s.title === 'Errorstats')!.lines;
    expect(errors).toEqual(['errorstat_ERR:count=3']);
    expect(infoField(text, 'total_error_replies')).toBe('3');
    // RESETSTAT + 3 SET + GET + INCR + CONFIG GET (rejected calls are not processed commands).
    expect(infoField(text, 'total_commands_processed')).toBe('7');
    expect(stat('nosuchcommand')).toBeUndefined();
  });

  test('CONFIG RESETSTAT clears commandstats and stats', async () => {
    await call(c, 'PING');
    await call(c, 'CONFIG', 'RESETSTAT');
    const text = await info(c, 'commandstats', 'stats', 'errorstats');
    const cmdstats = parseInfo(text).find((s) => s.title === 'Commandstats')!.lines;
    expect(cmdstats).toEqual([expect.stringMatching(/^cmdstat_config\|resetstat:calls=1,/)]);
    expect(infoField(text, 'total_commands_processed')).toBe('1');
    expect(infoField(text, 'total_error_replies')).toBe('0');
    expect(infoField(text, 'keyspace_hits')).toBe('0');
  });

  test('latencystats lines have the configured percentiles', async () => {
    const lines = parseInfo(await info(c, 'latencystats'))[0].lines;
    for (const l of lines) expect(l).toMatch(/^latency_percentiles_usec_[a-z|-]+:p50=\d+\.\d{3},p99=\d+\.\d{3},p99\.9=\d+\.\d{3}$/);
  });
});

// ---- TIME -----------------------------------------------------------------------------------

test('TIME is [seconds, microseconds] as bulk strings', async () => {
  const [s, us] = (await call(c, 'TIME')) as string[];
  expect(s).toMatch(/^\d+$/);
  expect(us).toMatch(/^\d{1,6}$/);
  expect(Math.abs(Number(s) * 1000 + Number(us) / 1000 - Date.now())).toBeLessThan(5000);
});

// ---- CONFIG ---------------------------------------------------------------------------------

describe('CONFIG', () => {
  test('GET and SET round trips', async () => {
    expect(await call(c, 'CONFIG', 'SET', 'maxmemory', '100mb')).toBe('OK');
    expect(await call(c, 'CONFIG', 'GET', 'maxmemory')).toEqual(['maxmemory', '104857600']);
    expect(await call(c, 'CONFIG', 'SET', 'maxmemory', '0', 'maxmemory-policy', 'allkeys-lru', 'hz', '20')).toBe('OK');
    expect(pairs(await call(c, 'CONFIG', 'GET', 'maxmemory', 'maxmemory-policy', 'hz'))).toEqual({
      maxmemory: '0', 'maxmemory-policy': 'allkeys-lru', hz: '20',
    });
    expect(infoField(await info(c, 'server'), 'hz')).toBe('20');
    expect(await call(c, 'CONFIG', 'SET', 'maxmemory-policy', 'noeviction', 'hz', '10')).toBe('OK');
    const all = pairs(await call(c, 'CONFIG', 'GET', '*'));
    expect(Object.keys(all).length).toBeGreaterThan(150);
    expect(all.port).toBe(String(srv.port));
  });

  test('a failing CONFIG SET changes nothing', async () => {
    const err = await call(c, 'CONFIG', 'SET', 'maxmemory', '10mb', 'hz', 'abc');
    expect(String(err)).toContain("ERR CONFIG SET failed (possibly related to argument 'hz')");
    expect(await call(c, 'CONFIG', 'GET', 'maxmemory')).toEqual(['maxmemory', '0']);
  });

  test('RESP3 CONFIG GET is a map', async () => {
    const r = await rawClient(srv.port);
    await r.send(['HELLO', '3']);
    expect((await r.send(['CONFIG', 'GET', 'hz'])).toString('latin1')).toBe('%1\r\n$2\r\nhz\r\n$2\r\n10\r\n');
    expect((await r.send(['CONFIG', 'GET', 'nosuch'])).toString('latin1')).toBe('%0\r\n');
    r.close();
  });

  test('REWRITE without a config file', async () => {
    expect(String(await call(c, 'CONFIG', 'REWRITE'))).toBe('Error: ERR The server is running without a config file');
  });

  test('REWRITE updates the config file in place', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'spindle-rewrite-'));
    const port = await freePort();
    const conf = path.join(dir, 'spindle.conf');
    writeFileSync(conf, `# my settings\nport ${port}\nbind 127.0.0.1\nslaveof 127.0.0.1 9999\nmaxmemory 100mb\n\n\n# end\nrename-command KEYS ""\n`);
    const proc = spawn(process.execPath, [SPINDLE_MAIN, conf, '--save', '', '--dir', dir], { cwd: dir, stdio: 'ignore' });
    try {
      let r: RawClient | null = null;
      for (let i = 0; i < 100 && r === null; i++) {
        r = await rawClient(port).catch(() => null);
        if (r === null) await new Promise((res) => setTimeout(res, 50));
      }
      expect(r).not.toBeNull();
      const rc = r!;
      expect(infoField((await call(rc, 'INFO', 'server')) as string, 'config_file')).toBe(conf);
      expect(await call(rc, 'CONFIG', 'SET', 'maxmemory', '1gb', 'hz', '20')).toBe('OK');
      expect(await call(rc, 'CONFIG', 'REWRITE')).toBe('OK');
      const text = readFileSync(conf, 'utf8');
      // Lines keep their places; the old alias `slaveof` is rewritten under its 7.0 name.
      expect(text.split('\n').slice(0, 5)).toEqual(['# my settings', `port ${port}`, 'bind 127.0.0.1', 'replicaof 127.0.0.1 9999', 'maxmemory 1gb']);
      expect(text).toContain('maxmemory 1gb\n');
      expect(text).not.toContain('maxmemory 100mb');
      expect(text).toContain('rename-command KEYS ""\n');
      expect(text).toContain('# Generated by CONFIG REWRITE\n');
      expect(text).toContain('hz 20\n');
      expect(text).toContain(`dir "${dir}"\n`);
      expect(text).toContain('save ""\n');
      expect(text).toContain('user default on nopass ~* &* +@all\n');
      expect(text).not.toMatch(/\n\n\n/);
      rc.close();
    } finally {
      proc.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

// ---- COMMAND --------------------------------------------------------------------------------

interface RefMeta {
  arity: number;
  flags: string[];
  first_key: number;
  last_key: number;
  step: number;
  acl_categories: string[];
  tips: string[];
  key_specs: Array<{ flags: string[]; begin_search: { type: string; spec: Record<string, unknown> }; find_keys: { type: string; spec: Record<string, unknown> } }>;
  subcommands: Record<string, RefMeta>;
}

/** Redis 7.0.15's command facts (src/commands/meta.json is generated from them, unchanged). */
function loadReference(): Record<string, RefMeta> {
  return JSON.parse(readFileSync(new URL('../../src/commands/meta.json', import.meta.url), 'utf8')) as Record<string, RefMeta>;
}

/** COMMAND INFO's 10-element entry as the reference JSON spells a command. */
function infoEntryToMeta(e: Value[]): { name: string; meta: RefMeta } {
  const specs = (e[8] as Value[]).map((s) => {
    const o = pairs(s);
    const bs = pairs(o.begin_search);
    const fk = pairs(o.find_keys);
    return {
      flags: o.flags as string[],
      begin_search: { type: bs.type as string, spec: pairs(bs.spec) as Record<string, unknown> },
      find_keys: { type: fk.type as string, spec: pairs(fk.spec) as Record<string, unknown> },
    };
  });
  const subs: Record<string, RefMeta> = {};
  for (const s of e[9] as Value[][]) {
    const x = infoEntryToMeta(s);
    // The reference spells subcommands without a `subcommands` field of their own.
    delete (x.meta as Partial<RefMeta>).subcommands;
    subs[x.name] = x.meta;
  }
  return {
    name: e[0] as string,
    meta: {
      arity: e[1] as number, flags: e[2] as string[], first_key: e[3] as number, last_key: e[4] as number,
      step: e[5] as number, acl_categories: e[6] as string[], tips: e[7] as string[], key_specs: specs, subcommands: subs,
    },
  };
}

describe('COMMAND', () => {
  test('COMMAND, COUNT and LIST agree on what is registered', async () => {
    const all = (await call(c, 'COMMAND')) as Value[][];
    const count = (await call(c, 'COMMAND', 'COUNT')) as number;
    const list = (await call(c, 'COMMAND', 'LIST')) as string[];
    expect(all).toHaveLength(count);
    expect(list.filter((n) => !n.includes('|'))).toHaveLength(count);
    expect(new Set(all.map((e) => e[0]))).toEqual(new Set(list.filter((n) => !n.includes('|'))));
    for (const n of ['get', 'set', 'info', 'config', 'config|get', 'command|getkeys', 'client|list', 'debug']) expect(list).toContain(n);
  });

  test('COMMAND INFO of every registered command matches Redis 7.0.15 (key spec notes aside)', async () => {
    const ref = loadReference();
    const all = (await call(c, 'COMMAND')) as Value[][];
    for (const e of all) {
      const { name, meta } = infoEntryToMeta(e);
      const want = structuredClone(ref[name]) as RefMeta & { docs?: unknown };
      delete want.docs;
      for (const ks of want.key_specs) delete (ks as { notes?: string }).notes;
      // Only the subcommands Spindle registers are listed.
      for (const sub of Object.keys(want.subcommands)) if (!(sub in meta.subcommands)) delete want.subcommands[sub];
      for (const sub of Object.values(want.subcommands)) for (const ks of sub.key_specs) delete (ks as { notes?: string }).notes;
      expect(meta, name).toEqual(want);
    }
  });

  test('COMMAND INFO of unknown names is null, subcommands by full name', async () => {
    expect(await call(c, 'COMMAND', 'INFO', 'nosuch', 'config|get', 'get|x')).toEqual([
      null, expect.arrayContaining(['config|get', -3]), null,
    ]);
  });

  test('COMMAND DOCS: summary, since, group, arguments; no made-up complexity', async () => {
    const docs = pairs(await call(c, 'COMMAND', 'DOCS', 'set', 'nosuch', 'config'));
    expect(Object.keys(docs)).toEqual(['set', 'config']);
    const set = pairs(docs.set);
    expect(Object.keys(set)).toEqual(['summary', 'since', 'group', 'arguments']);
    expect(set.since).toBe('1.0.0');
    expect(set.group).toBe('string');
    const args = (set.arguments as Value[]).map(pairs);
    expect(args[0]).toEqual({ name: 'key', type: 'key', key_spec_index: 0 });
    expect(args[2]).toMatchObject({ name: 'condition', type: 'oneof', since: '2.6.12', flags: ['optional'] });
    expect((args[2].arguments as Value[]).map(pairs)).toEqual([
      { name: 'nx', type: 'pure-token', token: 'NX' },
      { name: 'xx', type: 'pure-token', token: 'XX' },
    ]);
    const config = pairs(docs.config);
    expect(Object.keys(config)).toEqual(['summary', 'since', 'group', 'subcommands']);
    expect(Object.keys(pairs(config.subcommands))).toContain('config|get');
    const all = pairs(await call(c, 'COMMAND', 'DOCS'));
    expect(Object.keys(all)).toHaveLength((await call(c, 'COMMAND', 'COUNT')) as number);
  });

  test('COMMAND GETKEYS and GETKEYSANDFLAGS', async () => {
    expect(await call(c, 'COMMAND', 'GETKEYS', 'mset', 'a', '1', 'b', '2')).toEqual(['a', 'b']);
    expect(await call(c, 'COMMAND', 'GETKEYS', 'set', 'k', 'v', 'EX', '10')).toEqual(['k']);
    expect(await call(c, 'COMMAND', 'GETKEYSANDFLAGS', 'set', 'k', 'v')).toEqual([['k', ['OW', 'update']]]);
    expect(await call(c, 'COMMAND', 'GETKEYSANDFLAGS', 'set', 'k', 'v', 'get')).toEqual([['k', ['RW', 'access', 'update']]]);
    expect(await call(c, 'COMMAND', 'GETKEYSANDFLAGS', 'get', 'k')).toEqual([['k', ['RO', 'access']]]);
    expect(String(await call(c, 'COMMAND', 'GETKEYS', 'nosuch', 'a'))).toBe('Error: ERR Invalid command specified');
    expect(String(await call(c, 'COMMAND', 'GETKEYS', 'get', 'a', 'b'))).toBe('Error: ERR Invalid number of arguments specified for command');
    expect(String(await call(c, 'COMMAND', 'GETKEYS', 'config', 'get'))).toBe('Error: ERR The command has no key arguments');
  });

  test('COMMAND LIST FILTERBY', async () => {
    const strings = (await call(c, 'COMMAND', 'LIST', 'FILTERBY', 'ACLCAT', 'string')) as string[];
    expect(strings).toContain('get');
    expect(strings).not.toContain('ping');
    expect(new Set((await call(c, 'COMMAND', 'LIST', 'FILTERBY', 'pattern', 'client|*')) as string[])).toContain('client|kill');
    expect(await call(c, 'COMMAND', 'LIST', 'FILTERBY', 'module', 'x')).toEqual([]);
  });
});

// ---- DEBUG ----------------------------------------------------------------------------------

const DEBUG_REFUSED =
  'ERR DEBUG command not allowed. If the enable-debug-command option is set to "local", you can run it from a local connection, otherwise you need to set this option in the configuration file, and then restart the server.';

describe('DEBUG', () => {
  test('refused by default, allowed with yes or (from loopback) local', async () => {
    const def = await startSpindle();
    const local = await startSpindle(['--enable-debug-command', 'local']);
    try {
      const r1 = await rawClient(def.port);
      expect((await r1.send(['DEBUG', 'SLEEP', '0'])).toString('latin1')).toBe(`-${DEBUG_REFUSED}\r\n`);
      r1.close();
      const r2 = await rawClient(local.port);
      expect((await r2.send(['DEBUG', 'SLEEP', '0'])).toString('latin1')).toBe('+OK\r\n');
      r2.close();
    } finally {
      await def.stop();
      await local.stop();
    }
    expect(await call(c, 'DEBUG', 'SLEEP', '0')).toBe('OK');
  });

  test('SLEEP blocks the server', async () => {
    const other = await rawClient(srv.port);
    const t0 = Date.now();
    const slept = call(c, 'DEBUG', 'SLEEP', '0.2');
    await new Promise((r) => setTimeout(r, 20));
    await other.send(['PING']);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(180);
    expect(await slept).toBe('OK');
    other.close();
  });

  test('SET-ACTIVE-EXPIRE 0 leaves expired keys to lazy expiry', async () => {
    await call(c, 'FLUSHALL');
    expect(await call(c, 'DEBUG', 'SET-ACTIVE-EXPIRE', '0')).toBe('OK');
    await call(c, 'SET', 'ttl', 'v', 'PX', '20');
    await new Promise((r) => setTimeout(r, 400));
    expect(await call(c, 'DBSIZE')).toBe(1); // DBSIZE does not look keys up
    expect(await call(c, 'DEBUG', 'SET-ACTIVE-EXPIRE', '1')).toBe('OK');
    await new Promise((r) => setTimeout(r, 400));
    expect(await call(c, 'DBSIZE')).toBe(0);
  });

  test('OBJECT, POPULATE, SET-ACTIVE-EXPIRE, ERROR', async () => {
    await call(c, 'FLUSHALL');
    await call(c, 'SET', 'k', 'hello');
    await call(c, 'SET', 'n', '123');
    expect(await call(c, 'DEBUG', 'OBJECT', 'k')).toMatch(
      /^Value at:0x[0-9a-f]+ refcount:1 encoding:embstr serializedlength:6 lru:\d+ lru_seconds_idle:\d+$/,
    );
    expect(await call(c, 'DEBUG', 'OBJECT', 'n')).toMatch(/refcount:2147483647 encoding:int serializedlength:2 /);
    expect(String(await call(c, 'DEBUG', 'OBJECT', 'nokey'))).toBe('Error: ERR no such key');
    expect(await call(c, 'DEBUG', 'POPULATE', '3', 'key', '10')).toBe('OK');
    expect(await call(c, 'MGET', 'key:0', 'key:2')).toEqual(['value:0\0\0\0', 'value:2\0\0\0']);
    expect(await call(c, 'DEBUG', 'POPULATE', '5')).toBe('OK');
    expect(await call(c, 'DBSIZE')).toBe(7);
    expect(String(await call(c, 'DEBUG', 'POPULATE', '-1'))).toBe('Error: ERR value is out of range, must be positive');
    expect(await call(c, 'DEBUG', 'SET-ACTIVE-EXPIRE', '0')).toBe('OK');
    expect(await call(c, 'DEBUG', 'SET-ACTIVE-EXPIRE', '1')).toBe('OK');
    expect((await c.send(['DEBUG', 'ERROR', 'CUSTOM failure'])).toString('latin1')).toBe('-CUSTOM failure\r\n');
    expect(String(await call(c, 'DEBUG', 'NOSUCH'))).toBe("Error: ERR unknown subcommand or wrong number of arguments for 'NOSUCH'. Try DEBUG HELP.");
    expect(((await call(c, 'DEBUG', 'HELP')) as string[])[0]).toBe('DEBUG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:');
    await call(c, 'FLUSHALL');
  });
});

// ---- SHUTDOWN -------------------------------------------------------------------------------

describe('SHUTDOWN', () => {
  test('ABORT with nothing in progress, and syntax errors', async () => {
    expect(String(await call(c, 'SHUTDOWN', 'ABORT'))).toBe('Error: ERR No shutdown in progress.');
    expect(String(await call(c, 'SHUTDOWN', 'SAVE', 'NOSAVE'))).toBe('Error: ERR syntax error');
  });

  test('NOSAVE exits the process without a reply', async () => {
    const s = await startSpindle();
    const r = await rawClient(s.port);
    const exited = new Promise<number | null>((res) => s.proc.once('exit', (code) => res(code)));
    r.sendRaw('*2\r\n$8\r\nSHUTDOWN\r\n$6\r\nNOSAVE\r\n');
    expect(await r.waitClosed(5000)).toBe(true);
    expect(r.pending().length).toBe(0);
    expect(await exited).toBe(0);
    expect(s.output()).toContain('ready to exit');
    await s.stop();
  });

  test('SAVE writes the final RDB file, then exits', async () => {
    const s = await startSpindle();
    const r = await rawClient(s.port);
    const exited = new Promise<number | null>((res) => s.proc.once('exit', (code) => res(code)));
    r.sendRaw('*2\r\n$8\r\nSHUTDOWN\r\n$4\r\nSAVE\r\n');
    expect(await exited).toBe(0);
    expect(s.output()).toContain('Saving the final RDB snapshot before exiting.');
    expect(s.output()).toContain('DB saved on disk');
    await s.stop();
  });
});
