/*
 * RDB file loader (rdbLoadRio): header "REDISnnnn" (versions 1..10), then opcodes until EOF and
 * the CRC64. Keys go into the databases through Db (add, setObject, setExpire), as commands
 * write them; values are decoded by rdb-values.ts.
 *
 * Loading is incremental (RdbLoad.step runs for a time budget), so start-up can answer -LOADING
 * and report progress while a big file loads; loadRdb runs it to the end. Keys already expired
 * are skipped (counted as rdb_last_load_keys_expired) except in an AOF preamble, as 7.0 does for
 * a master. Any error (truncation, bad encoding, bad checksum, duplicate key) empties every
 * database it was loading into and throws RdbError with the offset and reason: a refused file
 * never leaves part of its data behind.
 */
import { scriptingOf } from '../server/commands/scripting.ts';
import type { Server } from '../server/server.ts';
import { functionsOf } from '../scripting/functions.ts';
import type { Db } from '../store/db.ts';
import { hashBytes } from '../store/hash.ts';
import { lfuMinutes } from '../store/lfu.ts';
import { OBJ_STRING, listpackRecordLength } from '../store/keyspace.ts';
import { lpBytes } from '../store/listpack.ts';
import { Crc64, RDB_VERSION, RdbWriter } from '../store/rdb-encoding.ts';
import { type LoadLimits, RdbError, RdbInput, loadLimits as configLoadLimits, freeLoaded, isValueType, readValue } from '../store/rdb-value-reader.ts';
import {
  RDB_OPCODE_AUX, RDB_OPCODE_EOF, RDB_OPCODE_EXPIRETIME, RDB_OPCODE_EXPIRETIME_MS, RDB_OPCODE_FREQ, RDB_OPCODE_FUNCTION2,
  RDB_OPCODE_FUNCTION_PRE_GA, RDB_OPCODE_IDLE, RDB_OPCODE_MODULE_AUX, RDB_OPCODE_RESIZEDB, RDB_OPCODE_SELECTDB,
} from './rdb-writer.ts';

export { RdbError } from '../store/rdb-value-reader.ts';

const LRU_CLOCK_MAX = (1 << 24) - 1;

export interface RdbLoadOptions {
  /** An AOF's RDB preamble: keys already expired are kept (the AOF tail may refer to them). */
  fromAof?: boolean;
  /** DEBUG RELOAD MERGE: a key already present is replaced instead of refusing the file. */
  allowDup?: boolean;
}

export interface RdbLoadInfo {
  keysLoaded: number;
  keysExpired: number;
  /** Keys whose value was empty (skipped, as 7.0 skips them). */
  emptyKeys: number;
  functions: number;
  bytes: number;
  version: number;
  aux: Map<string, string>;
}

/** The thresholds a loaded value's encoding is chosen with (read from the configs now). */
export function loadLimits(srv: Server, deep: boolean): LoadLimits {
  return configLoadLimits(srv.config, deep);
}

/** An RDB load in progress over the whole file's bytes. */
export class RdbLoad {
  private readonly srv: Server;
  private readonly inp: RdbInput;
  private readonly fromAof: boolean;
  private readonly lim: LoadLimits;
  private readonly crc = new Crc64();
  private crcPos = 0;
  private db = 0;
  private expireAt = -1;
  /** IDLE / FREQ of the next key, -1 when absent. */
  private idle = -1;
  private freq = -1;
  private functions: Uint8Array[] = [];
  readonly info: RdbLoadInfo;
  done = false;

  private readonly allowDup: boolean;

  constructor(srv: Server, bytes: Uint8Array, opts: RdbLoadOptions = {}) {
    this.srv = srv;
    this.inp = new RdbInput(bytes);
    this.fromAof = opts.fromAof === true;
    this.allowDup = opts.allowDup === true;
    this.lim = loadLimits(srv, srv.config.get('sanitize-dump-payload') === 'yes');
    this.info = { keysLoaded: 0, keysExpired: 0, emptyKeys: 0, functions: 0, bytes: bytes.length, version: 0, aux: new Map() };
    this.readHeader();
  }

  /** Bytes consumed so far (loading_loaded_bytes). */
  get loaded(): number {
    return this.inp.pos;
  }

  private readHeader(): void {
    const inp = this.inp;
    if (inp.end < 9) inp.fail('Wrong signature trying to load DB from file', 0);
    const sig = Buffer.from(inp.raw(9)).toString('latin1');
    if (!sig.startsWith('REDIS')) inp.fail('Wrong signature trying to load DB from file', 0);
    const ver = Number(sig.slice(5));
    if (!/^[0-9]{4}$/.test(sig.slice(5)) || ver < 1 || ver > RDB_VERSION) inp.fail(`Can't handle RDB format version ${sig.slice(5)}`, 5);
    this.info.version = ver;
  }

  /**
   * Loads for about `ms` milliseconds (Infinity: to the end). Returns true when the file is done.
   * On error every database is emptied and RdbError is thrown.
   */
  step(ms: number): boolean {
    if (this.done) return true;
    const srv = this.srv;
    const flags = srv.notifyFlags;
    srv.notifyFlags = 0; // loading publishes no keyspace events (dbAddRDBLoad)
    try {
      const deadline = performance.now() + ms;
      let n = 0;
      while (!this.done) {
        this.one();
        if ((++n & 255) === 0 && performance.now() > deadline) break;
      }
      this.crcUpTo(this.inp.pos);
    } catch (e) {
      this.abandon();
      if (e instanceof RdbError) throw e;
      throw new RdbError(this.inp.pos, `Internal error loading RDB: ${(e as Error).message}`);
    } finally {
      srv.notifyFlags = flags;
    }
    return this.done;
  }

  /** A refused file: nothing of it stays. */
  private abandon(): void {
    for (const db of this.srv.dbs) if (db.count > 0) this.srv.flushDb(db);
    this.srv.dirty = 0;
  }

  private crcUpTo(pos: number): void {
    if (pos > this.crcPos) {
      this.crc.update(this.inp.buf, this.crcPos, pos);
      this.crcPos = pos;
    }
  }

  /** One opcode, or one key with its value. */
  private one(): void {
    const inp = this.inp;
    const at = inp.pos;
    const op = inp.byte();
    switch (op) {
      case RDB_OPCODE_EXPIRETIME: {
        inp.need(4);
        this.expireAt = inp.dv.getInt32(inp.pos, true) * 1000;
        inp.pos += 4;
        return;
      }
      case RDB_OPCODE_EXPIRETIME_MS:
        this.expireAt = inp.millis();
        return;
      case RDB_OPCODE_FREQ:
        this.freq = inp.byte();
        return;
      case RDB_OPCODE_IDLE:
        this.idle = inp.length();
        return;
      case RDB_OPCODE_EOF:
        this.finish(at);
        return;
      case RDB_OPCODE_SELECTDB: {
        const id = inp.length();
        if (id >= this.srv.dbs.length) {
          inp.fail(`FATAL: Data file was created with a Redis server configured to handle more than ${this.srv.dbs.length} databases. Exiting`, at);
        }
        this.db = id;
        return;
      }
      case RDB_OPCODE_RESIZEDB:
        inp.length();
        inp.length();
        return;
      case RDB_OPCODE_AUX: {
        const k = Buffer.from(inp.string()).toString('latin1');
        const v = Buffer.from(inp.string()).toString('latin1');
        this.info.aux.set(k, v);
        return;
      }
      case RDB_OPCODE_MODULE_AUX:
        inp.fail('The RDB file contains AUX module data I can\'t load: no matching module', at);
        return;
      case RDB_OPCODE_FUNCTION_PRE_GA:
        inp.fail('Pre-release function format not supported', at);
        return;
      case RDB_OPCODE_FUNCTION2:
        this.functions.push(inp.stringCopy());
        return;
      default:
        break;
    }
    if (!isValueType(op)) inp.fail(`Unknown RDB encoding type ${op}`, at);
    // A view of the file (or a decoded copy): used only until it is copied into the arena below.
    const key = inp.string();
    const value = readValue(inp, op, this.srv.arena, this.lim);
    const expireAt = this.expireAt;
    const idle = this.idle;
    const freq = this.freq;
    this.expireAt = -1;
    this.idle = -1;
    this.freq = -1;
    if (value === null) {
      this.info.emptyKeys++;
      return;
    }
    if (!this.fromAof && expireAt >= 0 && expireAt < Date.now()) {
      freeLoaded(value);
      this.info.keysExpired++;
      return;
    }
    const db = this.srv.dbs[this.db];
    const old = db.peek(key, 0, key.length);
    if (old >= 0 && this.allowDup) db.delete(old);
    else if (old >= 0) {
      freeLoaded(value);
      inp.fail(`RDB has duplicated key '${Buffer.from(key).toString('latin1')}' in DB ${this.db}`, at);
    }
    const h = hashBytes(key, 0, key.length);
    let e: number;
    const b = value.bytes;
    if (b !== null) {
      const vlen = (value.typeEnc & 15) === OBJ_STRING ? b.length : listpackRecordLength(key.length, lpBytes(b));
      e = db.add(key, 0, key.length, h, vlen, value.typeEnc);
      db.arena.u8.set(b, db.valOff(e));
    } else {
      e = db.add(key, 0, key.length, h, 0, 0);
      db.setObject(e, value.obj, value.typeEnc);
    }
    if (expireAt >= 0) db.setExpire(e, expireAt);
    if (idle >= 0 || freq >= 0) this.setLruLfu(db, e, idle, freq);
    this.info.keysLoaded++;
  }

  /** objectSetLRUOrLFU: FREQ under an LFU policy, IDLE under any other. */
  private setLruLfu(db: Db, e: number, idle: number, freq: number): void {
    const lfu = this.srv.config.str('maxmemory-policy').endsWith('-lfu');
    if (lfu && freq >= 0) {
      db.copyMeta(e, (db.metaOf(e) & 0xff) | (((lfuMinutes(Date.now()) << 8) | freq) << 8));
    } else if (!lfu && idle >= 0) {
      const clock = this.srv.lruClock;
      let abs = clock - idle;
      if (abs < 0) abs = (clock + Math.floor(LRU_CLOCK_MAX / 2)) % LRU_CLOCK_MAX;
      db.copyMeta(e, (db.metaOf(e) & 0xff) | ((abs & 0xffffff) << 8));
    }
  }

  private finish(eofAt: number): void {
    const inp = this.inp;
    this.crcUpTo(eofAt + 1);
    if (this.info.version >= 5) {
      if (inp.pos + 8 > inp.end) inp.fail('Unexpected EOF reading RDB file (checksum)', inp.pos);
      const expected = inp.dv.getBigUint64(inp.pos, true);
      inp.pos += 8;
      const got = this.crc.value;
      if (this.srv.config.bool('rdbchecksum') && expected !== 0n && expected !== got) {
        inp.fail(`Wrong RDB checksum expected: (${expected.toString(16)}) got: (${got.toString(16)})`, eofAt + 1);
      }
    }
    this.crcPos = inp.end;
    if (this.functions.length > 0) this.loadFunctions(eofAt);
    this.done = true;
  }

  private loadFunctions(at: number): void {
    const engine = scriptingOf(this.srv).engine;
    if (engine === null) this.inp.fail('The RDB file holds functions but scripting is unavailable', at);
    const w = new RdbWriter();
    for (const code of this.functions) {
      w.byte(RDB_OPCODE_FUNCTION2);
      w.string(code, false);
    }
    w.footer();
    const err = functionsOf(engine).restore(w.bytes(), 'replace');
    if (err !== null) this.inp.fail(`Failed loading library: ${err}`, at);
    this.info.functions = this.functions.length;
  }
}

/** Loads a whole RDB file's bytes into srv's databases (see RdbLoad). Throws RdbError. */
export function loadRdb(srv: Server, bytes: Uint8Array, opts?: RdbLoadOptions): RdbLoadInfo {
  const load = new RdbLoad(srv, bytes, opts);
  load.step(Number.POSITIVE_INFINITY);
  return load.info;
}

/** The log line for a refused file, naming offset and reason (no stack trace). */
export function rdbErrorText(e: unknown): string {
  if (e instanceof RdbError) return `Short read or corrupt RDB file: ${e.reason} (offset ${e.offset}). Refusing to load it.`;
  return `Error loading the RDB file: ${(e as Error).message}`;
}
