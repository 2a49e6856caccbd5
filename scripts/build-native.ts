// Builds the Lua engine addon (native/lua/, binding.gyp -> build/Release/spindle_lua.node).
//
//   node scripts/build-native.ts          (run by `npm install` as the install script)
//
// Needs Debian's liblua5.1-0-dev (headers and the shared liblua5.1), lua-cjson and lua-bitop:
//   apt-get install -y liblua5.1-0-dev lua-cjson lua-bitop
// Without the headers it prints one line and succeeds: Spindle then runs without scripting
// (EVAL answers an error, the log and INFO say why). Nothing is downloaded: node-gyp is npm's
// own and builds against the headers npm is configured with (`npm config get nodedir`); the
// addon uses Node-API only, which is ABI-stable across Node versions.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const LUA_HEADER = '/usr/include/lua5.1/lua.h';

if (!existsSync(LUA_HEADER)) {
  console.log(`spindle: Lua scripting not built (${LUA_HEADER} missing): apt-get install -y liblua5.1-0-dev lua-cjson lua-bitop, then npm install`);
  process.exit(0);
}

/** npm's bundled node-gyp (npm sets npm_config_node_gyp for scripts; else next to npm itself). */
function findNodeGyp(): string | null {
  const candidates: string[] = [];
  if (process.env.npm_config_node_gyp) candidates.push(process.env.npm_config_node_gyp);
  if (process.env.npm_execpath) candidates.push(path.join(path.dirname(process.env.npm_execpath), '..', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'));
  candidates.push(path.join(root, 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'));
  for (const npmRoot of ['/usr/lib/node_modules/npm', '/usr/share/nodejs/npm', '/usr/local/lib/node_modules/npm']) {
    candidates.push(path.join(npmRoot, 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'));
  }
  for (const c of candidates) if (existsSync(c)) return c;
  return null;
}

/** Headers to build against: npm's nodedir when it has them, else the system's. */
function findNodeDir(): string | null {
  const dirs: string[] = [];
  if (process.env.npm_config_nodedir) dirs.push(process.env.npm_config_nodedir);
  try {
    dirs.push(execFileSync('npm', ['config', 'get', 'nodedir'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim());
  } catch {
    // npm not on PATH: fall through to the usual places
  }
  dirs.push('/usr', '/usr/local');
  for (const d of dirs) if (d && d !== 'undefined' && existsSync(path.join(d, 'include', 'node', 'node_api.h'))) return d;
  return null;
}

const gyp = findNodeGyp();
const nodedir = findNodeDir();
if (gyp === null || nodedir === null) {
  console.log(`spindle: Lua scripting not built (${gyp === null ? "npm's node-gyp not found" : 'no Node headers (npm config get nodedir)'})`);
  process.exit(0);
}

const r = spawnSync(process.execPath, [gyp, 'rebuild', `--nodedir=${nodedir}`, '--loglevel=warn'], { cwd: root, stdio: 'inherit' });
if (r.status !== 0) {
  console.log('spindle: building the Lua engine addon failed (see above); Spindle will run without scripting');
  process.exit(0);
}
console.log('spindle: Lua engine addon built (build/Release/spindle_lua.node)');
