/*
 * struct: binary packing for scripts, with the behaviour of the struct library Redis ships
 * (Roberto Ierusalimschy's struct 0.2 for Lua 5.1; written here from its manual and outputs).
 *
 *   struct.pack(fmt, v1, ...)   struct.unpack(fmt, s [, pos])   struct.size(fmt)
 *
 * Format: '<' little endian, '>' big endian, '!n' maximum alignment n (default 1: none; '!'
 * alone: the platform's, 8), ' ' ignored, 'x' a zero byte, 'b'/'B' char, 'h'/'H' short, 'l'/'L'
 * long (8 bytes), 'T' size_t, 'i'/'I' n-byte int (default 4, at most 32), 'f' float, 'd' double,
 * 's' zero-terminated string, 'cn' n chars ('c0': the string's length when packing, the previous
 * number unpacked when unpacking). Lower case is signed. unpack returns the values and the next
 * position.
 */
#include <cctype>
#include <climits>
#include <cstring>

#include "engine.h"

namespace spindle {

static const int MAX_INT_SIZE = 32;
static const int NATIVE_ALIGN = 8;

struct Header {
  bool little;
  int align;
};

static int readNum(lua_State* L, const char** fmt, int dflt) {
  if (!isdigit(static_cast<unsigned char>(**fmt))) return dflt;
  int a = 0;
  do {
    int d = **fmt - '0';
    if (a > INT_MAX / 10 || a * 10 > INT_MAX - d) luaL_error(L, "integral size overflow");
    a = a * 10 + d;
    (*fmt)++;
  } while (isdigit(static_cast<unsigned char>(**fmt)));
  return a;
}

static size_t optSize(lua_State* L, int opt, const char** fmt) {
  switch (opt) {
    case 'B': case 'b': return 1;
    case 'H': case 'h': return sizeof(short);
    case 'L': case 'l': return sizeof(long);
    case 'T': return sizeof(size_t);
    case 'f': return sizeof(float);
    case 'd': return sizeof(double);
    case 'x': return 1;
    case 'c': return static_cast<size_t>(readNum(L, fmt, 1));
    case 'i': case 'I': {
      int sz = readNum(L, fmt, sizeof(int));
      if (sz > MAX_INT_SIZE) luaL_error(L, "integral size %d is larger than limit of %d", sz, MAX_INT_SIZE);
      return static_cast<size_t>(sz);
    }
    default: return 0;
  }
}

static size_t padding(size_t pos, const Header& h, int opt, size_t size) {
  if (size == 0 || opt == 'c') return 0;
  if (size > static_cast<size_t>(h.align)) size = static_cast<size_t>(h.align);
  return (size - (pos & (size - 1))) & (size - 1);
}

static void controlOption(lua_State* L, int opt, const char** fmt, Header* h) {
  switch (opt) {
    case ' ': return;
    case '>': h->little = false; return;
    case '<': h->little = true; return;
    case '!': {
      int a = readNum(L, fmt, NATIVE_ALIGN);
      if (a <= 0 || (a & (a - 1)) != 0) luaL_error(L, "alignment %d is not a power of 2", a);
      h->align = a;
      return;
    }
    default:
      luaL_argerror(L, 1, lua_pushfstring(L, "invalid format option '%c'", opt));
  }
}

static void putInteger(lua_State* L, luaL_Buffer* b, int arg, bool little, size_t size) {
  lua_Number n = luaL_checknumber(L, arg);
  unsigned long long v = n < 0 ? static_cast<unsigned long long>(static_cast<long long>(n)) : static_cast<unsigned long long>(n);
  char buf[MAX_INT_SIZE];
  for (size_t i = 0; i < size; i++) {
    buf[little ? i : size - 1 - i] = static_cast<char>(v & 0xff);
    v = i < 7 ? v >> 8 : 0;
  }
  luaL_addlstring(b, buf, size);
}

static void putFloat(luaL_Buffer* b, const void* p, size_t size, bool little) {
  char buf[8];
  memcpy(buf, p, size);
  if (!little) {
    for (size_t i = 0; i < size / 2; i++) {
      char t = buf[i];
      buf[i] = buf[size - 1 - i];
      buf[size - 1 - i] = t;
    }
  }
  luaL_addlstring(b, buf, size);
}

static int structPack(lua_State* L) {
  const char* fmt = luaL_checkstring(L, 1);
  Header h{true, 1};
  int arg = 2;
  size_t total = 0;
  luaL_Buffer b;
  lua_pushnil(L);  // keeps the arguments apart from the buffer's pieces
  luaL_buffinit(L, &b);
  while (*fmt != '\0') {
    int opt = *fmt++;
    size_t size = optSize(L, opt, &fmt);
    size_t pad = padding(total, h, opt, size);
    total += pad;
    while (pad-- > 0) luaL_addchar(&b, '\0');
    switch (opt) {
      case 'b': case 'B': case 'h': case 'H': case 'l': case 'L': case 'T': case 'i': case 'I':
        putInteger(L, &b, arg++, h.little, size);
        break;
      case 'x':
        luaL_addchar(&b, '\0');
        break;
      case 'f': {
        float f = static_cast<float>(luaL_checknumber(L, arg++));
        putFloat(&b, &f, size, h.little);
        break;
      }
      case 'd': {
        double d = luaL_checknumber(L, arg++);
        putFloat(&b, &d, size, h.little);
        break;
      }
      case 'c': case 's': {
        size_t l;
        const char* s = luaL_checklstring(L, arg++, &l);
        if (size == 0) size = l;
        luaL_argcheck(L, l >= size, arg, "string too short");
        luaL_addlstring(&b, s, size);
        if (opt == 's') {
          luaL_addchar(&b, '\0');
          size++;
        }
        break;
      }
      default:
        controlOption(L, opt, &fmt, &h);
    }
    total += size;
  }
  luaL_pushresult(&b);
  return 1;
}

static lua_Number getInteger(const char* p, bool little, bool isSigned, size_t size) {
  unsigned long long v = 0;
  for (size_t i = 0; i < size; i++) {
    unsigned char c = static_cast<unsigned char>(little ? p[size - 1 - i] : p[i]);
    v = (v << 8) | c;
  }
  if (!isSigned) return static_cast<lua_Number>(v);
  if (size < 8) {
    unsigned long long mask = ~0ULL << (size * 8 - 1);
    if (v & mask) v |= mask;
  }
  return static_cast<lua_Number>(static_cast<long long>(v));
}

static int structUnpack(lua_State* L) {
  Header h{true, 1};
  const char* fmt = luaL_checkstring(L, 1);
  size_t ld;
  const char* data = luaL_checklstring(L, 2, &ld);
  size_t pos = static_cast<size_t>(luaL_optinteger(L, 3, 1)) - 1;
  int n = 0;
  luaL_argcheck(L, pos <= ld, 3, "offset must be 1 or greater");
  while (*fmt) {
    int opt = *fmt++;
    size_t size = optSize(L, opt, &fmt);
    pos += padding(pos, h, opt, size);
    luaL_argcheck(L, size <= ld && pos <= ld - size, 2, "data string too short");
    luaL_checkstack(L, 2, "too many results");
    switch (opt) {
      case 'b': case 'B': case 'h': case 'H': case 'l': case 'L': case 'T': case 'i': case 'I':
        lua_pushnumber(L, getInteger(data + pos, h.little, islower(opt) != 0, size));
        n++;
        break;
      case 'x':
        break;
      case 'f': {
        char buf[4];
        memcpy(buf, data + pos, 4);
        if (!h.little) {
          char t = buf[0]; buf[0] = buf[3]; buf[3] = t;
          t = buf[1]; buf[1] = buf[2]; buf[2] = t;
        }
        float f;
        memcpy(&f, buf, 4);
        lua_pushnumber(L, f);
        n++;
        break;
      }
      case 'd': {
        char buf[8];
        memcpy(buf, data + pos, 8);
        if (!h.little) {
          for (int i = 0; i < 4; i++) {
            char t = buf[i];
            buf[i] = buf[7 - i];
            buf[7 - i] = t;
          }
        }
        double d;
        memcpy(&d, buf, 8);
        lua_pushnumber(L, d);
        n++;
        break;
      }
      case 'c':
        if (size == 0) {
          if (n == 0 || !lua_isnumber(L, -1)) luaL_error(L, "format 'c0' needs a previous size");
          size = static_cast<size_t>(lua_tonumber(L, -1));
          lua_pop(L, 1);
          n--;
          luaL_argcheck(L, size <= ld && pos <= ld - size, 2, "data string too short");
        }
        lua_pushlstring(L, data + pos, size);
        n++;
        break;
      case 's': {
        const char* e = static_cast<const char*>(memchr(data + pos, '\0', ld - pos));
        if (e == nullptr) luaL_error(L, "unfinished string in data");
        size = static_cast<size_t>(e - (data + pos)) + 1;
        lua_pushlstring(L, data + pos, size - 1);
        n++;
        break;
      }
      default:
        controlOption(L, opt, &fmt, &h);
    }
    pos += size;
  }
  lua_pushinteger(L, static_cast<lua_Integer>(pos + 1));
  return n + 1;
}

static int structSize(lua_State* L) {
  Header h{true, 1};
  const char* fmt = luaL_checkstring(L, 1);
  size_t pos = 0;
  while (*fmt) {
    int opt = *fmt++;
    size_t size = optSize(L, opt, &fmt);
    pos += padding(pos, h, opt, size);
    if (opt == 's') luaL_argerror(L, 1, "option 's' has no fixed size");
    else if (opt == 'c' && size == 0) luaL_argerror(L, 1, "option 'c0' has no fixed size");
    if (!isalnum(opt)) controlOption(L, opt, &fmt, &h);
    pos += size;
  }
  lua_pushinteger(L, static_cast<lua_Integer>(pos));
  return 1;
}

int openStruct(lua_State* L) {
  static const luaL_Reg fns[] = {{"pack", structPack}, {"unpack", structUnpack}, {"size", structSize}, {nullptr, nullptr}};
  lua_newtable(L);
  luaL_register(L, nullptr, fns);
  return 1;
}

}  // namespace spindle
