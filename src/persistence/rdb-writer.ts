/*
 * RDB version 10 file writer (the format Redis 7.0 writes, from its documented layout):
 *
 *   "REDIS0010", AUX fields (redis-ver, redis-bits, ctime, used-mem, aof-base), FUNCTION2
 *   records (one per library, its code), then per non-empty database SELECTDB n, RESIZEDB
 *   size expires, and the keys: [EXPIRETIME_MS ms] [IDLE secs | FREQ counter] type key value;
 *   EOF, then the CRC64 of every byte before it (u64 LE; zero when rdbchecksum is off). IDLE is
 *   written under an *-lru maxmemory policy and FREQ under *-lfu, as 7.0 does.
 *
 * Values come from store/rdb-value-writer.ts. Output is produced in chunks (RdbChunker) so a
 * file of any size streams through a small buffer; the running CRC64 covers each chunk as it
 * leaves.
 */
import type { Server } from '../server/server.ts';
import type { Keyspace } from '../store/keyspace.ts';
import { lfuDecay } from '../store/lfu.ts';
import { Crc64, RdbWriter } from '../store/rdb-encoding.ts';
import {
  type EntryReader, RDB_OPCODE_AUX, RDB_OPCODE_EOF, RDB_OPCODE_EXPIRETIME_MS, RDB_OPCODE_FREQ, RDB_OPCODE_FUNCTION2, RDB_OPCODE_IDLE, RDB_OPCODE_RESIZEDB,
  RDB_OPCODE_SELECTDB, rdbTypeOf, writeMillis, writeValueBody,
} from '../store/rdb-value-writer.ts';

export * from '../store/rdb-value-writer.ts';

// ---- files ---------------------------------------------------------------------------------------

/** Where a file's bytes go, chunk by chunk (the chunk may be reused after the call returns). */
export type ChunkSink = (chunk: Uint8Array) => void;

/**
 * An RdbWriter that hands its bytes to a sink whenever they pass `chunkSize`, keeping a running
 * CRC64, and remembers which database the records written last belong to (SELECTDB is emitted
 * when it changes: the snapshot may write a key of another database in between).
 */
export class RdbChunker extends RdbWriter {
  readonly crc = new Crc64();
  readonly checksum: boolean;
  readonly compress: boolean;
  private readonly sink: ChunkSink;
  private readonly chunkSize: number;
  /** Database of the last SELECTDB written, -1 before the first. */
  curDb = -1;
  /**
   * Under an LRU maxmemory policy, the idle seconds of a key's 24-bit LRU field (an IDLE opcode
   * goes before each key); under LFU, its decayed counter (a FREQ opcode). Null: neither.
   */
  idleOf: ((field: number) => number) | null = null;
  freqOf: ((field: number) => number) | null = null;
  /** Bytes handed to the sink so far. */
  written = 0;
  keys = 0;

  constructor(sink: ChunkSink, compress: boolean, checksum: boolean, chunkSize = 1 << 16) {
    super();
    this.sink = sink;
    this.compress = compress;
    this.checksum = checksum;
    this.chunkSize = chunkSize;
    this.buf = Buffer.allocUnsafe(chunkSize * 2);
  }

  /** Passes the buffered bytes on when there are enough of them (or always, with force). */
  flush(force = false): void {
    if (this.len === 0 || (!force && this.len < this.chunkSize)) return;
    const chunk = this.buf.subarray(0, this.len);
    if (this.checksum) this.crc.update(chunk);
    this.written += this.len;
    this.sink(chunk);
    this.len = 0;
  }

  header(aux: readonly (readonly [string, string | number])[], functions: readonly Uint8Array[]): void {
    this.raw(Buffer.from('REDIS0010', 'latin1'));
    for (const [k, v] of aux) {
      this.byte(RDB_OPCODE_AUX);
      this.string(Buffer.from(k, 'latin1'), false);
      this.string(Buffer.from(String(v), 'latin1'), false);
    }
    for (const code of functions) {
      this.byte(RDB_OPCODE_FUNCTION2);
      this.string(code, this.compress);
    }
  }

  selectDb(id: number, size = -1, expires = 0): void {
    this.byte(RDB_OPCODE_SELECTDB);
    this.length(id);
    if (size >= 0) {
      this.byte(RDB_OPCODE_RESIZEDB);
      this.length(size);
      this.length(expires);
    }
    this.curDb = id;
  }

  /** One key of database db (SELECTDB first if the last record was of another one). */
  keyValue(db: number, ks: EntryReader & Pick<Keyspace, 'keyOff' | 'keyLen' | 'getExpire'>, e: number): void {
    if (this.curDb !== db) this.selectDb(db);
    const at = ks.getExpire(e);
    if (at >= 0) {
      this.byte(RDB_OPCODE_EXPIRETIME_MS);
      writeMillis(this, at);
    }
    const m = ks.metaOf(e);
    if (this.idleOf !== null) {
      this.byte(RDB_OPCODE_IDLE);
      this.length(this.idleOf(m >>> 8));
    } else if (this.freqOf !== null) {
      this.byte(RDB_OPCODE_FREQ);
      this.byte(this.freqOf(m >>> 8));
    }
    this.byte(rdbTypeOf(m & 15, (m >>> 4) & 15));
    const ko = ks.keyOff(e);
    this.string(ks.arena.u8.subarray(ko, ko + ks.keyLen(e)), this.compress);
    writeValueBody(this, ks, e, this.compress);
    this.keys++;
    this.flush();
  }

  /** EOF and the checksum; hands everything to the sink. */
  finish(): void {
    this.byte(RDB_OPCODE_EOF);
    if (this.checksum) this.crc.update(this.buf, 0, this.len);
    const crc = this.checksum ? this.crc.value : 0n;
    const b = Buffer.allocUnsafe(8);
    b.writeBigUInt64LE(crc);
    // The CRC covers everything before it: feed the tail without updating the CRC again.
    this.written += this.len + 8;
    this.sink(this.buf.subarray(0, this.len));
    this.len = 0;
    this.sink(b);
  }
}

const LRU_CLOCK_MAX = (1 << 24) - 1;

/**
 * Sets out's IDLE/FREQ writers for the maxmemory policy in force (rdbSaveKeyValuePair writes IDLE
 * under *-lru, FREQ under *-lfu, nothing otherwise).
 */
export function keyMetaForPolicy(
  out: RdbChunker,
  policy: string,
  lruClock: () => number,
  lfuDecayed: (field: number) => number,
): void {
  if (policy.endsWith('-lru')) {
    out.idleOf = (lru) => {
      const clock = lruClock();
      return clock >= lru ? clock - lru : clock + (LRU_CLOCK_MAX - lru);
    };
  } else if (policy.endsWith('-lfu')) {
    out.freqOf = lfuDecayed;
  }
}

/** IDLE / FREQ before each key under an LRU / LFU maxmemory policy, as 7.0 writes them. */
export function setKeyMeta(out: RdbChunker, srv: Server): void {
  keyMetaForPolicy(out, srv.config.str('maxmemory-policy'), () => srv.lruClock, (field) =>
    lfuDecay(field, srv.config.num('lfu-decay-time'), Date.now()),
  );
}

