/*
 * HyperLogLog commands (hyperloglog.c). An HLL is a plain string value in Redis's own layout
 * (src/store/hyperloglog.ts), so GET, SET, DUMP and friends see exactly Redis's bytes. Dense
 * HLLs are edited in place in the key's arena record; sparse ones are edited in a working copy
 * and written back once per command, since an edit moves bytes and changes the length.
 *
 * What each command reports, as 7.0.15 does:
 *   PFADD     "pfadd" event, signalModifiedKey and dirty += registers changed (+1 for a new key);
 *   PFMERGE   "pfadd" event, signalModifiedKey and dirty++ always;
 *   PFCOUNT   of one key writes the recomputed cardinality back into the header when the cache
 *             was invalid: signalModifiedKey and dirty++ (so it propagates), no event;
 *   PFDEBUG   GETREG / TODENSE of a sparse HLL convert it to dense: dirty++, no event.
 * Every command that opens an existing HLL turns its encoding into raw (dbUnshareStringValue),
 * as Redis does, even when nothing else changes.
 */
import type { Argv } from '../protocol/argv.ts';
import { WRONGTYPE } from '../protocol/errors.ts';
import type { Db } from '../store/db.ts';
import { NOTIFY_STRING } from '../store/events.ts';
import { addDense, addWork, applyMax, count, countRaw, merge, toDense } from '../store/hll-batch.ts';
import {
  HLL_DENSE, HLL_EMPTY_SIZE, HLL_HDR_SIZE, HLL_REGISTERS, HLL_SPARSE, HllWork, cacheValid, decodeSparse, denseGet,
  hllSelfTest, invalidateCache, isHllValue, readCache, sparseToDense, writeCache, writeEmptyHll,
} from '../store/hyperloglog.ts';
import { ENC_INT, ENC_RAW, OBJ_STRING } from '../store/keyspace.ts';
import type { CommandClient } from './context.ts';
import type { CommandDef } from './registry.ts';

const INVALID_HLL = 'WRONGTYPE Key is not a valid HyperLogLog string value.';
const CORRUPT_HLL = 'INVALIDOBJ Corrupted HLL object detected';

/** The working copy for sparse edits and the raw registers of merges (one of each per process). */
const work = new HllWork();
const maxRegs = new Uint8Array(HLL_REGISTERS);

/** isHLLObjectOrReply: false after replying WRONGTYPE (another type or not an HLL). */
function checkHll(c: CommandClient, db: Db, e: number): boolean {
  if (db.type(e) !== OBJ_STRING) {
    c.w.error(WRONGTYPE);
    return false;
  }
  if (db.encoding(e) === ENC_INT || !isHllValue(db.arena.u8, db.valOff(e), db.valLen(e))) {
    c.w.error(INVALID_HLL);
    return false;
  }
  return true;
}

function sparseMaxBytes(c: CommandClient): number {
  return c.srv.config.num('hll-sparse-max-bytes');
}

/** A new empty HLL at key argv[k] (createHLLObject + dbAdd). */
function createHll(db: Db, argv: Argv, k: number): number {
  const e = db.addArg(argv, k, HLL_EMPTY_SIZE, OBJ_STRING | (ENC_RAW << 4));
  writeEmptyHll(db.arena.u8, db.valOff(e));
  return e;
}

/** Writes the working copy back as entry e's value. */
function storeWork(db: Db, e: number): void {
  const off = db.resizeValue(e, work.len, 0);
  work.storeTo(db.arena.u8, off);
}

// PFADD key [element [element ...]]
function pfaddCommand(c: CommandClient, argv: Argv): void {
  const db = c.db;
  let e = db.writeArg(argv, 1);
  let updated = 0;
  if (e < 0) {
    e = createHll(db, argv, 1);
    updated++;
  } else {
    if (!checkHll(c, db, e)) return;
    db.setEncoding(e, ENC_RAW);
  }
  if (argv.argc > 2) {
    const u8 = db.arena.u8;
    const off = db.valOff(e);
    if (u8[off + 4] === HLL_DENSE) {
      updated += addDense(u8, off, argv.buf, argv.off, argv.len, 2, argv.argc);
    } else {
      work.load(u8, off, db.valLen(e));
      // All elements in one call (native when the addon is in use): changed registers, or
      // -1 - changed when the value turned out corrupt.
      const r = addWork(work, sparseMaxBytes(c), argv.buf, argv.off, argv.len, 2, argv.argc);
      const corrupt = r < 0;
      const changed = corrupt ? -1 - r : r;
      updated += changed;
      if (changed !== 0) storeWork(db, e);
      if (corrupt) {
        c.w.error(CORRUPT_HLL);
        return;
      }
    }
  }
  if (updated !== 0) {
    invalidateCache(db.arena.u8, db.valOff(e));
    db.changed(argv, 1, NOTIFY_STRING, 'pfadd');
    c.srv.dirty += updated;
  }
  c.w.integer(updated !== 0 ? 1 : 0);
}

// PFCOUNT key [key ...]
function pfcountCommand(c: CommandClient, argv: Argv): void {
  const db = c.db;
  if (argv.argc > 2) {
    // The cardinality of the union: merge into raw registers, cache nothing.
    maxRegs.fill(0);
    for (let j = 1; j < argv.argc; j++) {
      const e = db.readArg(argv, j);
      if (e < 0) continue;
      if (!checkHll(c, db, e)) return;
      if (!merge(maxRegs, db.arena.u8, db.valOff(e), db.valLen(e))) {
        c.w.error(CORRUPT_HLL);
        return;
      }
    }
    c.w.integer(countRaw(maxRegs));
    return;
  }
  const e = db.readArg(argv, 1);
  if (e < 0) {
    c.w.integer(0);
    return;
  }
  if (!checkHll(c, db, e)) return;
  db.setEncoding(e, ENC_RAW);
  const u8 = db.arena.u8;
  const off = db.valOff(e);
  if (cacheValid(u8, off)) {
    const card = readCache(u8, off);
    if (typeof card === 'number') c.w.integer(card);
    else c.w.bigInteger(card);
    return;
  }
  const len = db.valLen(e);
  const card = count(u8, off, len);
  if (card < 0) {
    c.w.error(CORRUPT_HLL);
    return;
  }
  // The cache is part of the value: announce the write, then update the header in place.
  const v = db.resizeValue(e, len, len);
  writeCache(db.arena.u8, v, card);
  db.signalModified(argv.buf, argv.off[1], argv.len[1]);
  c.srv.dirty++;
  c.w.integer(card);
}

// PFMERGE destkey [sourcekey [sourcekey ...]]
function pfmergeCommand(c: CommandClient, argv: Argv): void {
  const db = c.db;
  maxRegs.fill(0);
  let useDense = false;
  // The destination is a source too (j starts at 1).
  for (let j = 1; j < argv.argc; j++) {
    const e = db.readArg(argv, j);
    if (e < 0) continue;
    if (!checkHll(c, db, e)) return;
    const u8 = db.arena.u8;
    const off = db.valOff(e);
    if (u8[off + 4] === HLL_DENSE) useDense = true;
    if (!merge(maxRegs, u8, off, db.valLen(e))) {
      c.w.error(CORRUPT_HLL);
      return;
    }
  }
  let e = db.writeArg(argv, 1);
  if (e < 0) e = createHll(db, argv, 1);
  else db.setEncoding(e, ENC_RAW);
  work.load(db.arena.u8, db.valOff(e), db.valLen(e));
  if (useDense && !toDense(work)) {
    c.w.error(CORRUPT_HLL);
    return;
  }
  applyMax(work, sparseMaxBytes(c), maxRegs);
  invalidateCache(work.buf, 0);
  storeWork(db, e);
  db.changed(argv, 1, NOTIFY_STRING, 'pfadd');
  c.srv.dirty++;
  c.w.ok();
}

/** PFDEBUG's conversion of a sparse entry e to dense: false after replying INVALIDOBJ. */
function convertToDense(c: CommandClient, db: Db, e: number): boolean {
  work.load(db.arena.u8, db.valOff(e), db.valLen(e));
  if (!sparseToDense(work)) {
    c.w.error(CORRUPT_HLL);
    return false;
  }
  storeWork(db, e);
  c.srv.dirty++; // force propagation of the encoding change
  return true;
}

// PFDEBUG <GETREG | DECODE | ENCODING | TODENSE> key
function pfdebugCommand(c: CommandClient, argv: Argv): void {
  const db = c.db;
  const e = db.writeArg(argv, 2);
  if (e < 0) {
    c.w.error('ERR The specified key does not exist');
    return;
  }
  if (!checkHll(c, db, e)) return;
  db.setEncoding(e, ENC_RAW);
  const enc = db.arena.u8[db.valOff(e) + 4];
  if (argv.is(1, 'getreg')) {
    if (enc === HLL_SPARSE && !convertToDense(c, db, e)) return;
    const u8 = db.arena.u8;
    const r = db.valOff(e) + HLL_HDR_SIZE;
    c.w.arrayHeader(HLL_REGISTERS);
    for (let i = 0; i < HLL_REGISTERS; i++) c.w.integer(denseGet(u8, r, i));
  } else if (argv.is(1, 'decode')) {
    if (enc !== HLL_SPARSE) {
      c.w.error('ERR HLL encoding is not sparse');
      return;
    }
    c.w.bulkString(decodeSparse(db.arena.u8, db.valOff(e), db.valLen(e)));
  } else if (argv.is(1, 'encoding')) {
    c.w.simple(enc === HLL_DENSE ? 'dense' : 'sparse');
  } else if (argv.is(1, 'todense')) {
    if (enc === HLL_SPARSE) {
      if (!convertToDense(c, db, e)) return;
      c.w.integer(1);
    } else {
      c.w.integer(0);
    }
  } else {
    c.w.error(`ERR Unknown PFDEBUG subcommand '${argv.str(1)}'`);
  }
}

// PFSELFTEST
function pfselftestCommand(c: CommandClient, _argv: Argv): void {
  const failure = hllSelfTest();
  if (failure === null) c.w.ok();
  else c.w.error(failure);
}

export const hyperloglogCommands: CommandDef[] = [
  { name: 'pfadd', summary: 'Adds elements to a HyperLogLog, creating it if needed.', handler: pfaddCommand },
  { name: 'pfcount', summary: 'Estimates the number of distinct elements added to one or more HyperLogLogs.', handler: pfcountCommand },
  { name: 'pfmerge', summary: 'Merges HyperLogLogs into a destination key.', handler: pfmergeCommand },
  { name: 'pfdebug', summary: 'Internal commands for debugging HyperLogLog values.', handler: pfdebugCommand },
  { name: 'pfselftest', summary: 'An internal command for testing HyperLogLog values.', handler: pfselftestCommand },
];
