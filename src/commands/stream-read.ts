/*
 * XREAD and XREADGROUP (t_stream.c's xreadCommand), blocking included.
 *
 * One handler serves both. It first tries to serve synchronously: XREAD returns the streams
 * that have entries after the given IDs; XREADGROUP with `>` delivers entries after the group's
 * last delivered ID (adding them to the group's and the consumer's PEL unless NOACK), and with
 * any other ID replays the consumer's own PEL from there. Nothing to serve and BLOCK given: the
 * client blocks on the keys (server/blocking.ts re-runs this command when XADD signals one).
 *
 * `$` must mean "the last ID when the client blocked", not when the re-run happens, so the
 * command kept for the re-run is a copy of argv with each `$` replaced by the concrete ID.
 * A re-run (c.blockState set) behaves as 7.0's serveClientsBlockedOnStreamKey: it serves when
 * the stream's last ID is past the awaited one (COUNT defaults to 1000 there), an XREADGROUP
 * whose group was destroyed gets "-NOGROUP the consumer group this client was blocked on no
 * longer exists", and one whose stream was deleted gets "-UNBLOCKED the stream key no longer
 * exists".
 *
 * Propagation (7.0): the command itself never is. Each entry a group delivers is propagated as
 * an XCLAIM ... FORCE JUSTID LASTID, followed by one XGROUP SETID ... ENTRIESREAD when the group's
 * last ID moved, and a consumer created on the way as XGROUP CREATECONSUMER.
 */
import { Argv } from '../protocol/argv.ts';
import { NOT_INTEGER, SYNTAX, WRONGTYPE } from '../protocol/errors.ts';
import { NOTIFY_STREAM } from '../store/events.ts';
import { OBJ_STREAM } from '../store/keyspace.ts';
import { type Consumer, type ConsumerGroup, ENTRIES_READ_INVALID, Nack, type Stream } from '../store/stream.ts';
import { ID_MAX, idString } from '../store/stream-id.ts';
import { parseLongLong } from '../util/numbers.ts';
import type { BlockedRerun, CommandClient, PropArg } from './context.ts';
import type { CommandDef } from './registry.ts';
import {
  argIs, estimateDistance, itA, itB, parseIdArg, pid, propagateConsumerCreation, propagateGroupId, propagateXclaim,
  rangeHasTombstones, replyEntry, replyId, streamOf,
} from './stream-util.ts';

const XREAD_BLOCKED_DEFAULT_COUNT = 1000;

/** Whether argv[i] is exactly the bytes of key. */
function argEquals(argv: Argv, i: number, key: Uint8Array): boolean {
  const n = argv.len[i];
  if (n !== key.length) return false;
  const b = argv.buf;
  const o = argv.off[i];
  for (let j = 0; j < n; j++) if (b[o + j] !== key[j]) return false;
  return true;
}

/**
 * Consumers consumerFor created during the current command. 7.0 propagates a consumer's creation
 * by XREADGROUP only with NOACK; otherwise the XCLAIMs of its deliveries create it on replay.
 */
const createdConsumers = new Set<Consumer>();

/** Forgets the consumers created so far (the command that created them is done). */
export function resetCreatedConsumers(): void {
  createdConsumers.clear();
}

/** A consumer looked up for a read (streamLookupConsumer + create): refreshes seen-time. */
export function consumerFor(
  c: CommandClient,
  g: ConsumerGroup,
  argv: Argv,
  ci: number,
  key: Uint8Array,
  now: number,
): Consumer {
  let cons = g.findConsumer(argv.buf, argv.off[ci], argv.len[ci]);
  if (cons !== undefined) {
    cons.seenTime = now;
    return cons;
  }
  cons = g.createConsumer(argv.buf, argv.off[ci], argv.len[ci], now)!;
  c.db.notify(NOTIFY_STREAM, 'xgroup-createconsumer', key, 0, key.length);
  c.srv.dirty++;
  createdConsumers.add(cons);
  return cons;
}

/**
 * Delivers entries after `gt` to a group (streamReplyWithRange with a group, no history): the
 * reply array of entries, PEL updates and their propagation.
 */
function deliverNew(c: CommandClient, s: Stream, key: Uint8Array, g: ConsumerGroup, cons: Consumer, gt: bigint, count: number, noack: boolean): void {
  const w = c.w;
  const start = gt + 1n;
  itA.seek(s, start, ID_MAX, false);
  let n = 0;
  while ((count === 0 || n < count) && itA.next()) n++;
  w.arrayHeader(n);
  itB.seek(s, start, ID_MAX, false);
  let moved = false;
  const now = Date.now();
  for (let i = 0; i < n && itB.next(); i++) {
    const id = itB.id;
    if (id > g.lastId) {
      if (g.entriesRead !== ENTRIES_READ_INVALID && !rangeHasTombstones(s, id, ID_MAX)) g.entriesRead++;
      else if (s.entriesAdded > 0) g.entriesRead = estimateDistance(s, id);
      g.lastId = id;
      moved = true;
    }
    replyEntry(w, itB);
    if (noack) continue;
    let nack = g.pel.get(id);
    if (nack === undefined) {
      nack = new Nack(cons, now, 1);
      g.pel.set(id, nack);
      cons.pel.set(id, nack);
    } else {
      nack.consumer.pel.delete(id);
      nack.consumer = cons;
      nack.deliveryTime = now;
      nack.deliveryCount = 1;
      cons.pel.set(id, nack);
    }
    if (c.srv.propagating) propagateXclaim(c, key, g, g.name, id, nack);
  }
  // 7.0: the last ID travels in the XCLAIMs' LASTID, so only NOACK reads propagate SETID.
  if (noack && c.srv.propagating) {
    if (createdConsumers.has(cons)) propagateConsumerCreation(c, key, g.name, cons.name);
    if (moved) propagateGroupId(c, key, g, g.name);
  }
}

/** Replays the consumer's PEL from `start` (streamReplyWithRangeFromConsumerPEL). */
function deliverHistory(c: CommandClient, s: Stream, cons: Consumer, start: bigint, count: number): void {
  const w = c.w;
  const pel = cons.pel;
  let i = pel.lowerBound(start);
  const n = count === 0 ? pel.size - i : Math.min(count, pel.size - i);
  w.arrayHeader(n);
  const now = Date.now();
  for (let k = 0; k < n; k++, i++) {
    const id = pel.ids[i]!;
    itB.seek(s, id, id, false);
    if (itB.next()) {
      replyEntry(w, itB);
      const nack = pel.get(id)!;
      nack.deliveryTime = now;
      nack.deliveryCount++;
    } else {
      w.arrayHeader(2);
      replyId(w, id);
      w.nullArray();
    }
  }
}

// XREAD [COUNT count] [BLOCK milliseconds] STREAMS key [key ...] id [id ...]
// XREADGROUP GROUP group consumer [COUNT count] [BLOCK milliseconds] [NOACK] STREAMS key [key ...] id [id ...]
function xreadGeneric(c: CommandClient, argv: Argv, xreadgroup: boolean): void {
  let timeout = -1;
  let count = 0;
  let streamsArg = 0;
  let nstreams = 0;
  let noack = false;
  let groupIdx = -1;
  for (let i = 1; i < argv.argc; i++) {
    const more = argv.argc - i - 1;
    if (argv.is(i, 'block') && more > 0) {
      i++;
      timeout = blockMs(c, argv, i);
      if (timeout === -2) return;
    } else if (argv.is(i, 'count') && more > 0) {
      i++;
      const v = parseLongLong(argv.buf, argv.off[i], argv.len[i]);
      if (Number.isNaN(v)) {
        c.w.error(NOT_INTEGER);
        return;
      }
      count = v < 0 ? 0 : v;
    } else if (argv.is(i, 'streams') && more > 0) {
      streamsArg = i + 1;
      nstreams = argv.argc - streamsArg;
      if (nstreams % 2 !== 0) {
        const sym = xreadgroup ? '>' : '$';
        c.w.error(
          `ERR Unbalanced '${xreadgroup ? 'xreadgroup' : 'xread'}' list of streams: for each stream key an ID or '${sym}' must be specified.`,
        );
        return;
      }
      nstreams /= 2;
      break;
    } else if (argv.is(i, 'group') && more >= 2) {
      if (!xreadgroup) {
        c.w.error('ERR The GROUP option is only supported by XREADGROUP. You called XREAD instead.');
        return;
      }
      groupIdx = i + 1;
      i += 2;
    } else if (argv.is(i, 'noack')) {
      if (!xreadgroup) {
        c.w.error('ERR The NOACK option is only supported by XREADGROUP. You called XREAD instead.');
        return;
      }
      noack = true;
    } else {
      c.w.error(SYNTAX);
      return;
    }
  }
  if (streamsArg === 0) {
    c.w.error(SYNTAX);
    return;
  }
  if (xreadgroup && groupIdx < 0) {
    c.w.error('ERR Missing GROUP option for XREADGROUP');
    return;
  }
  const db = c.db;
  const rerun = c.blockState !== null;
  // A re-run serves only the key that was signalled (null: any key, as a first run does).
  const only = rerun ? (c.blockState as BlockedRerun).servingKey : null;
  createdConsumers.clear();
  const ids: bigint[] = [];
  const groups: (ConsumerGroup | undefined)[] = [];
  let dollars: number[] | null = null;
  for (let k = 0; k < nstreams; k++) {
    const ki = streamsArg + k;
    const ii = ki + nstreams;
    if (only !== null && !argEquals(argv, ki, only)) {
      ids.push(0n);
      groups.push(undefined);
      continue;
    }
    const e = db.readArg(argv, ki);
    const other = e >= 0 && db.type(e) !== OBJ_STREAM;
    if (other && !rerun) {
      c.w.error(WRONGTYPE);
      return;
    }
    // Re-run after the key became another type: XREADGROUP fails (below), XREAD keeps waiting.
    const s = e >= 0 && !other ? streamOf(db, e) : null;
    if (groupIdx >= 0) {
      const g = s?.findGroup(argv.buf, argv.off[groupIdx], argv.len[groupIdx]);
      if (g === undefined) {
        if (rerun) {
          if (s === null) c.w.error('UNBLOCKED the stream key no longer exists');
          else c.w.error('NOGROUP the consumer group this client was blocked on no longer exists');
          return;
        }
        c.w.error(
          `NOGROUP No such key '${argv.str(ki)}' or consumer group '${argv.str(groupIdx)}' in XREADGROUP with GROUP option`,
        );
        return;
      }
      groups.push(g);
      db.willModify(e); // the group's PEL and consumers change (a read lookup, as Redis's)
    }
    if (argIs(argv, ii, 36)) {
      if (xreadgroup) {
        c.w.error(
          'ERR The $ ID is meaningless in the context of XREADGROUP: you want to read the history of this consumer by specifying a proper ID, or use the > ID to get new messages. The $ ID would just return an empty result set.',
        );
        return;
      }
      ids.push(s !== null ? s.lastId : 0n);
      (dollars ??= []).push(ii);
      continue;
    }
    if (argIs(argv, ii, 62)) {
      if (!xreadgroup) {
        c.w.error('ERR The > ID can be specified only when calling XREADGROUP using the GROUP <group> <consumer> option.');
        return;
      }
      ids.push(ID_MAX);
      continue;
    }
    if (!parseIdArg(c, argv, ii, 0n, true)) return;
    ids.push(pid.id);
  }
  if (rerun && count === 0) count = XREAD_BLOCKED_DEFAULT_COUNT;
  // Which streams can be served now.
  const w = c.w;
  const serve: number[] = [];
  const history: boolean[] = [];
  const now = Date.now();
  for (let k = 0; k < nstreams; k++) {
    if (only !== null && !argEquals(argv, streamsArg + k, only)) continue;
    const e = db.readArg(argv, streamsArg + k);
    if (e < 0 || db.type(e) !== OBJ_STREAM) continue;
    const s = streamOf(db, e);
    let gt = ids[k]!;
    let sync = false;
    let hist = false;
    const g = groups[k];
    if (g !== undefined) {
      if (gt !== ID_MAX) {
        sync = true;
        hist = true;
      } else if (s.length > 0) {
        const maxid = rerun ? s.lastId : s.edgeId(false);
        if (maxid > g.lastId) {
          sync = true;
          gt = g.lastId;
        }
      }
    } else if (s.length > 0) {
      const maxid = rerun ? s.lastId : s.edgeId(false);
      if (maxid > gt) sync = true;
    }
    if (g !== undefined && (sync || !rerun)) {
      // Redis looks the consumer up (creating it) for every stream of an XREADGROUP it examines.
      consumerFor(c, g, argv, groupIdx + 1, argv.view(streamsArg + k), now);
    }
    ids[k] = gt;
    if (sync) {
      serve.push(k);
      history.push(hist);
    }
  }
  if (serve.length > 0) {
    if (c.resp === 2) w.arrayHeader(serve.length);
    else w.mapHeader(serve.length);
    for (let j = 0; j < serve.length; j++) {
      const k = serve[j]!;
      const ki = streamsArg + k;
      const e = db.readArg(argv, ki);
      const s = streamOf(db, e);
      if (c.resp === 2) w.arrayHeader(2);
      w.bulk(argv.buf, argv.off[ki], argv.len[ki]);
      const g = groups[k];
      if (g === undefined) {
        replyAfter(c, s, ids[k]!, count);
        continue;
      }
      const key = argv.copy(ki);
      const cons = g.findConsumer(argv.buf, argv.off[groupIdx + 1], argv.len[groupIdx + 1])!;
      if (history[j]) deliverHistory(c, s, cons, ids[k]! + 1n, count);
      else deliverNew(c, s, key, g, cons, ids[k]!, count, noack);
      c.srv.dirty++;
    }
    c.srv.preventPropagation();
    return;
  }
  c.srv.preventPropagation();
  if (timeout !== -1) {
    const keyIdx: number[] = [];
    for (let k = 0; k < nstreams; k++) keyIdx.push(streamsArg + k);
    let kept = argv;
    if (dollars !== null && !rerun) {
      // Keep `$` as the ID it meant now.
      const args: PropArg[] = [];
      for (let i = 0; i < argv.argc; i++) args.push(argv.view(i));
      for (const ii of dollars) args[ii] = idString(ids[ii - streamsArg - nstreams]!);
      kept = new Argv().setFrom(args);
    }
    c.srv.blockForKeys(c, kept, keyIdx, timeout, OBJ_STREAM);
    return;
  }
  w.nullArray();
}

/** XREAD's entries after gt. */
function replyAfter(c: CommandClient, s: Stream, gt: bigint, count: number): void {
  const w = c.w;
  const start = gt + 1n;
  itA.seek(s, start, ID_MAX, false);
  let n = 0;
  while ((count === 0 || n < count) && itA.next()) n++;
  w.arrayHeader(n);
  itB.seek(s, start, ID_MAX, false);
  for (let i = 0; i < n && itB.next(); i++) replyEntry(w, itB);
}

/** BLOCK's milliseconds (getTimeoutFromObjectOrReply, UNIT_MILLISECONDS), or -2 after an error. */
function blockMs(c: CommandClient, argv: Argv, i: number): number {
  const v = parseLongLong(argv.buf, argv.off[i], argv.len[i]);
  if (Number.isNaN(v)) {
    c.w.error('ERR timeout is not an integer or out of range');
    return -2;
  }
  if (v < 0) {
    c.w.error('ERR timeout is negative');
    return -2;
  }
  return v;
}

function xreadCommand(c: CommandClient, argv: Argv): void {
  xreadGeneric(c, argv, false);
}

function xreadgroupCommand(c: CommandClient, argv: Argv): void {
  xreadGeneric(c, argv, true);
}

export const streamReadCommands: CommandDef[] = [
  { name: 'xread', summary: 'Reads entries from streams after given IDs, optionally blocking.', handler: xreadCommand },
  { name: 'xreadgroup', summary: 'Reads entries from streams for a consumer of a group, optionally blocking.', handler: xreadgroupCommand },
];
