/*
 * The sandbox: read-only globals and library tables, as Redis 7.0 has them.
 *
 * Redis patches its Lua VM so a table can be flagged read-only. Debian's liblua has no such flag,
 * so a protected table is reached through a proxy: an empty table whose metatable sends reads to
 * the real table (__index is the table itself, so lookups stay inside the VM) and writes to an
 * error, "Attempt to modify a readonly table", raised at the writer's line as Redis's VM does.
 * The globals of every chunk are the proxy of the real globals, whose own metatable raises
 * "Script attempted to access nonexistent global variable 'x'" for names that are not there.
 *
 * An empty proxy would be seen through by the functions that look at a table's own contents, so
 * those are replaced by versions that look behind proxies: next, pairs, rawget (reads), and
 * rawset, setmetatable, table.insert / remove / sort / setn (writes: refused with Redis's text,
 * without a position, as Redis raises it inside the C function). getmetatable of a protected
 * table or of strings answers a read-only stand-in.
 *
 * Which names exist follows 7.0.15's globals exactly (no print, dofile, loadfile, setfenv,
 * getfenv, newproxy, module, require, os, io, package, debug); loadstring refuses bytecode.
 */
#include <cstring>

#include "engine.h"

namespace spindle {

static const char* READONLY = "Attempt to modify a readonly table";
/* Registry keys. */
static const char* K_PROXY_MT = "spindle.proxy_mt";   // weak-keyed proxy -> real table
static const char* K_REAL_G = "spindle.real_globals";

/* A stack index made absolute (pseudo-indices stay as they are). */
static int absIndex(lua_State* L, int idx) {
  return idx < 0 && idx > LUA_REGISTRYINDEX ? lua_gettop(L) + idx + 1 : idx;
}

static int readonlyNewindex(lua_State* L) {
  return luaL_error(L, "%s", READONLY);
}

/* Raised without a position, as Redis's VM does inside a C function (rawset, setmetatable). */
static int readonlyPlain(lua_State* L) {
  lua_pushstring(L, READONLY);
  return lua_error(L);
}

static int nonexistentGlobal(lua_State* L) {
  if (lua_gettop(L) != 2) return luaL_error(L, "Wrong number of arguments to luaProtectedTableError");
  if (!lua_isstring(L, -1) && !lua_isnumber(L, -1)) {
    return luaL_error(L, "Second argument to luaProtectedTableError must be a string or number");
  }
  const char* name = lua_tostring(L, -1);
  return luaL_error(L, "Script attempted to access nonexistent global variable '%s'", name);
}

/* The table mapping proxies to their real tables (weak keys). */
static void pushProxyMap(lua_State* L) {
  lua_getfield(L, LUA_REGISTRYINDEX, K_PROXY_MT);
}

bool isReadonlyProxy(lua_State* L, int idx) {
  if (lua_type(L, idx) != LUA_TTABLE) return false;
  idx = absIndex(L, idx);
  pushProxyMap(L);
  lua_pushvalue(L, idx);
  lua_rawget(L, -2);
  bool is = !lua_isnil(L, -1);
  lua_pop(L, 2);
  return is;
}

void pushProxyTarget(lua_State* L, int idx) {
  idx = absIndex(L, idx);
  if (lua_type(L, idx) == LUA_TTABLE) {
    pushProxyMap(L);
    lua_pushvalue(L, idx);
    lua_rawget(L, -2);
    lua_remove(L, -2);
    if (!lua_isnil(L, -1)) return;
    lua_pop(L, 1);
  }
  lua_pushvalue(L, idx);
}

/* Pushes a proxy for the table at idx; `fakeMt` (a stack index or 0) is what getmetatable shows. */
static void pushProxy(lua_State* L, int idx, int fakeMt) {
  idx = absIndex(L, idx);
  if (fakeMt != 0) fakeMt = absIndex(L, fakeMt);
  lua_newtable(L);  // proxy
  lua_createtable(L, 0, 3);  // its metatable
  lua_pushvalue(L, idx);
  lua_setfield(L, -2, "__index");
  lua_pushcfunction(L, readonlyNewindex);
  lua_setfield(L, -2, "__newindex");
  if (fakeMt != 0) lua_pushvalue(L, fakeMt);
  else lua_pushboolean(L, 0);
  lua_setfield(L, -2, "__metatable");
  lua_setmetatable(L, -2);
  pushProxyMap(L);
  lua_pushvalue(L, -2);
  lua_pushvalue(L, idx);
  lua_rawset(L, -3);
  lua_pop(L, 1);
}

/* next(t, k) looking behind proxies. */
static int sbNext(lua_State* L) {
  luaL_checktype(L, 1, LUA_TTABLE);
  lua_settop(L, 2);
  pushProxyTarget(L, 1);
  lua_replace(L, 1);
  if (lua_next(L, 1)) return 2;
  lua_pushnil(L);
  return 1;
}

static int sbPairs(lua_State* L) {
  luaL_checktype(L, 1, LUA_TTABLE);
  lua_pushvalue(L, lua_upvalueindex(1));  // our next
  pushProxyTarget(L, 1);
  lua_pushnil(L);
  return 3;
}

static int sbRawget(lua_State* L) {
  luaL_checktype(L, 1, LUA_TTABLE);
  luaL_checkany(L, 2);
  lua_settop(L, 2);
  pushProxyTarget(L, 1);
  lua_pushvalue(L, 2);
  lua_rawget(L, -2);
  return 1;
}

static bool isProtected(lua_State* L, int idx) {
  if (isReadonlyProxy(L, idx)) return true;
  // The real tables behind proxies are protected too (reachable as getmetatable('').__index...).
  if (lua_type(L, idx) != LUA_TTABLE) return false;
  idx = absIndex(L, idx);
  lua_getfield(L, LUA_REGISTRYINDEX, "spindle.protected");
  lua_pushvalue(L, idx);
  lua_rawget(L, -2);
  bool is = !lua_isnil(L, -1);
  lua_pop(L, 2);
  return is;
}

/* A wrapper (upvalue 1: the original) refusing a protected first argument. */
static int guardFirstArg(lua_State* L) {
  if (isProtected(L, 1)) return readonlyPlain(L);
  lua_pushvalue(L, lua_upvalueindex(1));
  lua_insert(L, 1);
  lua_call(L, lua_gettop(L) - 1, LUA_MULTRET);
  return lua_gettop(L);
}

static int sbGetmetatable(lua_State* L) {
  luaL_checkany(L, 1);
  if (!lua_getmetatable(L, 1)) {
    lua_pushnil(L);
    return 1;
  }
  lua_getfield(L, -1, "__metatable");
  if (lua_isnil(L, -1)) {
    lua_pop(L, 1);
    return 1;
  }
  // A library proxy (false): Redis's read-only tables have no metatable.
  if (lua_isboolean(L, -1) && !lua_toboolean(L, -1)) lua_pushnil(L);
  return 1;
}

/* Wraps field `name` of the table at idx in guardFirstArg. */
static void guardField(lua_State* L, int idx, const char* name) {
  lua_getfield(L, idx, name);
  lua_pushcclosure(L, guardFirstArg, 1);
  lua_setfield(L, idx, name);
}

/* Marks the table at idx protected (for writes through the wrapped functions). */
static void markProtected(lua_State* L, int idx) {
  idx = absIndex(L, idx);
  lua_getfield(L, LUA_REGISTRYINDEX, "spindle.protected");
  lua_pushvalue(L, idx);
  lua_pushboolean(L, 1);
  lua_rawset(L, -3);
  lua_pop(L, 1);
}

/*
 * loadstring and load for text only. Redis's Lua parses every chunk as text, so a binary chunk
 * fails as text does ("unexpected symbol near 'char(27)'"). Debian's Lua picks the undumper by
 * the first byte; a reader that hands the parser one space before the chunk gets the text path
 * and the same message (same chunk name, same line).
 */
struct TextReader {
  lua_State* L;
  const char* s;   // loadstring: the whole chunk
  size_t n;
  int step;        // 0: the space, 1: the chunk (or the reader function's pieces), 2: done
  bool fromFn;
};

static const char* textReader(lua_State* L, void* ud, size_t* size) {
  TextReader* r = static_cast<TextReader*>(ud);
  if (r->step == 0) {
    r->step = 1;
    if (r->fromFn) {
      // Peek at the reader function's first piece.
      luaL_checkstack(L, 2, "too many nested functions");
      lua_pushvalue(L, 1);
      lua_call(L, 0, 1);
      if (lua_isnil(L, -1)) {
        lua_pop(L, 1);
        r->step = 2;
        *size = 0;
        return nullptr;
      }
      if (!lua_isstring(L, -1)) luaL_error(L, "reader function must return a string");
      lua_replace(L, 3);
      r->s = lua_tolstring(L, 3, &r->n);
    }
    if (r->n > 0 && r->s[0] == LUA_SIGNATURE[0]) {
      *size = 1;
      return " ";
    }
  }
  if (r->step == 1) {
    r->step = r->fromFn ? 3 : 2;
    *size = r->n;
    return r->s;
  }
  if (r->step == 3) {
    luaL_checkstack(L, 2, "too many nested functions");
    lua_pushvalue(L, 1);
    lua_call(L, 0, 1);
    if (lua_isnil(L, -1)) {
      lua_pop(L, 1);
      *size = 0;
      return nullptr;
    }
    if (!lua_isstring(L, -1)) luaL_error(L, "reader function must return a string");
    lua_replace(L, 3);
    return lua_tolstring(L, 3, size);
  }
  *size = 0;
  return nullptr;
}

static int loadResult(lua_State* L, int status) {
  if (status == 0) return 1;
  lua_pushnil(L);
  lua_insert(L, -2);
  return 2;
}

static int sbLoadstring(lua_State* L) {
  size_t n;
  const char* s = luaL_checklstring(L, 1, &n);
  const char* chunkname = luaL_optstring(L, 2, s);
  TextReader r{L, s, n, 0, false};
  return loadResult(L, lua_load(L, textReader, &r, chunkname));
}

static int sbLoad(lua_State* L) {
  luaL_checktype(L, 1, LUA_TFUNCTION);
  const char* cname = luaL_optstring(L, 2, "=(load)");
  lua_settop(L, 3);
  TextReader r{L, nullptr, 0, 0, true};
  return loadResult(L, lua_load(L, textReader, &r, cname));
}

/*
 * pcall as Redis 7.0 has it: an error table caught is answered as its `err` string (so
 * `pcall(redis.call, ...)` gives the error text).
 */
static int sbPcall(lua_State* L) {
  int argc = lua_gettop(L);
  if (argc == 0) {
    // With no arguments Redis's pcall ends up calling a boolean: the same error and message.
    lua_pushboolean(L, 0);
    lua_pushliteral(L, "attempt to call a boolean value");
    return 2;
  }
  lua_pushboolean(L, 1);
  lua_insert(L, 1);
  if (lua_pcall(L, argc - 1, LUA_MULTRET, 0) != 0) {
    lua_remove(L, 1);
    if (lua_istable(L, -1)) {
      lua_getfield(L, -1, "err");
      if (lua_isstring(L, -1)) lua_replace(L, -2);
      else lua_pop(L, 1);
    }
    lua_pushboolean(L, 0);
    lua_insert(L, 1);
  }
  return lua_gettop(L);
}

void setRealGlobal(lua_State* L, const char* name) {
  lua_getfield(L, LUA_REGISTRYINDEX, K_REAL_G);
  lua_pushstring(L, name);
  lua_pushvalue(L, -3);
  lua_rawset(L, -3);
  lua_pop(L, 2);
}

/* Removes every global that 7.0.15 does not have. */
static void pruneGlobals(lua_State* L) {
  static const char* keep[] = {
      "_G", "_VERSION", "assert", "bit", "cjson", "cmsgpack", "collectgarbage", "coroutine", "error",
      "gcinfo", "getmetatable", "ipairs", "load", "loadstring", "math", "next", "pairs", "pcall",
      "rawequal", "rawget", "rawset", "redis", "select", "setmetatable", "string", "struct", "table",
      "tonumber", "tostring", "type", "unpack", "xpcall", "__redis__err__handler", nullptr};
  lua_newtable(L);  // names to drop
  int drop = lua_gettop(L);
  int n = 0;
  lua_pushnil(L);
  while (lua_next(L, LUA_GLOBALSINDEX)) {
    lua_pop(L, 1);
    bool kept = false;
    if (lua_type(L, -1) == LUA_TSTRING) {
      const char* k = lua_tostring(L, -1);
      for (int i = 0; keep[i] != nullptr; i++) {
        if (strcmp(keep[i], k) == 0) kept = true;
      }
    }
    if (!kept) {
      lua_pushvalue(L, -1);
      lua_rawseti(L, drop, ++n);
    }
  }
  for (int i = 1; i <= n; i++) {
    lua_rawgeti(L, drop, i);
    lua_pushnil(L);
    lua_rawset(L, LUA_GLOBALSINDEX);
  }
  lua_pop(L, 1);
}

void protectGlobals(lua_State* L) {
  lua_newtable(L);  // proxy -> real, weak keys
  lua_createtable(L, 0, 1);
  lua_pushstring(L, "k");
  lua_setfield(L, -2, "__mode");
  lua_setmetatable(L, -2);
  lua_setfield(L, LUA_REGISTRYINDEX, K_PROXY_MT);
  lua_newtable(L);
  lua_createtable(L, 0, 1);
  lua_pushstring(L, "k");
  lua_setfield(L, -2, "__mode");
  lua_setmetatable(L, -2);
  lua_setfield(L, LUA_REGISTRYINDEX, "spindle.protected");

  // Replacements that see behind proxies, and the loaders that refuse bytecode.
  lua_pushcfunction(L, sbNext);
  lua_pushvalue(L, -1);
  lua_setglobal(L, "next");
  lua_pushcclosure(L, sbPairs, 1);
  lua_setglobal(L, "pairs");
  lua_pushcfunction(L, sbRawget);
  lua_setglobal(L, "rawget");
  lua_pushcfunction(L, sbGetmetatable);
  lua_setglobal(L, "getmetatable");
  lua_pushcfunction(L, sbLoadstring);
  lua_setglobal(L, "loadstring");
  lua_pushcfunction(L, sbLoad);
  lua_setglobal(L, "load");
  lua_pushcfunction(L, sbPcall);
  lua_setglobal(L, "pcall");
  guardField(L, LUA_GLOBALSINDEX, "rawset");
  guardField(L, LUA_GLOBALSINDEX, "setmetatable");
  lua_getglobal(L, "table");
  int tbl = lua_gettop(L);
  guardField(L, tbl, "insert");
  guardField(L, tbl, "remove");
  guardField(L, tbl, "sort");
  guardField(L, tbl, "setn");
  lua_pop(L, 1);

  pruneGlobals(L);

  // The globals' own metatable: unknown names raise.
  int G = LUA_GLOBALSINDEX;
  lua_createtable(L, 0, 1);
  lua_pushcfunction(L, nonexistentGlobal);
  lua_setfield(L, -2, "__index");
  int gmt = lua_gettop(L);
  lua_pushvalue(L, gmt);
  lua_setmetatable(L, G);

  // Library tables (every table-valued global but the globals themselves) behind proxies.
  static const char* libs[] = {"string", "table", "math", "coroutine", "bit", "cjson", "cmsgpack", "struct", "redis", nullptr};
  for (int i = 0; libs[i] != nullptr; i++) {
    lua_getglobal(L, libs[i]);
    int real = lua_gettop(L);
    markProtected(L, real);
    pushProxy(L, real, 0);
    lua_setglobal(L, libs[i]);
    if (strcmp(libs[i], "string") == 0) {
      // String values index the proxy; getmetatable('') shows a read-only stand-in.
      lua_pushliteral(L, "");
      lua_getmetatable(L, -1);
      int smt = lua_gettop(L);
      markProtected(L, smt);
      lua_getglobal(L, "string");
      lua_setfield(L, smt, "__index");
      pushProxy(L, smt, 0);
      lua_setfield(L, smt, "__metatable");
      lua_pop(L, 2);
    }
    lua_pop(L, 1);
  }

  // What getmetatable(_G) shows: a read-only stand-in of the globals' metatable.
  markProtected(L, gmt);
  pushProxy(L, gmt, 0);
  int fakeMt = lua_gettop(L);
  lua_pushvalue(L, G);
  lua_setfield(L, LUA_REGISTRYINDEX, K_REAL_G);
  markProtected(L, G);
  lua_pushvalue(L, G);
  pushProxy(L, -1, fakeMt);
  int proxyG = lua_gettop(L);
  lua_pushvalue(L, proxyG);
  lua_setfield(L, G, "_G");
  lua_pushvalue(L, proxyG);
  lua_replace(L, LUA_GLOBALSINDEX);
  lua_settop(L, gmt - 1);
}

}  // namespace spindle
