// Listpack integrity check (lpValidateIntegrity, deep), the native twin of lpValidate in
// src/store/listpack.ts: the header's total equals the size, every entry's encoding is known and
// lies inside the buffer, every backlen decodes to its entry's size, the walk ends exactly on the
// final 0xFF and the header count matches (unless 65535). Reads only inside [0, size).
#include <cstring>

#include "args.h"

namespace spindle {
namespace {

constexpr size_t kLpHdr = 6;
constexpr uint8_t kLpEof = 0xff;
constexpr unsigned kNumeleUnknown = 65535;

inline uint64_t BacklenSize(uint64_t l) {
  if (l <= 127) return 1;
  if (l < 16383) return 2;
  if (l < 2097151) return 3;
  if (l < 268435455) return 4;
  return 5;
}

// The backlen whose rightmost byte is at q, read leftwards; -1 past 5 bytes or below index 0.
inline int64_t ReadBacklen(const uint8_t* lp, int64_t q) {
  int64_t val = 0;
  int64_t mul = 1;
  for (int i = 0; i < 5; i++) {
    if (q < 0) return -1;
    uint8_t b = lp[q];
    val += (b & 127) * mul;
    if ((b & 128) == 0) return val;
    mul *= 128;
    q--;
  }
  return -1;
}

inline size_t EncodingHeaderSize(uint8_t b) {
  if (b < 0xe0) return 1;
  if (b < 0xf0) return 2;
  if (b == 0xf0) return 5;
  if (b <= 0xf4 || b == 0xff) return 1;
  return 0;
}

// Size of <encoding+data>; the caller has checked the encoding header lies inside the buffer.
inline uint64_t EncodedSize(const uint8_t* lp, size_t p) {
  uint8_t b = lp[p];
  if (b < 0x80) return 1;
  if (b < 0xc0) return 1 + (b & 0x3f);
  if (b < 0xe0) return 2;
  if (b < 0xf0) return 2 + (((b & 0x0f) << 8) | lp[p + 1]);
  switch (b) {
    case 0xf0:
      return 5 + (static_cast<uint64_t>(lp[p + 1]) | (static_cast<uint64_t>(lp[p + 2]) << 8) |
                  (static_cast<uint64_t>(lp[p + 3]) << 16) | (static_cast<uint64_t>(lp[p + 4]) << 24));
    case 0xf1:
      return 3;
    case 0xf2:
      return 4;
    case 0xf3:
      return 5;
    case 0xf4:
      return 9;
    default:
      return 1;
  }
}

// lpValidateNext: the offset of the entry after p, or 0 when invalid (0 is never a valid next).
inline size_t ValidateNext(const uint8_t* lp, size_t p, size_t size) {
  size_t last = size - 1;
  size_t hdr = EncodingHeaderSize(lp[p]);
  if (hdr == 0) return 0;
  if (p + hdr > last) return 0;
  uint64_t l = EncodedSize(lp, p);
  uint64_t next = p + l + BacklenSize(l);
  if (next > last) return 0;
  int64_t prevlen = ReadBacklen(lp, static_cast<int64_t>(next) - 1);
  if (prevlen < 0 || static_cast<uint64_t>(prevlen) != l) return 0;
  return static_cast<size_t>(next);
}

bool Validate(const uint8_t* lp, size_t size) {
  if (size < kLpHdr + 1) return false;
  uint32_t total = static_cast<uint32_t>(lp[0]) | (static_cast<uint32_t>(lp[1]) << 8) | (static_cast<uint32_t>(lp[2]) << 16) |
                   (static_cast<uint32_t>(lp[3]) << 24);
  if (total != size) return false;
  if (lp[size - 1] != kLpEof) return false;
  unsigned numele = lp[4] | (lp[5] << 8);
  uint64_t count = 0;
  size_t p = kLpHdr;
  while (lp[p] != kLpEof) {
    size_t next = ValidateNext(lp, p, size);
    if (next == 0) return false;
    count++;
    p = next;
  }
  if (p != size - 1) return false;
  if (numele != kNumeleUnknown && numele != count) return false;
  return true;
}

// lpValidate(bytes, size) -> bool; the listpack is bytes[0, size).
Napi::Value ValidateJs(const Napi::CallbackInfo& info) {
  Bytes b;
  if (!GetBytes(info, 0, &b)) return info.Env().Undefined();
  // Any size that is not a whole number of bytes inside the buffer is simply invalid.
  double d = info[1].IsNumber() ? info[1].As<Napi::Number>().DoubleValue() : -1;
  if (!(d >= 0 && d <= static_cast<double>(b.len)) || d != std::floor(d)) return Napi::Boolean::New(info.Env(), false);
  return Napi::Boolean::New(info.Env(), Validate(b.data, static_cast<size_t>(d)));
}

// string2ll: the canonical decimal spelling of an int64 (no '+', no leading zeros, no "-0").
bool String2ll(const uint8_t* s, size_t len, int64_t* out) {
  if (len == 0 || len > 20) return false;
  size_t i = 0;
  if (len == 1 && s[0] == '0') {
    *out = 0;
    return true;
  }
  bool neg = false;
  if (s[0] == '-') {
    neg = true;
    if (++i == len) return false;
  }
  if (s[i] < '1' || s[i] > '9') return false;
  uint64_t v = 0;
  for (; i < len; i++) {
    if (s[i] < '0' || s[i] > '9') return false;
    uint64_t d = s[i] - '0';
    if (v > (UINT64_MAX - d) / 10) return false;
    v = v * 10 + d;
  }
  if (neg) {
    if (v > (1ULL << 63)) return false;
    *out = static_cast<int64_t>(0 - v);
  } else {
    if (v > static_cast<uint64_t>(INT64_MAX)) return false;
    *out = static_cast<int64_t>(v);
  }
  return true;
}

// The integer of the int-encoded entry at p (b its first byte); false for a string or invalid
// encoding or when the entry runs past n.
bool ReadInt(const uint8_t* lp, size_t n, size_t p, uint8_t b, int64_t* out) {
  if (b < 0x80) {
    *out = b;
    return true;
  }
  if (b >= 0xc0 && b < 0xe0) {
    if (p + 2 > n) return false;
    unsigned u = ((b & 0x1f) << 8) | lp[p + 1];
    *out = u >= 4096 ? static_cast<int64_t>(u) - 8192 : u;
    return true;
  }
  size_t bytes = b == 0xf1 ? 2 : b == 0xf2 ? 3 : b == 0xf3 ? 4 : b == 0xf4 ? 8 : 0;
  if (bytes == 0 || p + 1 + bytes > n) return false;
  uint64_t u = 0;
  for (size_t i = bytes; i-- > 0;) u = (u << 8) | lp[p + 1 + i];
  unsigned shift = static_cast<unsigned>(64 - bytes * 8);
  *out = static_cast<int64_t>(u << shift) >> shift;  // sign-extend
  return true;
}

// lpFind from entry p: the first entry equal to s[0, slen), comparing one entry and skipping
// `skip`; -1 when none. Every step stays inside lp[0, n): a malformed listpack ends the search.
int64_t Find(const uint8_t* lp, size_t n, size_t p, const uint8_t* s, size_t slen, size_t skip) {
  size_t skipcnt = 0;
  int vstate = 0;  // 0 not parsed, 1 parsed, 2 not an integer
  int64_t vll = 0;
  for (;;) {
    if (p >= n) return -1;
    uint8_t b = lp[p];
    if (b == kLpEof) return -1;
    size_t hdr = EncodingHeaderSize(b);
    if (hdr == 0 || p + hdr > n) return -1;
    uint64_t l = EncodedSize(lp, p);
    if (skipcnt == 0) {
      bool isStr = (b >= 0x80 && b < 0xc0) || (b >= 0xe0 && b <= 0xf0);
      if (isStr) {
        uint64_t strLen = l - hdr;
        if (p + l > n) return -1;
        if (strLen == slen && std::memcmp(lp + p + hdr, s, slen) == 0) return static_cast<int64_t>(p);
      } else {
        if (vstate == 0) vstate = (slen >= 32 || slen == 0 || !String2ll(s, slen, &vll)) ? 2 : 1;
        int64_t x;
        if (vstate == 1 && ReadInt(lp, n, p, b, &x) && x == vll) return static_cast<int64_t>(p);
      }
      skipcnt = skip;
    } else {
      skipcnt--;
    }
    uint64_t next = p + l + BacklenSize(l);
    if (next > n) return -1;
    p = static_cast<size_t>(next);
  }
}

// lpFind(lp, p, s, off, len, skip) -> offset or -1.
Napi::Value FindJs(const Napi::CallbackInfo& info) {
  Bytes lp, s;
  size_t p = 0, off = 0, len = 0, skip = 0;
  if (!GetBytes(info, 0, &lp) || !GetBytes(info, 2, &s) || !GetRange(info, 3, 4, s, &off, &len)) return info.Env().Undefined();
  if (info[1].IsNumber() && info[1].As<Napi::Number>().DoubleValue() < 0) return Napi::Number::New(info.Env(), -1);
  if (!GetIndex(info, 1, &p) || !GetIndex(info, 5, &skip)) return info.Env().Undefined();
  return Napi::Number::New(info.Env(), static_cast<double>(Find(lp.data, lp.len, p, s.data + off, len, skip)));
}

}  // namespace

void InitListpack(Napi::Env env, Napi::Object exports) {
  exports.Set("lpValidate", Napi::Function::New(env, ValidateJs, "lpValidate"));
  exports.Set("lpFind", Napi::Function::New(env, FindJs, "lpFind"));
}

}  // namespace spindle
