/*
 * The multi-part AOF manifest of Redis 7.0 (appenddirname/<appendfilename>.manifest).
 *
 * One line per file, in the order they load: the base (type b), history files (type h, left
 * over from a rewrite and about to be deleted) and the incremental files (type i), as
 *
 *   file appendonly.aof.1.base.rdb seq 1 type b
 *   file appendonly.aof.1.incr.aof seq 1 type i
 *
 * File names are <appendfilename>.<seq>.base.rdb|aof and <appendfilename>.<seq>.incr.aof; a name
 * that needs quoting is written the way Redis's sdscatrepr does and read back with a splitargs
 * parser. Lines starting with '#' are comments. The manifest is replaced atomically: written to
 * temp-<name>.manifest, fsynced, renamed over the old one, and the directory fsynced.
 */
import { closeSync, fsyncSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import path from 'node:path';
// Manifest lines are split as Redis splits them (sdssplitargs), like config lines.
import { splitArgs } from '../server/config.ts';

export const AOF_TYPE_BASE = 'b';
export const AOF_TYPE_HIST = 'h';
export const AOF_TYPE_INCR = 'i';

export interface AofFileInfo {
  name: string;
  seq: number;
  type: 'b' | 'h' | 'i';
}

export interface AofManifest {
  base: AofFileInfo | null;
  incrs: AofFileInfo[];
  history: AofFileInfo[];
  currBaseSeq: number;
  currIncrSeq: number;
}

export function emptyManifest(): AofManifest {
  return { base: null, incrs: [], history: [], currBaseSeq: 0, currIncrSeq: 0 };
}

export function cloneManifest(m: AofManifest): AofManifest {
  return { base: m.base === null ? null : { ...m.base }, incrs: m.incrs.map((f) => ({ ...f })), history: m.history.map((f) => ({ ...f })), currBaseSeq: m.currBaseSeq, currIncrSeq: m.currIncrSeq };
}

export function manifestName(appendfilename: string): string {
  return `${appendfilename}.manifest`;
}

export function baseFileName(appendfilename: string, seq: number, rdb: boolean): string {
  return `${appendfilename}.${seq}.base.${rdb ? 'rdb' : 'aof'}`;
}

export function incrFileName(appendfilename: string, seq: number): string {
  return `${appendfilename}.${seq}.incr.aof`;
}

/** Whether a file name must be quoted in the manifest (Redis's sdsneedsrepr). */
function needsRepr(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c <= 32 || c >= 127 || c === 0x5c || c === 0x22 || c === 0x27) return true;
  }
  return s.length === 0;
}

/** Redis's sdscatrepr: a double-quoted string with C escapes. */
function repr(s: string): string {
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    const code = s.charCodeAt(i);
    if (c === '\\' || c === '"') out += `\\${c}`;
    else if (c === '\n') out += '\\n';
    else if (c === '\r') out += '\\r';
    else if (c === '\t') out += '\\t';
    else if (c === '\x07') out += '\\a';
    else if (c === '\b') out += '\\b';
    else if (code >= 32 && code < 127) out += c;
    else out += `\\x${code.toString(16).padStart(2, '0')}`;
  }
  return `${out}"`;
}

function line(f: AofFileInfo): string {
  return `file ${needsRepr(f.name) ? repr(f.name) : f.name} seq ${f.seq} type ${f.type}\n`;
}

/** The manifest text: base, history, then incrementals (Redis's getAofManifestAsString). */
export function formatManifest(m: AofManifest): string {
  let s = '';
  if (m.base !== null) s += line(m.base);
  for (const f of m.history) s += line(f);
  for (const f of m.incrs) s += line(f);
  return s;
}

export class ManifestError extends Error {
  /** The 1-based line it was found on (0: not a line's fault) and that line. */
  lineNo = 0;
  line = '';
}

/** Parses manifest bytes (latin1); throws ManifestError with Redis's reason. */
export function parseManifest(text: string): AofManifest {
  const m = emptyManifest();
  if (text.length === 0) throw new ManifestError('Found an empty AOF manifest');
  let maxSeq = 0;
  let pos = 0;
  let lineNo = 0;
  while (pos < text.length) {
    const nl = text.indexOf('\n', pos);
    const raw = nl < 0 ? text.slice(pos) : text.slice(pos, nl + 1);
    pos = nl < 0 ? text.length : nl + 1;
    lineNo++;
    try {
      maxSeq = parseLine(m, raw, maxSeq);
    } catch (e) {
      if (e instanceof ManifestError) {
        e.lineNo = lineNo;
        e.line = raw.replace(/[\r\n]+$/, '');
      }
      throw e;
    }
  }
  return m;
}

/** One manifest line into m; returns the highest incr seq so far. */
function parseLine(m: AofManifest, raw: string, maxSeq: number): number {
  if (raw[0] === '#') return maxSeq;
  if (!raw.endsWith('\n') || raw.length > 1024) throw new ManifestError('The AOF manifest file contains too long line');
  const l = raw.replace(/^[ \t\r\n]+|[ \t\r\n]+$/g, '');
  if (l.length === 0) throw new ManifestError('Invalid AOF manifest file format');
  const argv = splitArgs(l);
  if (argv === null || argv.length < 6 || argv.length % 2 !== 0) throw new ManifestError('Invalid AOF manifest file format');
  let name: string | null = null;
  let seq = 0;
  let type = '';
  for (let i = 0; i < argv.length; i += 2) {
    const k = argv[i].toLowerCase();
    if (k === 'file') {
      name = argv[i + 1];
      if (name.includes('/')) throw new ManifestError("File can't be a path, just a filename");
    } else if (k === 'seq') seq = Number.parseInt(argv[i + 1], 10) || 0;
    else if (k === 'type') type = argv[i + 1][0] ?? '';
    // Other keys are ignored (forward compatibility).
  }
  if (name === null || seq === 0 || type === '') throw new ManifestError('Invalid AOF manifest file format');
  const info: AofFileInfo = { name, seq, type: type as AofFileInfo['type'] };
  if (type === AOF_TYPE_BASE) {
    if (m.base !== null) throw new ManifestError('Found duplicate base file information');
    m.base = info;
    m.currBaseSeq = seq;
  } else if (type === AOF_TYPE_HIST) {
    m.history.push(info);
  } else if (type === AOF_TYPE_INCR) {
    if (seq <= maxSeq) throw new ManifestError('Found a non-monotonic sequence number');
    m.incrs.push(info);
    m.currIncrSeq = seq;
    maxSeq = seq;
  } else {
    throw new ManifestError('Unknown AOF file type');
  }
  return maxSeq;
}

/** fsyncs a directory (so a rename in it is durable). */
export function fsyncDir(dir: string): void {
  let fd = -1;
  try {
    fd = openSync(dir, 'r');
    fsyncSync(fd);
  } catch {
    // Some filesystems refuse fsync on a directory; the rename is still atomic.
  } finally {
    if (fd >= 0) closeSync(fd);
  }
}

/** Writes the manifest atomically into dir (temp file, fsync, rename, fsync dir). */
export function persistManifest(dir: string, appendfilename: string, m: AofManifest): void {
  const name = manifestName(appendfilename);
  const tmp = path.join(dir, `temp-${name}`);
  const fd = openSync(tmp, 'w');
  try {
    const buf = Buffer.from(formatManifest(m), 'latin1');
    let off = 0;
    while (off < buf.length) off += writeSync(fd, buf, off, buf.length - off);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path.join(dir, name));
  fsyncDir(dir);
}

/** Reads and parses a manifest file; throws ManifestError (with the line) or the fs error. */
export function readManifestFile(file: string): AofManifest {
  return parseManifest(readFileSync(file).toString('latin1'));
}
