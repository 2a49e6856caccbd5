/*
 * MEMORY (Redis's object.c memoryCommand): USAGE, STATS, DOCTOR, MALLOC-STATS, PURGE, HELP.
 *
 * Figures come from memory/accounting.ts (used_memory) and memory/usage.ts (per key). There is no
 * jemalloc: MALLOC-STATS reports V8's heap spaces instead, PURGE asks for nothing (V8 returns
 * freed pages itself) and answers OK, as Redis does with an allocator that has nothing to purge.
 */
import v8 from 'node:v8';
import type { Argv } from '../../protocol/argv.ts';
import { NOT_INTEGER, SYNTAX } from '../../protocol/errors.ts';
import type { CommandDef } from '../../commands/registry.ts';
import { parseLongLong } from '../../util/numbers.ts';
import type { Client } from '../client.ts';
import { memoryReport } from '../info.ts';
import { keyMemoryUsage } from '../memory/usage.ts';
import type { Server } from '../server.ts';
import { luaEngine } from '../../scripting/lua-engine.ts';
import { functionsOf } from '../../scripting/functions.ts';

const HELP = [
  'MEMORY <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
  'DOCTOR',
  '    Return memory problems reports.',
  'MALLOC-STATS',
  '    Return internal statistics report from the memory allocator.',
  'PURGE',
  '    Attempt to purge dirty pages for reclamation by the allocator.',
  'STATS',
  '    Return information about the memory usage of the server.',
  'USAGE <key> [SAMPLES <count>]',
  '    Return memory in bytes used by <key> and its value. Nested values are',
  '    sampled up to <count> times (default: 5, 0 means sample all).',
  'HELP',
  '    Prints this help.',
];

/** printf("%.17g"): how Redis's addReplyDouble prints. */
function g17(x: number): string {
  if (!Number.isFinite(x)) return x > 0 ? 'inf' : x < 0 ? '-inf' : 'nan';
  if (Number.isInteger(x) && Math.abs(x) < 1e17) return String(x);
  let s = x.toPrecision(17);
  if (s.includes('e')) return s;
  if (s.includes('.')) s = s.replace(/0+$/, '').replace(/\.$/, '');
  return s;
}

/** Math.fround: Redis computes these ratios in C floats. */
function ratio(a: number, b: number): number {
  return Math.fround(b > 0 ? a / b : 0);
}

// MEMORY USAGE key [SAMPLES count]
function memoryUsageCommand(c: Client, argv: Argv): void {
  for (let j = 3; j < argv.argc; j++) {
    if (argv.is(j, 'samples') && j + 1 < argv.argc) {
      const n = parseLongLong(argv.buf, argv.off[j + 1], argv.len[j + 1]);
      if (Number.isNaN(n) || !Number.isFinite(n)) {
        c.w.error(NOT_INTEGER);
        return;
      }
      if (n < 0) {
        c.w.error(SYNTAX);
        return;
      }
      j++; // the figures are exact sums (memory/usage.ts): SAMPLES changes nothing
    } else {
      c.w.error(SYNTAX);
      return;
    }
  }
  // Redis looks the key up without expiring it (dbFind).
  const db = c.db;
  const e = db.peek(argv.buf, argv.off[2], argv.len[2]);
  if (e < 0) {
    c.w.nullBulk();
    return;
  }
  c.w.integer(keyMemoryUsage(db, e));
}

interface Stats {
  peak: number;
  used: number;
  startup: number;
  clients: number;
  lua: number;
  functions: number;
  overhead: number;
  keys: number;
  dataset: number;
  allocated: number;
  active: number;
  resident: number;
  rss: number;
}

function gatherStats(srv: Server): Stats {
  const m = memoryReport(srv);
  const engine = luaEngine();
  const lua = engine?.cache.memory ?? 0;
  const fns = engine ? functionsOf(engine).memory : 0;
  let keys = 0;
  for (const db of srv.dbs) keys += db.count;
  return {
    peak: m.peak, used: m.used, startup: m.startup, clients: m.clientsNormal, lua, functions: fns,
    overhead: m.overhead, keys, dataset: m.dataset, allocated: m.allocated, active: m.active, resident: m.resident, rss: m.rss,
  };
}

// MEMORY STATS
function memoryStatsCommand(c: Client): void {
  const srv = c.srv as Server;
  const s = gatherStats(srv);
  const w = c.w;
  const dbs = srv.dbs.filter((db) => db.count > 0);
  w.mapHeader(27 + dbs.length);
  const int = (k: string, v: number): void => {
    w.bulkString(k);
    w.integer(Math.round(v));
  };
  const dbl = (k: string, v: number): void => {
    w.bulkString(k);
    w.double(g17(v));
  };
  int('peak.allocated', s.peak);
  int('total.allocated', s.used);
  int('startup.allocated', s.startup);
  int('replication.backlog', 0);
  int('clients.slaves', 0);
  int('clients.normal', s.clients);
  int('cluster.links', 0);
  int('aof.buffer', 0);
  int('lua.caches', s.lua);
  int('functions.caches', s.functions);
  for (const db of dbs) {
    w.bulkString(`db.${db.id}`);
    w.mapHeader(3);
    const ks = db.ks;
    int('overhead.hashtable.main', ks.ent.byteLength + ks.table.bytes());
    int('overhead.hashtable.expires', ks.expEnt.byteLength + ks.expAt.byteLength);
    int('overhead.hashtable.slot-to-keys', 0);
  }
  const net = s.used - s.startup;
  int('overhead.total', s.overhead);
  int('keys.count', s.keys);
  int('keys.bytes-per-key', s.keys > 0 ? Math.floor(net / s.keys) : 0);
  int('dataset.bytes', s.dataset);
  dbl('dataset.percentage', Math.fround(net > 0 ? (s.dataset * 100) / net : 0));
  dbl('peak.percentage', Math.fround(s.peak > 0 ? (s.used * 100) / s.peak : 0));
  int('allocator.allocated', s.allocated);
  int('allocator.active', s.active);
  int('allocator.resident', s.resident);
  dbl('allocator-fragmentation.ratio', ratio(s.active, s.allocated));
  int('allocator-fragmentation.bytes', s.active - s.allocated);
  dbl('allocator-rss.ratio', ratio(s.resident, s.active));
  int('allocator-rss.bytes', s.resident - s.active);
  dbl('rss-overhead.ratio', ratio(s.rss, s.resident));
  int('rss-overhead.bytes', s.rss - s.resident);
  dbl('fragmentation', ratio(s.rss, s.used));
  int('fragmentation.bytes', s.rss - s.used);
}

const EMPTY =
  "Hi Sam, this instance is empty or is using very little memory, my issues detector can't be used in these conditions. Please, leave for your mission on Earth and fill it with some data. The new Sam and I will be back to our programming as soon as I finished rebooting.\n";
const NO_ISSUES = "Hi Sam, I can't find any memory issue in your instance. I can only account for what occurs on this base.\n";

/**
 * MEMORY DOCTOR (getMemoryDoctorReport): "empty" below 5 MB (Redis looks at its allocator's
 * total, ~1 MB at startup; here the start-up alone is ~20 MB of JS heap, so what counts is the
 * arena plus the external memory added since start-up: MemoryAccounting.dataBytes; an empty
 * keyspace counts as empty whatever that says), then the peak
 * and RSS-overhead checks.
 */
// MEMORY DOCTOR
function memoryDoctorCommand(c: Client): void {
  const srv = c.srv as Server;
  const s = gatherStats(srv);
  let text: string;
  // No key at all is empty too: Redis's allocator total falls back to ~1 MB then, while buffers
  // V8 keeps from earlier work (reply slabs, grown indexes) can hold dataBytes above 5 MB.
  if (srv.dbs.every((db) => db.count === 0) || srv.memory.dataBytes() < 5 * 1024 * 1024) {
    text = EMPTY;
  } else {
    const issues: string[] = [];
    if (s.peak / s.used > 1.5) {
      issues.push(
        ' * Peak memory: In the past this instance used more than 150% the memory that is currently using. The allocator is normally not able to release memory after a peak, so you can expect to see a big fragmentation ratio, however this is actually harmless and is only due to the memory peak, and if the Redis instance Resident Set Size (RSS) is currently bigger than expected, the memory will be used as soon as you fill the Redis instance with more data. If the memory peak was only occasional and you want to try to reclaim memory, please try the MEMORY PURGE command, otherwise the only other option is to shutdown and restart the instance.\n\n',
      );
    }
    if (s.rss / s.used > 1.4 && s.rss - s.used > 10 << 20) {
      issues.push(
        ` * High total RSS: This instance has a memory fragmentation and RSS overhead greater than 1.4 (this means that the Resident Set Size of the Redis process is much larger than the sum of the logical allocations Redis performed). This problem is usually due either to a large peak memory (check if there is a peak memory entry above in the report) or may result from a workload that causes the allocator to fragment memory a lot. If the problem is a large peak memory, then there is no issue. Otherwise, make sure you are using the Jemalloc allocator and not the default libc malloc. Note: The currently used allocator is "v8-${process.versions.v8}".\n\n`,
      );
    }
    text = issues.length === 0 ? NO_ISSUES : `Sam, I detected a few issues in this Redis instance memory implants:\n\n${issues.join('')}I'm here to keep you safe, Sam. I want to help you.\n`;
  }
  c.w.verbatim(text);
}

// MEMORY MALLOC-STATS
function memoryMallocStatsCommand(c: Client): void {
  const h = v8.getHeapStatistics();
  let text = '___ Begin V8 heap statistics ___\n';
  for (const [k, v] of Object.entries(h)) text += `${k}: ${v}\n`;
  for (const sp of v8.getHeapSpaceStatistics()) {
    text += `space ${sp.space_name}: size ${sp.space_size} used ${sp.space_used_size} available ${sp.space_available_size} physical ${sp.physical_space_size}\n`;
  }
  const srv = c.srv as Server;
  text += `arena: committed ${srv.arena.capacityBytes} touched ${srv.arena.touchedBytes} live ${srv.arena.usedBytes}\n`;
  text += '--- End V8 heap statistics ---\n';
  c.w.verbatim(text);
}

// MEMORY PURGE
function memoryPurgeCommand(c: Client): void {
  c.w.ok();
}

// MEMORY HELP
function memoryHelpCommand(c: Client): void {
  c.w.arrayHeader(HELP.length);
  for (const line of HELP) c.w.simple(line);
}

export const memoryCommands: CommandDef<Client>[] = [
  {
    name: 'memory',
    summary: 'Reports memory use: per key, totals, and advice.',
    subcommands: [
      { name: 'usage', summary: 'Estimates the memory a key and its value hold.', handler: memoryUsageCommand },
      { name: 'stats', summary: 'Reports the server memory usage in detail.', handler: memoryStatsCommand },
      { name: 'doctor', summary: 'Reports memory problems.', handler: memoryDoctorCommand },
      { name: 'malloc-stats', summary: 'Reports V8 heap statistics (there is no malloc to ask).', handler: memoryMallocStatsCommand },
      { name: 'purge', summary: 'Asks the allocator to release memory (nothing to do here).', handler: memoryPurgeCommand },
      { name: 'help', summary: 'Describes the MEMORY subcommands.', handler: memoryHelpCommand },
    ],
  },
];
