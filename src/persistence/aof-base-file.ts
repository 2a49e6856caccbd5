/*
 * Writing an AOF base file: the dataset as commands (aof-use-rdb-preamble no, aof-base.ts's
 * format, written at once) or as an RDB with AUX aof-base 1, either at once (the first base at
 * start-up) or in the background by the fork-less point-in-time snapshot (BGREWRITEAOF).
 */
import { closeSync, fsyncSync, openSync, writeSync } from 'node:fs';
import type { Server } from '../server/server.ts';
import { scriptingOf } from '../server/commands/scripting.ts';
import { functionsOf } from '../scripting/functions.ts';
import { writeKey, writeSelect } from './aof-base.ts';
import { RespBuf } from './aof-resp.ts';
import { writeRdbSync } from './rdb-save.ts';
import { type Snapshot, type SnapshotWriter, startSnapshot } from './snapshot.ts';
import type { Keyspace } from '../store/keyspace.ts';

/** The dataset as an RDB with AUX aof-base 1, written at once into file, fsynced. */
export function writeRdbBaseFile(srv: Server, file: string): void {
  const fd = openSync(file, 'w');
  try {
    writeRdbSync(
      srv,
      (chunk) => {
        let off = 0;
        while (off < chunk.length) off += writeSync(fd, chunk, off, chunk.length - off);
      },
      true,
    );
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** The dataset as commands (aof-base.ts) into file, fsynced: synchronous, so point-in-time. */
export function writeCommandBaseFile(srv: Server, file: string): void {
  const fd = openSync(file, 'w');
  const out = new RespBuf(1 << 20);
  const drain = (): void => {
    const b = out.view();
    let off = 0;
    while (off < b.length) off += writeSync(fd, b, off, b.length - off);
    out.len = 0;
  };
  try {
    if (srv.config.bool('aof-timestamp-enabled')) out.text(`#TS:${Math.floor(Date.now() / 1000)}\r\n`);
    const engine = scriptingOf(srv).engine;
    if (engine !== null) {
      for (const lib of functionsOf(engine).libs.values()) {
        out.arrayHeader(3);
        out.bulkStr('FUNCTION');
        out.bulkStr('LOAD');
        out.bulk(lib.code);
      }
    }
    for (const db of srv.dbs) {
      const n = db.count;
      if (n === 0) continue;
      writeSelect(out, db.id);
      for (let e = 0; e < n; e++) {
        writeKey(out, db, e);
        if (out.len >= 1 << 20) drain();
      }
    }
    drain();
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/**
 * Writes an RDB base (the AOF's RDB preamble) of the dataset as it is now into `file`, in the
 * background: the fork-less point-in-time snapshot (snapshot.ts), sliced, while commands run.
 * FLUSHALL does not abort it (7.0 kills only an RDB child on FLUSHALL).
 */
export function startBase(srv: Server, file: string, rdb: boolean, done: (err: Error | null) => void): Snapshot {
  const fd = openSync(file, 'w');
  let closed = false;
  const close = (): void => {
    if (!closed) closeSync(fd);
    closed = true;
  };
  return startSnapshot(
    srv,
    {
      write(chunk) {
        let off = 0;
        while (off < chunk.length) off += writeSync(fd, chunk, off, chunk.length - off);
      },
      end() {
        try {
          fsyncSync(fd);
          close();
        } catch (e) {
          close();
          done(e as Error);
          return;
        }
        done(null);
      },
      fail(err) {
        close();
        done(err);
      },
    },
    { aofBase: true, abortOnFlushAll: false, writer: rdb ? undefined : (write) => new CommandBaseWriter(srv, write) },
  );
}

/**
 * The snapshot's writer for a command-form base: the same cut and slices as the RDB base, each
 * key written as the commands that rebuild it (aof-base.ts), a SELECT whenever the database
 * changes (the hooks write keys of any database, ahead of the walk).
 */
class CommandBaseWriter implements SnapshotWriter {
  private readonly srv: Server;
  private readonly write: (chunk: Uint8Array) => void;
  private readonly out = new RespBuf(1 << 16);
  private selected = -1;
  written = 0;

  constructor(srv: Server, write: (chunk: Uint8Array) => void) {
    this.srv = srv;
    this.write = write;
  }

  header(_aux: readonly (readonly [string, string | number])[], functions: readonly Uint8Array[]): void {
    if (this.srv.config.bool('aof-timestamp-enabled')) this.out.text(`#TS:${Math.floor(Date.now() / 1000)}\r\n`);
    for (const code of functions) {
      this.out.arrayHeader(3);
      this.out.bulkStr('FUNCTION');
      this.out.bulkStr('LOAD');
      this.out.bulk(code);
    }
  }

  selectDb(id: number): void {
    if (id === this.selected) return;
    writeSelect(this.out, id);
    this.selected = id;
  }

  keyValue(db: number, ks: Keyspace, e: number): void {
    this.selectDb(db);
    writeKey(this.out, ks, e);
    if (this.out.len >= 1 << 16) this.flush();
  }

  flush(): void {
    if (this.out.len === 0) return;
    // The sink copies or writes the bytes during the call.
    this.write(this.out.view());
    this.written += this.out.len;
    this.out.reset();
  }

  finish(): void {
    this.flush();
  }
}
