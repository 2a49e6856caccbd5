/*
 * Conversions between RESP replies and Lua values, with Redis 7.0's rules.
 *
 * RESP -> Lua (what redis.call returns): integer -> number; bulk -> string; null bulk and null
 * array -> false; RESP3 null -> nil; status -> {ok = s}; error -> {err = s}; array -> table
 * 1..n; RESP3 map -> {map = {k = v}}; set -> {set = {e = true}}; boolean -> boolean; double ->
 * {double = n}; big number -> {big_number = s}; verbatim -> {verbatim_string = {format = f,
 * string = s}}; attributes are skipped.
 *
 * Lua -> RESP (what a script returns): string -> bulk; number -> integer (truncated); boolean ->
 * in a RESP2 script 1 or null, in a RESP3 script a boolean; table with a string `err` -> error,
 * `ok` -> status, numeric `double` -> double, string `big_number` -> big number,
 * `verbatim_string` {format, string} -> verbatim, table `map` -> map, table `set` -> set, else an
 * array of t[1], t[2]... up to the first nil; anything else -> null. Map and set replies and
 * doubles are written in the caller's protocol (RESP2 downgrades them as Redis's reply functions
 * do).
 */
#include <climits>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "engine.h"

namespace spindle {

int formatDouble17(double d, char* buf, size_t cap) {
  return snprintf(buf, cap, "%.17g", d);
}

static void appendCrlf(std::string& out) {
  out.push_back('\r');
  out.push_back('\n');
}

static void appendHeader(std::string& out, char type, long long n) {
  char b[32];
  int len = snprintf(b, sizeof(b), "%c%lld\r\n", type, n);
  out.append(b, static_cast<size_t>(len));
}

static void appendBulk(std::string& out, const char* s, size_t n) {
  appendHeader(out, '$', static_cast<long long>(n));
  out.append(s, n);
  appendCrlf(out);
}

/* A status or big-number line: CR and LF inside become spaces. */
static void appendLine(std::string& out, char type, const char* s, size_t n) {
  out.push_back(type);
  for (size_t i = 0; i < n; i++) out.push_back(s[i] == '\r' || s[i] == '\n' ? ' ' : s[i]);
  appendCrlf(out);
}

void appendError(std::string& out, const char* s, size_t n) {
  if (n == 0 || s[0] != '-') out.append("-ERR ");
  for (size_t i = 0; i < n; i++) out.push_back(s[i] == '\r' || s[i] == '\n' ? ' ' : s[i]);
  appendCrlf(out);
}

static void appendDouble(std::string& out, double d, int resp) {
  if (std::isinf(d)) {
    if (resp == 2) appendBulk(out, d > 0 ? "inf" : "-inf", d > 0 ? 3 : 4);
    else out.append(d > 0 ? ",inf\r\n" : ",-inf\r\n");
    return;
  }
  char b[64];
  int len = formatDouble17(d, b, sizeof(b));
  if (resp == 2) appendBulk(out, b, static_cast<size_t>(len));
  else appendLine(out, ',', b, static_cast<size_t>(len));
}

/* Reserves room for an aggregate header whose length is known only later (filled in after). */
static size_t deferHeader(std::string& out) {
  size_t at = out.size();
  out.append(24, ' ');
  return at;
}

/* Writes the deferred header and closes the gap (Redis's setDeferredReply). */
static void setDeferred(std::string& out, size_t at, char type, long long n) {
  char b[32];
  int len = snprintf(b, sizeof(b), "%c%lld\r\n", type, n);
  out.replace(at, 24, b, static_cast<size_t>(len));
}

/* Field t[name] (raw) of the table at -1 pushed; returns its type. */
static int rawField(lua_State* L, const char* name) {
  lua_pushstring(L, name);
  lua_rawget(L, -2);
  return lua_type(L, -1);
}

void luaToResp(lua_State* L, std::string& out, int clientResp, int scriptResp) {
  if (!lua_checkstack(L, 4)) {
    appendError(out, "reached lua stack limit", 23);
    lua_pop(L, 1);
    return;
  }
  int t = lua_type(L, -1);
  switch (t) {
    case LUA_TSTRING: {
      size_t n;
      const char* s = lua_tolstring(L, -1, &n);
      appendBulk(out, s, n);
      break;
    }
    case LUA_TBOOLEAN: {
      bool v = lua_toboolean(L, -1) != 0;
      if (scriptResp == 2) {
        if (v) out.append(":1\r\n");
        else out.append(clientResp == 2 ? "$-1\r\n" : "_\r\n");
      } else if (clientResp == 2) {
        out.append(v ? ":1\r\n" : ":0\r\n");
      } else {
        out.append(v ? "#t\r\n" : "#f\r\n");
      }
      break;
    }
    case LUA_TNUMBER: {
      long long v = static_cast<long long>(lua_tonumber(L, -1));
      appendHeader(out, ':', v);
      break;
    }
    case LUA_TTABLE: {
      if (rawField(L, "err") == LUA_TSTRING) {
        size_t n;
        const char* s = lua_tolstring(L, -1, &n);
        out.push_back('-');
        for (size_t i = 0; i < n; i++) out.push_back(s[i] == '\r' || s[i] == '\n' ? ' ' : s[i]);
        appendCrlf(out);
        lua_pop(L, 2);
        return;
      }
      lua_pop(L, 1);
      if (rawField(L, "ok") == LUA_TSTRING) {
        // Redis builds the status with sdsnew: it stops at a NUL byte.
        const char* s = lua_tostring(L, -1);
        appendLine(out, '+', s, strlen(s));
        lua_pop(L, 2);
        return;
      }
      lua_pop(L, 1);
      if (rawField(L, "double") == LUA_TNUMBER) {
        appendDouble(out, lua_tonumber(L, -1), clientResp);
        lua_pop(L, 2);
        return;
      }
      lua_pop(L, 1);
      if (rawField(L, "big_number") == LUA_TSTRING) {
        size_t n;
        const char* s = lua_tolstring(L, -1, &n);
        if (clientResp == 2) {
          std::string clean(s, n);
          for (char& ch : clean) if (ch == '\r' || ch == '\n') ch = ' ';
          appendBulk(out, clean.data(), clean.size());
        } else {
          appendLine(out, '(', s, n);
        }
        lua_pop(L, 2);
        return;
      }
      lua_pop(L, 1);
      if (rawField(L, "verbatim_string") == LUA_TTABLE) {
        if (rawField(L, "format") == LUA_TSTRING) {
          const char* format = lua_tostring(L, -1);
          lua_pushstring(L, "string");
          lua_rawget(L, -3);
          if (lua_type(L, -1) == LUA_TSTRING) {
            size_t n;
            const char* s = lua_tolstring(L, -1, &n);
            if (clientResp == 2) {
              appendBulk(out, s, n);
            } else {
              // Redis copies exactly three format characters, padding with spaces.
              char fmt[4] = {' ', ' ', ' ', ':'};
              size_t fl = strlen(format);
              for (size_t i = 0; i < 3 && i < fl; i++) fmt[i] = format[i];
              appendHeader(out, '=', static_cast<long long>(n + 4));
              out.append(fmt, 4);
              out.append(s, n);
              appendCrlf(out);
            }
            lua_pop(L, 4);
            return;
          }
          lua_pop(L, 1);
        }
        lua_pop(L, 1);
      }
      lua_pop(L, 1);
      if (rawField(L, "map") == LUA_TTABLE) {
        size_t at = deferHeader(out);
        long long n = 0;
        lua_pushnil(L);
        while (lua_next(L, -2)) {
          lua_pushvalue(L, -2);
          luaToResp(L, out, clientResp, scriptResp);  // key
          luaToResp(L, out, clientResp, scriptResp);  // value
          n++;
        }
        if (clientResp == 2) setDeferred(out, at, '*', n * 2);
        else setDeferred(out, at, '%', n);
        lua_pop(L, 2);
        return;
      }
      lua_pop(L, 1);
      if (rawField(L, "set") == LUA_TTABLE) {
        size_t at = deferHeader(out);
        long long n = 0;
        lua_pushnil(L);
        while (lua_next(L, -2)) {
          lua_pop(L, 1);
          lua_pushvalue(L, -1);
          luaToResp(L, out, clientResp, scriptResp);
          n++;
        }
        setDeferred(out, at, clientResp == 2 ? '*' : '~', n);
        lua_pop(L, 2);
        return;
      }
      lua_pop(L, 1);
      size_t at = deferHeader(out);
      long long n = 0;
      for (int j = 1;; j++) {
        lua_pushnumber(L, j);
        lua_rawget(L, -2);
        if (lua_type(L, -1) == LUA_TNIL) {
          lua_pop(L, 1);
          break;
        }
        luaToResp(L, out, clientResp, scriptResp);
        n++;
      }
      setDeferred(out, at, '*', n);
      break;
    }
    default:
      out.append(clientResp == 2 ? "$-1\r\n" : "_\r\n");
  }
  lua_pop(L, 1);
}

void pushErrorTable(lua_State* L, const char* s, size_t n) {
  std::string code = "ERR";
  std::string msg;
  if (n > 0 && s[0] == '-') {
    const char* sp = static_cast<const char*>(memchr(s, ' ', n));
    if (sp == nullptr) {
      msg.assign(s + 1, n - 1);
    } else {
      code.assign(s + 1, static_cast<size_t>(sp - s - 1));
      msg.assign(sp + 1, n - static_cast<size_t>(sp - s) - 1);
    }
  } else {
    msg.assign(s, n);
  }
  // sdstrim(msg, "\r\n"): both ends.
  size_t b = 0, e = msg.size();
  while (b < e && (msg[b] == '\r' || msg[b] == '\n')) b++;
  while (e > b && (msg[e - 1] == '\r' || msg[e - 1] == '\n')) e--;
  code.push_back(' ');
  code.append(msg, b, e - b);
  lua_newtable(L);
  lua_pushstring(L, "err");
  lua_pushlstring(L, code.data(), code.size());
  lua_settable(L, -3);
}

/* ---- RESP -> Lua ---------------------------------------------------------------------------- */

struct Cursor {
  const char* p;
  const char* end;
};

/* The line after the type byte, up to CRLF; false when incomplete. */
static bool readLine(Cursor& c, const char*& s, size_t& n) {
  const char* q = c.p;
  while (q + 1 < c.end && !(q[0] == '\r' && q[1] == '\n')) q++;
  if (q + 1 >= c.end) return false;
  s = c.p;
  n = static_cast<size_t>(q - c.p);
  c.p = q + 2;
  return true;
}

static bool lineNumber(const char* s, size_t n, long long& v) {
  std::string t(s, n);
  char* e = nullptr;
  v = strtoll(t.c_str(), &e, 10);
  return e != t.c_str();
}

static bool parseValue(lua_State* L, Cursor& c);

static bool parseAggregate(lua_State* L, Cursor& c, long long n) {
  lua_createtable(L, n > 0 && n < INT_MAX ? static_cast<int>(n) : 0, 0);
  for (long long j = 0; j < n; j++) {
    lua_pushnumber(L, static_cast<lua_Number>(j + 1));
    if (!parseValue(L, c)) {
      lua_pop(L, 2);
      return false;
    }
    lua_settable(L, -3);
  }
  return true;
}

static bool parseValue(lua_State* L, Cursor& c) {
  if (!lua_checkstack(L, 5)) return false;
  if (c.p >= c.end) return false;
  char type = *c.p++;
  const char* s;
  size_t n;
  if (!readLine(c, s, n)) return false;
  long long len = 0;
  switch (type) {
    case ':':
      if (!lineNumber(s, n, len)) return false;
      lua_pushnumber(L, static_cast<lua_Number>(len));
      return true;
    case '$':
    case '=': {
      if (!lineNumber(s, n, len)) return false;
      if (len < 0) {
        lua_pushboolean(L, 0);
        return true;
      }
      if (c.end - c.p < len + 2) return false;
      const char* body = c.p;
      c.p += len + 2;
      if (type == '$') {
        lua_pushlstring(L, body, static_cast<size_t>(len));
        return true;
      }
      lua_newtable(L);
      lua_pushstring(L, "verbatim_string");
      lua_newtable(L);
      lua_pushstring(L, "string");
      lua_pushlstring(L, body + 4, len >= 4 ? static_cast<size_t>(len - 4) : 0);
      lua_settable(L, -3);
      lua_pushstring(L, "format");
      lua_pushlstring(L, body, len >= 3 ? 3 : static_cast<size_t>(len));
      lua_settable(L, -3);
      lua_settable(L, -3);
      return true;
    }
    case '+':
      lua_newtable(L);
      lua_pushstring(L, "ok");
      lua_pushlstring(L, s, n);
      lua_settable(L, -3);
      return true;
    case '-': {
      std::string e("-");
      e.append(s, n);
      pushErrorTable(L, e.data(), e.size());
      lua_pushstring(L, "ignore_error_stats_update");
      lua_pushboolean(L, 1);
      lua_settable(L, -3);
      return true;
    }
    case '*':
      if (!lineNumber(s, n, len)) return false;
      if (len < 0) {
        lua_pushboolean(L, 0);
        return true;
      }
      return parseAggregate(L, c, len);
    case '%':
    case '~': {
      if (!lineNumber(s, n, len)) return false;
      lua_newtable(L);
      lua_pushstring(L, type == '%' ? "map" : "set");
      lua_newtable(L);
      for (long long j = 0; j < len; j++) {
        if (!parseValue(L, c)) {
          lua_pop(L, 3);
          return false;
        }
        if (type == '%') {
          if (!parseValue(L, c)) {
            lua_pop(L, 4);
            return false;
          }
        } else {
          lua_pushboolean(L, 1);
        }
        lua_settable(L, -3);
      }
      lua_settable(L, -3);
      return true;
    }
    case '>':
      if (!lineNumber(s, n, len)) return false;
      return parseAggregate(L, c, len);
    case '|': {
      // Attributes: parsed and dropped; the value follows.
      if (!lineNumber(s, n, len)) return false;
      for (long long j = 0; j < len * 2; j++) {
        if (!parseValue(L, c)) return false;
        lua_pop(L, 1);
      }
      return parseValue(L, c);
    }
    case '_':
      lua_pushnil(L);
      return true;
    case '#':
      lua_pushboolean(L, n > 0 && s[0] == 't');
      return true;
    case ',': {
      std::string t(s, n);
      double d = strtod(t.c_str(), nullptr);
      lua_newtable(L);
      lua_pushstring(L, "double");
      lua_pushnumber(L, d);
      lua_settable(L, -3);
      return true;
    }
    case '(':
      lua_newtable(L);
      lua_pushstring(L, "big_number");
      lua_pushlstring(L, s, n);
      lua_settable(L, -3);
      return true;
    default:
      return false;
  }
}

size_t respToLua(lua_State* L, const char* p, size_t n) {
  Cursor c{p, p + n};
  int top = lua_gettop(L);
  if (!parseValue(L, c)) {
    lua_settop(L, top);
    return 0;
  }
  return static_cast<size_t>(c.p - p);
}

}  // namespace spindle
