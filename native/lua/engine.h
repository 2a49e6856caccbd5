/*
 * Spindle's Lua engine (Node-API addon): shared declarations of the parts in this directory.
 *
 * Lua itself is Debian's liblua5.1 (shared library), with Debian's lua-cjson and lua-bitop
 * loaded from their lua/5.1 module paths. What Redis adds to Lua and Debian does not have is
 * ours: the conversions between Lua values and RESP (convert.cc), the read-only globals and
 * library tables and the rest of the sandbox (sandbox.cc), cmsgpack (cmsgpack.cc) and struct
 * (struct.cc). addon.cc holds the engine state, the `redis` object and the Node-API surface.
 *
 * Rule for every Lua C function here: lua_error longjmps, so no C++ object with a destructor may
 * be alive in a frame that raises. Raising happens after such objects are gone.
 */
#pragma once

extern "C" {
#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>
}

#include <cstddef>
#include <cstdint>
#include <string>

namespace spindle {

/* Pops the value on top of the stack and appends its reply, converted as Redis's
 * luaReplyToRedisReply does: clientResp is the caller's protocol, scriptResp the script's
 * (redis.setresp), which decides how booleans convert. */
void luaToResp(lua_State* L, std::string& out, int clientResp, int scriptResp);

/* Parses one RESP reply at p[0, n) and pushes it as Redis's redisProtocolToLuaType does.
 * Returns the bytes consumed, or 0 when the input is malformed (then pushes nothing). */
size_t respToLua(lua_State* L, const char* p, size_t n);

/* Pushes an error table {err = "CODE message"} from "-CODE message" or "message" (the latter
 * gets the ERR code), as Redis's luaPushErrorBuff. */
void pushErrorTable(lua_State* L, const char* s, size_t n);

/* Appends an error reply built from text: newlines become spaces; "-ERR " is prefixed unless
 * the text already starts with '-'. */
void appendError(std::string& out, const char* s, size_t n);

/* Formats a double as C's "%.17g" (what Redis uses for doubles and numeric command args). */
int formatDouble17(double d, char* buf, size_t cap);

int openCmsgpack(lua_State* L);
int openStruct(lua_State* L);

/* The sandbox (sandbox.cc): called once the libraries and the redis table are in the globals. */
void protectGlobals(lua_State* L);
/* True when the value at idx is one of our read-only proxies. */
bool isReadonlyProxy(lua_State* L, int idx);
/* Pushes the real table behind the proxy at idx (or the value itself when it is not one). */
void pushProxyTarget(lua_State* L, int idx);
/* Sets t[k] = v on the real globals table (KEYS, ARGV), bypassing the read-only guard. */
void setRealGlobal(lua_State* L, const char* name);  // pops the value

/* Functions (functions.cc): the engine's state and whether a script runs (addon.cc). */
lua_State* currentState();
bool scriptRunning();
/* Pushes the registered function `name` (FCALL), or nil. */
void pushFunction(lua_State* L, const char* name);

}  // namespace spindle
