/*
 * Transactions: the queued commands of a client in MULTI, and WATCH's optimistic locks.
 *
 * WATCH is shaped like Redis 7.0's: every database keeps a map from watched key to the watchers
 * (a client and whether the key was already expired when watched), and every command that
 * changes a key calls Server.signalModifiedKey, which flags the watchers "dirty CAS" so their EXEC
 * replies null. That call costs one integer compare while nobody watches anything. A key watched
 * while already expired does not break the transaction when expiry finally deletes it (nothing
 * logically changed); a key that expires between WATCH and EXEC does.
 *
 * Queued commands are copied in the io-threads command encoding (frames.ts), the same form
 * CLIENT PAUSE and blocked clients keep, and decoded one by one by EXEC.
 */
import type { Client } from './client.ts';
import type { Server } from './server.ts';
import type { Db } from '../store/db.ts';
import { commandArgBytes, readU32 } from './command-frame.ts';

/** A client's open transaction. */
export class MultiState {
  readonly commands: Uint8Array[] = [];
  /** The OR of the queued commands' flags (EXEC under CLIENT PAUSE WRITE looks at it). */
  flags = 0;
  /** A queued command was rejected: EXEC replies EXECABORT. */
  aborted = false;
  /** CLIENT LIST multi-mem: as Redis 7.0 counts it, the argument bytes plus a pointer per argument. */
  bytes = 0;

  /** Keeps a queued command (its frames.ts encoding) and the command's flags. */
  add(frame: Uint8Array, flags: number): void {
    this.commands.push(frame);
    this.flags |= flags;
    // The argument bytes plus an 8-byte pointer per argument.
    this.bytes += commandArgBytes(frame) + 8 * readU32(frame, 0);
  }
}

export class WatchedKey {
  readonly db: number;
  readonly key: Buffer;
  readonly name: string;
  readonly client: Client;
  /** The key existed but was logically expired when WATCH ran. */
  expired: boolean;

  constructor(db: number, key: Buffer, client: Client, expired: boolean) {
    this.db = db;
    this.key = key;
    this.name = key.toString('latin1');
    this.client = client;
    this.expired = expired;
  }
}

export class Watches {
  /** Per database: key (latin1) -> its watchers in WATCH order. */
  private readonly byDb: Map<string, WatchedKey[]>[] = [];
  /** Watchers over all databases; 0 makes signalModifiedKey free. */
  count = 0;
  private readonly srv: Server;

  constructor(srv: Server, databases: number) {
    this.srv = srv;
    for (let i = 0; i < databases; i++) this.byDb.push(new Map());
  }

  /** WATCH of one key by c (a second WATCH of the same key is a no-op). */
  watch(c: Client, db: Db, b: Uint8Array, o: number, n: number): void {
    const list = (c.watched ??= []);
    for (const wk of list) {
      if (wk.db === db.id && wk.key.length === n && wk.key.equals(b.subarray(o, o + n))) return;
    }
    const e = db.peek(b, o, n);
    const wk = new WatchedKey(db.id, Buffer.from(b.subarray(o, o + n)), c, e >= 0 && db.isExpired(e));
    list.push(wk);
    const map = this.byDb[db.id];
    const watchers = map.get(wk.name);
    if (watchers === undefined) map.set(wk.name, [wk]);
    else watchers.push(wk);
    this.count++;
  }

  /** UNWATCH, EXEC, DISCARD, RESET and disconnects: c watches nothing any more. */
  unwatchAll(c: Client): void {
    const list = c.watched;
    if (list === null) return;
    c.watched = null;
    for (const wk of list) {
      const map = this.byDb[wk.db];
      const watchers = map.get(wk.name) as WatchedKey[];
      const i = watchers.indexOf(wk);
      if (i >= 0) watchers.splice(i, 1);
      if (watchers.length === 0) map.delete(wk.name);
      this.count--;
    }
  }

  /** A key of database `dbId` changed: its watchers' transactions will fail. */
  touch(db: Db, b: Uint8Array, o: number, n: number): void {
    const map = this.byDb[db.id];
    if (map.size === 0) return;
    const watchers = map.get(Buffer.from(b.buffer, b.byteOffset + o, n).toString('latin1'));
    if (watchers === undefined) return;
    for (const wk of [...watchers]) {
      if (wk.expired) {
        // Watched while expired, and now deleted (by expiry): no logical change.
        if (db.peek(wk.key, 0, wk.key.length) < 0) {
          wk.expired = false;
          continue;
        }
      }
      wk.client.dirtyCas = true;
      // A dirty client need not hear about further changes.
      this.unwatchAll(wk.client);
    }
  }

  /**
   * FLUSHDB/FLUSHALL (replacedWith null) or SWAPDB: flags the watchers of keys that exist in
   * `emptied` or in `replacedWith`, with 7.0's rules for keys that were or become expired.
   */
  touchAll(emptied: Db, replacedWith: Db | null): void {
    const map = this.byDb[emptied.id];
    if (map.size === 0) return;
    for (const watchers of [...map.values()]) {
      const key = watchers[0].key;
      const inEmptied = emptied.peek(key, 0, key.length) >= 0;
      const r = replacedWith === null ? -1 : replacedWith.peek(key, 0, key.length);
      if (!inEmptied && r < 0) continue;
      const replacedExpired = r >= 0 && (replacedWith as Db).isExpired(r);
      for (const wk of watchers) {
        if (wk.expired) {
          if (r < 0) {
            wk.expired = false;
            continue;
          }
          if (replacedExpired) continue;
        } else if (!inEmptied && replacedExpired) {
          wk.expired = true;
          continue;
        }
        wk.client.dirtyCas = true;
      }
    }
  }

  /** EXEC's check: has a key c watched (alive then) expired since? */
  expiredSinceWatch(c: Client): boolean {
    const list = c.watched;
    if (list === null) return false;
    for (const wk of list) {
      if (wk.expired) continue;
      const db = this.srv.dbs[wk.db];
      const e = db.peek(wk.key, 0, wk.key.length);
      if (e >= 0 && db.isExpired(e)) return true;
    }
    return false;
  }
}
