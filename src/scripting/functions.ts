/*
 * FUNCTION libraries, as Redis 7.0's functions.c keeps them: library name -> its code and the
 * functions it registered, and function name -> function (names are unique across libraries).
 * The Lua side (running a library's code, the callbacks) is native/lua/functions.cc; this file
 * holds the metadata, the `#!lua name=<lib>` line, the collision rules of LOAD [REPLACE] and
 * RESTORE [FLUSH|APPEND|REPLACE], and the FUNCTION DUMP payload (an RDB FUNCTION2 opcode and the
 * code as an RDB string per library, then the DUMP footer). It knows nothing of clients.
 *
 * SCRIPT FLUSH starts a fresh Lua state, which drops the callbacks: the libraries are loaded
 * again from their code then (Redis keeps functions in a Lua state of their own).
 */
import {
  RDB_OPCODE_FUNCTION2,
  RDB_OPCODE_FUNCTION_PRE_GA,
  RdbReader,
  RdbWriter,
  verifyDumpPayload,
} from '../store/rdb-encoding.ts';
import type { LuaEngine } from './lua-engine.ts';

export interface FunctionInfo {
  readonly name: string;
  /** The description given to register_function, or null. */
  readonly desc: Buffer | null;
  /** SCRIPT_FLAG_* (shebang.ts). */
  readonly flags: number;
  readonly lib: Library;
}

export interface Library {
  readonly name: string;
  /** The whole code, shebang line included (FUNCTION LIST WITHCODE, DUMP). */
  readonly code: Buffer;
  readonly functions: FunctionInfo[];
}

/** The flags FUNCTION LIST shows, in Redis's order. */
export const FUNCTION_FLAG_NAMES: [string, number][] = [
  ['no-writes', 1],
  ['allow-oom', 2],
  ['allow-stale', 4],
  ['no-cluster', 8],
  ['allow-cross-slot-keys', 32],
];

const NAME_RULE = 'Library names can only contain letters, numbers, or underscores(_) and must be at least one character long';

export type RestorePolicy = 'flush' | 'append' | 'replace';

/** Whether name is letters, digits and underscores, at least one. */
function validName(name: string): boolean {
  return /^[A-Za-z0-9_]+$/.test(name);
}

function isSpace(c: number): boolean {
  return c === 32 || (c >= 9 && c <= 13);
}

/** functionExtractLibMetaData: the engine, the library name and where the code proper starts. */
function parseMetadata(code: Buffer): { engine: string; name: string; bodyStart: number } | { error: string } {
  if (code.length < 2 || code[0] !== 0x23 || code[1] !== 0x21) return { error: 'Missing library metadata' };
  const nl = code.indexOf(10);
  if (nl < 0) return { error: 'Invalid library metadata' };
  const parts: string[] = [];
  let i = 0;
  while (i < nl) {
    while (i < nl && isSpace(code[i])) i++;
    if (i >= nl) break;
    const start = i;
    while (i < nl && !isSpace(code[i])) i++;
    parts.push(code.subarray(start, i).toString('latin1'));
  }
  if (parts.length === 0) return { error: 'Invalid library metadata' };
  const engine = parts[0].slice(2);
  let name: string | null = null;
  for (const part of parts.slice(1)) {
    if (part.slice(0, 5).toLowerCase() === 'name=') {
      if (name !== null) return { error: 'Invalid metadata value, name argument was given multiple times' };
      name = part.slice(5);
      continue;
    }
    return { error: `Invalid metadata value given: ${part}` };
  }
  if (name === null) return { error: 'Library name was not given' };
  return { engine, name, bodyStart: nl };
}

export class FunctionLibraries {
  private readonly engine: LuaEngine;
  readonly libs = new Map<string, Library>();
  /** By lowercased name: function names compare case-insensitively, library names do not. */
  readonly fns = new Map<string, FunctionInfo>();

  constructor(engine: LuaEngine) {
    this.engine = engine;
    engine.onReset = () => this.reloadAll();
  }

  /**
   * Runs code's library in Lua and checks it against `against` (functionsCreateWithLibraryCtx):
   * its functions are left staged in the engine. `replacing` is the library it would replace.
   */
  private create(code: Buffer, replace: boolean, libs: Map<string, Library>, fns: Map<string, FunctionInfo>): { lib: Library; old: Library | null } | { error: string } {
    const md = parseMetadata(code);
    if ('error' in md) return md;
    if (md.engine.toLowerCase() !== 'lua') return { error: `Engine '${md.engine}' not found` };
    if (!validName(md.name)) return { error: NAME_RULE };
    const old = libs.get(md.name) ?? null;
    if (old !== null && !replace) return { error: `Library '${md.name}' already exists` };
    const native = this.engine.native;
    const r = native.fnLoad(code.subarray(md.bodyStart));
    if (typeof r === 'string') return { error: r };
    const functions: FunctionInfo[] = [];
    const lib: Library = { name: md.name, code: Buffer.from(code), functions };
    for (let i = 0; i + 2 < r.length; i += 3) {
      functions.push({ name: r[i] as string, desc: (r[i + 1] as Buffer | null) ?? null, flags: r[i + 2] as number, lib });
    }
    if (functions.length === 0) return { error: 'No functions registered' };
    for (const f of functions) {
      const other = fns.get(f.name.toLowerCase());
      if (other !== undefined && other.lib !== old) return { error: `Function ${f.name} already exists` };
    }
    return { lib, old };
  }

  private link(lib: Library): void {
    this.libs.set(lib.name, lib);
    // Two names differing only in case in one library: the first is the one called (Redis: the
    // first its hash order meets).
    for (const f of lib.functions) if (!this.fns.has(f.name.toLowerCase())) this.fns.set(f.name.toLowerCase(), f);
  }

  private unlink(lib: Library): void {
    this.libs.delete(lib.name);
    for (const f of lib.functions) {
      this.fns.delete(f.name.toLowerCase());
      this.engine.native.fnRemove(f.name.toLowerCase());
    }
  }

  /** FUNCTION LOAD [REPLACE]: the library, or an error text (without its ERR code). */
  load(code: Buffer, replace: boolean): { lib: Library } | { error: string } {
    const native = this.engine.native;
    native.fnDiscard();
    const r = this.create(code, replace, this.libs, this.fns);
    if ('error' in r) {
      native.fnDiscard();
      return r;
    }
    if (r.old !== null) this.unlink(r.old);
    native.fnCommit();
    this.link(r.lib);
    return { lib: r.lib };
  }

  /** Bytes the libraries take (INFO used_memory_functions; code plus a rough per-entry cost). */
  get memory(): number {
    let n = 0;
    for (const lib of this.libs.values()) n += lib.code.length + 64 + lib.functions.length * 96;
    return n;
  }

  /** FUNCTION DELETE: false when there is no such library. */
  delete(name: string): boolean {
    const lib = this.libs.get(name);
    if (lib === undefined) return false;
    this.unlink(lib);
    return true;
  }

  /** FUNCTION FLUSH. */
  flush(): void {
    this.libs.clear();
    this.fns.clear();
    this.engine.native.fnClear();
  }

  /** FUNCTION DUMP: every library as RDB FUNCTION2 records, then the DUMP footer. */
  dump(compress: boolean): Buffer {
    const w = new RdbWriter();
    for (const lib of this.libs.values()) {
      w.byte(RDB_OPCODE_FUNCTION2);
      w.string(lib.code, compress);
    }
    w.footer();
    return Buffer.from(w.bytes());
  }

  /** FUNCTION RESTORE payload [FLUSH|APPEND|REPLACE]: null, or an error text. */
  restore(payload: Uint8Array, policy: RestorePolicy): string | null {
    if (verifyDumpPayload(payload) === null) return 'DUMP payload version or checksum are wrong';
    const native = this.engine.native;
    native.fnDiscard();
    const libs = new Map<string, Library>();
    const fns = new Map<string, FunctionInfo>();
    // As Redis, records are read from the whole payload while they start before the footer (a
    // record cut short reads into the footer's bytes).
    const rd = new RdbReader(payload);
    const end = payload.length - 10;
    let err: string | null = null;
    while (rd.pos < end) {
      const type = rd.byte();
      if (type !== RDB_OPCODE_FUNCTION2 && type !== RDB_OPCODE_FUNCTION_PRE_GA) {
        err = 'given type is not a function';
        break;
      }
      let code: Uint8Array | null;
      if (type === RDB_OPCODE_FUNCTION_PRE_GA) {
        // 7.0 RC1/RC2 records: library name, engine, description, then the code without metadata.
        const pre = readPreGa(rd);
        if (typeof pre === 'string') {
          err = pre;
          break;
        }
        code = pre;
      } else {
        code = rd.string();
        if (code === null) {
          err = 'Failed loading library payload';
          break;
        }
      }
      const r = this.create(Buffer.from(code), false, libs, fns);
      if ('error' in r) {
        err = r.error;
        break;
      }
      libs.set(r.lib.name, r.lib);
      for (const f of r.lib.functions) fns.set(f.name.toLowerCase(), f);
    }
    if (err === null && policy !== 'flush') err = this.joinCheck(libs, fns, policy === 'replace');
    if (err !== null) {
      native.fnDiscard();
      return err;
    }
    const replaced = policy === 'flush' ? [...this.libs.values()] : [...libs.keys()].map((n) => this.libs.get(n)).filter((l) => l !== undefined);
    for (const old of replaced) this.unlink(old);
    native.fnCommit();
    for (const lib of libs.values()) this.link(lib);
    return null;
  }

  /** libraryJoin's checks: library collisions (unless replacing), then function collisions. */
  private joinCheck(libs: Map<string, Library>, fns: Map<string, FunctionInfo>, replace: boolean): string | null {
    for (const name of libs.keys()) {
      if (this.libs.has(name) && !replace) return `Library ${name} already exists`;
    }
    for (const [key, f] of fns) {
      const cur = this.fns.get(key);
      if (cur !== undefined && !(replace && libs.has(cur.lib.name))) return `Function ${f.name} already exists`;
    }
    return null;
  }

  /** After a fresh Lua state: every library's code runs again. */
  private reloadAll(): void {
    const native = this.engine.native;
    native.fnDiscard();
    for (const lib of this.libs.values()) {
      const md = parseMetadata(lib.code);
      if ('error' in md) continue;
      native.fnLoad(lib.code.subarray(md.bodyStart));
    }
    native.fnCommit();
  }
}

/**
 * Reads a pre-GA record (name, engine, description flag and text, code): the code with a
 * `#!<engine> name=<name>` line put in front, as Redis converts it, or an error text.
 */
function readPreGa(rd: RdbReader): Buffer | string {
  const name = rd.string();
  if (name === null) return 'Failed loading library name';
  const engine = rd.string();
  if (engine === null) return 'Failed loading engine name';
  const hasDesc = rd.length();
  if (hasDesc === null) return 'Failed loading library description indicator';
  if (hasDesc !== 0 && rd.string() === null) return 'Failed loading library description';
  const blob = rd.string();
  if (blob === null) return 'Failed loading library blob';
  return Buffer.concat([Buffer.from('#!'), engine, Buffer.from(' name='), name, Buffer.from('\n'), blob]);
}

const registries = new WeakMap<LuaEngine, FunctionLibraries>();

/** The function libraries of the process's Lua engine. */
export function functionsOf(engine: LuaEngine): FunctionLibraries {
  let f = registries.get(engine);
  if (f === undefined) {
    f = new FunctionLibraries(engine);
    registries.set(engine, f);
  }
  return f;
}
