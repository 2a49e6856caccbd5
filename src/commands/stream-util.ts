/*
 * Helpers shared by the stream command files (streams.ts, stream-read.ts, stream-groups.ts):
 * looking a stream up, parsing IDs with Redis's error replies, replying entries, and the
 * commands a consumer-group read or claim propagates (streamPropagateXCLAIM,
 * streamPropagateGroupID, streamPropagateConsumerCreation).
 */
import type { Argv } from '../protocol/argv.ts';
import type { ReplyWriter } from '../protocol/reply.ts';
import type { Db } from '../store/db.ts';
import { LpEntry, lpGet, lpNext } from '../store/listpack.ts';
import { ENC_STREAM, OBJ_STREAM } from '../store/keyspace.ts';
import { type ConsumerGroup, ENTRIES_READ_INVALID, type Nack, Stream, StreamIterator } from '../store/stream.ts';
import { ParsedId, idString, parseStreamId } from '../store/stream-id.ts';
import type { CommandClient, PropArg } from './context.ts';

export const INVALID_ID = 'ERR Invalid stream ID specified as stream command argument';
export const STREAM_TYPE_ENC = OBJ_STREAM | (ENC_STREAM << 4);

export const pid = new ParsedId();
export const ent = new LpEntry();
/** Iterators for replies (one for counting ahead, one for writing). */
export const itA = new StreamIterator();
export const itB = new StreamIterator();

/** The stream held by entry e. */
export function streamOf(db: Db, e: number): Stream {
  return db.getObject(e) as Stream;
}

/** Adds key argv[i] (known absent) holding a new empty stream; returns the entry. */
export function addStreamKey(db: Db, argv: Argv, i: number): number {
  const e = db.addArg(argv, i, 0, 0);
  db.setObject(e, new Stream(), STREAM_TYPE_ENC);
  return e;
}

/**
 * Parses argv[i] as an ID (streamGenericParseIDOrReply); replies the invalid-ID error and returns
 * false on failure. The ID is in pid.id.
 */
export function parseIdArg(c: CommandClient, argv: Argv, i: number, missingSeq: bigint, strict: boolean, autoSeq = false): boolean {
  if (parseStreamId(argv.buf, argv.off[i], argv.len[i], missingSeq, strict, autoSeq, pid)) return true;
  c.w.error(INVALID_ID);
  return false;
}

/** Is argv[i] exactly the one-byte string ch? */
export function argIs(argv: Argv, i: number, ch: number): boolean {
  return argv.len[i] === 1 && argv.buf[argv.off[i]] === ch;
}

export function replyId(w: ReplyWriter, id: bigint): void {
  w.bulkString(idString(id));
}

/** Replies the listpack element at p as a bulk string (integers in decimal). */
export function replyLpElement(w: ReplyWriter, lp: Uint8Array, p: number): void {
  const lpGetE = ent;
  streamElement(lp, p, lpGetE);
  if (lpGetE.isInt) w.bulkString(String(lpGetE.int));
  else w.bulk(lp, lpGetE.strOff, lpGetE.strLen);
}

function streamElement(lp: Uint8Array, p: number, e: LpEntry): void {
  lpGet(lp, p, e);
}

/** Replies the iterator's current entry as [id, [field, value, ...]]. */
export function replyEntry(w: ReplyWriter, it: StreamIterator): void {
  w.arrayHeader(2);
  replyId(w, it.id);
  const n = it.numFields;
  w.arrayHeader(n * 2);
  const lp = it.lp;
  if (it.flags & 2) {
    let f = it.masterFieldsPos;
    let v = it.dataPos;
    for (let i = 0; i < n; i++) {
      replyLpElement(w, lp, f);
      replyLpElement(w, lp, v);
      f = lpNext(lp, f);
      v = lpNext(lp, v);
    }
  } else {
    let p = it.dataPos;
    for (let i = 0; i < n * 2; i++) {
      replyLpElement(w, lp, p);
      p = lpNext(lp, p);
    }
  }
}

/** Counts live entries in [start, end] (up to count, 0 = all) in the given direction. */
export function countRange(s: Stream, start: bigint, end: bigint, rev: boolean, count: number): number {
  itA.seek(s, start, end, rev);
  let n = 0;
  while ((count === 0 || n < count) && itA.next()) n++;
  return n;
}

/** Replies [start, end] (streamReplyWithRange without a group). */
export function replyRange(w: ReplyWriter, s: Stream, start: bigint, end: bigint, count: number, rev: boolean): number {
  const n = countRange(s, start, end, rev, count);
  w.arrayHeader(n);
  itB.seek(s, start, end, rev);
  for (let i = 0; i < n && itB.next(); i++) replyEntry(w, itB);
  return n;
}

/** Finds entry id; true with itB on it. */
export function seekEntry(s: Stream, id: bigint): boolean {
  itB.seek(s, id, id, false);
  return itB.next();
}

// ---- lag bookkeeping (7.0) ---------------------------------------------------------------------

/** streamRangeHasTombstones(s, start, end?) */
export function rangeHasTombstones(s: Stream, start: bigint, end: bigint): boolean {
  if (s.length === 0 || s.maxDeletedId === 0n) return false;
  if (s.firstId > s.maxDeletedId) return false;
  return start <= s.maxDeletedId && s.maxDeletedId <= end;
}

/** streamEstimateDistanceFromFirstEverEntry */
export function estimateDistance(s: Stream, id: bigint): number {
  if (s.entriesAdded === 0) return 0;
  if (s.length === 0 && id <= s.lastId) return s.entriesAdded;
  if (id === s.lastId) return s.entriesAdded;
  if (id > s.lastId) return ENTRIES_READ_INVALID;
  if (s.maxDeletedId === 0n || s.maxDeletedId < s.firstId) {
    if (id < s.firstId) return s.entriesAdded - s.length;
    if (id === s.firstId) return s.entriesAdded - s.length + 1;
  }
  return ENTRIES_READ_INVALID;
}

/** The group's lag, or null (streamReplyWithCGLag). */
export function groupLag(s: Stream, g: ConsumerGroup): number | null {
  if (s.entriesAdded === 0) return 0;
  const MAXID = (1n << 128n) - 1n;
  if (g.entriesRead !== ENTRIES_READ_INVALID && !rangeHasTombstones(s, g.lastId, MAXID)) {
    return s.entriesAdded - g.entriesRead;
  }
  const er = estimateDistance(s, g.lastId);
  return er !== ENTRIES_READ_INVALID ? s.entriesAdded - er : null;
}

// ---- propagation -------------------------------------------------------------------------------

/**
 * XCLAIM <key> <group> <consumer> 0 <id> TIME <ms> RETRYCOUNT <count> FORCE JUSTID LASTID <id>
 * (streamPropagateXCLAIM).
 */
export function propagateXclaim(c: CommandClient, key: Uint8Array, g: ConsumerGroup, groupName: Uint8Array, id: bigint | PropArg, n: Nack): void {
  const args: PropArg[] = [
    'XCLAIM', key, groupName, n.consumer.name, '0', typeof id === 'bigint' ? idString(id) : id, 'TIME', String(n.deliveryTime), 'RETRYCOUNT',
    String(n.deliveryCount), 'FORCE', 'JUSTID', 'LASTID', idString(g.lastId),
  ];
  c.srv.alsoPropagate(c.dbIndex, args);
}

/** XGROUP SETID <key> <group> <id> ENTRIESREAD <n> (streamPropagateGroupID). */
export function propagateGroupId(c: CommandClient, key: Uint8Array, g: ConsumerGroup, groupName: Uint8Array): void {
  c.srv.alsoPropagate(c.dbIndex, ['XGROUP', 'SETID', key, groupName, idString(g.lastId), 'ENTRIESREAD', String(g.entriesRead)]);
}

/** XGROUP CREATECONSUMER <key> <group> <consumer> (streamPropagateConsumerCreation). */
export function propagateConsumerCreation(c: CommandClient, key: Uint8Array, groupName: Uint8Array, consumer: Uint8Array): void {
  c.srv.alsoPropagate(c.dbIndex, ['XGROUP', 'CREATECONSUMER', key, groupName, consumer]);
}

