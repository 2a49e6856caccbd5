/*
 * Loads the Lua engine addon (native/lua/, built by scripts/build-native.ts into
 * build/Release/spindle_lua.node). Scripting is optional: without the addon (liblua5.1-0-dev
 * was not installed when npm install ran) the server runs, says so at start-up and in INFO, and
 * EVAL answers an error. The addon holds one Lua state per process.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

/** The addon's surface (native/lua/addon.cc). */
export interface LuaBinding {
  /** Creates the Lua state; answers notes about libraries that could not be loaded ('' if none). */
  init(
    call: (resp: number, unused: number, big?: Buffer) => number | Buffer,
    event: (kind: number, value: number, extra?: Buffer | string) => number | undefined,
    shared: Buffer,
    control: Int32Array,
  ): string;
  /** A fresh Lua state (SCRIPT FLUSH). */
  reset(): void;
  /** Compiles body as the function `name`: null, or the compile error's text. */
  load(name: string, body: Buffer): string | null;
  /** Runs function `name`; KEYS and ARGV come from the shared buffer (or args). */
  run(name: string, nkeys: number, nargs: number, resp: number, busyMs: number, sha: string, args?: Buffer): number | Buffer | null;
  /** Bytes used by the Lua state. */
  memory(): number;
  /** Asks the running script to stop at the hook's next firing. */
  kill(): void;
  /** One non-blocking turn of the event loop (from inside a busy script's hook). */
  pump(): void;
  /** FUNCTION LOAD: runs a library's code; the error text or [name, description, flags, ...]. */
  fnLoad(code: Buffer): string | (string | Buffer | number | null)[];
  /** Makes every function staged by fnLoad callable. */
  fnCommit(): void;
  /** Forgets the staged functions. */
  fnDiscard(): void;
  /** The function is no longer callable. */
  fnRemove(name: string): void;
  /** No function is callable. */
  fnClear(): void;
}

export const ADDON_PATH = fileURLToPath(new URL('../../build/Release/spindle_lua.node', import.meta.url));

export interface EngineLoad {
  binding: LuaBinding | null;
  /** Why scripting is unavailable ('' when it is available). */
  reason: string;
}

let loaded: EngineLoad | null = null;

/** The addon, loaded once per process. */
export function loadLuaBinding(): EngineLoad {
  if (loaded !== null) return loaded;
  if (process.env.SPINDLE_NO_LUA === '1') {
    loaded = { binding: null, reason: 'disabled by SPINDLE_NO_LUA=1' };
  } else if (!existsSync(ADDON_PATH)) {
    loaded = {
      binding: null,
      reason: 'the Lua engine addon is not built (apt-get install -y liblua5.1-0-dev lua-cjson lua-bitop, then npm install)',
    };
  } else {
    try {
      const req = createRequire(import.meta.url);
      loaded = { binding: req(ADDON_PATH) as LuaBinding, reason: '' };
    } catch (e) {
      loaded = { binding: null, reason: `the Lua engine addon failed to load: ${(e as Error).message.split('\n')[0]}` };
    }
  }
  return loaded;
}
