/*
 * DEBUG DIGEST and DEBUG DIGEST-VALUE with Redis 7.0's algorithm (debug.c), so digests compare
 * across servers holding the same data whatever the encodings:
 *
 *   xorDigest(d, s)   d ^= SHA1(s)
 *   mixDigest(d, s)   d ^= SHA1(s); d = SHA1(d)
 *
 * A key's digest starts at zero: mix(key), mix(type as u32 BE), then per type: a string mixes
 * its text; a list mixes each element head to tail; a set xors each member; a sorted set xors,
 * per element, mix(mix(0, member), score as %.17g); a hash xors mix(mix(0, field), value); a
 * stream mixes "ms.seq" then each field and value of every entry (groups are not included); a
 * TTL xors "!!expire!!". The dataset digest is, per non-empty database, mix(final, db as u32 BE)
 * then final ^= SHA1(each key's digest); all zeros for an empty dataset.
 */
import { createHash } from 'node:crypto';
import type { ByteDict } from '../store/bytedict.ts';
import type { Db } from '../store/db.ts';
import { IntSet } from '../store/intset.ts';
import { ENC_LISTPACK, type Keyspace, OBJ_HASH, OBJ_LIST, OBJ_SET, OBJ_STREAM, OBJ_STRING, OBJ_ZSET } from '../store/keyspace.ts';
import { LpEntry, lpFirst, lpGet, lpNext } from '../store/listpack.ts';
import { listOf } from '../store/list-type.ts';
import type { Skiplist } from '../store/skiplist.ts';
import { ID_MAX } from '../store/stream-id.ts';
import { type Stream, StreamIterator } from '../store/stream.ts';
import { formatDouble, parseDouble } from '../util/numbers.ts';

const ent = new LpEntry();
const EXPIRE = Buffer.from('!!expire!!', 'latin1');

function sha1(b: Uint8Array): Buffer {
  return createHash('sha1').update(b).digest();
}

function xorDigest(d: Uint8Array, s: Uint8Array): void {
  const h = sha1(s);
  for (let i = 0; i < 20; i++) d[i] ^= h[i];
}

function mixDigest(d: Uint8Array, s: Uint8Array): void {
  xorDigest(d, s);
  d.set(sha1(d));
}

function u32be(v: number): Buffer {
  const b = Buffer.allocUnsafe(4);
  b.writeUInt32BE(v >>> 0);
  return b;
}

/** Listpack entry at p as its string form (integers as decimal text). */
function lpText(lp: Uint8Array, p: number): Uint8Array {
  lpGet(lp, p, ent);
  if (ent.isInt) return Buffer.from(String(ent.int), 'latin1');
  return lp.subarray(ent.strOff, ent.strOff + ent.strLen);
}

function text(s: string): Buffer {
  return Buffer.from(s, 'latin1');
}

/** Redis's type code for the digest (OBJ_STRING 0 ... OBJ_STREAM 6): Spindle's are the same. */
function xorObjectDigest(ks: Keyspace, e: number, d: Uint8Array): void {
  const m = ks.metaOf(e);
  const type = m & 15;
  const enc = (m >>> 4) & 15;
  mixDigest(d, u32be(type));
  const u8 = ks.arena.u8;
  if (type === OBJ_STRING) {
    mixDigest(d, ks.valView(e));
  } else if (type === OBJ_LIST) {
    for (const el of listOf(ks, e).toArray()) mixDigest(d, el);
  } else if (type === OBJ_SET) {
    const s = ks.getObject(e) as IntSet | ByteDict;
    if (s instanceof IntSet) for (let i = 0; i < s.length; i++) xorDigest(d, text(String(s.get(i))));
    else for (let id = 0; id < s.size; id++) xorDigest(d, u8.subarray(s.keyOff(id), s.keyOff(id) + s.keyLen(id)));
  } else if (type === OBJ_ZSET) {
    const el = new Uint8Array(20);
    if (enc === ENC_LISTPACK) {
      const lp = ks.valView(e);
      for (let p = lpFirst(lp); p >= 0; ) {
        const sp = lpNext(lp, p);
        el.fill(0);
        mixDigest(el, lpText(lp, p));
        lpGet(lp, sp, ent);
        const score = ent.isInt ? Number(ent.int) : parseDouble(lp, ent.strOff, ent.strLen);
        mixDigest(el, text(formatDouble(score)));
        xorDigest(d, el);
        p = lpNext(lp, sp);
      }
    } else {
      const sl = ks.getObject(e) as Skiplist;
      for (let x = sl.first(); x !== 0; x = sl.next(x)) {
        el.fill(0);
        const o = sl.memberOff(x);
        mixDigest(el, sl.arena.u8.subarray(o, o + sl.memberLen(x)));
        mixDigest(el, text(formatDouble(sl.score(x))));
        xorDigest(d, el);
      }
    }
  } else if (type === OBJ_HASH) {
    const el = new Uint8Array(20);
    if (enc === ENC_LISTPACK) {
      const lp = ks.valView(e);
      for (let p = lpFirst(lp); p >= 0; ) {
        const vp = lpNext(lp, p);
        el.fill(0);
        mixDigest(el, lpText(lp, p));
        mixDigest(el, lpText(lp, vp));
        xorDigest(d, el);
        p = lpNext(lp, vp);
      }
    } else {
      const h = ks.getObject(e) as ByteDict;
      for (let id = 0; id < h.size; id++) {
        el.fill(0);
        mixDigest(el, u8.subarray(h.keyOff(id), h.keyOff(id) + h.keyLen(id)));
        mixDigest(el, u8.subarray(h.valOff(id), h.valOff(id) + h.valLen(id)));
        xorDigest(d, el);
      }
    }
  } else if (type === OBJ_STREAM) {
    const s = ks.getObject(e) as Stream;
    const it = new StreamIterator().seek(s, 0n, ID_MAX, false);
    while (it.next()) {
      mixDigest(d, text(`${it.id >> 64n}.${it.id & ((1n << 64n) - 1n)}`));
      for (let i = 0; i < it.numFields; i++) {
        mixDigest(d, lpText(it.lp, it.fieldPos(i)));
        mixDigest(d, lpText(it.lp, it.valuePos(i)));
      }
    }
  }
  if (ks.expIndex(e) >= 0) xorDigest(d, EXPIRE);
}

function hex(d: Uint8Array): string {
  return Buffer.from(d).toString('hex');
}

/** DEBUG DIGEST: the digest of every database (40 zeros when empty). */
export function datasetDigest(dbs: readonly Db[]): string {
  const final = new Uint8Array(20);
  const d = new Uint8Array(20);
  for (const db of dbs) {
    const ks = db.ks;
    if (ks.count === 0) continue;
    mixDigest(final, u32be(db.id));
    for (let e = 0; e < ks.count; e++) {
      d.fill(0);
      mixDigest(d, ks.arena.u8.subarray(ks.keyOff(e), ks.keyOff(e) + ks.keyLen(e)));
      xorObjectDigest(ks, e, d);
      xorDigest(final, d);
    }
  }
  return hex(final);
}

/** DEBUG DIGEST-VALUE for one entry (the key itself is not mixed in), or zeros for e < 0. */
export function valueDigest(db: Db, e: number): string {
  const d = new Uint8Array(20);
  if (e >= 0) xorObjectDigest(db.ks, e, d);
  return hex(d);
}
