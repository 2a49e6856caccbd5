/*
 * DUMP and RESTORE (cluster.c's dumpCommand / restoreCommand) with Redis's payload: the value in
 * RDB form (type byte + rdbSaveObject), the RDB version as u16 LE (10), and the CRC64 of all
 * that as u64 LE. Payloads move between Redis 7.0 and Spindle both ways; every encoding 7.0
 * loads is accepted (store/rdb-value-reader.ts), converted to what 7.0 holds after RESTORE.
 *
 * sanitize-dump-payload yes|clients validates listpacks, intsets and ziplists entry by entry
 * (duplicates included); with no, only their headers and bounds are checked, so a bad payload
 * is still refused rather than crashing. A bad payload gets "ERR Bad data format", a bad footer
 * "ERR DUMP payload version or checksum are wrong".
 *
 * Propagation as 7.0: RESTORE as received, except a relative TTL, which becomes the absolute
 * time followed by ABSTTL; a REPLACE whose TTL is already past deletes the key and propagates
 * DEL (UNLINK with lazyfree-lazy-server-del).
 */
import type { Argv } from '../protocol/argv.ts';
import { NOT_INTEGER, SYNTAX } from '../protocol/errors.ts';
import { NOTIFY_GENERIC } from '../store/events.ts';
import { OBJ_STRING, listpackRecordLength } from '../store/keyspace.ts';
import { lfuMinutes } from '../store/lfu.ts';
import { lpBytes } from '../store/listpack.ts';
import { RdbWriter, verifyDumpPayload } from '../store/rdb-encoding.ts';
import { RdbError, RdbInput, freeLoaded, isValueType, loadLimits, readValue } from '../store/rdb-value-reader.ts';
import { writeValue } from '../store/rdb-value-writer.ts';
import type { CommandClient } from './context.ts';
import type { CommandDef } from './registry.ts';
import { argInt64 } from './util.ts';

/** The DUMP payload of entry e of c's database. */
export function dumpPayload(c: CommandClient, e: number): Buffer {
  const w = new RdbWriter();
  writeValue(w, c.db, e, c.srv.config.bool('rdbcompression'));
  w.footer();
  return w.bytes();
}

// DUMP key
function dumpCommand(c: CommandClient, argv: Argv): void {
  const e = c.db.readArg(argv, 1);
  if (e < 0) {
    c.w.nullBulk();
    return;
  }
  c.w.bulkBytes(dumpPayload(c, e));
}

const LRU_CLOCK_MAX = (1 << 24) - 1;

// RESTORE key ttl serialized-value [REPLACE] [ABSTTL] [IDLETIME seconds] [FREQ frequency]
function restoreCommand(c: CommandClient, argv: Argv): void {
  let replace = false;
  let absttl = false;
  let idle = -1;
  let freq = -1;
  for (let j = 4; j < argv.argc; j++) {
    const additional = argv.argc - j - 1;
    if (argv.is(j, 'replace')) replace = true;
    else if (argv.is(j, 'absttl')) absttl = true;
    else if (argv.is(j, 'idletime') && additional >= 1 && freq === -1) {
      const v = argInt64(c, argv, j + 1);
      if (v === null) return;
      if (v < 0) {
        c.w.error('ERR Invalid IDLETIME value, must be >= 0');
        return;
      }
      idle = Number(v);
      j++;
    } else if (argv.is(j, 'freq') && additional >= 1 && idle === -1) {
      const v = argInt64(c, argv, j + 1);
      if (v === null) return;
      if (v < 0 || v > 255) {
        c.w.error('ERR Invalid FREQ value, must be >= 0 and <= 255');
        return;
      }
      freq = Number(v);
      j++;
    } else {
      c.w.error(SYNTAX);
      return;
    }
  }
  const db = c.db;
  let e = db.writeArg(argv, 1);
  if (!replace && e >= 0) {
    c.w.error('BUSYKEY Target key name already exists.');
    return;
  }
  const ttlArg = argInt64(c, argv, 2, NOT_INTEGER);
  if (ttlArg === null) return;
  if (ttlArg < 0) {
    c.w.error('ERR Invalid TTL value, must be >= 0');
    return;
  }
  let ttl = Number(ttlArg);
  const payload = argv.view(3);
  const body = verifyDumpPayload(payload);
  if (body === null) {
    c.w.error('ERR DUMP payload version or checksum are wrong');
    return;
  }
  const cfg = c.srv.config;
  const sanitize = cfg.str('sanitize-dump-payload');
  let value: ReturnType<typeof readValue> = null;
  try {
    // As Redis, the value is read from the whole payload: one cut short reads into the footer.
    const inp = new RdbInput(payload);
    const type = inp.byte();
    if (!isValueType(type)) throw new RdbError(0, 'bad type');
    value = readValue(inp, type, db.arena, loadLimits(cfg, sanitize === 'yes' || sanitize === 'clients'));
  } catch (err) {
    if (!(err instanceof RdbError)) throw err;
    value = null;
  }
  if (value === null) {
    c.w.error('ERR Bad data format');
    return;
  }
  let deleted = false;
  if (replace && e >= 0) {
    db.delete(e);
    deleted = true;
    e = -1;
  }
  if (ttl !== 0 && !absttl) ttl += Date.now();
  if (ttl !== 0 && ttl <= Date.now()) {
    freeLoaded(value);
    if (deleted) {
      if (c.srv.propagating) c.srv.rewriteCommand([cfg.bool('lazyfree-lazy-server-del') ? 'UNLINK' : 'DEL', argv.view(1)]);
      db.signalModified(argv.buf, argv.off[1], argv.len[1]);
      db.notifyArg(NOTIFY_GENERIC, 'del', argv, 1);
      c.srv.dirty++;
    }
    c.w.ok();
    return;
  }
  const b = value.bytes;
  if (b !== null) {
    const vlen = (value.typeEnc & 15) === OBJ_STRING ? b.length : listpackRecordLength(argv.len[1], lpBytes(b));
    e = db.addArg(argv, 1, vlen, value.typeEnc);
    db.arena.u8.set(b, db.valOff(e));
  } else {
    e = db.addArg(argv, 1, 0, 0);
    db.setObject(e, value.obj, value.typeEnc);
  }
  if (ttl !== 0) {
    db.setExpire(e, ttl);
    if (!absttl && c.srv.propagating) {
      const args: (Uint8Array | string)[] = [];
      for (let i = 0; i < argv.argc; i++) args.push(i === 2 ? String(ttl) : argv.view(i));
      args.push('ABSTTL');
      c.srv.rewriteCommand(args);
    }
  }
  // objectSetLRUOrLFU: FREQ under an LFU policy, IDLETIME under any other.
  const lfu = cfg.str('maxmemory-policy').includes('lfu');
  if (lfu && freq >= 0) {
    db.copyMeta(e, (db.metaOf(e) & 0xff) | (((lfuMinutes(Date.now()) << 8) | freq) << 8));
  } else if (!lfu && idle >= 0) {
    const clock = c.srv.lruClock;
    let abs = clock - idle;
    if (abs < 0) abs = (clock + Math.floor(LRU_CLOCK_MAX / 2)) % LRU_CLOCK_MAX;
    db.copyMeta(e, (db.metaOf(e) & 0xff) | ((abs & 0xffffff) << 8));
  }
  db.changed(argv, 1, NOTIFY_GENERIC, 'restore');
  c.w.ok();
  c.srv.dirty++;
}

export const dumpCommands: CommandDef[] = [
  { name: 'dump', summary: 'Serializes a key\'s value in the RDB format with version and checksum.', handler: dumpCommand },
  { name: 'restore', summary: 'Creates a key from a DUMP payload.', handler: restoreCommand },
  { name: 'restore-asking', summary: 'RESTORE sent by MIGRATE to a cluster node (served in a slot being imported).', handler: restoreCommand },
];
