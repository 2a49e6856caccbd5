// The command path's own cost, without sockets: an in-process Server is fed batches of the
// redis-benchmark default suite's commands (16 per batch, as at -P 16) through the same entry a
// socket read takes (onData: parse, dispatch, handler, reply, flush), the reply bytes going to a
// transport that drops them. Prints CPU ns per command per test: the JS share of the hot path,
// steadier on a shared machine than a socket benchmark (no kernel, no client).
//
//   node_modules/.bin/node bench/hotpath.ts [-n 2000000] [--tests set,get,...] [--rounds 3] [--keys N]
//
// --keys N: __rand_int__ becomes a random 12-digit number below N in each command (as
// redis-benchmark -r N does), from 1024 pre-built batches (16k distinct keys), and GET's key
// space is populated with all N keys first: GET then measures lookups that miss the CPU cache.
//
// It applies the server's V8 compiler flags as main.ts does (SPINDLE_V8_TUNING=0: V8's defaults).
import '../src/v8-tuning.ts';
import { Config, loadServerConfig, parseCommandLine } from '../src/server/config.ts';
import { createRegistry } from '../src/server/command-table.ts';
import { Server } from '../src/server/server.ts';
import { Client } from '../src/server/client.ts';

const args = process.argv.slice(2);
const opt = (name: string, dflt: string): string => {
  const i = args.indexOf(name);
  return i >= 0 ? (args[i + 1] ?? dflt) : dflt;
};
const total = Number(opt('-n', '2000000'));
const rounds = Number(opt('--rounds', '3'));
const keys = Number(opt('--keys', '0'));
const VAL = 'x'.repeat(3); // redis-benchmark's default -d 3

function resp(...a: string[]): string {
  return `*${a.length}\r\n${a.map((s) => `$${Buffer.byteLength(s)}\r\n${s}\r\n`).join('')}`;
}
const key = 'key:__rand_int__';
const mset: string[] = ['MSET'];
for (let i = 0; i < 10; i++) mset.push(key, VAL);
const TESTS: Record<string, { cmd: string; prep?: string[][] }> = {
  ping_inline: { cmd: 'PING\r\n' },
  ping_mbulk: { cmd: resp('PING') },
  set: { cmd: resp('SET', key, VAL) },
  get: { cmd: resp('GET', key), prep: keys > 0 ? [] : [['SET', key, VAL]] },
  incr: { cmd: resp('INCR', 'counter:__rand_int__') },
  lpush: { cmd: resp('LPUSH', 'mylist', VAL) },
  rpush: { cmd: resp('RPUSH', 'mylist', VAL) },
  lpop: { cmd: resp('LPOP', 'mylist') },
  rpop: { cmd: resp('RPOP', 'mylist') },
  sadd: { cmd: resp('SADD', 'myset', 'element:__rand_int__') },
  hset: { cmd: resp('HSET', 'myhash', 'element:__rand_int__', VAL) },
  spop: { cmd: resp('SPOP', 'myset') },
  zadd: { cmd: resp('ZADD', 'myzset', '0', 'element:__rand_int__') },
  zpopmin: { cmd: resp('ZPOPMIN', 'myzset') },
  lrange_100: { cmd: resp('LRANGE', 'mylist', '0', '99'), prep: Array.from({ length: 600 }, () => ['LPUSH', 'mylist', VAL]) },
  mset: { cmd: resp(...mset) },
};
const names = opt('--tests', Object.keys(TESTS).join(',')).split(',');

const registry = createRegistry();
const config = new Config();
const loaded = loadServerConfig(config, parseCommandLine(['--port', '0', '--save', '', '--appendonly', 'no']), {
  commandExists: (name) => registry.find(name) !== undefined,
});
if (loaded.error !== null) throw new Error(loaded.error);
const srv = new Server({ config, registry, ioPool: () => { throw new Error('no io-threads here'); } });
srv.log.setLevel('warning');

let outBytes = 0;
const c = new Client(srv.allocClientId(), srv, null, Date.now());
c.transport = {
  write(b: Uint8Array): void {
    outBytes += b.length;
  },
  pendingBytes: 0,
  end(): void {},
  destroy(): void {},
  abort(): void {},
};
srv.clients.set(c.id, c);
const feed = (srv as unknown as { onData(c: Client, b: Uint8Array): void }).onData.bind(srv);

console.log(`| test | ns/command (min of ${rounds}) |`);
console.log('|---|---:|');
for (const name of names) {
  const t = TESTS[name];
  if (t === undefined) throw new Error(`unknown test ${name}`);
  feed(c, Buffer.from(resp('FLUSHALL')));
  for (const p of t.prep ?? []) feed(c, Buffer.from(resp(...p)));
  if (keys > 0 && name === 'get') {
    for (let i = 0; i < keys; i += 1000) {
      const a = ['MSET'];
      for (let k = i; k < Math.min(keys, i + 1000); k++) a.push(`key:${String(k).padStart(12, '0')}`, VAL);
      feed(c, Buffer.from(resp(...a)));
    }
  }
  const randomised = keys > 0 && t.cmd.includes('__rand_int__');
  const variants = Array.from({ length: randomised ? 1024 : 1 }, () => {
    if (!randomised) return Buffer.from(t.cmd.repeat(16));
    let b = '';
    for (let i = 0; i < 16; i++) b += t.cmd.replaceAll('__rand_int__', String(Math.floor(Math.random() * keys)).padStart(12, '0'));
    return Buffer.from(b);
  });
  let best = Number.POSITIVE_INFINITY;
  for (let r = 0; r < rounds; r++) {
    const batches = Math.ceil(total / 16);
    const cpu0 = process.cpuUsage();
    for (let i = 0; i < batches; i++) {
      feed(c, variants[i & (variants.length - 1)]);
      // Keep the list short for the pops/pushes, as redis-benchmark's fixed keys grow it.
      if ((i & 4095) === 0 && (name === 'lpush' || name === 'rpush')) feed(c, Buffer.from(resp('DEL', 'mylist')));
    }
    const cpu = process.cpuUsage(cpu0);
    best = Math.min(best, ((cpu.user + cpu.system) * 1000) / (batches * 16));
  }
  console.log(`| ${name} | ${best.toFixed(0)} |`);
}
if (outBytes === 0) throw new Error('no replies were written');
