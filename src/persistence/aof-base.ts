/*
 * The command-form AOF base (aof-use-rdb-preamble no): the dataset written as the commands that
 * rebuild it, as Redis 7.0's rewriteAppendOnlyFileRio writes them:
 *
 *   #TS:<unix>                        when aof-timestamp-enabled
 *   FUNCTION LOAD <code>              per library
 *   SELECT <db>                       per non-empty database, then per key:
 *   SET k v | RPUSH k e.. | SADD k m.. | ZADD k s m.. | HMSET k f v..   (64 items per command)
 *   streams: XADD k <id> f v.. per entry (XADD k MAXLEN 0 0-1 x y for an empty one), XSETID k
 *            <last> ENTRIESADDED n MAXDELETEDID id, XGROUP CREATE k g <last> ENTRIESREAD n,
 *            XCLAIM k g <consumer> 0 <id> TIME <ms> RETRYCOUNT n JUSTID FORCE per pending entry,
 *            XGROUP CREATECONSUMER k g <consumer> for consumers with nothing pending
 *   PEXPIREAT k <unix-ms>             for a key with a TTL
 *
 * Scores print as "%.17g". `writeKey` serialises one key; it reads the store directly (no
 * lookups, so no LRU touch, no stats, no lazy expiry: an expired key is written with its past
 * PEXPIREAT, as Redis does, and goes away when loaded).
 */
import type { ByteDict } from '../store/bytedict.ts';
import { ENC_LISTPACK, type Keyspace, OBJ_HASH, OBJ_LIST, OBJ_SET, OBJ_STREAM, OBJ_STRING, OBJ_ZSET } from '../store/keyspace.ts';
import { listElements } from '../store/list-type.ts';
import { LpEntry, lpFirst, lpGet, lpNext } from '../store/listpack.ts';
import { cur, memberAt, setOf, setSize } from '../store/set-type.ts';
import { idString } from '../store/stream-id.ts';
import type { Stream } from '../store/stream.ts';
import { StreamIterator } from '../store/stream.ts';
import { zsetForEach } from '../store/zset-type.ts';
import { formatDouble, formatInt64 } from '../util/numbers.ts';
import type { RespBuf } from './aof-resp.ts';

/** Redis's AOF_REWRITE_ITEMS_PER_CMD. */
const ITEMS_PER_CMD = 64;

const ent = new LpEntry();
const digits = new Uint8Array(24);
const iter = new StreamIterator();

/** Appends the listpack entry at p as a bulk (integers as decimal text). */
function lpBulk(out: RespBuf, lp: Uint8Array, p: number): void {
  lpGet(lp, p, ent);
  if (ent.isInt) out.bulk(digits, 0, formatInt64(ent.int, digits, 0)); // returns the end: the length here
  else out.bulk(lp, ent.strOff, ent.strLen);
}

/** Writes commands in batches: `name key` then up to ITEMS_PER_CMD items of `per` arguments. */
class Batcher {
  private left = 0;
  private count = 0;
  private readonly out: RespBuf;
  private readonly name: string;
  private readonly key: Uint8Array;
  private readonly total: number;
  private readonly per: number;

  constructor(out: RespBuf, name: string, key: Uint8Array, total: number, per: number) {
    this.out = out;
    this.name = name;
    this.key = key;
    this.total = total;
    this.per = per;
  }

  /** Call before each item's arguments. */
  item(): void {
    if (this.left === 0) {
      const n = Math.min(ITEMS_PER_CMD, this.total - this.count);
      this.out.arrayHeader(2 + n * this.per);
      this.out.bulkStr(this.name);
      this.out.bulk(this.key);
      this.left = n;
    }
    this.left--;
    this.count++;
  }
}

export function writeSelect(out: RespBuf, db: number): void {
  out.commandStr('SELECT', String(db));
}

/**
 * The entry reads a key's serialisation needs: a database's Keyspace, or one a snapshot took
 * over from FLUSHDB (no lookups, so no LRU touch, no stats, no lazy expiry).
 */
export type KeyReader = Pick<Keyspace, 'keyBytes' | 'type' | 'encoding' | 'arena' | 'valOff' | 'valLen' | 'valView' | 'getObject' | 'holdsObject' | 'getExpire'>;

/** Appends the commands that rebuild key e of db. */
export function writeKey(out: RespBuf, db: KeyReader, e: number): void {
  const key = db.keyBytes(e);
  const type = db.type(e);
  if (type === OBJ_STRING) {
    out.arrayHeader(3);
    out.bulkStr('SET');
    out.bulk(key);
    out.bulk(db.arena.u8, db.valOff(e), db.valLen(e));
  } else if (type === OBJ_LIST) {
    const els = listElements(db, e);
    const b = new Batcher(out, 'RPUSH', key, els.length, 1);
    for (const el of els) {
      b.item();
      out.bulk(el);
    }
  } else if (type === OBJ_SET) {
    const s = setOf(db, e);
    const n = setSize(s);
    const b = new Batcher(out, 'SADD', key, n, 1);
    for (let i = 0; i < n; i++) {
      memberAt(s, i);
      b.item();
      out.bulk(cur.b, cur.o, cur.n);
    }
  } else if (type === OBJ_ZSET) {
    let n = 0;
    zsetForEach(db, e, () => {
      n++;
    });
    const b = new Batcher(out, 'ZADD', key, n, 2);
    zsetForEach(db, e, (mb, mo, mn, score) => {
      b.item();
      out.bulkStr(formatDouble(score));
      out.bulk(mb, mo, mn);
    });
  } else if (type === OBJ_HASH) {
    if (db.encoding(e) === ENC_LISTPACK) {
      const lp = db.valView(e);
      let n = 0;
      for (let p = lpFirst(lp); p >= 0; p = lpNext(lp, lpNext(lp, p))) n++;
      const b = new Batcher(out, 'HMSET', key, n, 2);
      for (let p = lpFirst(lp); p >= 0; ) {
        const vp = lpNext(lp, p);
        b.item();
        lpBulk(out, lp, p);
        lpBulk(out, lp, vp);
        p = lpNext(lp, vp);
      }
    } else {
      const d = db.getObject(e) as ByteDict;
      const b = new Batcher(out, 'HMSET', key, d.size, 2);
      const u8 = d.arena.u8;
      for (let id = 0; id < d.size; id++) {
        b.item();
        out.bulk(u8, d.keyOff(id), d.keyLen(id));
        out.bulk(u8, d.valOff(id), d.valLen(id));
      }
    }
  } else if (type === OBJ_STREAM) {
    writeStream(out, key, db.getObject(e) as Stream);
  }
  const at = db.getExpire(e);
  if (at >= 0) {
    out.arrayHeader(3);
    out.bulkStr('PEXPIREAT');
    out.bulk(key);
    out.bulkStr(String(at));
  }
}

function writeStream(out: RespBuf, key: Uint8Array, s: Stream): void {
  if (s.length > 0) {
    iter.seek(s, 0n, (1n << 128n) - 1n, false);
    while (iter.next()) {
      const nf = iter.numFields;
      out.arrayHeader(3 + nf * 2);
      out.bulkStr('XADD');
      out.bulk(key);
      out.bulkStr(idString(iter.id));
      for (let i = 0; i < nf; i++) {
        lpBulk(out, iter.lp, iter.fieldPos(i));
        lpBulk(out, iter.lp, iter.valuePos(i));
      }
    }
  } else {
    // An empty stream: XADD MAXLEN 0 makes the key without entries (Redis's trick).
    out.arrayHeader(7);
    out.bulkStr('XADD');
    out.bulk(key);
    out.bulkStr('MAXLEN');
    out.bulkStr('0');
    out.bulkStr('0-1');
    out.bulkStr('x');
    out.bulkStr('y');
  }
  out.arrayHeader(7);
  out.bulkStr('XSETID');
  out.bulk(key);
  out.bulkStr(idString(s.lastId));
  out.bulkStr('ENTRIESADDED');
  out.bulkStr(String(s.entriesAdded));
  out.bulkStr('MAXDELETEDID');
  out.bulkStr(idString(s.maxDeletedId));
  for (const g of s.groups) {
    out.arrayHeader(7);
    out.bulkStr('XGROUP');
    out.bulkStr('CREATE');
    out.bulk(key);
    out.bulk(g.name);
    out.bulkStr(idString(g.lastId));
    out.bulkStr('ENTRIESREAD');
    out.bulkStr(String(g.entriesRead));
    for (const id of g.pel.ids) {
      const nack = g.pel.get(id);
      if (nack === undefined) continue;
      out.arrayHeader(12);
      out.bulkStr('XCLAIM');
      out.bulk(key);
      out.bulk(g.name);
      out.bulk(nack.consumer.name);
      out.bulkStr('0');
      out.bulkStr(idString(id));
      out.bulkStr('TIME');
      out.bulkStr(String(nack.deliveryTime));
      out.bulkStr('RETRYCOUNT');
      out.bulkStr(String(nack.deliveryCount));
      out.bulkStr('JUSTID');
      out.bulkStr('FORCE');
    }
    for (const c of g.consumers) {
      if (c.pel.size !== 0) continue;
      out.arrayHeader(5);
      out.bulkStr('XGROUP');
      out.bulkStr('CREATECONSUMER');
      out.bulk(key);
      out.bulk(g.name);
      out.bulk(c.name);
    }
  }
}
