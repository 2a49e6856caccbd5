/*
 * Loading the AOF at start-up (Redis 7.0's loadAppendOnlyFiles): the manifest, then the base
 * file and every incr file in order, each replayed through a socketless client so every command
 * takes the normal write path (MULTI/EXEC included).
 *
 * A file is RESP multibulk commands, "#..." annotation lines (#TS:<unix>), and for a base (or an
 * old-style AOF) optionally an RDB first ("REDIS..." preamble, loaded by the RDB loader).
 *   - a truncated last command in the last file: with aof-load-truncated yes the file is cut
 *     after the last complete command (an open MULTI is reverted) and loading goes on, with
 *     Redis's warnings; otherwise, or in a file that is not the last, loading fails;
 *   - bad bytes, an unknown command, a missing file or a bad manifest: loading fails with a log
 *     line naming the file, the offset and the reason (never a stack trace).
 * Failures throw AofLoadError after logging; the caller exits with status 1 as Redis does.
 * Commands replayed here are not counted in commandstats (Redis calls the handlers directly).
 */
import { existsSync, mkdirSync, readFileSync, renameSync, statSync, truncateSync } from 'node:fs';
import path from 'node:path';
import { Argv } from '../protocol/argv.ts';
import type { Server } from '../server/server.ts';
import { type AofManifest, ManifestError, emptyManifest, persistManifest, readManifestFile } from './aof-manifest.ts';
import { aofOf } from './aof.ts';
import { RdbLoad, rdbErrorText } from './rdb-loader.ts';
import { type RdbState, rdbState } from './rdb-save.ts';
import { updateGate } from '../server/commands/persistence.ts';

const yieldLoop = (): Promise<void> => new Promise((r) => setImmediate(r));
/** Replay runs in slices of about this long, so INFO and -LOADING replies keep flowing. */
const SLICE_MS = 20;

export class AofLoadError extends Error {}

type FileResult = 'ok' | 'empty' | 'truncated';

/** Why parsing stopped: the command at `offset` is cut short, or the bytes there are wrong. */
class Stop {
  readonly truncated: boolean;
  readonly offset: number;
  readonly reason: string;
  constructor(truncated: boolean, offset: number, reason: string) {
    this.truncated = truncated;
    this.offset = offset;
    this.reason = reason;
  }
}

const REDIS_MAGIC = Buffer.from('REDIS', 'latin1');

/**
 * Loads the AOF of appenddirname (or upgrades an old-style single appendonly.aof into it).
 * Returns false when there is nothing to load (no manifest, no old-style file).
 */
export async function loadAppendOnly(srv: Server): Promise<boolean> {
  const steps = loadSteps(srv, false);
  for (;;) {
    const r = steps.next();
    if (r.done === true) return r.value;
    await yieldLoop();
  }
}

/** The same, without yielding to the event loop (DEBUG LOADAOF, inside a command). */
export function loadAppendOnlySync(srv: Server): boolean {
  const steps = loadSteps(srv, true);
  for (;;) {
    const r = steps.next();
    if (r.done === true) return r.value;
  }
}

/** The load, as steps: it yields where the event loop may run (every ~20 ms of replay). */
function* loadSteps(srv: Server, sync: boolean): Generator<void, boolean> {
  const st = aofOf(srv);
  const log = srv.log;
  const dir = st.dir;
  const manifestFile = path.join(dir, `${st.fileName}.manifest`);
  let m: AofManifest;
  if (!existsSync(manifestFile)) {
    const old = path.resolve(st.fileName);
    if (!existsSync(old)) {
      st.manifest = emptyManifest();
      st.manifestLoaded = true;
      return false;
    }
    m = upgradeOldAof(srv, old);
  } else {
    try {
      m = readManifestFile(manifestFile);
    } catch (e) {
      if (e instanceof ManifestError) {
        log.warning(`\n*** FATAL AOF MANIFEST FILE ERROR ***\n${e.lineNo > 0 ? `Reading the manifest file, at line ${e.lineNo}\n>>> '${e.line}'\n` : ''}${e.message}`);
      } else {
        log.warning(`Fatal error: can't open the AOF manifest file ${st.fileName}.manifest for reading: ${(e as Error).message}`);
      }
      throw new AofLoadError('bad AOF manifest');
    }
  }
  const files = [...(m.base !== null ? [m.base] : []), ...m.incrs];
  const start = performance.now();
  const saved = saveCommandStats(srv);
  // INFO loading:1 and its loading_* fields, -LOADING for other clients (rdb-save.ts's state).
  const ld = rdbState(srv);
  ld.loading = true;
  ld.loadingStartMs = Date.now();
  ld.loadingLoadedBytes = 0;
  ld.loadingTotalBytes = 0;
  for (const f of files) {
    try {
      ld.loadingTotalBytes += statSync(path.join(dir, f.name)).size;
    } catch {
      // reported below
    }
  }
  updateGate(srv);
  // Nothing expires while replaying: a key whose TTL passed since must still be there for the
  // commands after it (INCR on it must not start a new key); it expires once loaded.
  srv.keysNeverExpire = true;
  try {
    for (let i = 0; i < files.length; i++) {
      const f = files[i];
      const file = path.join(dir, f.name);
      if (!existsSync(file)) {
        log.warning(`The AOF file ${f.name} doesn't exist`);
        throw new AofLoadError('missing AOF file');
      }
      const t0 = performance.now();
      const r = yield* loadFile(srv, file, f.name, i === files.length - 1, f.type === 'b', ld, sync);
      if (r !== 'empty') {
        log.notice(`DB loaded from ${f.type === 'b' ? 'base' : 'incr'} file ${f.name}: ${((performance.now() - t0) / 1000).toFixed(3)} seconds`);
      }
    }
  } finally {
    srv.keysNeverExpire = false;
    restoreCommandStats(srv, saved);
    ld.loading = false;
    ld.loadingLoadedBytes = ld.loadingTotalBytes;
    updateGate(srv);
  }
  srv.dirty = 0;
  st.manifest = m;
  st.manifestLoaded = true;
  if (files.length > 0) log.notice(`DB loaded from append only file: ${((performance.now() - start) / 1000).toFixed(3)} seconds`);
  return files.length > 0;
}

/**
 * 7.0's aofUpgradePrepare: an old single appendonly.aof in `dir` becomes the base of a new
 * appenddirname (moved there under its own name, listed as seq 1 type b).
 */
function upgradeOldAof(srv: Server, old: string): AofManifest {
  const st = aofOf(srv);
  const dir = st.dir;
  mkdirSync(dir, { recursive: true });
  const m = emptyManifest();
  m.base = { name: st.fileName, seq: 1, type: 'b' };
  m.currBaseSeq = 1;
  renameSync(old, path.join(dir, st.fileName));
  persistManifest(dir, st.fileName, m);
  srv.log.notice('Successfully migrated an old-style AOF into the AOF directory.');
  return m;
}

interface SavedStats {
  counters: Map<unknown, [number, number, number, number]>;
  numCommands: number;
}

function saveCommandStats(srv: Server): SavedStats {
  const counters = new Map<unknown, [number, number, number, number]>();
  for (const cmd of srv.registry.all()) counters.set(cmd, [cmd.calls, cmd.usec, cmd.failed, cmd.rejected]);
  return { counters, numCommands: srv.stats.numCommands };
}

function restoreCommandStats(srv: Server, s: SavedStats): void {
  for (const cmd of srv.registry.all()) {
    const v = s.counters.get(cmd);
    if (v === undefined) continue;
    [cmd.calls, cmd.usec, cmd.failed, cmd.rejected] = v;
  }
  srv.stats.numCommands = s.numCommands;
}

/** Where the line readInt just read ends (the offset after its "\n"). */
let lineNext = 0;

/**
 * Reads "<prefix><integer>\r\n" at p: the integer (lineNext is set past the line), or a Stop.
 * No string or array per line: this runs twice per argument of every replayed command.
 */
function readInt(buf: Buffer, p: number, prefix: number, what: string): number | Stop {
  if (p >= buf.length) return new Stop(true, p, `${what} expected`);
  if (buf[p] !== prefix) return new Stop(false, p, `expected '${String.fromCharCode(prefix)}', got '${printable(buf[p])}'`);
  const nl = buf.indexOf(10, p);
  if (nl < 0) return new Stop(true, p, `${what} line cut short`);
  const end = nl > p && buf[nl - 1] === 13 ? nl - 1 : nl;
  let i = p + 1;
  const neg = i < end && buf[i] === 0x2d;
  if (neg) i++;
  let v = 0;
  const digitsFrom = i;
  for (; i < end; i++) {
    const d = buf[i] - 0x30;
    if (d < 0 || d > 9) break;
    v = v * 10 + d;
  }
  if (i !== end || i === digitsFrom || end - digitsFrom > 15) {
    return new Stop(false, p, `invalid ${what} '${buf.toString('latin1', p + 1, end)}'`);
  }
  lineNext = nl + 1;
  return neg ? -v : v;
}

function printable(b: number | undefined): string {
  if (b === undefined) return 'EOF';
  return b >= 32 && b < 127 ? String.fromCharCode(b) : `\\x${b.toString(16).padStart(2, '0')}`;
}

/** Loads one AOF file; throws AofLoadError (logged) when it cannot be loaded. */
function* loadFile(srv: Server, file: string, name: string, last: boolean, isBase: boolean, ld: RdbState, sync: boolean): Generator<void, FileResult> {
  const log = srv.log;
  const buf = readFileSync(file);
  if (buf.length === 0) return 'empty';
  let p = 0;
  if (buf.length >= 5 && buf.subarray(0, 5).equals(REDIS_MAGIC)) {
    log.notice(isBase ? 'Reading RDB base file on AOF loading...' : 'Reading RDB preamble from AOF file...');
    try {
      const load = new RdbLoad(srv, buf, { fromAof: true });
      load.step(Number.POSITIVE_INFINITY);
      p = load.loaded;
      const info = load.info;
      const aux = info.aux;
      if (aux.has('redis-ver')) log.notice(`Loading RDB produced by version ${aux.get('redis-ver')}`);
      if (aux.has('ctime')) log.notice(`RDB age ${Math.floor(Date.now() / 1000) - Number(aux.get('ctime'))} seconds`);
      if (aux.has('used-mem')) log.notice(`RDB memory usage when created ${(Number(aux.get('used-mem')) / 1024 / 1024).toFixed(2)} Mb`);
      if (aux.get('aof-base') === '1') log.notice('RDB is base AOF');
      log.notice(`Done loading RDB, keys loaded: ${info.keysLoaded}, keys expired: ${info.keysExpired}.`);
    } catch (e) {
      log.warning(`Error reading the RDB base file ${name}, AOF loading aborted`);
      log.warning(`AOF ${name}: ${rdbErrorText(e)}`);
      throw new AofLoadError('bad RDB preamble');
    }
    if (p >= buf.length) return 'ok';
    log.notice('Reading the remaining AOF tail...');
  }
  const fake = srv.createSocketlessClient();
  fake.authenticated = true;
  let valid = p; // end of the last complete command outside MULTI
  let multiStart = -1;
  let stop: Stop | null = null;
  const argv = new Argv();
  const big = buf.length > 0x7fffffff;
  const loadedBefore = ld.loadingLoadedBytes;
  let sliceEnd = performance.now() + SLICE_MS;
  let lastLog = Date.now();
  let count = 0;
  while (p < buf.length) {
    if ((++count & 255) === 0 && !sync && performance.now() > sliceEnd) {
      ld.loadingLoadedBytes = loadedBefore + p;
      // Big files: progress in the log every 2 s.
      if (Date.now() - lastLog >= 2000) {
        lastLog = Date.now();
        log.notice(`Loading AOF ${name}: ${((100 * p) / buf.length).toFixed(2)}% (${count} commands)`);
      }
      yield;
      sliceEnd = performance.now() + SLICE_MS;
    }
    const cmdStart = p;
    if (buf[p] === 0x23) {
      // An annotation (#TS:...): skipped.
      const nl = buf.indexOf(10, p);
      if (nl < 0) {
        stop = new Stop(true, p, 'annotation line cut short');
        break;
      }
      p = nl + 1;
      if (multiStart < 0) valid = p;
      continue;
    }
    const argc = readInt(buf, p, 0x2a, 'argument count');
    if (argc instanceof Stop) {
      stop = argc;
      break;
    }
    p = lineNext;
    if (argc < 1) {
      stop = new Stop(false, cmdStart, `invalid argument count ${argc}`);
      break;
    }
    // The arguments stay in the file's bytes: argv points into them (offsets from the command's
    // start when the file is too big for Int32 offsets).
    const base = big ? cmdStart : 0;
    argv.ensure(argc);
    for (let j = 0; j < argc; j++) {
      const len = readInt(buf, p, 0x24, 'bulk length');
      if (len instanceof Stop) {
        stop = len;
        break;
      }
      p = lineNext;
      if (len < 0) {
        stop = new Stop(false, p, `invalid bulk length ${len}`);
        break;
      }
      if (p + len + 2 > buf.length) {
        stop = new Stop(true, p, 'bulk cut short');
        break;
      }
      if (buf[p + len] !== 13 || buf[p + len + 1] !== 10) {
        stop = new Stop(false, p + len, 'bulk not followed by CRLF');
        break;
      }
      argv.off[j] = p - base;
      argv.len[j] = len;
      p += len + 2;
    }
    if (stop !== null) {
      if (stop.truncated) stop = new Stop(true, cmdStart, stop.reason);
      break;
    }
    argv.argc = argc;
    argv.keyHashed = false;
    argv.buf = big ? buf.subarray(cmdStart) : buf;
    const cmd = srv.registry.lookup(argv, 0);
    if (cmd === null) {
      log.warning(`Unknown command '${argv.str(0)}' reading the append only file ${name}`);
      log.warning(`AOF ${name}: unknown command at offset ${cmdStart}`);
      throw new AofLoadError('unknown command');
    }
    const cmdName = cmd.fullName;
    if (cmdName === 'multi') multiStart = cmdStart;
    srv.runArgvQuiet(fake, argv);
    if (cmdName === 'exec' || cmdName === 'discard') multiStart = -1;
    if (multiStart < 0) valid = p;
  }
  ld.loadingLoadedBytes = loadedBefore + buf.length;
  if (stop === null && multiStart < 0) return 'ok';
  if (stop !== null && !stop.truncated) {
    log.warning(`Bad file format reading the append only file ${name}: make a backup of your AOF file, then use ./redis-check-aof --fix <filename.manifest>`);
    log.warning(`AOF ${name}: format error at offset ${stop.offset}: ${stop.reason}`);
    throw new AofLoadError('bad AOF format');
  }
  // Truncated: the last command is cut short, or a MULTI has no EXEC.
  if (!last) {
    log.warning(`Fatal error: the truncated file ${name} is not the last file`);
    throw new AofLoadError('truncated AOF file that is not the last');
  }
  if (!srv.config.bool('aof-load-truncated')) {
    log.warning(`Unexpected end of file reading the append only file ${name}. You can: 1) Make a backup of your AOF file, then use ./redis-check-aof --fix <filename.manifest>. 2) Alternatively you can set the 'aof-load-truncated' configuration option to yes and restart the server.`);
    throw new AofLoadError('truncated AOF');
  }
  if (multiStart >= 0) {
    log.warning(`Revert incomplete MULTI/EXEC transaction in AOF file ${name}`);
    srv.runCommand(fake, [Buffer.from('DISCARD')]);
  }
  if (stop !== null) log.warning(`!!! Warning: short read while loading the AOF file ${name}!!!`);
  log.warning(`!!! Truncating the AOF ${name} at offset ${valid} !!!`);
  try {
    truncateSync(file, valid);
  } catch (e) {
    log.warning(`Error truncating the AOF file ${name}: ${(e as Error).message}`);
    throw new AofLoadError('cannot truncate');
  }
  log.warning(`AOF ${name} loaded anyway because aof-load-truncated is enabled`);
  return 'truncated';
}
