/*
 * FUNCTION LOAD's half in Lua (Redis 7.0's function_lua.c, written from its behaviour): running a
 * library's code so it registers functions, and keeping the registered callbacks.
 *
 * A library's chunk runs with an environment of its own: an empty table whose metatable sends
 * reads to the load-time API and refuses writes ("Attempt to modify a readonly table"). The
 * load-time API has only `redis` with register_function, log, the LOG_* levels, REDIS_VERSION and
 * REDIS_VERSION_NUM; every other name (redis.call, string, error...) raises "Script attempted to
 * access nonexistent global variable", as in Redis. Once the code ran, the same environment's
 * reads go to the ordinary read-only globals, so the library's functions see the EVAL sandbox at
 * run time, and no library can write globals another could see.
 *
 * register_function appends to a staging list (spindle.fn_staged); JS decides whether the load
 * stands (library and function name collisions) and then commits the staged callbacks into
 * spindle.functions (lowercased name -> callback), which run() reads for FCALL ("fn:<name>").
 * A load runs under a hook that ends it after 500 ms ("FUNCTION LOAD timeout").
 *
 * Node-API surface: fnLoad(code) -> error text | [name, description|null, flags, ...];
 * fnCommit(); fnDiscard(); fnRemove(name); fnClear().
 */
#include <node_api.h>
#include <strings.h>

#include <cctype>
#include <cstring>
#include <ctime>
#include <string>

#include "engine.h"

namespace spindle {

static const char* K_FUNCTIONS = "spindle.functions";
static const char* K_STAGED = "spindle.fn_staged";      // array of {name, desc, flags, cb}
static const char* K_STAGED_LIB = "spindle.fn_lib";     // names registered by the load running
static const char* K_LOADING = "spindle.fn_loading";
static const char* K_LOAD_API = "spindle.fn_load_api";
static const double LOAD_TIMEOUT_MS = 500;

static double loadStartMs = 0;

static double clockMs() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<double>(ts.tv_sec) * 1000.0 + static_cast<double>(ts.tv_nsec) / 1e6;
}

/* Raises {err = "ERR <msg>"} (no position), as Redis's luaPushError + luaRaiseError. */
static int raiseErr(lua_State* L, const char* msg) {
  lua_newtable(L);
  lua_pushliteral(L, "ERR ");
  lua_pushstring(L, msg);
  lua_concat(L, 2);
  lua_setfield(L, -2, "err");
  return lua_error(L);
}

static int loadNonexistent(lua_State* L) {
  const char* name = lua_tostring(L, 2);
  return luaL_error(L, "Script attempted to access nonexistent global variable '%s'", name != nullptr ? name : "?");
}

static int loadReadonly(lua_State* L) {
  return luaL_error(L, "Attempt to modify a readonly table");
}

static void pushTable(lua_State* L, const char* key) {
  lua_getfield(L, LUA_REGISTRYINDEX, key);
  if (!lua_istable(L, -1)) {
    lua_pop(L, 1);
    lua_newtable(L);
    lua_pushvalue(L, -1);
    lua_setfield(L, LUA_REGISTRYINDEX, key);
  }
}

void pushFunction(lua_State* L, const char* name) {
  pushTable(L, K_FUNCTIONS);
  lua_getfield(L, -1, name);
  lua_remove(L, -2);
}

static bool validName(const char* s, size_t n) {
  if (n == 0) return false;
  for (size_t i = 0; i < n; i++) {
    char c = s[i];
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_')) return false;
  }
  return true;
}

struct FlagName {
  const char* name;
  int bit;
};
/* SCRIPT_FLAG_* as src/scripting/shebang.ts numbers them. */
static const FlagName FLAGS[] = {{"no-writes", 1}, {"allow-oom", 2}, {"allow-stale", 4}, {"no-cluster", 8}, {"allow-cross-slot-keys", 32}, {nullptr, 0}};

/* Reads the flags table at idx into *flags; false on a value that is not a known flag. */
static bool readFlags(lua_State* L, int idx, int* flags) {
  lua_pushnil(L);
  while (lua_next(L, idx)) {
    if (!lua_isstring(L, -1)) {
      lua_pop(L, 2);
      return false;
    }
    const char* s = lua_tostring(L, -1);
    int bit = 0;
    for (const FlagName* f = FLAGS; f->name != nullptr; f++) {
      if (strcasecmp(f->name, s) == 0) bit = f->bit;
    }
    if (bit == 0) {
      lua_pop(L, 2);
      return false;
    }
    *flags |= bit;
    lua_pop(L, 1);
  }
  return true;
}

/* redis.register_function(name, callback) or redis.register_function{function_name=...,
 * callback=..., flags={...}, description=...}, at load time only. */
static int luaRegisterFunction(lua_State* L) {
  lua_getfield(L, LUA_REGISTRYINDEX, K_LOADING);
  bool loading = lua_toboolean(L, -1) != 0;
  lua_pop(L, 1);
  if (!loading) return raiseErr(L, "redis.register_function can only be called on FUNCTION LOAD command");
  int argc = lua_gettop(L);
  if (argc < 1 || argc > 2) return raiseErr(L, "wrong number of arguments to redis.register_function");
  int flags = 0;
  // Stack slots 3..5: name, callback, description.
  lua_settop(L, 2);
  lua_pushnil(L);
  lua_pushnil(L);
  lua_pushnil(L);
  if (argc == 2) {
    if (!lua_isstring(L, 1)) return raiseErr(L, "first argument to redis.register_function must be a string");
    if (!lua_isfunction(L, 2)) return raiseErr(L, "second argument to redis.register_function must be a function");
    lua_pushvalue(L, 1);
    lua_replace(L, 3);
    lua_pushvalue(L, 2);
    lua_replace(L, 4);
  } else {
    if (!lua_istable(L, 1)) {
      return raiseErr(L, "calling redis.register_function with a single argument is only applicable to Lua table (representing named arguments).");
    }
    lua_pushnil(L);
    while (lua_next(L, 1)) {
      if (!lua_isstring(L, -2)) return raiseErr(L, "named argument key given to redis.register_function is not a string");
      lua_pushvalue(L, -2);
      const char* key = lua_tostring(L, -1);
      int slot = 0;
      if (strcasecmp(key, "function_name") == 0) {
        if (!lua_isstring(L, -2)) return raiseErr(L, "function_name argument given to redis.register_function must be a string");
        slot = 3;
      } else if (strcasecmp(key, "description") == 0) {
        if (!lua_isstring(L, -2)) return raiseErr(L, "description argument given to redis.register_function must be a string");
        slot = 5;
      } else if (strcasecmp(key, "callback") == 0) {
        if (!lua_isfunction(L, -2)) return raiseErr(L, "callback argument given to redis.register_function must be a function");
        slot = 4;
      } else if (strcasecmp(key, "flags") == 0) {
        if (!lua_istable(L, -2)) {
          return raiseErr(L, "flags argument to redis.register_function must be a table representing function flags");
        }
        if (!readFlags(L, lua_gettop(L) - 1, &flags)) return raiseErr(L, "unknown flag given");
      } else {
        return raiseErr(L, "unknown argument given to redis.register_function");
      }
      lua_pop(L, 1);  // the key's copy
      if (slot != 0) {
        lua_pushvalue(L, -1);
        lua_replace(L, slot);
      }
      lua_pop(L, 1);  // the value
    }
    if (lua_isnil(L, 3)) return raiseErr(L, "redis.register_function must get a function name argument");
    if (lua_isnil(L, 4)) return raiseErr(L, "redis.register_function must get a callback argument");
  }
  size_t n;
  const char* name = lua_tolstring(L, 3, &n);
  if (!validName(name, n)) {
    return raiseErr(L, "Library names can only contain letters, numbers, or underscores(_) and must be at least one character long");
  }
  // Across libraries function names compare case-insensitively (Redis's functions dict).
  char lower[256];
  if (n >= sizeof(lower)) n = sizeof(lower) - 1;
  for (size_t i = 0; i < n; i++) lower[i] = static_cast<char>(tolower(static_cast<unsigned char>(name[i])));
  // Within one library Redis compares them as they are (its library's dict is case-sensitive).
  pushTable(L, K_STAGED_LIB);
  lua_pushvalue(L, 3);
  lua_rawget(L, -2);
  if (!lua_isnil(L, -1)) return raiseErr(L, "Function already exists in the library");
  lua_pop(L, 1);
  lua_pushvalue(L, 3);
  lua_pushboolean(L, 1);
  lua_rawset(L, -3);
  lua_pop(L, 1);
  pushTable(L, K_STAGED);
  lua_createtable(L, 0, 4);
  lua_pushvalue(L, 3);
  lua_setfield(L, -2, "name");
  lua_pushlstring(L, lower, n);
  lua_setfield(L, -2, "key");
  lua_pushvalue(L, 4);
  lua_setfield(L, -2, "cb");
  if (!lua_isnil(L, 5)) {
    lua_pushvalue(L, 5);
    lua_tostring(L, -1);
    lua_setfield(L, -2, "desc");
  }
  lua_pushinteger(L, flags);
  lua_setfield(L, -2, "flags");
  lua_rawseti(L, -2, static_cast<int>(lua_objlen(L, -2)) + 1);
  return 0;
}

/* Pushes the load-time API (built once per Lua state). */
static void pushLoadApi(lua_State* L) {
  lua_getfield(L, LUA_REGISTRYINDEX, K_LOAD_API);
  if (lua_istable(L, -1)) return;
  lua_pop(L, 1);
  lua_newtable(L);  // the API's globals
  int api = lua_gettop(L);
  lua_newtable(L);  // the real load-time `redis`
  int real = lua_gettop(L);
  lua_pushcfunction(L, luaRegisterFunction);
  lua_setfield(L, real, "register_function");
  lua_getglobal(L, "redis");
  static const char* copied[] = {"log", "LOG_DEBUG", "LOG_VERBOSE", "LOG_NOTICE", "LOG_WARNING", "REDIS_VERSION", "REDIS_VERSION_NUM", nullptr};
  for (int i = 0; copied[i] != nullptr; i++) {
    lua_getfield(L, -1, copied[i]);
    lua_setfield(L, real, copied[i]);
  }
  lua_pop(L, 1);
  lua_createtable(L, 0, 1);
  lua_pushcfunction(L, loadNonexistent);
  lua_setfield(L, -2, "__index");
  lua_setmetatable(L, real);
  lua_newtable(L);  // its read-only proxy
  lua_createtable(L, 0, 3);
  lua_pushvalue(L, real);
  lua_setfield(L, -2, "__index");
  lua_pushcfunction(L, loadReadonly);
  lua_setfield(L, -2, "__newindex");
  lua_pushboolean(L, 0);
  lua_setfield(L, -2, "__metatable");
  lua_setmetatable(L, -2);
  lua_setfield(L, api, "redis");
  lua_pop(L, 1);  // real
  lua_createtable(L, 0, 1);
  lua_pushcfunction(L, loadNonexistent);
  lua_setfield(L, -2, "__index");
  lua_setmetatable(L, api);
  lua_pushvalue(L, api);
  lua_setfield(L, LUA_REGISTRYINDEX, K_LOAD_API);
}

static void loadHook(lua_State* L, lua_Debug*) {
  if (clockMs() - loadStartMs > LOAD_TIMEOUT_MS) {
    lua_sethook(L, loadHook, LUA_MASKLINE, 0);
    raiseErr(L, "FUNCTION LOAD timeout");
  }
}

static napi_value str(napi_env env, const char* s, size_t n) {
  napi_value v;
  napi_create_string_latin1(env, s, n, &v);
  return v;
}

/* Empties the staging list (the load that filled it did not stand, or was committed). */
static void discard(lua_State* L) {
  lua_newtable(L);
  lua_setfield(L, LUA_REGISTRYINDEX, K_STAGED);
}

/* fnLoad(code: Buffer) -> the error text, or [name, description|null, flags, ...] of the
 * functions this code registered (appended to the staging list). */
static napi_value FnLoad(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
  void* data = nullptr;
  size_t len = 0;
  if (argc < 1 || napi_get_buffer_info(env, argv[0], &data, &len) != napi_ok) {
    napi_throw_type_error(env, nullptr, "fnLoad(code: Buffer)");
    return nullptr;
  }
  lua_State* L = currentState();
  if (L == nullptr || scriptRunning()) {
    napi_throw_error(env, nullptr, "spindle_lua: fnLoad while a script runs");
    return nullptr;
  }
  lua_settop(L, 0);
  lua_newtable(L);
  lua_setfield(L, LUA_REGISTRYINDEX, K_STAGED_LIB);
  pushTable(L, K_STAGED);
  int before = static_cast<int>(lua_objlen(L, -1));
  lua_pop(L, 1);
  std::string err;
  if (luaL_loadbuffer(L, static_cast<const char*>(data), len, "@user_function") != 0) {
    const char* m = lua_tostring(L, -1);
    err = std::string("Error compiling function: ") + (m != nullptr ? m : "unknown error");
    lua_settop(L, 0);
    return str(env, err.data(), err.size());
  }
  int chunk = lua_gettop(L);
  lua_newtable(L);  // the library's environment
  int envIdx = lua_gettop(L);
  lua_createtable(L, 0, 3);
  int mt = lua_gettop(L);
  pushLoadApi(L);
  lua_setfield(L, mt, "__index");
  lua_pushcfunction(L, loadReadonly);
  lua_setfield(L, mt, "__newindex");
  lua_pushboolean(L, 0);
  lua_setfield(L, mt, "__metatable");
  lua_setmetatable(L, envIdx);
  lua_pushvalue(L, envIdx);
  lua_setfenv(L, chunk);
  lua_pushvalue(L, chunk);
  lua_pushboolean(L, 1);
  lua_setfield(L, LUA_REGISTRYINDEX, K_LOADING);
  loadStartMs = clockMs();
  lua_sethook(L, loadHook, LUA_MASKCOUNT, 100000);
  int st = lua_pcall(L, 0, 0, 0);
  lua_sethook(L, nullptr, 0, 0);
  lua_pushboolean(L, 0);
  lua_setfield(L, LUA_REGISTRYINDEX, K_LOADING);
  if (st != 0) {
    if (lua_istable(L, -1)) {
      lua_getfield(L, -1, "err");
      const char* m = lua_tostring(L, -1);
      err = std::string("Error registering functions: ") + (m != nullptr ? m : "");
    } else {
      const char* m = lua_tostring(L, -1);
      err = std::string("Error registering functions: ERR ") + (m != nullptr ? m : "unknown error");
    }
    // Drop what this load staged.
    pushTable(L, K_STAGED);
    int staged = lua_gettop(L);
    for (int i = static_cast<int>(lua_objlen(L, staged)); i > before; i--) {
      lua_pushnil(L);
      lua_rawseti(L, staged, i);
    }
    lua_settop(L, 0);
    return str(env, err.data(), err.size());
  }
  // From now on the library's code sees the ordinary (read-only) globals.
  lua_getmetatable(L, envIdx);
  lua_pushvalue(L, LUA_GLOBALSINDEX);
  lua_setfield(L, -2, "__index");
  lua_pop(L, 1);
  napi_value out;
  napi_create_array(env, &out);
  pushTable(L, K_STAGED);
  int staged = lua_gettop(L);
  int n = static_cast<int>(lua_objlen(L, staged));
  uint32_t k = 0;
  for (int i = before + 1; i <= n; i++) {
    lua_rawgeti(L, staged, i);
    size_t sn;
    lua_getfield(L, -1, "name");
    const char* s = lua_tolstring(L, -1, &sn);
    napi_set_element(env, out, k++, str(env, s, sn));
    lua_pop(L, 1);
    lua_getfield(L, -1, "desc");
    napi_value d;
    if (lua_isnil(L, -1)) {
      napi_get_null(env, &d);
    } else {
      s = lua_tolstring(L, -1, &sn);
      void* bytes;
      napi_create_buffer_copy(env, sn, s, &bytes, &d);
    }
    napi_set_element(env, out, k++, d);
    lua_pop(L, 1);
    lua_getfield(L, -1, "flags");
    napi_value f;
    napi_create_double(env, lua_tonumber(L, -1), &f);
    napi_set_element(env, out, k++, f);
    lua_pop(L, 2);
  }
  lua_settop(L, 0);
  return out;
}

/* fnCommit(): every staged function becomes callable (spindle.functions[name] = callback). */
static napi_value FnCommit(napi_env env, napi_callback_info) {
  lua_State* L = currentState();
  pushTable(L, K_FUNCTIONS);
  int fns = lua_gettop(L);
  pushTable(L, K_STAGED);
  int staged = lua_gettop(L);
  int n = static_cast<int>(lua_objlen(L, staged));
  for (int i = 1; i <= n; i++) {
    lua_rawgeti(L, staged, i);
    lua_getfield(L, -1, "key");
    lua_getfield(L, -2, "cb");
    lua_rawset(L, fns);
    lua_pop(L, 1);
  }
  lua_settop(L, 0);
  discard(L);
  return nullptr;
}

/* fnDiscard(): forgets the staged functions. */
static napi_value FnDiscard(napi_env, napi_callback_info) {
  lua_State* L = currentState();
  discard(L);
  return nullptr;
}

/* fnRemove(name): the function (lowercased name) is no longer callable. */
static napi_value FnRemove(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
  char name[256];
  size_t n = 0;
  if (argc < 1 || napi_get_value_string_latin1(env, argv[0], name, sizeof(name), &n) != napi_ok) return nullptr;
  lua_State* L = currentState();
  pushTable(L, K_FUNCTIONS);
  lua_pushlstring(L, name, n);
  lua_pushnil(L);
  lua_rawset(L, -3);
  lua_pop(L, 1);
  return nullptr;
}

/* fnClear(): no function is callable (FUNCTION FLUSH). */
static napi_value FnClear(napi_env, napi_callback_info) {
  lua_State* L = currentState();
  lua_newtable(L);
  lua_setfield(L, LUA_REGISTRYINDEX, K_FUNCTIONS);
  discard(L);
  lua_gc(L, LUA_GCCOLLECT, 0);
  return nullptr;
}

void defineFunctionsApi(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"fnLoad", nullptr, FnLoad, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"fnCommit", nullptr, FnCommit, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"fnDiscard", nullptr, FnDiscard, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"fnRemove", nullptr, FnRemove, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"fnClear", nullptr, FnClear, nullptr, nullptr, nullptr, napi_default, nullptr},
  };
  napi_define_properties(env, exports, sizeof(props) / sizeof(props[0]), props);
}

}  // namespace spindle
