/*
 * Server administration commands (server.c, config.c, debug.c): INFO TIME CONFIG DEBUG SHUTDOWN.
 * COMMAND is in introspection.ts, CLIENT in client.ts.
 *
 * DEBUG is refused unless `enable-debug-command` allows it (yes, or local for loopback clients),
 * with Redis's text. It implements the subcommands tests and tools lean on: SLEEP, OBJECT,
 * SET-ACTIVE-EXPIRE, POPULATE, ERROR, LOG, HELP.
 *
 * SHUTDOWN has no persistence to run yet: SAVE, and the implicit save when `save` points are
 * configured, are logged as skipped and the server exits as with NOSAVE.
 */
import type { Argv } from '../../protocol/argv.ts';
import { SYNTAX } from '../../protocol/errors.ts';
import { ENC_EMBSTR, ENC_INT, ENC_QUICKLIST, ENC_RAW, OBJ_LIST, OBJ_STRING } from '../../store/keyspace.ts';
import type { Client } from '../client.ts';
import { rewriteConfigFile } from '../config-rewrite.ts';
import { configUserLines } from '../acl-guard.ts';
import { debugDigest, debugDigestValue, debugReload } from './persistence.ts';
import { RdbWriter } from '../../store/rdb-encoding.ts';
import { writeValueBody } from '../../store/rdb-value-writer.ts';
import { debugChangeReplId, debugConfigRewriteForceAll, debugJmap, debugListpack, debugProtocol, debugQuicklistPackedThreshold, debugStringmatchTest } from './debug-ops.ts';
import { genInfoString, resetInfoStats } from '../info.ts';
import type { Server } from '../server.ts';
import { BUSY_SCRIPT } from '../server.ts';
import type { CommandDef } from '../../commands/registry.ts';
import { replyHelp, subcommandSyntaxError } from '../../commands/util.ts';
import { debugLoadAof } from '../../persistence/aof-commands.ts';

// ---- shared helpers -------------------------------------------------------------------------

function argsFrom(argv: Argv, from: number): string[] {
  const out: string[] = [];
  for (let i = from; i < argv.argc; i++) out.push(argv.str(i));
  return out;
}

// ---- INFO and TIME --------------------------------------------------------------------------

// INFO [section [section ...]]
function infoCommand(c: Client, argv: Argv): void {
  c.w.verbatim(genInfoString(c.srv, argsFrom(argv, 1)));
}

// TIME
function timeCommand(c: Client): void {
  const us = Math.floor((performance.timeOrigin + performance.now()) * 1000);
  const sec = Math.floor(us / 1e6);
  c.w.arrayHeader(2);
  c.w.bulkString(String(sec));
  c.w.bulkString(String(us - sec * 1e6));
}

// ---- CONFIG ---------------------------------------------------------------------------------

// CONFIG GET parameter [parameter ...]
function configGetCommand(c: Client, argv: Argv): void {
  const pairs = c.srv.config.getMatching(argsFrom(argv, 2));
  const w = c.w;
  w.mapHeader(pairs.length);
  for (const [name, value] of pairs) {
    w.bulkString(name);
    w.bulkString(value);
  }
}

// CONFIG SET parameter value [parameter value ...]
function configSetCommand(c: Client, argv: Argv): void {
  if ((argv.argc & 1) !== 0) {
    c.w.error(SYNTAX);
    return;
  }
  const pairs: Array<[string, string]> = [];
  for (let i = 2; i < argv.argc; i += 2) pairs.push([argv.str(i), argv.str(i + 1)]);
  const err = c.srv.config.setMany(pairs, { localClient: c.isLocal });
  if (err !== null) c.w.error(err);
  else c.w.ok();
}

/** Resets INFO stats and commandstats (CONFIG RESETSTAT). */
export function resetStats(srv: Server): void {
  srv.stats.reset();
  for (const cmd of srv.registry.all()) {
    cmd.calls = 0;
    cmd.usec = 0;
    cmd.rejected = 0;
    cmd.failed = 0;
  }
  resetInfoStats(srv);
}

// CONFIG RESETSTAT
function configResetstatCommand(c: Client): void {
  resetStats(c.srv);
  c.w.ok();
}

// CONFIG REWRITE
function configRewriteCommand(c: Client): void {
  const srv = c.srv;
  if (srv.configFile === '') {
    c.w.error('ERR The server is running without a config file');
    return;
  }
  const err = rewriteConfigFile(srv.config, srv.configFile, configUserLines(srv));
  if (err !== null) {
    srv.log.warning(`CONFIG REWRITE failed: ${err}`);
    c.w.error(`ERR Rewriting config file: ${err}`);
    return;
  }
  srv.log.notice('CONFIG REWRITE executed with success.');
  c.w.ok();
}

// CONFIG HELP
function configHelpCommand(c: Client): void {
  replyHelp(c, 'CONFIG', [
    'GET <pattern>',
    '    Return parameters matching the glob-like <pattern> and their values.',
    'SET <directive> <value>',
    '    Set the configuration <directive> to <value>.',
    'RESETSTAT',
    '    Reset statistics reported by the INFO command.',
    'REWRITE',
    '    Rewrite the configuration file.',
  ]);
}

// ---- DEBUG ----------------------------------------------------------------------------------

const ENCODING_NAMES: Record<number, string> = {
  0: 'raw', 1: 'int', 2: 'hashtable', 3: 'zipmap', 4: 'linkedlist', 5: 'ziplist', 6: 'intset', 7: 'skiplist',
  8: 'embstr', 9: 'quicklist', 10: 'stream', 11: 'listpack',
};

const LRU_CLOCK_MAX = (1 << 24) - 1;
const OBJ_SHARED_REFCOUNT = 2147483647;
const OBJ_SHARED_INTEGERS = 10000;

function debugObject(c: Client, argv: Argv): void {
  const db = c.db;
  const o = argv.off[2];
  const n = argv.len[2];
  const e = db.peek(argv.buf, o, n);
  if (e < 0) {
    c.w.error('ERR no such key');
    return;
  }
  const srv = c.srv;
  // A one-node list may be stored as listpack bytes: 7.0 says quicklist for every list.
  const enc = db.type(e) === OBJ_LIST ? ENC_QUICKLIST : db.encoding(e);
  let refcount = 1;
  // rdbSavedObjectLen: the value as the RDB writer writes it (LZF as rdbcompression says).
  const rdbw = new RdbWriter();
  writeValueBody(rdbw, db, e, srv.config.bool('rdbcompression'));
  const serialized = rdbw.len;
  if (db.type(e) === OBJ_STRING) {
    const vo = db.valOff(e);
    const vl = db.valLen(e);
    if (enc === ENC_INT && Number(srv.config.get('maxmemory')) === 0) {
      const v = Number(Buffer.from(db.arena.u8.subarray(vo, vo + vl)).toString('latin1'));
      if (v >= 0 && v < OBJ_SHARED_INTEGERS) refcount = OBJ_SHARED_REFCOUNT;
    }
  }
  const lru = db.lru(e);
  const clock = srv.lruClock;
  const idle = clock >= lru ? clock - lru : clock + (LRU_CLOCK_MAX - lru);
  c.w.simple(
    `Value at:0x${(db.ks.recOf(e) * 8).toString(16)} refcount:${refcount} encoding:${ENCODING_NAMES[enc] ?? 'unknown'} serializedlength:${serialized} lru:${lru} lru_seconds_idle:${idle}`,
  );
}

/** getPositiveLongFromObjectOrReply with Redis's message for both failures. */
function positiveLong(c: Client, argv: Argv, i: number): number {
  const v = argv.int(i);
  if (Number.isNaN(v) || v < 0 || v === Infinity) {
    c.w.error('ERR value is out of range, must be positive');
    return NaN;
  }
  return v;
}

function debugPopulate(c: Client, argv: Argv): void {
  const count = positiveLong(c, argv, 2);
  if (Number.isNaN(count)) return;
  const prefix = argv.argc >= 4 ? argv.copy(3) : Buffer.from('key', 'latin1');
  let size = 0;
  if (argv.argc === 5) {
    size = positiveLong(c, argv, 4);
    if (Number.isNaN(size)) return;
  }
  const db = c.db;
  for (let j = 0; j < count; j++) {
    const key = Buffer.concat([prefix, Buffer.from(`:${j}`, 'latin1')]);
    if (db.lookupWrite(key, 0, key.length) >= 0) continue;
    const text = Buffer.from(`value:${j}`, 'latin1');
    const vlen = size === 0 ? text.length : size;
    const enc = vlen <= 44 ? ENC_EMBSTR : ENC_RAW;
    const e = db.add(key, 0, key.length, db.lastHash, vlen, OBJ_STRING | (enc << 4));
    const vo = db.valOff(e);
    const u8 = db.arena.u8;
    u8.fill(0, vo, vo + vlen);
    u8.set(text.subarray(0, Math.min(vlen, text.length)), vo);
  }
  c.w.ok();
}

/** Blocks the thread, as DEBUG SLEEP does in Redis (nothing else runs meanwhile). */
function sleepBlocking(ms: number): void {
  if (ms <= 0) return;
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

// DEBUG subcommand [arg ...]
function debugCommand(c: Client, argv: Argv): void {
  // enable-debug-command is checked by the dispatcher (Redis's CMD_PROTECTED).
  const argc = argv.argc;
  if (argv.is(1, 'help') && argc === 2) {
    replyHelp(c, 'DEBUG', [
      'CHANGE-REPL-ID',
      '    Change the replication IDs of the instance.',
      '    Dangerous: should be used only for testing the replication subsystem.',
      'ERROR <string>',
      '    Return a Redis protocol error with <string> as message. Useful for clients',
      '    unit tests to simulate Redis errors.',
      'LOG <message>',
      '    Write <message> to the server log.',
      'OBJECT <key>',
      '    Show low level info about `key` and associated value.',
      'POPULATE <count> [<prefix>] [<size>]',
      '    Create <count> string keys named key:<num>. If <prefix> is specified then',
      "    it is used instead of the 'key' prefix. These are not propagated to",
      '    replicas. Cluster slots are not respected so keys not belonging to the',
      '    current node can be created in cluster mode.',
      'PROTOCOL <type>',
      '    Reply with a test value of the specified type. <type> can be: string,',
      '    integer, double, bignum, null, array, set, map, attrib, push, verbatim,',
      '    true, false.',
      'SET-ACTIVE-EXPIRE <0|1>',
      '    Setting it to 0 disables expiring keys in background when they are not',
      '    accessed (otherwise the Redis behavior). Setting it to 1 reenables back the',
      '    default.',
      'QUICKLIST-PACKED-THRESHOLD <size>',
      '    Sets the threshold for elements to be inserted as plain vs packed nodes',
      '    Default value is 1GB, allows values up to 4GB. Setting to 0 restores to default.',
      'SLEEP <seconds>',
      '    Stop the server for <seconds>. Decimals allowed.',
      'STRINGMATCH-TEST',
      '    Run a fuzz tester against the stringmatchlen() function.',
      'LISTPACK <key>',
      '    Show low level info about the listpack encoding of <key>.',
      'JMAP',
      '    Spindle only: a summary of the JavaScript heap, the off-heap arena and GC pauses.',
    ]);
  } else if (argv.is(1, 'object') && argc === 3) {
    debugObject(c, argv);
  } else if (argv.is(1, 'sleep') && argc === 3) {
    // strtod: a leading number, 0 when there is none.
    const secs = parseFloat(argv.str(2));
    sleepBlocking(Number.isFinite(secs) ? secs * 1000 : 0);
    c.w.ok();
  } else if (argv.is(1, 'set-active-expire') && argc === 3) {
    // atoi
    const v = parseInt(argv.str(2), 10);
    c.srv.activeExpireEnabled = Number.isFinite(v) && v !== 0;
    c.w.ok();
  } else if (argv.is(1, 'io-thread-exit') && argc === 3) {
    // Spindle only: ends I/O worker <n> (1-based) abruptly, to exercise the restart path.
    const n = parseInt(argv.str(2), 10);
    if (c.srv.io === null || !(n >= 1 && n <= c.srv.io.size)) c.w.error('ERR no such I/O thread');
    else {
      c.srv.io.exitWorker(n - 1);
      c.w.ok();
    }
  } else if (argv.is(1, 'populate') && argc >= 3 && argc <= 5) {
    debugPopulate(c, argv);
  } else if (argv.is(1, 'protocol') && argc === 3) {
    debugProtocol(c, argv);
  } else if (argv.is(1, 'change-repl-id') && argc === 2) {
    debugChangeReplId(c);
  } else if (argv.is(1, 'quicklist-packed-threshold') && argc === 3) {
    debugQuicklistPackedThreshold(c, argv);
  } else if (argv.is(1, 'listpack') && argc === 3) {
    debugListpack(c, argv);
  } else if (argv.is(1, 'stringmatch-test') && argc === 2) {
    debugStringmatchTest(c);
  } else if (argv.is(1, 'config-rewrite-force-all') && argc === 2) {
    debugConfigRewriteForceAll(c, configUserLines(c.srv));
  } else if (argv.is(1, 'jmap') && argc === 2) {
    debugJmap(c); // Spindle only: a heap summary
  } else if (argv.is(1, 'error') && argc === 3) {
    c.w.error(argv.str(2));
  } else if (argv.is(1, 'digest') && argc === 2) {
    debugDigest(c);
  } else if (argv.is(1, 'digest-value') && argc >= 2) {
    debugDigestValue(c, argv);
  } else if (argv.is(1, 'reload')) {
    debugReload(c, argv);
  } else if (argv.is(1, 'loadaof') && argc === 2) {
    debugLoadAof(c); // persistence/aof-commands.ts
  } else if (argv.is(1, 'log') && argc === 3) {
    c.srv.log.warning(`DEBUG LOG: ${argv.str(2)}`);
    c.w.ok();
  } else {
    subcommandSyntaxError(c, argv);
  }
}

// ---- SHUTDOWN -------------------------------------------------------------------------------

// SHUTDOWN [NOSAVE | SAVE] [NOW] [FORCE] [ABORT]
function shutdownCommand(c: Client, argv: Argv): void {
  let nosave = false;
  let save = false;
  let now = false;
  let force = false;
  let abort = false;
  for (let i = 1; i < argv.argc; i++) {
    if (argv.is(i, 'nosave')) nosave = true;
    else if (argv.is(i, 'save')) save = true;
    else if (argv.is(i, 'now')) now = true;
    else if (argv.is(i, 'force')) force = true;
    else if (argv.is(i, 'abort')) abort = true;
    else {
      c.w.error(SYNTAX);
      return;
    }
  }
  if ((abort && (nosave || save || now || force)) || (nosave && save)) {
    c.w.error(SYNTAX);
    return;
  }
  if (abort) {
    // Shutdown is immediate here (no replicas to wait for), so none is ever in progress.
    c.w.error('ERR No shutdown in progress.');
    return;
  }
  const srv = c.srv;
  // While a script is busy only SHUTDOWN NOSAVE may stop the server (7.0).
  if (!nosave && srv.busyScript !== null) {
    c.w.error(BUSY_SCRIPT);
    return;
  }
  // The final save happens in the server's shutdownHook (persistence/startup.ts persistOnShutdown).
  if (!srv.shutdown(`SHUTDOWN requested by client id=${c.id} addr=${c.addr}`, { save, nosave, force })) {
    c.w.error('ERR Errors trying to SHUTDOWN. Check logs.');
  }
}

// ---- registration ---------------------------------------------------------------------------

export const adminCommands: CommandDef<Client>[] = [
  { name: 'info', summary: 'Reports the server state and statistics, section by section.', handler: infoCommand },
  { name: 'time', summary: 'Returns the server clock as seconds and microseconds.', handler: timeCommand },
  {
    name: 'config',
    summary: 'Reads, changes and persists the server configuration.',
    subcommands: [
      { name: 'get', summary: 'Returns the values of the configs whose names match.', handler: configGetCommand },
      { name: 'set', summary: 'Changes configs at run time, all of them or none.', handler: configSetCommand },
      { name: 'resetstat', summary: 'Zeroes the statistics INFO reports.', handler: configResetstatCommand },
      { name: 'rewrite', summary: 'Writes the running configuration back to the config file.', handler: configRewriteCommand },
      { name: 'help', summary: 'Lists the subcommands and what they do.', handler: configHelpCommand },
    ],
  },
  { name: 'debug', summary: 'Testing and inspection aids: sleep, object details, bulk key creation.', handler: debugCommand },
  { name: 'shutdown', summary: 'Stops the server.', handler: shutdownCommand },
];

