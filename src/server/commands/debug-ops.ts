/*
 * DEBUG subcommands Redis's tooling and test suites rely on, beyond those in server-admin.ts:
 * PROTOCOL (a sample reply of each RESP type), CHANGE-REPL-ID, QUICKLIST-PACKED-THRESHOLD,
 * LISTPACK, STRINGMATCH-TEST, and Spindle's own JMAP (a heap summary: V8's heap spaces, the
 * off-heap arena and the GC pauses, in the spirit of Java's jmap -heap).
 *
 * Each is called from debugCommand's if/else chain in server-admin.ts.
 */
import v8 from 'node:v8';
import type { Argv } from '../../protocol/argv.ts';
import { ENC_LISTPACK, OBJ_LIST } from '../../store/keyspace.ts';
import { globMatchBytes } from '../../util/glob.ts';
import type { Client } from '../client.ts';
import { parseMemory } from '../config.ts';
import { rewriteConfigFile } from '../config-rewrite.ts';
import { changeReplicationId } from '../info.ts';

// DEBUG PROTOCOL <type>
export function debugProtocol(c: Client, argv: Argv): void {
  const w = c.w;
  const type = argv.lower(2);
  switch (type) {
    case 'string':
      w.bulkString('Hello World');
      return;
    case 'integer':
      w.integer(12345);
      return;
    case 'double':
      w.double('3.141');
      return;
    case 'bignum':
      if (c.resp >= 3) w.raw(Buffer.from('(1234567999999999999999999999999999999\r\n', 'latin1'));
      else w.bulkString('1234567999999999999999999999999999999');
      return;
    case 'null':
      w.nullBulk();
      return;
    case 'array':
      w.arrayHeader(3);
      for (let j = 0; j < 3; j++) w.integer(j);
      return;
    case 'set':
      w.setHeader(3);
      for (let j = 0; j < 3; j++) w.integer(j);
      return;
    case 'map':
      w.mapHeader(3);
      for (let j = 0; j < 3; j++) {
        w.integer(j);
        w.bool(j === 1);
      }
      return;
    case 'attrib':
      if (c.resp >= 3) {
        w.raw(Buffer.from('|1\r\n$14\r\nkey-popularity\r\n*2\r\n$7\r\nkey:123\r\n:90\r\n', 'latin1'));
      }
      w.bulkString('Some real reply following the attribute');
      return;
    case 'push':
      if (c.resp < 3) {
        w.error('ERR RESP2 is not supported by this command');
        return;
      }
      w.pushHeader(2);
      w.bulkString('server-cpu-usage');
      w.integer(42);
      // A push is not a reply: the client still gets one.
      w.bulkString('Some real reply following the push reply');
      return;
    case 'verbatim':
      w.verbatim('This is a verbatim\nstring');
      return;
    case 'true':
      w.bool(true);
      return;
    case 'false':
      w.bool(false);
      return;
    default:
      w.error(
        'ERR Wrong protocol type name. Please use one of the following: string|integer|double|bignum|null|array|set|map|attrib|push|verbatim|true|false',
      );
  }
}

// DEBUG CHANGE-REPL-ID
export function debugChangeReplId(c: Client): void {
  changeReplicationId(c.srv);
  c.w.ok();
}

/**
 * quicklist's packed threshold (elements at least this big get a node of their own, PLAIN).
 * Spindle keeps the value for DEBUG's sake; its quicklist has no plain nodes yet.
 */
let packedThreshold = 1 << 30;

export function quicklistPackedThreshold(): number {
  return packedThreshold;
}

// DEBUG QUICKLIST-PACKED-THRESHOLD <size>
export function debugQuicklistPackedThreshold(c: Client, argv: Argv): void {
  const sz = parseMemory(argv.str(2));
  if (sz === null || sz > 2 ** 32 - 2 ** 20) {
    c.w.error('ERR argument must be a memory value bigger than 1 and smaller than 4gb');
    return;
  }
  packedThreshold = sz === 0 ? 1 << 30 : sz;
  c.w.ok();
}

// DEBUG LISTPACK <key>
export function debugListpack(c: Client, argv: Argv): void {
  const db = c.db;
  const e = db.lookupQuiet(argv.buf, argv.off[2], argv.len[2]);
  if (e < 0) {
    c.w.error('ERR no such key');
    return;
  }
  // Lists are quicklists in 7.0 even when Spindle holds one node as bare listpack bytes.
  if (db.type(e) === OBJ_LIST || db.encoding(e) !== ENC_LISTPACK) {
    c.w.error('ERR Not a listpack encoded object.');
    return;
  }
  const bytes = db.valLen(e);
  process.stdout.write(`{listpack key ${argv.str(2)}: total bytes ${bytes}}\n`);
  c.w.simple('Listpack structure printed on stdout');
}

// DEBUG STRINGMATCH-TEST
export function debugStringmatchTest(c: Client): void {
  // Random patterns and strings through the glob matcher: it must neither throw nor hang.
  const alphabet = '*?[]^-\\abc';
  for (let i = 0; i < 1000; i++) {
    let pat = '';
    let str = '';
    const pl = Math.floor(Math.random() * 16);
    const sl = Math.floor(Math.random() * 16);
    for (let j = 0; j < pl; j++) pat += alphabet[Math.floor(Math.random() * alphabet.length)];
    for (let j = 0; j < sl; j++) str += alphabet[Math.floor(Math.random() * alphabet.length)];
    globMatchBytes(Buffer.from(pat, 'latin1'), Buffer.from(str, 'latin1'));
  }
  c.w.simple('Apparently Redis did not crash: test passed');
}

const MB = 1024 * 1024;

// DEBUG JMAP (Spindle only)
export function debugJmap(c: Client): void {
  const srv = c.srv;
  const h = v8.getHeapStatistics();
  let out = 'Spindle heap summary\n\n';
  out += `v8 heap: used ${(h.used_heap_size / MB).toFixed(2)} MB, total ${(h.total_heap_size / MB).toFixed(2)} MB, limit ${(h.heap_size_limit / MB).toFixed(2)} MB\n`;
  out += `external: ${(h.external_memory / MB).toFixed(2)} MB, malloced ${(h.malloced_memory / MB).toFixed(2)} MB, native contexts ${h.number_of_native_contexts}\n\n`;
  out += 'space                      used MB   size MB  available MB\n';
  for (const s of v8.getHeapSpaceStatistics()) {
    out += `${s.space_name.padEnd(24)}${(s.space_used_size / MB).toFixed(2).padStart(10)}${(s.space_size / MB).toFixed(2).padStart(10)}${(s.space_available_size / MB).toFixed(2).padStart(14)}\n`;
  }
  const mem = process.memoryUsage();
  out += `\narray buffers (arena, dict arrays): ${(mem.arrayBuffers / MB).toFixed(2)} MB, rss ${(mem.rss / MB).toFixed(2)} MB\n`;
  let keys = 0;
  for (const db of srv.dbs) keys += db.count;
  out += `keys: ${keys}\n`;
  const s = srv.stats;
  out += `gc: ${s.gcCount} collections (${s.gcMajorCount} major), pause total ${s.gcPauseTotalMs.toFixed(3)} ms, max ${s.gcPauseMaxMs.toFixed(3)} ms\n`;
  c.w.verbatim(out);
}

// DEBUG CONFIG-REWRITE-FORCE-ALL
export function debugConfigRewriteForceAll(c: Client, users: readonly string[] | null | undefined): void {
  const srv = c.srv;
  if (srv.configFile === '') {
    c.w.error('ERR The server is running without a config file');
    return;
  }
  const err = rewriteConfigFile(srv.config, srv.configFile, users, true);
  if (err !== null) c.w.error(`ERR CONFIG-REWRITE-FORCE-ALL failed: ${err}`);
  else c.w.ok();
}
