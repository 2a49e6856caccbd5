/*
 * cmsgpack: MessagePack for scripts, with the outputs of the cmsgpack module Redis ships
 * (written here from the MessagePack specification and that module's observable behaviour).
 *
 *   cmsgpack.pack(v1, v2, ...)            the encodings of every argument, concatenated
 *   cmsgpack.unpack(s)                    every value in s
 *   cmsgpack.unpack_one(s [, offset])     next offset (-1 at the end) and one value
 *   cmsgpack.unpack_limit(s, n [, off])   next offset and up to n values
 *
 * Encoding: a number equal to a 64-bit integer takes the smallest integer form; other numbers
 * are float 32 when that is exact, else float 64. Strings use fixstr / str8 / str16 / str32. A
 * table whose keys are exactly 1..n is an array (the empty table too), else a map; tables nested
 * deeper than 16 levels encode as nil (so cycles end). Other types encode as nil.
 */
#include <climits>
#include <cmath>
#include <cstdlib>
#include <cstring>

#include "engine.h"

namespace spindle {

static const int MAX_NESTING = 16;

/* The encoder's output: a growable C buffer owned by a userdata (freed by its __gc, so a Lua
 * error in the middle of an encoding leaks nothing). */
struct Out {
  char* p;
  size_t n;
  size_t cap;
};

static void outGrow(Out* o, size_t more) {
  if (o->n + more <= o->cap) return;
  size_t cap = o->cap == 0 ? 256 : o->cap;
  while (cap < o->n + more) cap *= 2;
  o->p = static_cast<char*>(realloc(o->p, cap));
  o->cap = cap;
}

static void outByte(Out* o, unsigned c) {
  outGrow(o, 1);
  o->p[o->n++] = static_cast<char>(c);
}

static void outBE(Out* o, uint64_t v, int bytes) {
  outGrow(o, static_cast<size_t>(bytes));
  for (int i = bytes - 1; i >= 0; i--) o->p[o->n++] = static_cast<char>((v >> (i * 8)) & 0xff);
}

static void outBytes(Out* o, const char* s, size_t n) {
  outGrow(o, n);
  memcpy(o->p + o->n, s, n);
  o->n += n;
}

static void mpInt(Out* o, int64_t n) {
  uint64_t u = static_cast<uint64_t>(n);
  if (n >= 0) {
    if (n <= 127) outByte(o, static_cast<unsigned>(n));
    else if (n <= 0xff) { outByte(o, 0xcc); outBE(o, u, 1); }
    else if (n <= 0xffff) { outByte(o, 0xcd); outBE(o, u, 2); }
    else if (n <= 0xffffffffLL) { outByte(o, 0xce); outBE(o, u, 4); }
    else { outByte(o, 0xcf); outBE(o, u, 8); }
  } else {
    if (n >= -32) outByte(o, static_cast<unsigned>(n & 0xff));
    else if (n >= -128) { outByte(o, 0xd0); outBE(o, u, 1); }
    else if (n >= -32768) { outByte(o, 0xd1); outBE(o, u, 2); }
    else if (n >= -2147483648LL) { outByte(o, 0xd2); outBE(o, u, 4); }
    else { outByte(o, 0xd3); outBE(o, u, 8); }
  }
}

static void mpNumber(Out* o, lua_Number n) {
  if (!std::isinf(n) && !std::isnan(n) && n >= -9223372036854775808.0 && n < 9223372036854775808.0 &&
      static_cast<lua_Number>(static_cast<int64_t>(n)) == n) {
    mpInt(o, static_cast<int64_t>(n));
    return;
  }
  float f = static_cast<float>(n);
  if (static_cast<double>(f) == n) {
    uint32_t bits;
    memcpy(&bits, &f, 4);
    outByte(o, 0xca);
    outBE(o, bits, 4);
  } else {
    uint64_t bits;
    memcpy(&bits, &n, 8);
    outByte(o, 0xcb);
    outBE(o, bits, 8);
  }
}

static void mpString(Out* o, const char* s, size_t n) {
  if (n < 32) outByte(o, static_cast<unsigned>(0xa0 | n));
  else if (n <= 0xff) { outByte(o, 0xd9); outBE(o, n, 1); }
  else if (n <= 0xffff) { outByte(o, 0xda); outBE(o, n, 2); }
  else { outByte(o, 0xdb); outBE(o, n, 4); }
  outBytes(o, s, n);
}

static void mpHeader(Out* o, size_t n, bool map) {
  if (n <= 15) outByte(o, static_cast<unsigned>((map ? 0x80 : 0x90) | n));
  else if (n <= 0xffff) { outByte(o, map ? 0xde : 0xdc); outBE(o, n, 2); }
  else { outByte(o, map ? 0xdf : 0xdd); outBE(o, n, 4); }
}

/* Keys of the table at -1 exactly 1..n (n >= 0)? */
static bool isArray(lua_State* L) {
  int top = lua_gettop(L);
  double count = 0, max = 0;
  lua_pushnil(L);
  while (lua_next(L, -2)) {
    lua_pop(L, 1);
    if (lua_type(L, -1) != LUA_TNUMBER) {
      lua_settop(L, top);
      return false;
    }
    lua_Number k = lua_tonumber(L, -1);
    if (k <= 0 || static_cast<lua_Number>(static_cast<int>(k)) != k) {
      lua_settop(L, top);
      return false;
    }
    if (k > max) max = k;
    count++;
  }
  lua_settop(L, top);
  return max == count;
}

/* Encodes and pops the value on top of the stack. Array elements are read with lua_gettable
 * (metamethods run, as in the module Redis ships); a raising metamethod leaks o->p, no more. */
static void mpValue(lua_State* L, Out* o, int level) {
  int t = lua_type(L, -1);
  if (t == LUA_TTABLE && level == MAX_NESTING) t = LUA_TNIL;
  luaL_checkstack(L, 3, "in function mp_encode_lua_type");
  switch (t) {
    case LUA_TSTRING: {
      size_t n;
      const char* s = lua_tolstring(L, -1, &n);
      mpString(o, s, n);
      break;
    }
    case LUA_TBOOLEAN:
      outByte(o, lua_toboolean(L, -1) ? 0xc3 : 0xc2);
      break;
    case LUA_TNUMBER:
      mpNumber(o, lua_tonumber(L, -1));
      break;
    case LUA_TTABLE:
      if (isArray(L)) {
        size_t len = lua_objlen(L, -1);
        mpHeader(o, len, false);
        for (size_t j = 1; j <= len; j++) {
          lua_pushnumber(L, static_cast<lua_Number>(j));
          lua_gettable(L, -2);
          mpValue(L, o, level + 1);
        }
      } else {
        size_t len = 0;
        lua_pushnil(L);
        while (lua_next(L, -2)) {
          lua_pop(L, 1);
          len++;
        }
        mpHeader(o, len, true);
        lua_pushnil(L);
        while (lua_next(L, -2)) {
          lua_pushvalue(L, -2);
          mpValue(L, o, level + 1);  // a copy of the key
          mpValue(L, o, level + 1);  // the value; the key stays for lua_next
        }
      }
      break;
    default:
      outByte(o, 0xc0);
  }
  lua_pop(L, 1);
}

static int outGc(lua_State* L) {
  Out* o = static_cast<Out*>(lua_touserdata(L, 1));
  free(o->p);
  o->p = nullptr;
  return 0;
}

static int mpPack(lua_State* L) {
  int n = lua_gettop(L);
  if (n == 0) return luaL_argerror(L, 0, "MessagePack pack needs input.");
  Out* o = static_cast<Out*>(lua_newuserdata(L, sizeof(Out)));
  o->p = nullptr;
  o->n = 0;
  o->cap = 0;
  lua_pushvalue(L, lua_upvalueindex(1));
  lua_setmetatable(L, -2);
  // The userdata sits above the arguments; each argument is copied to the top and encoded.
  for (int i = 1; i <= n; i++) {
    lua_pushvalue(L, i);
    mpValue(L, o, 0);
  }
  lua_pushlstring(L, o->p != nullptr ? o->p : "", o->n);
  free(o->p);
  o->p = nullptr;
  return 1;
}

/* ---- decoding ------------------------------------------------------------------------------ */

struct Cur {
  const unsigned char* p;
  size_t left;
  int err;  // 0 ok, 1 EOF (missing bytes), 2 bad format
};

static bool need(Cur* c, size_t n) {
  if (c->left < n) {
    c->err = 1;
    return false;
  }
  return true;
}

static uint64_t readBE(Cur* c, int bytes) {
  uint64_t v = 0;
  for (int i = 0; i < bytes; i++) v = (v << 8) | c->p[i];
  c->p += bytes;
  c->left -= static_cast<size_t>(bytes);
  return v;
}

static void mpDecode(lua_State* L, Cur* c);

static void decodeArray(lua_State* L, Cur* c, size_t n) {
  luaL_checkstack(L, 2, "in function mp_decode_to_lua_array");
  lua_newtable(L);
  for (size_t j = 1; j <= n; j++) {
    lua_pushnumber(L, static_cast<lua_Number>(j));
    mpDecode(L, c);
    if (c->err) return;
    lua_settable(L, -3);
  }
}

static void decodeMap(lua_State* L, Cur* c, size_t n) {
  luaL_checkstack(L, 3, "in function mp_decode_to_lua_hash");
  lua_newtable(L);
  for (size_t j = 0; j < n; j++) {
    mpDecode(L, c);
    if (c->err) return;
    mpDecode(L, c);
    if (c->err) return;
    lua_settable(L, -3);
  }
}

static void decodeBytes(lua_State* L, Cur* c, size_t hdr, int lenBytes) {
  if (!need(c, hdr)) return;
  c->p++;
  c->left--;
  size_t n = static_cast<size_t>(readBE(c, lenBytes));
  if (!need(c, n)) return;
  lua_pushlstring(L, reinterpret_cast<const char*>(c->p), n);
  c->p += n;
  c->left -= n;
}

static void mpDecode(lua_State* L, Cur* c) {
  if (!need(c, 1)) return;
  unsigned t = c->p[0];
  switch (t) {
    case 0xcc: case 0xcd: case 0xce: case 0xcf: {
      int bytes = 1 << (t - 0xcc);
      if (!need(c, 1 + static_cast<size_t>(bytes))) return;
      c->p++;
      c->left--;
      lua_pushnumber(L, static_cast<lua_Number>(readBE(c, bytes)));
      return;
    }
    case 0xd0: case 0xd1: case 0xd2: case 0xd3: {
      int bytes = 1 << (t - 0xd0);
      if (!need(c, 1 + static_cast<size_t>(bytes))) return;
      c->p++;
      c->left--;
      uint64_t u = readBE(c, bytes);
      int64_t v;
      if (bytes == 1) v = static_cast<int8_t>(u);
      else if (bytes == 2) v = static_cast<int16_t>(u);
      else if (bytes == 4) v = static_cast<int32_t>(u);
      else v = static_cast<int64_t>(u);
      lua_pushnumber(L, static_cast<lua_Number>(v));
      return;
    }
    case 0xc0:
      c->p++;
      c->left--;
      lua_pushnil(L);
      return;
    case 0xc2:
    case 0xc3:
      c->p++;
      c->left--;
      lua_pushboolean(L, t == 0xc3);
      return;
    case 0xca: {
      if (!need(c, 5)) return;
      c->p++;
      c->left--;
      uint32_t bits = static_cast<uint32_t>(readBE(c, 4));
      float f;
      memcpy(&f, &bits, 4);
      lua_pushnumber(L, static_cast<lua_Number>(f));
      return;
    }
    case 0xcb: {
      if (!need(c, 9)) return;
      c->p++;
      c->left--;
      uint64_t bits = readBE(c, 8);
      double d;
      memcpy(&d, &bits, 8);
      lua_pushnumber(L, d);
      return;
    }
    case 0xc4: case 0xd9: decodeBytes(L, c, 2, 1); return;
    case 0xc5: case 0xda: decodeBytes(L, c, 3, 2); return;
    case 0xc6: case 0xdb: decodeBytes(L, c, 5, 4); return;
    case 0xdc: case 0xdd: case 0xde: case 0xdf: {
      int bytes = (t == 0xdc || t == 0xde) ? 2 : 4;
      if (!need(c, 1 + static_cast<size_t>(bytes))) return;
      c->p++;
      c->left--;
      size_t n = static_cast<size_t>(readBE(c, bytes));
      if (t == 0xdc || t == 0xdd) decodeArray(L, c, n);
      else decodeMap(L, c, n);
      return;
    }
    default:
      break;
  }
  if ((t & 0x80) == 0) {
    c->p++;
    c->left--;
    lua_pushnumber(L, static_cast<lua_Number>(t));
  } else if ((t & 0xe0) == 0xe0) {
    c->p++;
    c->left--;
    lua_pushnumber(L, static_cast<lua_Number>(static_cast<int8_t>(t)));
  } else if ((t & 0xe0) == 0xa0) {
    size_t n = t & 0x1f;
    if (!need(c, 1 + n)) return;
    lua_pushlstring(L, reinterpret_cast<const char*>(c->p + 1), n);
    c->p += 1 + n;
    c->left -= 1 + n;
  } else if ((t & 0xf0) == 0x90) {
    c->p++;
    c->left--;
    decodeArray(L, c, t & 0x0f);
  } else if ((t & 0xf0) == 0x80) {
    c->p++;
    c->left--;
    decodeMap(L, c, t & 0x0f);
  } else {
    c->err = 2;
  }
}

static int unpackFull(lua_State* L, int limit, int offset) {
  size_t len;
  const char* s = luaL_checklstring(L, 1, &len);
  bool all = limit == 0 && offset == 0;
  if (offset < 0 || limit < 0) {
    return luaL_error(L, "Invalid request to unpack with offset of %d and limit of %d.", offset, static_cast<int>(len));
  }
  if (static_cast<size_t>(offset) > len) {
    return luaL_error(L, "Start offset %d greater than input length %d.", offset, static_cast<int>(len));
  }
  if (all) limit = INT_MAX;
  Cur c{reinterpret_cast<const unsigned char*>(s) + offset, len - static_cast<size_t>(offset), 0};
  int cnt = 0;
  for (; c.left > 0 && cnt < limit; cnt++) {
    if (!lua_checkstack(L, 1)) return luaL_error(L, "too many results to unpack");
    mpDecode(L, &c);
    if (c.err == 1) return luaL_error(L, "Missing bytes in input.");
    if (c.err == 2) return luaL_error(L, "Bad data format in input.");
  }
  if (!all) {
    luaL_checkstack(L, 1, "in function mp_unpack_full");
    lua_pushinteger(L, c.left == 0 ? -1 : static_cast<lua_Integer>(len - c.left));
    lua_insert(L, 2);
    cnt++;
  }
  return cnt;
}

static int mpUnpack(lua_State* L) {
  return unpackFull(L, 0, 0);
}

static int mpUnpackOne(lua_State* L) {
  int offset = static_cast<int>(luaL_optinteger(L, 2, 0));
  lua_pop(L, lua_gettop(L) - 1);
  return unpackFull(L, 1, offset);
}

static int mpUnpackLimit(lua_State* L) {
  int limit = static_cast<int>(luaL_checkinteger(L, 2));
  int offset = static_cast<int>(luaL_optinteger(L, 3, 0));
  lua_pop(L, lua_gettop(L) - 1);
  return unpackFull(L, limit, offset);
}

int openCmsgpack(lua_State* L) {
  static const luaL_Reg fns[] = {
      {"unpack", mpUnpack}, {"unpack_one", mpUnpackOne}, {"unpack_limit", mpUnpackLimit}, {nullptr, nullptr}};
  lua_newtable(L);
  luaL_register(L, nullptr, fns);
  lua_createtable(L, 0, 1);  // metatable of pack's output buffers
  lua_pushcfunction(L, outGc);
  lua_setfield(L, -2, "__gc");
  lua_pushcclosure(L, mpPack, 1);
  lua_setfield(L, -2, "pack");
  lua_pushliteral(L, "cmsgpack");
  lua_setfield(L, -2, "_NAME");
  lua_pushliteral(L, "lua-cmsgpack 0.4.0");
  lua_setfield(L, -2, "_VERSION");
  lua_pushliteral(L, "Copyright (C) 2012, Salvatore Sanfilippo");
  lua_setfield(L, -2, "_COPYRIGHT");
  lua_pushliteral(L, "MessagePack C implementation for Lua");
  lua_setfield(L, -2, "_DESCRIPTION");
  return 1;
}

}  // namespace spindle
