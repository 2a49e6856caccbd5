// Builds the native addons (binding.gyp, node-gyp, Node-API 8):
//   build/Release/spindle_native.node  native/core/: CRC16 key slots, HyperLogLog, listpack
//                                      validation (docs/design-native.md). Needs a C++ compiler.
//   build/Release/spindle_lua.node     native/lua/: the Lua engine. Needs Debian's liblua5.1-0-dev
//                                      (headers and the shared liblua5.1), lua-cjson, lua-bitop:
//                                      apt-get install -y liblua5.1-0-dev lua-cjson lua-bitop
//
//   node scripts/build-native.ts          (run by `npm install` as the install script)
//
// Each part is optional and npm install always succeeds: without the Lua headers only
// spindle_native is built (gyp variable with_lua=false) and Spindle runs without scripting (EVAL
// answers an error, the log and INFO say why); without a compiler nothing is built and Spindle
// runs on its TypeScript paths (INFO native_addon:0). Nothing is downloaded: node-gyp is npm's
// own and builds against the headers npm is configured with (`npm config get nodedir`); both
// addons use Node-API only, which is ABI-stable across Node versions.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const LUA_HEADER = '/usr/include/lua5.1/lua.h';

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

/** A C++ compiler node-gyp's Makefiles can use ($CXX, else c++/g++/clang++ on PATH). */
function haveCompiler(): boolean {
  for (const cxx of [process.env.CXX, 'c++', 'g++', 'clang++']) {
    if (cxx === undefined || cxx === '') continue;
    const r = spawnSync(cxx, ['--version'], { stdio: 'ignore' });
    if (r.status === 0) return true;
  }
  return false;
}

const gyp = findNodeGyp();
const nodedir = findNodeDir();
if (gyp === null || nodedir === null || !haveCompiler()) {
  const why = gyp === null ? "npm's node-gyp not found" : nodedir === null ? 'no Node headers (npm config get nodedir)' : 'no C++ compiler';
  console.log(`spindle: native addons not built (${why}): Spindle runs on TypeScript only, without Lua scripting`);
  process.exit(0);
}

/** configure + build (not `rebuild`, whose clean step would delete all of build/, build/js included). */
function build(withLua: boolean): boolean {
  const gypArgs = [gyp as string];
  const configure = [...gypArgs, 'configure', `--nodedir=${nodedir}`, '--loglevel=warn', '--', `-Dwith_lua=${withLua ? 'true' : 'false'}`];
  if (spawnSync(process.execPath, configure, { cwd: root, stdio: 'inherit' }).status !== 0) return false;
  return spawnSync(process.execPath, [...gypArgs, 'build', '--loglevel=warn'], { cwd: root, stdio: 'inherit' }).status === 0;
}

const withLua = existsSync(LUA_HEADER);
if (!withLua) {
  console.log(`spindle: Lua scripting not built (${LUA_HEADER} missing): apt-get install -y liblua5.1-0-dev lua-cjson lua-bitop, then npm install`);
}
if (build(withLua)) {
  console.log(`spindle: native addons built (build/Release/spindle_native.node${withLua ? ', spindle_lua.node' : ''})`);
} else if (withLua && build(false)) {
  console.log('spindle: building the Lua engine addon failed (see above); Spindle will run without scripting (spindle_native.node built)');
} else {
  console.log('spindle: building the native addons failed (see above); Spindle runs on TypeScript only');
}
