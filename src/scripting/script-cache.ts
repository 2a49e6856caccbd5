/*
 * The EVAL script cache: SHA1 (lowercase hex) of the body -> the body and its shebang flags, as
 * Redis's lctx.lua_scripts. Scripts stay until SCRIPT FLUSH. Memory is counted as Redis reports
 * used_memory_scripts_eval (the bodies and their keys, roughly).
 */
import { createHash } from 'node:crypto';

export interface Script {
  readonly sha: string;
  readonly body: Buffer;
  /** SCRIPT_FLAG_* (shebang.ts). */
  readonly flags: number;
  /** Bytes of the shebang line (skipped when compiling, its newline kept). */
  readonly shebangLen: number;
  /** The engine generation the function was compiled in (a SCRIPT FLUSH starts a new one). */
  loadedIn: number;
}

export function sha1hex(body: Uint8Array): string {
  return createHash('sha1').update(body).digest('hex');
}

export class ScriptCache {
  private readonly scripts = new Map<string, Script>();
  memory = 0;

  get size(): number {
    return this.scripts.size;
  }

  get(sha: string): Script | undefined {
    return this.scripts.get(sha);
  }

  add(s: Script): void {
    this.scripts.set(s.sha, s);
    this.memory += s.body.length + 40 + 64;
  }

  clear(): void {
    this.scripts.clear();
    this.memory = 0;
  }
}
