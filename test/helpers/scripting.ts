// Whether the Lua engine addon is built here: scripting tests skip, with this reason, when it is
// not (`.ci/run` installs liblua5.1-0-dev lua-cjson lua-bitop first, so they run in CI).
import { loadLuaBinding } from '../../src/scripting/engine.ts';

/** '' when scripting works, else why the scripting tests are skipped. */
export function scriptingSkipReason(): string {
  const r = loadLuaBinding().reason;
  return r === '' ? '' : `scripting unavailable: ${r}`;
}

/** True for a test family that needs the Lua engine while it is missing. */
export function skipScripting(family: string): boolean {
  return (family === 'scripting' || family === 'functions') && scriptingSkipReason() !== '';
}
