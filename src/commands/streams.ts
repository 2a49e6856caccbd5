/*
 * Stream commands (t_stream.c), part one: XADD XLEN XRANGE XREVRANGE XDEL XTRIM XSETID XINFO.
 * Reads are in stream-read.ts (XREAD XREADGROUP), consumer groups in stream-groups.ts.
 *
 * A stream value is a Stream object (src/store/stream.ts: listpack blocks keyed by master ID, and
 * the consumer groups). Events, dirty counts and propagation follow 7.0.15: XADD fires "xadd"
 * (and "xtrim" when its trim removed something), propagates the generated ID in place of `*` or
 * `ms-*`, and an approximate trim (`~`) is propagated as an exact one with the effective
 * threshold (the length, or the first ID, after trimming), so replicas end identical.
 */
import type { Argv } from '../protocol/argv.ts';
import { NOT_INTEGER, NO_SUCH_KEY, SYNTAX } from '../protocol/errors.ts';
import { NOTIFY_STREAM } from '../store/events.ts';
import { OBJ_STREAM } from '../store/keyspace.ts';
import type { ConsumerGroup, Stream } from '../store/stream.ts';
import { ID_MAX, MASK64, idString, makeId } from '../store/stream-id.ts';
import { parseLongLong } from '../util/numbers.ts';
import type { CommandClient, PropArg } from './context.ts';
import { registerDuplicator } from './keys.ts';
import type { CommandDef } from './registry.ts';
import {
  addStreamKey, argIs, groupLag, itB, parseIdArg, pid, replyEntry, replyId, replyRange, streamOf,
} from './stream-util.ts';
import { streamGroupCommands } from './stream-groups.ts';
import { streamReadCommands } from './stream-read.ts';
import { subcommandSyntaxError, wrongType } from './util.ts';

registerDuplicator(OBJ_STREAM, (obj) => (obj as Stream).dup());

const XADD_TOP = 'ERR The ID specified in XADD is equal or smaller than the target stream top item';
const XADD_ZERO = 'ERR The ID specified in XADD must be greater than 0-0';
const XADD_EXHAUSTED = 'ERR The stream has exhausted the last possible ID, unable to add more items';
const MAXLEN_MINID = 'ERR syntax error, MAXLEN and MINID options at the same time are not compatible';
const MAXLEN_NEG = 'ERR The MAXLEN argument must be >= 0.';
const LIMIT_NEG = 'ERR The LIMIT argument must be >= 0.';
const LIMIT_NO_APPROX = 'ERR syntax error, LIMIT cannot be used without the special ~ option';

// ---- XADD / XTRIM arguments ---------------------------------------------------------------------

const TRIM_NONE = 0;
const TRIM_MAXLEN = 1;
const TRIM_MINID = 2;

/** Parsed XADD/XTRIM options (streamAddTrimArgs); one shared instance. */
const ta = {
  strategy: TRIM_NONE,
  argIdx: 0,
  approx: false,
  maxlen: 0,
  minid: 0n,
  limit: 0,
  noMkstream: false,
  idGiven: false,
  seqGiven: true,
  id: 0n,
};

/**
 * streamParseAddOrTrimArgsOrReply: options from argv[2]; for XADD returns the index of the ID
 * argument, for XTRIM argc. -1 after replying an error.
 */
function parseAddTrim(c: CommandClient, argv: Argv, xadd: boolean): number {
  ta.strategy = TRIM_NONE;
  ta.approx = false;
  ta.limit = 0;
  ta.noMkstream = false;
  ta.idGiven = false;
  ta.seqGiven = true;
  ta.maxlen = 0;
  ta.minid = 0n;
  let limitGiven = false;
  let i = 2;
  for (; i < argv.argc; i++) {
    const more = argv.argc - 1 - i;
    if (xadd && argIs(argv, i, 42)) break;
    if (argv.is(i, 'maxlen') && more > 0) {
      if (ta.strategy !== TRIM_NONE) {
        c.w.error(MAXLEN_MINID);
        return -1;
      }
      ta.approx = false;
      if (more >= 2 && argIs(argv, i + 1, 126)) {
        ta.approx = true;
        i++;
      } else if (more >= 2 && argIs(argv, i + 1, 61)) i++;
      const v = parseLongLong(argv.buf, argv.off[i + 1], argv.len[i + 1]);
      if (Number.isNaN(v)) {
        c.w.error(NOT_INTEGER);
        return -1;
      }
      if (v < 0) {
        c.w.error(MAXLEN_NEG);
        return -1;
      }
      ta.maxlen = v;
      i++;
      ta.strategy = TRIM_MAXLEN;
      ta.argIdx = i;
    } else if (argv.is(i, 'minid') && more > 0) {
      if (ta.strategy !== TRIM_NONE) {
        c.w.error(MAXLEN_MINID);
        return -1;
      }
      ta.approx = false;
      if (more >= 2 && argIs(argv, i + 1, 126)) {
        ta.approx = true;
        i++;
      } else if (more >= 2 && argIs(argv, i + 1, 61)) i++;
      if (!parseIdArg(c, argv, i + 1, 0n, true)) return -1;
      ta.minid = pid.id;
      i++;
      ta.strategy = TRIM_MINID;
      ta.argIdx = i;
    } else if (argv.is(i, 'limit') && more > 0) {
      const v = parseLongLong(argv.buf, argv.off[i + 1], argv.len[i + 1]);
      if (Number.isNaN(v)) {
        c.w.error(NOT_INTEGER);
        return -1;
      }
      if (v < 0) {
        c.w.error(LIMIT_NEG);
        return -1;
      }
      ta.limit = v;
      limitGiven = true;
      i++;
    } else if (xadd && argv.is(i, 'nomkstream')) {
      ta.noMkstream = true;
    } else if (xadd) {
      if (!parseIdArg(c, argv, i, 0n, true, true)) return -1;
      ta.id = pid.id;
      ta.seqGiven = !pid.seqAuto;
      ta.idGiven = true;
      break;
    } else {
      c.w.error(SYNTAX);
      return -1;
    }
  }
  if (limitGiven && ta.strategy === TRIM_NONE) {
    c.w.error('ERR syntax error, LIMIT cannot be used without specifying a trimming strategy');
    return -1;
  }
  if (limitGiven) {
    if (!ta.approx) {
      c.w.error(LIMIT_NO_APPROX);
      return -1;
    }
  } else if (ta.approx) {
    const per = c.srv.config.num('stream-node-max-entries');
    ta.limit = 100 * per;
    if (ta.limit <= 0 || ta.limit > 10000) ta.limit = 10000;
  }
  return i;
}

/** Runs the parsed trim on s; the number of entries removed. */
function runTrim(s: Stream): number {
  if (ta.strategy === TRIM_NONE) return 0;
  return s.trim(ta.strategy === TRIM_MINID, ta.maxlen, ta.minid, ta.approx, ta.limit);
}

/** The argv as PropArgs with some arguments replaced. */
function argsWith(argv: Argv, repl: Map<number, PropArg>): PropArg[] {
  const out: PropArg[] = [];
  for (let i = 0; i < argv.argc; i++) out.push(repl.get(i) ?? argv.view(i));
  return out;
}

/** Approximate trims propagate as `=` with the effective threshold (streamRewriteTrimArgument). */
function trimRewrites(s: Stream, repl: Map<number, PropArg>): void {
  if (!ta.approx) return;
  repl.set(ta.argIdx - 1, '=');
  // MINID: the first entry's ID after trimming, the largest ID when none is left (streamGetEdgeID).
  const first = s.length > 0 ? s.edgeId(true) : ID_MAX;
  repl.set(ta.argIdx, ta.strategy === TRIM_MAXLEN ? String(s.length) : idString(first));
}

// XADD key [NOMKSTREAM] [MAXLEN|MINID [=|~] threshold [LIMIT count]] *|id field value [field value ...]
function xaddCommand(c: CommandClient, argv: Argv): void {
  const idpos = parseAddTrim(c, argv, true);
  if (idpos < 0) return;
  const fieldPos = idpos + 1;
  const nargs = argv.argc - fieldPos;
  if (nargs < 2 || nargs % 2 === 1) {
    c.w.error("ERR wrong number of arguments for 'xadd' command");
    return;
  }
  if (ta.idGiven && ta.seqGiven && ta.id === 0n) {
    c.w.error(XADD_ZERO);
    return;
  }
  const db = c.db;
  let e = db.writeArg(argv, 1);
  if (e >= 0 && wrongType(c, db, e, OBJ_STREAM)) return;
  if (e < 0) {
    if (ta.noMkstream) {
      c.w.nullBulk();
      return;
    }
    e = addStreamKey(db, argv, 1);
  }
  const s = streamOf(db, e);
  if (s.lastId === ID_MAX) {
    c.w.error(XADD_EXHAUSTED);
    return;
  }
  let id: bigint;
  if (ta.idGiven) {
    if (ta.seqGiven) id = ta.id;
    else if (s.lastId >> 64n === ta.id >> 64n) {
      if ((s.lastId & MASK64) === MASK64) {
        c.w.error(XADD_TOP);
        return;
      }
      id = s.lastId + 1n;
    } else id = ta.id;
    if (id <= s.lastId) {
      c.w.error(XADD_TOP);
      return;
    }
  } else {
    const now = BigInt(Date.now());
    id = now > s.lastId >> 64n ? makeId(now, 0n) : s.lastId + 1n;
  }
  const cfg = c.srv.config;
  s.append(id, argv.buf, argv.off, argv.len, fieldPos, nargs / 2, cfg.num('stream-node-max-bytes'), cfg.num('stream-node-max-entries'));
  replyId(c.w, id);
  db.changed(argv, 1, NOTIFY_STREAM, 'xadd');
  c.srv.dirty++;
  const repl = c.srv.propagating ? new Map<number, PropArg>() : null;
  if (ta.strategy !== TRIM_NONE) {
    if (runTrim(s) > 0) db.notifyArg(NOTIFY_STREAM, 'xtrim', argv, 1);
    if (repl !== null) trimRewrites(s, repl);
  }
  if (repl !== null) {
    if (!ta.idGiven || !ta.seqGiven) repl.set(idpos, idString(id));
    if (repl.size > 0) c.srv.rewriteCommand(argsWith(argv, repl));
  }
  db.signalReady(argv.buf, argv.off[1], argv.len[1]);
}

// XTRIM key MAXLEN|MINID [=|~] threshold [LIMIT count]
function xtrimCommand(c: CommandClient, argv: Argv): void {
  const db = c.db;
  const e = db.writeArg(argv, 1);
  if (e < 0) {
    c.w.integer(0);
    return;
  }
  if (wrongType(c, db, e, OBJ_STREAM)) return;
  const s = streamOf(db, e);
  if (parseAddTrim(c, argv, false) < 0) return;
  if (ta.strategy === TRIM_NONE) {
    c.w.error(SYNTAX);
    return;
  }
  const deleted = runTrim(s);
  if (deleted > 0) {
    db.notifyArg(NOTIFY_STREAM, 'xtrim', argv, 1);
    if (c.srv.propagating && ta.approx) {
      const repl = new Map<number, PropArg>();
      trimRewrites(s, repl);
      c.srv.rewriteCommand(argsWith(argv, repl));
    }
    db.signalModified(argv.buf, argv.off[1], argv.len[1]);
    c.srv.dirty += deleted;
  }
  c.w.integer(deleted);
}

// XLEN key
function xlenCommand(c: CommandClient, argv: Argv): void {
  const db = c.db;
  const e = db.readArg(argv, 1);
  if (e < 0) {
    c.w.integer(0);
    return;
  }
  if (wrongType(c, db, e, OBJ_STREAM)) return;
  c.w.integer(streamOf(db, e).length);
}

/** Parses an interval bound (streamParseIntervalIdOrReply): `(id` is exclusive. */
function parseBound(c: CommandClient, argv: Argv, i: number, missingSeq: bigint): { id: bigint; ex: boolean } | null {
  const ex = argv.len[i] > 1 && argv.buf[argv.off[i]] === 40;
  if (ex) {
    const saveOff = argv.off[i];
    const saveLen = argv.len[i];
    argv.off[i] = saveOff + 1;
    argv.len[i] = saveLen - 1;
    const ok = parseIdArg(c, argv, i, missingSeq, true);
    argv.off[i] = saveOff;
    argv.len[i] = saveLen;
    if (!ok) return null;
  } else if (!parseIdArg(c, argv, i, missingSeq, false)) return null;
  return { id: pid.id, ex };
}

// XRANGE key start end [COUNT count]   /   XREVRANGE key end start [COUNT count]
function xrangeGeneric(c: CommandClient, argv: Argv, rev: boolean): void {
  const sa = rev ? 3 : 2;
  const ea = rev ? 2 : 3;
  const st = parseBound(c, argv, sa, 0n);
  if (st === null) return;
  const en = parseBound(c, argv, ea, MASK64);
  if (en === null) return;
  let start = st.id;
  let end = en.id;
  if (st.ex) {
    if (start === ID_MAX) {
      c.w.error('ERR invalid start ID for the interval');
      return;
    }
    start++;
  }
  if (en.ex) {
    if (end === 0n) {
      c.w.error('ERR invalid end ID for the interval');
      return;
    }
    end--;
  }
  let count = -1;
  for (let j = 4; j < argv.argc; j++) {
    if (argv.is(j, 'count') && j + 1 < argv.argc) {
      const v = parseLongLong(argv.buf, argv.off[j + 1], argv.len[j + 1]);
      if (Number.isNaN(v)) {
        c.w.error(NOT_INTEGER);
        return;
      }
      count = v < 0 ? 0 : v;
      j++;
    } else {
      c.w.error(SYNTAX);
      return;
    }
  }
  const db = c.db;
  const e = db.readArg(argv, 1);
  if (e < 0) {
    c.w.arrayHeader(0);
    return;
  }
  if (wrongType(c, db, e, OBJ_STREAM)) return;
  if (count === 0) {
    c.w.nullArray();
    return;
  }
  replyRange(c.w, streamOf(db, e), start, end, count === -1 ? 0 : count, rev);
}

function xrangeCommand(c: CommandClient, argv: Argv): void {
  xrangeGeneric(c, argv, false);
}

function xrevrangeCommand(c: CommandClient, argv: Argv): void {
  xrangeGeneric(c, argv, true);
}

// XDEL key id [id ...]
function xdelCommand(c: CommandClient, argv: Argv): void {
  const db = c.db;
  const e = db.writeArg(argv, 1);
  if (e < 0) {
    c.w.integer(0);
    return;
  }
  if (wrongType(c, db, e, OBJ_STREAM)) return;
  const s = streamOf(db, e);
  const ids: bigint[] = [];
  for (let j = 2; j < argv.argc; j++) {
    if (!parseIdArg(c, argv, j, 0n, true)) return;
    ids.push(pid.id);
  }
  let deleted = 0;
  let firstEntry = false;
  for (const id of ids) {
    if (!s.deleteEntry(id)) continue;
    if (id === s.firstId) firstEntry = true;
    if (id > s.maxDeletedId) s.maxDeletedId = id;
    deleted++;
  }
  if (deleted > 0) {
    if (s.length === 0) s.firstId = 0n;
    else if (firstEntry) s.firstId = s.edgeId(true);
    db.changed(argv, 1, NOTIFY_STREAM, 'xdel');
    c.srv.dirty += deleted;
  }
  c.w.integer(deleted);
}

// XSETID key last-id [ENTRIESADDED entries-added] [MAXDELETEDID max-deleted-id]
function xsetidCommand(c: CommandClient, argv: Argv): void {
  if (!parseIdArg(c, argv, 2, 0n, true)) return;
  const id = pid.id;
  let entriesAdded = -1;
  let maxXdel = 0n;
  for (let i = 3; i < argv.argc; ) {
    const more = argv.argc - 1 - i;
    if (argv.is(i, 'entriesadded') && more > 0) {
      const v = parseLongLong(argv.buf, argv.off[i + 1], argv.len[i + 1]);
      if (Number.isNaN(v)) {
        c.w.error(NOT_INTEGER);
        return;
      }
      if (v < 0) {
        c.w.error('ERR entries_added must be positive');
        return;
      }
      entriesAdded = v;
      i += 2;
    } else if (argv.is(i, 'maxdeletedid') && more > 0) {
      if (!parseIdArg(c, argv, i + 1, 0n, true)) return;
      maxXdel = pid.id;
      if (id < maxXdel) {
        c.w.error('ERR The ID specified in XSETID is smaller than the provided max_deleted_entry_id');
        return;
      }
      i += 2;
    } else {
      c.w.error(SYNTAX);
      return;
    }
  }
  const db = c.db;
  const e = db.writeArg(argv, 1);
  if (e < 0) {
    c.w.error(NO_SUCH_KEY);
    return;
  }
  if (wrongType(c, db, e, OBJ_STREAM)) return;
  const s = streamOf(db, e);
  if (s.length > 0) {
    if (id < s.edgeId(false)) {
      c.w.error('ERR The ID specified in XSETID is smaller than the target stream top item');
      return;
    }
    if (entriesAdded !== -1 && s.length > entriesAdded) {
      c.w.error('ERR The entries_added specified in XSETID is smaller than the target stream length');
      return;
    }
  }
  s.lastId = id;
  if (entriesAdded !== -1) s.entriesAdded = entriesAdded;
  if (maxXdel !== 0n) s.maxDeletedId = maxXdel;
  // 7.0.15 touches no WATCH here: only the event.
  db.notifyArg(NOTIFY_STREAM, 'xsetid', argv, 1);
  c.srv.dirty++;
  c.w.ok();
}

// ---- XINFO -------------------------------------------------------------------------------------

/** Entry id replied as an entry, or a null when it is gone. */
function replyEdgeEntry(c: CommandClient, s: Stream, rev: boolean): void {
  itB.seek(s, 0n, ID_MAX, rev);
  if (itB.next()) replyEntry(c.w, itB);
  else c.w.nullBulk();
}

/** Stand-in for the rax's node count (no rax here): what Redis reports for 0 and 1 keys. */
function xinfoStreamCommand(c: CommandClient, argv: Argv): void {
  let full = false;
  let count = 10;
  if (argv.argc > 3) {
    if (!argv.is(3, 'full')) {
      subcommandSyntaxError(c, argv);
      return;
    }
    full = true;
    if (argv.argc > 4) {
      if (argv.argc !== 6 || !argv.is(4, 'count')) {
        subcommandSyntaxError(c, argv);
        return;
      }
      const v = parseLongLong(argv.buf, argv.off[5], argv.len[5]);
      if (Number.isNaN(v)) {
        c.w.error(NOT_INTEGER);
        return;
      }
      count = v < 0 ? 0 : v;
    }
  }
  const db = c.db;
  const e = db.readArg(argv, 2);
  if (e < 0) {
    c.w.error(NO_SUCH_KEY);
    return;
  }
  if (wrongType(c, db, e, OBJ_STREAM)) return;
  const s = streamOf(db, e);
  const w = c.w;
  w.mapHeader(full ? 9 : 10);
  w.bulkString('length');
  w.integer(s.length);
  w.bulkString('radix-tree-keys');
  w.integer(s.blockCount);
  w.bulkString('radix-tree-nodes');
  w.integer(s.radixTreeNodes());
  w.bulkString('last-generated-id');
  replyId(w, s.lastId);
  w.bulkString('max-deleted-entry-id');
  replyId(w, s.maxDeletedId);
  w.bulkString('entries-added');
  w.integer(s.entriesAdded);
  w.bulkString('recorded-first-entry-id');
  replyId(w, s.firstId);
  if (!full) {
    w.bulkString('groups');
    w.integer(s.groups.length);
    w.bulkString('first-entry');
    replyEdgeEntry(c, s, false);
    w.bulkString('last-entry');
    replyEdgeEntry(c, s, true);
    return;
  }
  w.bulkString('entries');
  replyRange(w, s, 0n, ID_MAX, count, false);
  w.bulkString('groups');
  w.arrayHeader(s.groups.length);
  for (const g of s.groups) replyGroupFull(c, s, g, count);
}

function replyGroupFull(c: CommandClient, s: Stream, g: ConsumerGroup, count: number): void {
  const w = c.w;
  w.mapHeader(7);
  w.bulkString('name');
  w.bulkBytes(g.name);
  w.bulkString('last-delivered-id');
  replyId(w, g.lastId);
  w.bulkString('entries-read');
  if (g.entriesRead !== -1) w.integer(g.entriesRead);
  else w.nullBulk();
  w.bulkString('lag');
  const lag = groupLag(s, g);
  if (lag !== null) w.integer(lag);
  else w.nullBulk();
  w.bulkString('pel-count');
  w.integer(g.pel.size);
  w.bulkString('pending');
  const np = count > 0 ? Math.min(count, g.pel.size) : g.pel.size;
  w.arrayHeader(np);
  for (let i = 0; i < np; i++) {
    const id = g.pel.ids[i]!;
    const n = g.pel.get(id)!;
    w.arrayHeader(4);
    replyId(w, id);
    w.bulkBytes(n.consumer.name);
    w.integer(n.deliveryTime);
    w.integer(n.deliveryCount);
  }
  w.bulkString('consumers');
  w.arrayHeader(g.consumers.length);
  for (const cons of g.consumers) {
    w.mapHeader(4);
    w.bulkString('name');
    w.bulkBytes(cons.name);
    w.bulkString('seen-time');
    w.integer(cons.seenTime);
    w.bulkString('pel-count');
    w.integer(cons.pel.size);
    w.bulkString('pending');
    const nc = count > 0 ? Math.min(count, cons.pel.size) : cons.pel.size;
    w.arrayHeader(nc);
    for (let i = 0; i < nc; i++) {
      const id = cons.pel.ids[i]!;
      const n = cons.pel.get(id)!;
      w.arrayHeader(3);
      replyId(w, id);
      w.integer(n.deliveryTime);
      w.integer(n.deliveryCount);
    }
  }
}

function xinfoGroupsCommand(c: CommandClient, argv: Argv): void {
  const db = c.db;
  const e = db.readArg(argv, 2);
  if (e < 0) {
    c.w.error(NO_SUCH_KEY);
    return;
  }
  if (wrongType(c, db, e, OBJ_STREAM)) return;
  const s = streamOf(db, e);
  const w = c.w;
  w.arrayHeader(s.groups.length);
  for (const g of s.groups) {
    w.mapHeader(6);
    w.bulkString('name');
    w.bulkBytes(g.name);
    w.bulkString('consumers');
    w.integer(g.consumers.length);
    w.bulkString('pending');
    w.integer(g.pel.size);
    w.bulkString('last-delivered-id');
    replyId(w, g.lastId);
    w.bulkString('entries-read');
    if (g.entriesRead !== -1) w.integer(g.entriesRead);
    else w.nullBulk();
    w.bulkString('lag');
    const lag = groupLag(s, g);
    if (lag !== null) w.integer(lag);
    else w.nullBulk();
  }
}

function xinfoConsumersCommand(c: CommandClient, argv: Argv): void {
  const db = c.db;
  const e = db.readArg(argv, 2);
  if (e < 0) {
    c.w.error(NO_SUCH_KEY);
    return;
  }
  if (wrongType(c, db, e, OBJ_STREAM)) return;
  const s = streamOf(db, e);
  const g = s.findGroup(argv.buf, argv.off[3], argv.len[3]);
  if (g === undefined) {
    c.w.error(`NOGROUP No such consumer group '${argv.str(3)}' for key name '${argv.str(2)}'`);
    return;
  }
  const w = c.w;
  const now = Date.now();
  w.arrayHeader(g.consumers.length);
  for (const cons of g.consumers) {
    w.mapHeader(3);
    w.bulkString('name');
    w.bulkBytes(cons.name);
    w.bulkString('pending');
    w.integer(cons.pel.size);
    w.bulkString('idle');
    const idle = now - cons.seenTime;
    w.integer(idle < 0 ? 0 : idle);
  }
}

function xinfoHelpCommand(c: CommandClient): void {
  const w = c.w;
  const lines = [
    'XINFO <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
    'CONSUMERS <key> <groupname>',
    '    Show consumers of <groupname>.',
    'GROUPS <key>',
    '    Show the stream consumer groups.',
    'STREAM <key> [FULL [COUNT <count>]',
    '    Show information about the stream.',
    'HELP',
    '    Prints this help.',
  ];
  w.arrayHeader(lines.length);
  for (const l of lines) w.simple(l);
}

export const streamCommands: CommandDef[] = [
  { name: 'xadd', summary: 'Appends an entry to a stream, optionally trimming it.', handler: xaddCommand },
  { name: 'xlen', summary: 'Returns the number of entries of a stream.', handler: xlenCommand },
  { name: 'xrange', summary: 'Returns the entries of a stream in an ID range.', handler: xrangeCommand },
  { name: 'xrevrange', summary: 'Returns the entries of a stream in an ID range, newest first.', handler: xrevrangeCommand },
  { name: 'xdel', summary: 'Deletes entries from a stream by ID.', handler: xdelCommand },
  { name: 'xtrim', summary: 'Trims a stream by length or minimum ID.', handler: xtrimCommand },
  { name: 'xsetid', summary: "Sets a stream's last ID and counters.", handler: xsetidCommand },
  {
    name: 'xinfo',
    summary: 'Describes streams, their groups and consumers.',
    subcommands: [
      { name: 'stream', summary: 'Describes a stream.', handler: xinfoStreamCommand },
      { name: 'groups', summary: "Lists a stream's consumer groups.", handler: xinfoGroupsCommand },
      { name: 'consumers', summary: "Lists a consumer group's consumers.", handler: xinfoConsumersCommand },
      { name: 'help', summary: 'Describes the XINFO subcommands.', handler: xinfoHelpCommand },
    ],
  },
  ...streamReadCommands,
  ...streamGroupCommands,
];
