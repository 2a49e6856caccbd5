// A deterministic write workload touching every type, TTLs, several databases, MULTI/EXEC and the
// commands whose propagation Redis rewrites (relative expiries, SPOP, INCRBYFLOAT, blocking pops,
// stream groups), for AOF round trips between Spindle and redis-server.
import { rng } from './rng.ts';

export function aofWorkload(seed = 1, n = 400): string[][] {
  const r = rng(seed);
  const pick = <T>(a: readonly T[]): T => a[Math.floor(r() * a.length)];
  const key = (p: string): string => `${p}:${Math.floor(r() * 20)}`;
  const cmds: string[][] = [
    ['SET', 'plain', 'hello'],
    ['SET', 'num', '10'],
    ['SET', 'bin', 'a\r\nb\u00ff\u0000z'],
    ['SET', 'ttl', 'v', 'EX', '5000'],
    ['SETEX', 'ttl2', '4000', 'v'],
    ['PEXPIRE', 'plain', '900000'],
    ['INCRBYFLOAT', 'flt', '1.5'],
    ['RPUSH', 'big', ...Array.from({ length: 150 }, (_, i) => `e${i}`)],
    ['SADD', 'ints', '1', '2', '3', '300'],
    ['SADD', 'bigset', ...Array.from({ length: 140 }, (_, i) => `m${i}`)],
    ['ZADD', 'bigz', ...Array.from({ length: 140 }, (_, i) => [String(i / 7), `z${i}`]).flat()],
    ['HSET', 'bigh', ...Array.from({ length: 140 }, (_, i) => [`f${i}`, `v${i}`]).flat()],
    ['XADD', 'st', '1-1', 'a', '1', 'b', '2'],
    ['XADD', 'st', '2-1', 'a', '3'],
    ['XADD', 'st', '3-0', 'c', '4'],
    ['XDEL', 'st', '2-1'],
    ['XGROUP', 'CREATE', 'st', 'g1', '0'],
    ['XGROUP', 'CREATE', 'st', 'g2', '$'],
    ['XGROUP', 'CREATECONSUMER', 'st', 'g1', 'idle'],
    ['XREADGROUP', 'GROUP', 'g1', 'alice', 'COUNT', '1', 'STREAMS', 'st', '>'],
    ['XADD', 'empty', '5-5', 'x', 'y'],
    ['XTRIM', 'empty', 'MAXLEN', '0'],
    ['SELECT', '3'],
    ['SET', 'in3', 'x'],
    ['LPUSH', 'l3', 'a', 'b'],
    ['SELECT', '0'],
  ];
  for (let i = 0; i < n; i++) {
    switch (Math.floor(r() * 14)) {
      case 0: cmds.push(['SET', key('s'), `v${i}`]); break;
      case 1: cmds.push(['INCR', key('c')]); break;
      case 2: cmds.push(['APPEND', key('s'), `+${i}`]); break;
      case 3: cmds.push(['RPUSH', key('l'), `x${i}`, `${i}`]); break;
      case 4: cmds.push(['LPOP', key('l')]); break;
      case 5: cmds.push(['SADD', key('set'), `${i % 7}`, `m${i % 11}`]); break;
      case 6: cmds.push(['SPOP', key('set')]); break;
      case 7: cmds.push(['ZADD', key('z'), String((i % 13) / 3), `m${i % 9}`]); break;
      case 8: cmds.push(['ZINCRBY', key('z'), '0.1', `m${i % 9}`]); break;
      case 9: cmds.push(['HSET', key('h'), `f${i % 5}`, `${i}`]); break;
      case 10: cmds.push(['HINCRBY', key('h'), 'n', '3']); break;
      case 11: cmds.push(['EXPIRE', key(pick(['s', 'l', 'h'])), String(1000 + i)]); break;
      case 12: cmds.push(['DEL', key(pick(['s', 'c', 'z']))]); break;
      default: cmds.push(['XADD', 'st', '*', 'i', `${i}`]);
    }
    if (i % 50 === 25) cmds.push(['MULTI'], ['INCR', 'txn'], ['RPUSH', 'txnlist', `${i}`], ['EXEC']);
  }
  cmds.push(['XREADGROUP', 'GROUP', 'g2', 'bob', 'COUNT', '3', 'STREAMS', 'st', '>']);
  cmds.push(['XACK', 'st', 'g2', '3-0']);
  return cmds;
}
