// ACL side by side with the real redis-server (npm run test:interop): the same script of refused
// commands, keys and channels (plain, inside MULTI, at EXEC after a rule change, from EVAL),
// failed AUTH and HELLO AUTH, from several connections, runs on both servers; their ACL LOG
// entries must agree field by field: count, reason, context, object and username exactly,
// age-seconds as a small non-negative number, and client-info field by field except the values
// that differ between any two processes (ids, addresses, fd, ages, buffer sizes). Rule sets whose
// description lists several single commands (which Redis orders by its dict's hash, so
// differently in each process) are compared as sets of words. Skipped without redis-server.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { decode, type RespNode } from '../helpers/resp.ts';
import { scriptingSkipReason } from '../helpers/scripting.ts';
import { hasRedis, rawClient, startRedis, startSpindle, type RawClient, type ServerHandle } from '../helpers/servers.ts';

const skip = !hasRedis() ? 'redis-server is not installed' : '';
const noScripting = scriptingSkipReason() !== '';

/** client-info fields whose values depend on the process, the connection or buffer sizing. */
const VARIABLE = new Set(['id', 'addr', 'laddr', 'fd', 'age', 'idle', 'qbuf', 'qbuf-free', 'argv-mem', 'multi-mem', 'rbs', 'rbp', 'obl', 'oll', 'omem', 'tot-mem']);

function text(n: RespNode): string {
  return n.v === null ? '' : typeof n.v === 'string' ? n.v : Buffer.isBuffer(n.v) ? n.v.toString('latin1') : '';
}

interface Entry {
  fields: Record<string, string>;
  age: number;
  info: [string, string][];
}

function entries(reply: Buffer): Entry[] {
  const root = decode(reply);
  return (root.v as RespNode[]).map((e) => {
    const kv = e.v as RespNode[];
    const fields: Record<string, string> = {};
    for (let i = 0; i < kv.length; i += 2) fields[text(kv[i])] = text(kv[i + 1]);
    const info = fields['client-info'].split(' ').map((p) => {
      const eq = p.indexOf('=');
      return [p.slice(0, eq), p.slice(eq + 1)] as [string, string];
    });
    const age = Number(fields['age-seconds']);
    delete fields['age-seconds'];
    delete fields['client-info'];
    return { fields, age, info };
  });
}

/** client-info with the per-process values blanked. */
function stable(info: [string, string][]): string[] {
  return info.map(([k, v]) => (VARIABLE.has(k) ? `${k}=*` : `${k}=${v}`));
}

describe.skipIf(skip !== '')(`ACL side by side with redis-server${skip === '' ? '' : ` (${skip})`}`, () => {
  let redis: ServerHandle;
  let spindle: ServerHandle;

  beforeAll(async () => {
    [redis, spindle] = await Promise.all([startRedis(), startSpindle()]);
  });

  afterAll(async () => {
    await Promise.all([redis?.stop(), spindle?.stop()]);
  });

  /** Runs `steps` on both servers: each step is [connection index, argv]; returns both replies lists. */
  async function both(conns: number, steps: [number, string[]][]): Promise<[Buffer[], Buffer[]]> {
    const out: [Buffer[], Buffer[]] = [[], []];
    for (const [k, handle] of [redis, spindle].entries()) {
      const cs: RawClient[] = [];
      for (let i = 0; i < conns; i++) cs.push(await rawClient(handle.port));
      try {
        for (const [i, argv] of steps) out[k].push(await cs[i].send(argv));
      } finally {
        for (const c of cs) c.close();
      }
    }
    return out;
  }

  test('ACL LOG entries: commands, keys, channels, auth; toplevel, multi, lua', async () => {
    const steps: [number, string[]][] = [
      [0, ['ACL', 'LOG', 'RESET']],
      [0, ['ACL', 'SETUSER', 'app', 'on', '>pw', '-@all', '+get', '+set', '+multi', '+exec', '+discard', '+publish', '+subscribe', '+eval', '+client', '~app:*', '&news']],
      [1, ['AUTH', 'app', 'wrong']],
      [1, ['auth', 'nosuch', 'pw']],
      [1, ['HELLO', '2', 'AUTH', 'app', 'bad']],
      [1, ['AUTH', 'app', 'pw']],
      [1, ['CLIENT', 'SETNAME', 'appconn']],
      [1, ['GET', 'secret']],
      [1, ['GET', 'secret']],
      [1, ['DEL', 'app:1']],
      [1, ['PUBLISH', 'other', 'm']],
      [1, ['SUBSCRIBE', 'news', 'other']],
      [1, ['MULTI']],
      [1, ['SET', 'secret', 'v']],
      [1, ['GET', 'app:1']],
      [1, ['SET', 'app:1', 'v']],
      [1, ['DISCARD']],
      [1, ['MULTI']],
      [1, ['SET', 'app:1', 'v']],
      [0, ['ACL', 'SETUSER', 'app', '-set']],
      [1, ['EXEC']],
      [2, ['SELECT', '3']],
      [2, ['AUTH', 'app', 'pw']],
    ];
    if (!noScripting) {
      steps.push([2, ['EVAL', "return redis.pcall('get', 'secret')", '0']], [2, ['EVAL', "return redis.pcall('set', 'app:2', 'x')", '0']]);
    }
    steps.push([0, ['ACL', 'LOG']], [0, ['ACL', 'LOG', '3']], [0, ['ACL', 'DELUSER', 'app']]);
    const [r, s] = await both(3, steps);
    for (let i = 0; i < steps.length - 3; i++) expect(s[i].toString('latin1'), `step ${i}: ${steps[i][1].join(' ')}`).toBe(r[i].toString('latin1'));
    for (const back of [3, 2]) {
      const re = entries(r[r.length - back]);
      const se = entries(s[s.length - back]);
      expect(se.map((e) => e.fields)).toEqual(re.map((e) => e.fields));
      for (let i = 0; i < re.length; i++) {
        expect(se[i].age).toBeGreaterThanOrEqual(0);
        expect(se[i].age).toBeLessThan(60);
        expect(stable(se[i].info), `entry ${i}`).toEqual(stable(re[i].info));
      }
    }
    expect(entries(r[r.length - 3]).length).toBeGreaterThan(8);
  });

  test('descriptions with several single commands list the same rules', async () => {
    const rules = [
      ['-@all', '+get', '+set', '+hget', '+lpush', '+select|0', '+client|list'],
      ['+@all', '-get', '-set', '-config|set', '-debug'],
      ['-@all', '+@read', '+@write', '-@dangerous'],
      ['+@all', '-@keyspace', '+del', '+exists'],
      ['-@all', '+@hash', '+@string', '-hset', '-append', '+ping', '+config'],
    ];
    const steps: [number, string[]][] = [];
    for (const [i, r] of rules.entries()) steps.push([0, ['ACL', 'SETUSER', `u${i}`, ...r]], [0, ['ACL', 'GETUSER', `u${i}`]]);
    steps.push([0, ['ACL', 'LIST']], [0, ['ACL', 'DELUSER', ...rules.map((_, i) => `u${i}`)]]);
    const [r, s] = await both(1, steps);
    const words = (b: Buffer): string[] => {
      const n = decode(b);
      const flat = (x: RespNode): string[] => (Array.isArray(x.v) ? x.v.flatMap(flat) : [text(x)]);
      return flat(n).flatMap((w) => w.split(' ')).sort();
    };
    for (let i = 0; i < steps.length; i++) expect(words(s[i]), `step ${i}: ${steps[i][1].join(' ')}`).toEqual(words(r[i]));
  });

  test('ACL CAT of every category lists the same commands', async () => {
    const steps: [number, string[]][] = [[0, ['ACL', 'CAT']]];
    const [r0] = await both(1, steps);
    const cats = (decode(r0[0]).v as RespNode[]).map(text);
    const [r, s] = await both(1, cats.map((c) => [0, ['ACL', 'CAT', c]] as [number, string[]]));
    for (let i = 0; i < cats.length; i++) {
      const list = (b: Buffer): string[] => (decode(b).v as RespNode[]).map(text).sort();
      expect(list(s[i]), cats[i]).toEqual(list(r[i]));
    }
  });
});
