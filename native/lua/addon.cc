/*
 * spindle_lua: the Lua engine behind EVAL (one per process), as a Node-API addon.
 *
 * Boundary. Keys, arguments and replies cross between JS and C++ as bytes in one shared buffer
 * (given by JS at init), never as JS objects: run() reads KEYS and ARGV from it, redis.call()
 * writes its arguments there ([u32 argc] then [u32 len][bytes] each) and calls back into JS, which
 * runs the command on its socketless client and leaves the RESP reply there (returning its
 * length) or returns a Buffer when the reply does not fit. The conversions both ways are C++
 * (convert.cc). run() answers the script's reply as RESP bytes the same way.
 *
 * Interruption. While a script runs an instruction-count hook (every 100000 VM instructions)
 * reads the clock and a kill bit (bit 0 of control[0], a word of src/scripting/script-control.ts
 * in a SharedArrayBuffer) that other threads may set;
 * once the script has run longer than busy-reply-threshold the hook tells JS (event 2) each time
 * it fires, and a set kill flag ends the script with Redis's error, re-raised at every line so
 * pcall cannot swallow it.
 *
 * Memory. The Lua allocator is bounded (MAX_LUA_MEMORY): past it allocations fail and the
 * script ends with Lua's "not enough memory"; the state stays usable.
 */
#include <dlfcn.h>
#include <node_api.h>
#include <uv.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <string>

#include "engine.h"

namespace spindle {

static const size_t MAX_LUA_MEMORY = size_t(1) << 30;
static const int HOOK_PERIOD = 100000;
static const int GC_CYCLE_PERIOD = 50;

/* Events the engine reports to JS through the event callback. */
enum { EV_LOG = 0, EV_SET_REPL = 1, EV_BUSY = 2, EV_ACL_CHECK = 3 };

struct Engine {
  lua_State* L = nullptr;
  napi_env env = nullptr;
  napi_ref callFn = nullptr;
  napi_ref eventFn = nullptr;
  napi_ref sharedRef = nullptr;
  uint8_t* shared = nullptr;
  size_t sharedLen = 0;
  napi_ref controlRef = nullptr;
  int32_t* control = nullptr;
  size_t used = 0;
  int scriptResp = 2;
  int clientResp = 2;
  bool running = false;
  bool killed = false;
  double startMs = 0;
  double busyMs = 0;
  int gcCount = 0;
  uint64_t rand48 = 0x1234ABCD330EULL;
  std::string reply;     // a redis.call reply that came as a Buffer
  std::string out;       // the script's reply being built
  std::string loadError; // what the last library load said
};

static Engine E;

static double nowMs() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<double>(ts.tv_sec) * 1000.0 + static_cast<double>(ts.tv_nsec) / 1e6;
}

static void* boundedAlloc(void* ud, void* ptr, size_t osize, size_t nsize) {
  Engine* e = static_cast<Engine*>(ud);
  if (nsize == 0) {
    free(ptr);
    e->used -= osize;
    return nullptr;
  }
  if (nsize > osize && e->used + (nsize - osize) > MAX_LUA_MEMORY) return nullptr;
  void* p = realloc(ptr, nsize);
  if (p == nullptr) return nullptr;
  e->used = e->used - osize + nsize;
  return p;
}

/* ---- small helpers ------------------------------------------------------------------------- */

static void putU32(uint8_t* p, uint32_t v) {
  memcpy(p, &v, 4);
}

static uint32_t getU32(const uint8_t* p) {
  uint32_t v;
  memcpy(&v, p, 4);
  return v;
}

/* Raises the error table {err = "ERR " .. msg} (luaPushError + luaError). */
static int raiseError(lua_State* L, const char* msg) {
  pushErrorTable(L, msg, strlen(msg));
  return lua_error(L);
}

/* ---- rand48: Redis's math.random (same generator and initial state as Redis's rand.c) ------- */

static int32_t nextRand48() {
  E.rand48 = (0x5DEECE66DULL * E.rand48 + 0xB) & ((1ULL << 48) - 1);
  return static_cast<int32_t>(E.rand48 >> 17);
}

static int mathRandom(lua_State* L) {
  const double max = 2147483647.0;
  lua_Number r = static_cast<lua_Number>(nextRand48() % 2147483647) / max;
  switch (lua_gettop(L)) {
    case 0:
      lua_pushnumber(L, r);
      break;
    case 1: {
      int u = luaL_checkint(L, 1);
      luaL_argcheck(L, 1 <= u, 1, "interval is empty");
      lua_pushnumber(L, floor(r * u) + 1);
      break;
    }
    case 2: {
      int l = luaL_checkint(L, 1);
      int u = luaL_checkint(L, 2);
      luaL_argcheck(L, l <= u, 2, "interval is empty");
      lua_pushnumber(L, floor(r * (u - l + 1)) + l);
      break;
    }
    default:
      return luaL_error(L, "wrong number of arguments");
  }
  return 1;
}

static int mathRandomseed(lua_State* L) {
  uint32_t seed = static_cast<uint32_t>(luaL_checkint(L, 1));
  E.rand48 = (static_cast<uint64_t>(seed) << 16) | 0x330E;
  return 0;
}

/* ---- SHA1 (redis.sha1hex) ------------------------------------------------------------------ */

static uint32_t rol(uint32_t v, int n) {
  return (v << n) | (v >> (32 - n));
}

static void sha1Block(uint32_t h[5], const uint8_t* p) {
  uint32_t w[80];
  for (int i = 0; i < 16; i++) w[i] = (uint32_t(p[4 * i]) << 24) | (uint32_t(p[4 * i + 1]) << 16) | (uint32_t(p[4 * i + 2]) << 8) | p[4 * i + 3];
  for (int i = 16; i < 80; i++) w[i] = rol(w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16], 1);
  uint32_t a = h[0], b = h[1], c = h[2], d = h[3], e = h[4];
  for (int i = 0; i < 80; i++) {
    uint32_t f, k;
    if (i < 20) { f = (b & c) | (~b & d); k = 0x5A827999; }
    else if (i < 40) { f = b ^ c ^ d; k = 0x6ED9EBA1; }
    else if (i < 60) { f = (b & c) | (b & d) | (c & d); k = 0x8F1BBCDC; }
    else { f = b ^ c ^ d; k = 0xCA62C1D6; }
    uint32_t t = rol(a, 5) + f + e + k + w[i];
    e = d; d = c; c = rol(b, 30); b = a; a = t;
  }
  h[0] += a; h[1] += b; h[2] += c; h[3] += d; h[4] += e;
}

static void sha1Hex(const char* s, size_t n, char out[41]) {
  uint32_t h[5] = {0x67452301, 0xEFCDAB89, 0x98BADCFE, 0x10325476, 0xC3D2E1F0};
  const uint8_t* p = reinterpret_cast<const uint8_t*>(s);
  size_t i = 0;
  for (; i + 64 <= n; i += 64) sha1Block(h, p + i);
  uint8_t tail[128] = {0};
  size_t rest = n - i;
  memcpy(tail, p + i, rest);
  tail[rest] = 0x80;
  size_t blocks = rest + 9 <= 64 ? 1 : 2;
  uint64_t bits = static_cast<uint64_t>(n) * 8;
  for (int j = 0; j < 8; j++) tail[blocks * 64 - 1 - j] = static_cast<uint8_t>(bits >> (8 * j));
  for (size_t j = 0; j < blocks; j++) sha1Block(h, tail + 64 * j);
  static const char* hex = "0123456789abcdef";
  for (int j = 0; j < 20; j++) {
    uint8_t byte = static_cast<uint8_t>(h[j / 4] >> (24 - 8 * (j % 4)));
    out[2 * j] = hex[byte >> 4];
    out[2 * j + 1] = hex[byte & 15];
  }
  out[40] = '\0';
}

/* ---- calling back into JS ------------------------------------------------------------------ */

/*
 * Writes the Lua arguments 1..argc into the shared buffer (or `big` when they do not fit):
 * [u32 argc] then [u32 len][bytes] each. Numbers are formatted as "%.17g" as Redis does.
 * Returns 0, or 1 for no arguments, 2 for an argument that is not a string or number.
 */
static int encodeArgs(lua_State* L, int argc, std::string& big, bool& useBig) {
  if (argc == 0) return 1;
  size_t total = 4;
  char num[64];
  for (int j = 1; j <= argc; j++) {
    int t = lua_type(L, j);
    if (t == LUA_TNUMBER) total += 4 + static_cast<size_t>(formatDouble17(lua_tonumber(L, j), num, sizeof(num)));
    else if (t == LUA_TSTRING) total += 4 + lua_objlen(L, j);
    else return 2;
  }
  useBig = total > E.sharedLen;
  uint8_t* p;
  if (useBig) {
    big.resize(total);
    p = reinterpret_cast<uint8_t*>(&big[0]);
  } else {
    p = E.shared;
  }
  putU32(p, static_cast<uint32_t>(argc));
  size_t at = 4;
  for (int j = 1; j <= argc; j++) {
    size_t n;
    const char* s;
    if (lua_type(L, j) == LUA_TNUMBER) {
      n = static_cast<size_t>(formatDouble17(lua_tonumber(L, j), num, sizeof(num)));
      s = num;
    } else {
      s = lua_tolstring(L, j, &n);
    }
    putU32(p + at, static_cast<uint32_t>(n));
    memcpy(p + at + 4, s, n);
    at += 4 + n;
  }
  return 0;
}

/*
 * Calls fn(a, b [, buffer]) in JS. Returns a number result, or -1 with the reply copied into
 * E.reply when JS returned a Buffer, or -2 when JS threw (logged and cleared). No Lua error is
 * raised in here: the handle scope must be closed on every path.
 */
static double callJs(napi_ref ref, double a, double b, const std::string* big, const char* text) {
  napi_env env = E.env;
  napi_handle_scope scope;
  napi_open_handle_scope(env, &scope);
  napi_value fn, global, result;
  napi_value args[3];
  int argn = 2;
  napi_get_reference_value(env, ref, &fn);
  napi_get_global(env, &global);
  napi_create_double(env, a, &args[0]);
  napi_create_double(env, b, &args[1]);
  if (big != nullptr) {
    void* data;
    napi_create_buffer_copy(env, big->size(), big->data(), &data, &args[2]);
    argn = 3;
  } else if (text != nullptr) {
    napi_create_string_latin1(env, text, NAPI_AUTO_LENGTH, &args[2]);
    argn = 3;
  }
  double ret = -2;
  napi_status st = napi_call_function(env, global, fn, static_cast<size_t>(argn), args, &result);
  if (st == napi_ok) {
    napi_valuetype t;
    napi_typeof(env, result, &t);
    bool isBuf = false;
    if (t == napi_number) {
      napi_get_value_double(env, result, &ret);
    } else if (napi_is_buffer(env, result, &isBuf) == napi_ok && isBuf) {
      void* data;
      size_t len;
      napi_get_buffer_info(env, result, &data, &len);
      E.reply.assign(static_cast<const char*>(data), len);
      ret = -1;
    } else {
      ret = 0;
    }
  } else {
    napi_value exc;
    napi_get_and_clear_last_exception(env, &exc);
    fprintf(stderr, "spindle_lua: a callback threw\n");
  }
  napi_close_handle_scope(env, scope);
  return ret;
}

static int luaCallGeneric(lua_State* L, bool raise) {
  if (!E.running) return raiseError(L, "redis.call/pcall can only be called inside a script invocation");
  int argc = lua_gettop(L);
  bool useBig = false;
  int bad;
  double r;
  {
    std::string big;
    bad = encodeArgs(L, argc, big, useBig);
    r = bad != 0 ? 0 : callJs(E.callFn, E.scriptResp, 0, useBig ? &big : nullptr, nullptr);
  }
  if (bad != 0) {
    const char* msg = bad == 1 ? "Please specify at least one argument for this redis lib call"
                               : "Lua redis lib command arguments must be strings or integers";
    pushErrorTable(L, msg, strlen(msg));
    return raise ? lua_error(L) : 1;
  }
  const char* p;
  size_t n;
  if (r == -1) {
    p = E.reply.data();
    n = E.reply.size();
  } else if (r > 0) {
    p = reinterpret_cast<const char*>(E.shared);
    n = static_cast<size_t>(r);
  } else {
    return raiseError(L, "Spindle failed to run the command for the script");
  }
  lua_settop(L, 0);
  if (respToLua(L, p, n) == 0) return raiseError(L, "Spindle could not read the command's reply");
  if (raise && p[0] == '-') return lua_error(L);
  return 1;
}

static int luaRedisCall(lua_State* L) {
  return luaCallGeneric(L, true);
}

static int luaRedisPcall(lua_State* L) {
  return luaCallGeneric(L, false);
}

/* ---- the rest of the redis object ----------------------------------------------------------- */

static int luaSha1hex(lua_State* L) {
  if (lua_gettop(L) != 1) return raiseError(L, "wrong number of arguments");
  size_t n = 0;
  const char* s = lua_tolstring(L, 1, &n);
  char hex[41];
  sha1Hex(s != nullptr ? s : "", s != nullptr ? n : 0, hex);
  lua_pushstring(L, hex);
  return 1;
}

/* redis.error_reply / status_reply: a table {err=...} / {ok=...}, or an error table (returned,
 * not raised) for bad arguments. */
static int luaErrorReply(lua_State* L) {
  if (lua_gettop(L) != 1 || lua_type(L, -1) != LUA_TSTRING) {
    pushErrorTable(L, "wrong number or type of arguments", 33);
    return 1;
  }
  size_t n;
  const char* s = lua_tolstring(L, 1, &n);
  if (n > 0 && s[0] == '-') {
    pushErrorTable(L, s, strlen(s));
  } else {
    lua_pushliteral(L, "-");
    lua_pushvalue(L, 1);
    lua_concat(L, 2);
    const char* t = lua_tostring(L, -1);
    pushErrorTable(L, t, strlen(t));
  }
  return 1;
}

static int luaStatusReply(lua_State* L) {
  if (lua_gettop(L) != 1 || lua_type(L, -1) != LUA_TSTRING) {
    pushErrorTable(L, "wrong number or type of arguments", 33);
    return 1;
  }
  lua_newtable(L);
  lua_pushstring(L, "ok");
  lua_pushvalue(L, 1);
  lua_settable(L, -3);
  return 1;
}

static int luaLog(lua_State* L) {
  int argc = lua_gettop(L);
  if (argc < 2) return raiseError(L, "redis.log() requires two arguments or more.");
  if (!lua_isnumber(L, 1)) return raiseError(L, "First argument must be a number (log level).");
  int level = static_cast<int>(lua_tonumber(L, 1));
  if (level < 0 || level > 3) return raiseError(L, "Invalid debug level.");
  // Glued with spaces in a Lua buffer (no C++ object across a possible error).
  luaL_Buffer b;
  luaL_buffinit(L, &b);
  for (int j = 2; j <= argc; j++) {
    size_t n;
    const char* s = lua_tolstring(L, j, &n);
    if (s == nullptr) continue;
    if (j != 2) luaL_addchar(&b, ' ');
    luaL_addlstring(&b, s, n);
  }
  luaL_pushresult(&b);
  callJs(E.eventFn, EV_LOG, level, nullptr, lua_tostring(L, -1));
  return 0;
}

static int luaSetresp(lua_State* L) {
  if (lua_gettop(L) != 1) return raiseError(L, "redis.setresp() requires one argument.");
  int resp = static_cast<int>(lua_tonumber(L, 1));
  if (resp != 2 && resp != 3) return raiseError(L, "RESP version must be 2 or 3.");
  E.scriptResp = resp;
  return 0;
}

static int luaSetRepl(lua_State* L) {
  if (!E.running) return raiseError(L, "redis.set_repl can only be called inside a script invocation");
  if (lua_gettop(L) != 1) return raiseError(L, "redis.set_repl() requires two arguments.");
  int flags = static_cast<int>(lua_tonumber(L, 1));
  if ((flags & ~3) != 0) return raiseError(L, "Invalid replication flags. Use REPL_AOF, REPL_REPLICA, REPL_ALL or REPL_NONE.");
  callJs(E.eventFn, EV_SET_REPL, flags, nullptr, nullptr);
  return 0;
}

static int luaReplicateCommands(lua_State* L) {
  lua_pushboolean(L, 1);
  return 1;
}

static int luaBreakpoint(lua_State* L) {
  lua_pushboolean(L, 0);
  return 1;
}

static int luaDebug(lua_State*) {
  return 0;
}

static int luaAclCheckCmd(lua_State* L) {
  if (!E.running) return raiseError(L, "redis.acl_check_cmd can only be called inside a script invocation");
  int argc = lua_gettop(L);
  bool useBig = false;
  int bad;
  double r;
  {
    std::string big;
    bad = encodeArgs(L, argc, big, useBig);
    r = bad != 0 ? 0 : callJs(E.eventFn, EV_ACL_CHECK, 0, useBig ? &big : nullptr, nullptr);
  }
  if (bad != 0) {
    return raiseError(L, bad == 1 ? "Please specify at least one argument for this redis lib call"
                                  : "Lua redis lib command arguments must be strings or integers");
  }
  if (r < 0) return raiseError(L, "Invalid command passed to redis.acl_check_cmd()");
  lua_pushboolean(L, r > 0);
  return 1;
}

/*
 * The pcall error handler (Redis's __redis__err__handler): turns any error into a table
 * {err = ..., source = ..., line = ...}, a non-table error x becoming "ERR " .. tostring(x). The
 * position is the erroring function's, or its caller's when that is a C function.
 */
static int errHandler(lua_State* L) {
  lua_Debug ar;
  bool have = lua_getstack(L, 1, &ar) != 0;
  if (have) {
    lua_getinfo(L, "nSl", &ar);
    if (strcmp(ar.what, "C") == 0) {
      have = lua_getstack(L, 2, &ar) != 0;
      if (have) lua_getinfo(L, "nSl", &ar);
    }
  }
  if (lua_type(L, 1) != LUA_TTABLE) {
    lua_pushvalue(L, lua_upvalueindex(1));  // tostring
    lua_pushvalue(L, 1);
    lua_call(L, 1, 1);
    lua_pushliteral(L, "ERR ");
    lua_insert(L, -2);
    lua_concat(L, 2);
    lua_newtable(L);
    lua_pushliteral(L, "err");
    lua_pushvalue(L, -3);
    lua_rawset(L, -3);
    lua_replace(L, 1);
    lua_settop(L, 1);
  }
  if (have) {
    lua_pushstring(L, ar.source);
    lua_setfield(L, 1, "source");
    lua_pushinteger(L, ar.currentline);
    lua_setfield(L, 1, "line");
  }
  lua_settop(L, 1);
  return 1;
}

static void hook(lua_State* L, lua_Debug*) {
  if (!E.running) return;
  double elapsed = nowMs() - E.startMs;
  if (E.busyMs > 0 && elapsed >= E.busyMs) callJs(E.eventFn, EV_BUSY, elapsed, nullptr, nullptr);
  // Bit 0 of control[0] is the kill bit; the other bits (wrote, busy...) are the server's.
  if (E.control != nullptr && (__atomic_load_n(&E.control[0], __ATOMIC_SEQ_CST) & 1) != 0) E.killed = true;
  if (E.killed) {
    if (E.control != nullptr && __atomic_exchange_n(&E.control[1], 1, __ATOMIC_SEQ_CST) == 0) {
      callJs(E.eventFn, EV_LOG, 3, nullptr, "Lua script killed by user with SCRIPT KILL.");
    }
    lua_sethook(L, hook, LUA_MASKLINE, 0);
    raiseError(L, "Script killed by user with SCRIPT KILL...");
  }
}

/* ---- building the state -------------------------------------------------------------------- */

static bool openModule(lua_State* L, const char* const* paths, const char* sym, const char* name) {
  for (int i = 0; paths[i] != nullptr; i++) {
    void* h = dlopen(paths[i], RTLD_NOW | RTLD_LOCAL);
    if (h == nullptr) continue;
    lua_CFunction open = reinterpret_cast<lua_CFunction>(dlsym(h, sym));
    if (open == nullptr) continue;
    lua_pushcfunction(L, open);
    lua_pushstring(L, name);
    lua_call(L, 1, 1);
    lua_setglobal(L, name);
    return true;
  }
  E.loadError += std::string(name) + ": " + (dlerror() != nullptr ? "not loadable" : "not found") + "; ";
  return false;
}

static void setFn(lua_State* L, const char* name, lua_CFunction f) {
  lua_pushcfunction(L, f);
  lua_setfield(L, -2, name);
}

static void setNum(lua_State* L, const char* name, double v) {
  lua_pushnumber(L, v);
  lua_setfield(L, -2, name);
}

static bool buildState() {
  lua_State* L = lua_newstate(boundedAlloc, &E);
  if (L == nullptr) return false;
  E.L = L;
  static const luaL_Reg libs[] = {{"", luaopen_base}, {LUA_TABLIBNAME, luaopen_table}, {LUA_STRLIBNAME, luaopen_string}, {LUA_MATHLIBNAME, luaopen_math}, {nullptr, nullptr}};
  for (const luaL_Reg* lib = libs; lib->func != nullptr; lib++) {
    lua_pushcfunction(L, lib->func);
    lua_pushstring(L, lib->name);
    lua_call(L, 1, 0);
  }
  static const char* cjsonPaths[] = {"/usr/lib/x86_64-linux-gnu/lua/5.1/cjson.so", "/usr/lib/aarch64-linux-gnu/lua/5.1/cjson.so", "liblua5.1-cjson.so.0", nullptr};
  static const char* bitPaths[] = {"/usr/lib/x86_64-linux-gnu/lua/5.1/bit.so", "/usr/lib/aarch64-linux-gnu/lua/5.1/bit.so", "liblua5.1-bitop.so.0", nullptr};
  openModule(L, cjsonPaths, "luaopen_cjson", "cjson");
  openModule(L, bitPaths, "luaopen_bit", "bit");
  lua_pushcfunction(L, openStruct);
  lua_call(L, 0, 1);
  lua_setglobal(L, "struct");
  lua_pushcfunction(L, openCmsgpack);
  lua_call(L, 0, 1);
  lua_setglobal(L, "cmsgpack");

  lua_getglobal(L, "math");
  setFn(L, "random", mathRandom);
  setFn(L, "randomseed", mathRandomseed);
  lua_pop(L, 1);

  lua_newtable(L);
  setFn(L, "call", luaRedisCall);
  setFn(L, "pcall", luaRedisPcall);
  setFn(L, "log", luaLog);
  setNum(L, "LOG_DEBUG", 0);
  setNum(L, "LOG_VERBOSE", 1);
  setNum(L, "LOG_NOTICE", 2);
  setNum(L, "LOG_WARNING", 3);
  setFn(L, "setresp", luaSetresp);
  setFn(L, "set_repl", luaSetRepl);
  setNum(L, "REPL_NONE", 0);
  setNum(L, "REPL_AOF", 1);
  setNum(L, "REPL_SLAVE", 2);
  setNum(L, "REPL_REPLICA", 2);
  setNum(L, "REPL_ALL", 3);
  setFn(L, "replicate_commands", luaReplicateCommands);
  setFn(L, "breakpoint", luaBreakpoint);
  setFn(L, "debug", luaDebug);
  setFn(L, "sha1hex", luaSha1hex);
  setFn(L, "error_reply", luaErrorReply);
  setFn(L, "status_reply", luaStatusReply);
  setFn(L, "acl_check_cmd", luaAclCheckCmd);
  lua_pushstring(L, "7.0.15");
  lua_setfield(L, -2, "REDIS_VERSION");
  setNum(L, "REDIS_VERSION_NUM", 0x07000f);
  lua_setglobal(L, "redis");

  lua_getglobal(L, "tostring");
  lua_pushcclosure(L, errHandler, 1);
  lua_pushvalue(L, -1);
  lua_setfield(L, LUA_REGISTRYINDEX, "spindle.err_handler");
  lua_setglobal(L, "__redis__err__handler");

  protectGlobals(L);
  return true;
}

/* ---- Node-API surface ---------------------------------------------------------------------- */

#define CHECK(call) \
  do { \
    if ((call) != napi_ok) { \
      napi_throw_error(env, nullptr, "spindle_lua: " #call " failed"); \
      return nullptr; \
    } \
  } while (0)

static napi_value makeString(napi_env env, const std::string& s) {
  napi_value v;
  napi_create_string_latin1(env, s.data(), s.size(), &v);
  return v;
}

/* init(call, event, shared: Buffer, control: Int32Array over a SharedArrayBuffer) -> notes */
static napi_value Init(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4];
  CHECK(napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr));
  if (argc < 4) {
    napi_throw_type_error(env, nullptr, "init(call, event, shared, control)");
    return nullptr;
  }
  if (E.L != nullptr) {
    napi_throw_error(env, nullptr, "spindle_lua: one engine per process");
    return nullptr;
  }
  E.env = env;
  CHECK(napi_create_reference(env, argv[0], 1, &E.callFn));
  CHECK(napi_create_reference(env, argv[1], 1, &E.eventFn));
  void* data;
  size_t len;
  CHECK(napi_get_buffer_info(env, argv[2], &data, &len));
  CHECK(napi_create_reference(env, argv[2], 1, &E.sharedRef));
  E.shared = static_cast<uint8_t*>(data);
  E.sharedLen = len;
  napi_typedarray_type tt;
  size_t tlen;
  napi_value ab;
  size_t off;
  CHECK(napi_get_typedarray_info(env, argv[3], &tt, &tlen, &data, &ab, &off));
  CHECK(napi_create_reference(env, argv[3], 1, &E.controlRef));
  E.control = static_cast<int32_t*>(data);
  // cjson.so and bit.so resolve lua_* from the global namespace: make liblua's symbols global.
  dlopen("liblua5.1.so.0", RTLD_NOW | RTLD_GLOBAL | RTLD_NOLOAD);
  E.loadError.clear();
  if (!buildState()) {
    napi_throw_error(env, nullptr, "spindle_lua: cannot create a Lua state");
    return nullptr;
  }
  return makeString(env, E.loadError);
}

/* reset(): a fresh Lua state (SCRIPT FLUSH), the random generator keeps its state as Redis's. */
static napi_value Reset(napi_env env, napi_callback_info) {
  if (E.running) {
    napi_throw_error(env, nullptr, "spindle_lua: reset while a script runs");
    return nullptr;
  }
  if (E.L != nullptr) lua_close(E.L);
  E.L = nullptr;
  E.used = 0;
  E.loadError.clear();
  if (!buildState()) {
    napi_throw_error(env, nullptr, "spindle_lua: cannot create a Lua state");
    return nullptr;
  }
  return nullptr;
}

static bool getString(napi_env env, napi_value v, std::string& out) {
  size_t n;
  if (napi_get_value_string_latin1(env, v, nullptr, 0, &n) != napi_ok) return false;
  out.resize(n + 1);
  napi_get_value_string_latin1(env, v, &out[0], n + 1, &n);
  out.resize(n);
  return true;
}

/* load(name: string, body: Buffer) -> null, or the compile error's text. The chunk is stored in
 * the registry under `name` (f_<sha>). */
static napi_value Load(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  CHECK(napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr));
  std::string name;
  if (argc < 2 || !getString(env, argv[0], name)) {
    napi_throw_type_error(env, nullptr, "load(name, body)");
    return nullptr;
  }
  void* data;
  size_t len;
  CHECK(napi_get_buffer_info(env, argv[1], &data, &len));
  lua_State* L = E.L;
  int st = luaL_loadbuffer(L, static_cast<const char*>(data), len, "@user_script");
  if (st != 0) {
    size_t n;
    const char* s = lua_tolstring(L, -1, &n);
    std::string msg = s != nullptr ? std::string(s, n) : std::string("unknown error");
    lua_pop(L, 1);
    return makeString(env, msg);
  }
  lua_setfield(L, LUA_REGISTRYINDEX, name.c_str());
  napi_value nul;
  napi_get_null(env, &nul);
  return nul;
}

/* Fills table KEYS or ARGV from n [u32 len][bytes] entries at *p. */
static void pushArgTable(lua_State* L, const uint8_t*& p, uint32_t n) {
  lua_createtable(L, static_cast<int>(n), 0);
  for (uint32_t j = 0; j < n; j++) {
    uint32_t len = getU32(p);
    lua_pushlstring(L, reinterpret_cast<const char*>(p + 4), len);
    lua_rawseti(L, -2, static_cast<int>(j + 1));
    p += 4 + len;
  }
}

/*
 * run(name, nkeys, nargs, clientResp, busyMs, funcname [, args: Buffer]) -> reply length in the
 * shared buffer, or a Buffer when it does not fit, or null when no function has that name.
 * KEYS and ARGV are read from the shared buffer (or `args`).
 */
static napi_value Run(napi_env env, napi_callback_info info) {
  size_t argc = 7;
  napi_value argv[7];
  CHECK(napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr));
  std::string name, funcname;
  double nkeys = 0, nargs = 0, resp = 2, busy = 0;
  if (argc < 6 || !getString(env, argv[0], name) || !getString(env, argv[5], funcname)) {
    napi_throw_type_error(env, nullptr, "run(name, nkeys, nargs, resp, busyMs, funcname [, args])");
    return nullptr;
  }
  napi_get_value_double(env, argv[1], &nkeys);
  napi_get_value_double(env, argv[2], &nargs);
  napi_get_value_double(env, argv[3], &resp);
  napi_get_value_double(env, argv[4], &busy);
  const uint8_t* p = E.shared;
  std::string args;
  if (argc >= 7) {
    bool isBuf = false;
    if (napi_is_buffer(env, argv[6], &isBuf) == napi_ok && isBuf) {
      void* data;
      size_t len;
      napi_get_buffer_info(env, argv[6], &data, &len);
      args.assign(static_cast<const char*>(data), len);
      p = reinterpret_cast<const uint8_t*>(args.data());
    }
  }
  if (E.running) {
    napi_throw_error(env, nullptr, "spindle_lua: run while a script runs");
    return nullptr;
  }
  lua_State* L = E.L;
  lua_settop(L, 0);
  lua_getfield(L, LUA_REGISTRYINDEX, "spindle.err_handler");
  // "fn:<name>": a FUNCTION's callback, called with KEYS and ARGV as its arguments (FCALL).
  bool isFn = name.compare(0, 3, "fn:") == 0;
  if (isFn) pushFunction(L, name.c_str() + 3);
  else lua_getfield(L, LUA_REGISTRYINDEX, name.c_str());
  if (lua_isnil(L, -1)) {
    lua_settop(L, 0);
    napi_value nul;
    napi_get_null(env, &nul);
    return nul;
  }
  if (isFn) {
    // Redis runs functions in a Lua state of their own, where EVAL's KEYS and ARGV never exist.
    lua_pushnil(L);
    setRealGlobal(L, "KEYS");
    lua_pushnil(L);
    setRealGlobal(L, "ARGV");
  }
  pushArgTable(L, p, static_cast<uint32_t>(nkeys));
  if (!isFn) setRealGlobal(L, "KEYS");
  pushArgTable(L, p, static_cast<uint32_t>(nargs));
  if (!isFn) setRealGlobal(L, "ARGV");

  E.scriptResp = 2;
  E.clientResp = static_cast<int>(resp);
  E.running = true;
  E.killed = false;
  E.busyMs = busy;
  E.startMs = nowMs();
  if (E.control != nullptr) {
    __atomic_store_n(&E.control[0], 0, __ATOMIC_SEQ_CST);
    __atomic_store_n(&E.control[1], 0, __ATOMIC_SEQ_CST);
  }
  lua_sethook(L, hook, LUA_MASKCOUNT, HOOK_PERIOD);
  int st = lua_pcall(L, isFn ? 2 : 0, 1, 1);
  lua_sethook(L, nullptr, 0, 0);
  E.running = false;

  std::string& out = E.out;
  out.clear();
  // control[2]: the reply is an error already counted in errorstats (it came from a command).
  bool ignoreStats = false;
  if (lua_istable(L, -1)) {
    lua_pushliteral(L, "ignore_error_stats_update");
    lua_rawget(L, -2);
    ignoreStats = lua_toboolean(L, -1) != 0;
    lua_pop(L, 1);
  }
  if (E.control != nullptr) __atomic_store_n(&E.control[2], ignoreStats ? 1 : 0, __ATOMIC_SEQ_CST);
  if (st == 0) {
    luaToResp(L, out, E.clientResp, E.scriptResp);
  } else if (lua_type(L, -1) != LUA_TTABLE) {
    const char* m = lua_tostring(L, -1);
    std::string msg = "Error running script " + funcname + ", " + std::string(m != nullptr ? m : "execution failure").substr(0, 100);
    appendError(out, msg.data(), msg.size());
  } else {
    std::string msg = "-";
    lua_getfield(L, -1, "err");
    if (lua_isstring(L, -1)) msg += lua_tostring(L, -1);
    lua_pop(L, 1);
    lua_getfield(L, -1, "source");
    std::string source = lua_isstring(L, -1) ? lua_tostring(L, -1) : "";
    bool hasSource = lua_isstring(L, -1) != 0;
    lua_pop(L, 1);
    lua_getfield(L, -1, "line");
    std::string line = lua_isstring(L, -1) ? lua_tostring(L, -1) : "";
    bool hasLine = lua_isstring(L, -1) != 0;
    lua_pop(L, 1);
    if (hasSource && hasLine) msg += " script: " + funcname + ", on " + source + ":" + line + ".";
    while (msg.size() > 1 && (msg.back() == '\r' || msg.back() == '\n')) msg.pop_back();
    appendError(out, msg.data(), msg.size());
  }
  lua_settop(L, 0);
  // Lua 5.1 collects nothing when an allocation fails: free what the failed script held now.
  if (st == LUA_ERRMEM) {
    lua_gc(L, LUA_GCCOLLECT, 0);
  } else if (++E.gcCount == GC_CYCLE_PERIOD) {
    lua_gc(L, LUA_GCSTEP, GC_CYCLE_PERIOD);
    E.gcCount = 0;
  }
  napi_value result;
  if (out.size() <= E.sharedLen) {
    memcpy(E.shared, out.data(), out.size());
    napi_create_double(env, static_cast<double>(out.size()), &result);
  } else {
    void* data;
    napi_create_buffer_copy(env, out.size(), out.data(), &data, &result);
  }
  return result;
}

/* memory() -> bytes used by the Lua state (INFO used_memory_lua). */
static napi_value Memory(napi_env env, napi_callback_info) {
  napi_value v;
  napi_create_double(env, static_cast<double>(E.used), &v);
  return v;
}

/* kill(): asks the running script to stop (the hook sees it at its next firing). */
static napi_value Kill(napi_env env, napi_callback_info) {
  E.killed = true;
  napi_value v;
  napi_get_undefined(env, &v);
  return v;
}

/*
 * pump(): runs one non-blocking turn of Node's event loop from inside a busy script (the hook's
 * busy event), so sockets are read and answered meanwhile (-BUSY, SCRIPT KILL, SHUTDOWN NOSAVE),
 * as Redis does from its own hook. The server admits only allow-busy commands then.
 */
static napi_value Pump(napi_env env, napi_callback_info) {
  uv_loop_t* loop = nullptr;
  if (napi_get_uv_event_loop(env, &loop) == napi_ok && loop != nullptr) uv_run(loop, UV_RUN_NOWAIT);
  napi_value v;
  napi_get_undefined(env, &v);
  return v;
}

lua_State* currentState() {
  return E.L;
}

bool scriptRunning() {
  return E.running;
}

void defineFunctionsApi(napi_env env, napi_value exports);

static napi_value ModuleInit(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"init", nullptr, Init, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"reset", nullptr, Reset, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"load", nullptr, Load, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"run", nullptr, Run, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"memory", nullptr, Memory, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"kill", nullptr, Kill, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"pump", nullptr, Pump, nullptr, nullptr, nullptr, napi_default, nullptr},
  };
  napi_define_properties(env, exports, sizeof(props) / sizeof(props[0]), props);
  defineFunctionsApi(env, exports);
  return exports;
}

}  // namespace spindle

NAPI_MODULE(NODE_GYP_MODULE_NAME, spindle::ModuleInit)
