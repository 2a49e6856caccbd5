// HyperLogLog in Redis 7.0's byte layout, the native twin of src/store/hyperloglog.ts (same
// algorithms, same results byte for byte; see that file for the format). Each call does a whole
// command's work: all elements of a PFADD, the estimate of one value, the register-wise max of
// one source, all registers of a PFMERGE. Sparse values are edited in the caller's working
// buffer (HllWork.buf), whose capacity is checked before every edit: when an edit could need
// more room the call stops and says where, the caller grows the buffer and calls again.
// A corrupt value is reported (-1 / false / status 1), never read or written out of bounds.
#include <cstring>

#include "args.h"

namespace spindle {
namespace {

constexpr size_t kRegisters = 16384;
constexpr size_t kHdr = 16;
constexpr size_t kDenseSize = kHdr + kRegisters * 6 / 8;
constexpr uint8_t kDense = 0;
constexpr uint8_t kSparse = 1;
constexpr int kQ = 50;
constexpr int kValMax = 32;
constexpr int kValMaxLen = 4;
constexpr int kZeroMaxLen = 64;
constexpr double kAlphaInf = 0.721347520444481703680;
constexpr uint64_t kM = 0xc6a4a7935bd1e995ULL;
constexpr uint64_t kSeed = 0xadc83b19ULL;
// Room a sparse edit may need past the current length (a split adds at most 3 bytes).
constexpr size_t kSlack = 8;

// MurmurHash64A as Redis computes it on a little-endian machine.
uint64_t Murmur64A(const uint8_t* d, size_t n) {
  uint64_t h = kSeed ^ (static_cast<uint64_t>(static_cast<uint32_t>(n)) * kM);
  size_t blocks = n - (n & 7);
  for (size_t i = 0; i < blocks; i += 8) {
    uint64_t k = 0;
    for (int b = 7; b >= 0; b--) k = (k << 8) | d[i + b];
    k *= kM;
    k ^= k >> 47;
    k *= kM;
    h ^= k;
    h *= kM;
  }
  const uint8_t* t = d + blocks;
  size_t tail = n & 7;
  if (tail != 0) {
    for (size_t i = tail; i-- > 0;) h ^= static_cast<uint64_t>(t[i]) << (i * 8);
    h *= kM;
  }
  h ^= h >> 47;
  h *= kM;
  h ^= h >> 47;
  return h;
}

// hllPatLen: register index and candidate value.
inline void Pattern(const uint8_t* d, size_t n, uint32_t* index, int* count) {
  uint64_t h = Murmur64A(d, n);
  *index = static_cast<uint32_t>(h & (kRegisters - 1));
  h >>= 14;
  h |= 1ULL << kQ;
  *count = __builtin_ctzll(h) + 1;
}

inline int DenseGet(const uint8_t* r, uint32_t i) {
  uint32_t bit = i * 6;
  const uint8_t* p = r + (bit >> 3);
  uint32_t fb = bit & 7;
  if (fb <= 2) return (p[0] >> fb) & 63;
  return ((p[0] >> fb) | (p[1] << (8 - fb))) & 63;
}

inline void DenseSetRaw(uint8_t* r, uint32_t i, unsigned val) {
  uint32_t bit = i * 6;
  uint8_t* p = r + (bit >> 3);
  uint32_t fb = bit & 7;
  p[0] = static_cast<uint8_t>((p[0] & ~(63u << fb)) | (val << fb));
  if (fb > 2) {
    uint32_t fb8 = 8 - fb;
    p[1] = static_cast<uint8_t>((p[1] & ~(63u >> fb8)) | (val >> fb8));
  }
}

inline int DenseSet(uint8_t* r, uint32_t i, int count) {
  if (count > DenseGet(r, i)) {
    DenseSetRaw(r, i, static_cast<unsigned>(count));
    return 1;
  }
  return 0;
}

// XZERO's length at p; its second byte past the end reads as 0 (as the TypeScript twin does).
inline uint64_t XzeroLen(const uint8_t* v, size_t p, size_t end) {
  return ((static_cast<uint64_t>(v[p] & 0x3f) << 8) | (p + 1 < end ? v[p + 1] : 0)) + 1;
}

inline uint8_t ValOp(int val, int len) { return static_cast<uint8_t>(0x80 | ((val - 1) << 2) | (len - 1)); }

inline int ZeroRun(uint8_t* seq, int n, uint64_t len) {
  if (len > kZeroMaxLen) {
    seq[n] = static_cast<uint8_t>(((len - 1) >> 8) | 0x40);
    seq[n + 1] = static_cast<uint8_t>((len - 1) & 0xff);
    return n + 2;
  }
  seq[n] = static_cast<uint8_t>(len - 1);
  return n + 1;
}

// A sparse working buffer: v[0, len) in use, cap bytes available (cap >= kDenseSize + kSlack
// and cap >= len + kSlack are checked by the callers before every edit).
struct Work {
  uint8_t* v;
  size_t len;
  size_t cap;
};

// hllSparseToDense: false (w unchanged) when the opcodes do not cover exactly 16384 registers.
bool SparseToDense(Work* w) {
  uint8_t* v = w->v;
  if (v[4] == kDense) return true;
  thread_local uint8_t d[kDenseSize];
  std::memset(d, 0, sizeof d);
  std::memcpy(d, v, kHdr);
  d[4] = kDense;
  size_t end = w->len;
  size_t p = kHdr;
  uint64_t idx = 0;
  while (p < end) {
    uint8_t op = v[p];
    if ((op & 0xc0) == 0) {
      idx += (op & 0x3f) + 1;
      p++;
    } else if ((op & 0xc0) == 0x40) {
      idx += XzeroLen(v, p, end);
      p += 2;
    } else {
      uint64_t run = (op & 3) + 1;
      unsigned val = ((op >> 2) & 0x1f) + 1;
      if (run + idx > kRegisters) return false;
      while (run-- > 0) DenseSetRaw(d + kHdr, static_cast<uint32_t>(idx++), val);
      p++;
    }
  }
  if (idx != kRegisters) return false;
  std::memcpy(v, d, kDenseSize);
  w->len = kDenseSize;
  return true;
}

int Promote(Work* w, uint32_t index, int count) {
  if (!SparseToDense(w)) return -1;
  return DenseSet(w->v + kHdr, index, count);
}

// hllSparseSet: 1 changed, 0 not, -1 corrupt. May turn w dense.
int SparseSet(Work* w, uint32_t index, int count, uint64_t maxBytes) {
  if (count > kValMax) return Promote(w, index, count);
  uint8_t* v = w->v;
  size_t end = w->len;
  size_t p = kHdr;
  uint64_t first = 0;
  bool hasPrev = false;
  size_t prev = 0;
  uint64_t span = 0;
  while (p < end) {
    uint8_t op = v[p];
    size_t oplen = 1;
    if ((op & 0xc0) == 0) {
      span = (op & 0x3f) + 1;
    } else if ((op & 0x80) != 0) {
      span = (op & 3) + 1;
    } else {
      span = XzeroLen(v, p, end);
      oplen = 2;
    }
    if (index <= first + span - 1) break;
    hasPrev = true;
    prev = p;
    p += oplen;
    first += span;
  }
  if (span == 0 || p >= end) return -1;
  uint8_t op = v[p];
  bool isXzero = (op & 0xc0) == 0x40;
  bool isZero = (op & 0xc0) == 0;
  bool isVal = !isXzero && !isZero;
  size_t next = isXzero ? p + 2 : p + 1;
  bool hasNext = next < end;
  uint64_t runlen = isZero ? (op & 0x3f) + 1 : isXzero ? XzeroLen(v, p, end) : (op & 3) + 1;

  bool simple = false;
  if (isVal) {
    int old = ((op >> 2) & 0x1f) + 1;
    if (old >= count) return 0;
    if (runlen == 1) {
      v[p] = ValOp(count, 1);
      simple = true;
    }
  }
  if (!simple && isZero && runlen == 1) {
    v[p] = ValOp(count, 1);
    simple = true;
  }
  if (!simple) {
    uint64_t last = first + span - 1;
    uint8_t seq[5];
    int n = 0;
    if (isZero || isXzero) {
      if (index != first) n = ZeroRun(seq, n, index - first);
      seq[n++] = ValOp(count, 1);
      if (index != last) n = ZeroRun(seq, n, last - index);
    } else {
      int cur = ((op >> 2) & 0x1f) + 1;
      if (index != first) seq[n++] = ValOp(cur, static_cast<int>(index - first));
      seq[n++] = ValOp(count, 1);
      if (index != last) seq[n++] = ValOp(cur, static_cast<int>(last - index));
    }
    int oldlen = isXzero ? 2 : 1;
    int delta = n - oldlen;
    if (delta > 0 && w->len + delta > maxBytes) return Promote(w, index, count);
    if (delta != 0 && hasNext) std::memmove(v + next + delta, v + next, end - next);
    w->len += delta;
    std::memcpy(v + p, seq, n);
    end += delta;
  }
  // Merge adjacent VALs of equal value in a window of five opcodes from prev.
  p = hasPrev ? prev : kHdr;
  int scan = 5;
  while (p < end && scan-- != 0) {
    uint8_t o1 = v[p];
    if ((o1 & 0xc0) == 0x40) {
      p += 2;
      continue;
    }
    if ((o1 & 0xc0) == 0) {
      p++;
      continue;
    }
    if (p + 1 < end && (v[p + 1] & 0x80) != 0) {
      uint8_t o2 = v[p + 1];
      int v1 = ((o1 >> 2) & 0x1f) + 1;
      if (v1 == ((o2 >> 2) & 0x1f) + 1) {
        int len = (o1 & 3) + (o2 & 3) + 2;
        if (len <= kValMaxLen) {
          v[p + 1] = ValOp(v1, len);
          std::memmove(v + p, v + p + 1, end - p - 1);
          w->len--;
          end--;
          continue;
        }
      }
    }
    p++;
  }
  v[15] |= 0x80;
  return 1;
}

// ---- estimate ----------------------------------------------------------------------------------

double Sigma(double x) {
  if (x == 1.0) return INFINITY;
  double zPrime;
  double y = 1;
  double z = x;
  do {
    x *= x;
    zPrime = z;
    z += x * y;
    y += y;
  } while (zPrime != z);
  return z;
}

double Tau(double x) {
  if (x == 0.0 || x == 1.0) return 0;
  double zPrime;
  double y = 1.0;
  double z = 1 - x;
  do {
    x = std::sqrt(x);
    zPrime = z;
    y *= 0.5;
    double d = 1 - x;
    z -= d * d * y;
  } while (zPrime != z);
  return z / 3;
}

double Estimate(const double* histo) {
  const double m = kRegisters;
  double z = m * Tau((m - histo[kQ + 1]) / m);
  for (int j = kQ; j >= 1; j--) {
    z += histo[j];
    z *= 0.5;
  }
  z += m * Sigma(histo[0] / m);
  return std::round((kAlphaInf * m * m) / z);
}

// The four 6-bit registers packed (low bits first) in the three bytes at r: 16384 registers are
// 4096 such groups, so the dense loops below decode a group per step.
#define SPINDLE_DENSE_GROUP(r, r0, r1, r2, r3) \
  unsigned r0 = (r)[0] & 63;                  \
  unsigned r1 = (((r)[0] >> 6) | ((r)[1] << 2)) & 63; \
  unsigned r2 = (((r)[1] >> 4) | ((r)[2] << 4)) & 63; \
  unsigned r3 = (r)[2] >> 2;

// The histogram of a checked value v[0, n): false when a sparse one does not cover 16384.
bool Histogram(const uint8_t* v, size_t n, double* histo) {
  std::memset(histo, 0, sizeof(double) * 64);
  if (v[4] == kDense) {
    if (n < kDenseSize) return false;
    // Four histograms, one per register of a group, so consecutive increments rarely hit the
    // same counter (exact integer counts: the same numbers as the one-at-a-time loop).
    uint32_t h[4][64] = {{0}};
    const uint8_t* r = v + kHdr;
    for (size_t g = 0; g < kRegisters / 4; g++, r += 3) {
      SPINDLE_DENSE_GROUP(r, a, b, c, d)
      h[0][a]++;
      h[1][b]++;
      h[2][c]++;
      h[3][d]++;
    }
    for (int i = 0; i < 64; i++) histo[i] = static_cast<double>(h[0][i] + h[1][i] + h[2][i] + h[3][i]);
    return true;
  }
  size_t p = kHdr;
  uint64_t idx = 0;
  while (p < n) {
    uint8_t op = v[p];
    if ((op & 0xc0) == 0) {
      uint64_t run = (op & 0x3f) + 1;
      idx += run;
      histo[0] += static_cast<double>(run);
      p++;
    } else if ((op & 0xc0) == 0x40) {
      uint64_t run = XzeroLen(v, p, n);
      idx += run;
      histo[0] += static_cast<double>(run);
      p += 2;
    } else {
      uint64_t run = (op & 3) + 1;
      idx += run;
      histo[((op >> 2) & 0x1f) + 1] += static_cast<double>(run);
      p++;
    }
  }
  return idx == kRegisters;
}

// hllMerge of a checked value v[0, n) into max[16384].
bool MergeInto(uint8_t* max, const uint8_t* v, size_t n) {
  if (v[4] == kDense) {
    if (n < kDenseSize) return false;
    const uint8_t* r = v + kHdr;
    uint8_t* m = max;
    for (size_t g = 0; g < kRegisters / 4; g++, r += 3, m += 4) {
      SPINDLE_DENSE_GROUP(r, a, b, c, d)
      if (a > m[0]) m[0] = static_cast<uint8_t>(a);
      if (b > m[1]) m[1] = static_cast<uint8_t>(b);
      if (c > m[2]) m[2] = static_cast<uint8_t>(c);
      if (d > m[3]) m[3] = static_cast<uint8_t>(d);
    }
    return true;
  }
  size_t p = kHdr;
  uint64_t i = 0;
  while (p < n) {
    uint8_t op = v[p];
    if ((op & 0xc0) == 0) {
      i += (op & 0x3f) + 1;
      p++;
    } else if ((op & 0xc0) == 0x40) {
      i += XzeroLen(v, p, n);
      p += 2;
    } else {
      uint64_t run = (op & 3) + 1;
      uint8_t val = static_cast<uint8_t>(((op >> 2) & 0x1f) + 1);
      if (run + i > kRegisters) return false;
      while (run-- > 0) {
        if (val > max[i]) max[i] = val;
        i++;
      }
      p++;
    }
  }
  return i == kRegisters;
}

// isHllValue plus a full walk of a sparse value.
bool Valid(const uint8_t* v, size_t n) {
  if (n < kHdr) return false;
  if (v[0] != 'H' || v[1] != 'Y' || v[2] != 'L' || v[3] != 'L') return false;
  if (v[4] > kSparse) return false;
  if (v[4] == kDense) return n == kDenseSize;
  size_t p = kHdr;
  uint64_t idx = 0;
  while (p < n) {
    uint8_t op = v[p];
    if ((op & 0xc0) == 0) {
      idx += (op & 0x3f) + 1;
      p++;
    } else if ((op & 0xc0) == 0x40) {
      idx += XzeroLen(v, p, n);
      p += 2;
    } else {
      idx += (op & 3) + 1;
      if (idx > kRegisters) return false;
      p++;
    }
  }
  return idx == kRegisters;
}

// ---- JavaScript entry points -------------------------------------------------------------------

// A value range v[off, off+len) of at least the header.
bool GetValue(const Napi::CallbackInfo& info, size_t bi, Bytes* b, size_t* off, size_t* len) {
  if (!GetBytes(info, bi, b) || !GetRange(info, bi + 1, bi + 2, *b, off, len)) return false;
  if (*len < kHdr) return Fail(info, "spindle_native: HLL value shorter than its header");
  return true;
}

// The elements argv.buf, argv.off, argv.len of a command and the index range [from, to).
struct Elements {
  Bytes buf;
  const int32_t* off;
  const int32_t* len;
  size_t from;
  size_t to;
};

bool GetElements(const Napi::CallbackInfo& info, size_t i, Elements* e) {
  size_t no = 0, nl = 0;
  if (!GetBytes(info, i, &e->buf) || !GetInt32s(info, i + 1, &e->off, &no) || !GetInt32s(info, i + 2, &e->len, &nl)) return false;
  if (!GetIndex(info, i + 3, &e->from) || !GetIndex(info, i + 4, &e->to)) return false;
  if (e->to > no || e->to > nl || e->from > e->to) return Fail(info, "spindle_native: element index outside argv");
  for (size_t j = e->from; j < e->to; j++) {
    int32_t o = e->off[j];
    int32_t l = e->len[j];
    if (o < 0 || l < 0 || static_cast<size_t>(o) > e->buf.len || static_cast<size_t>(l) > e->buf.len - o) {
      return Fail(info, "spindle_native: element outside argv's buffer");
    }
  }
  return true;
}

// murmur64a(buf, off, len) -> bigint
Napi::Value Murmur64AJs(const Napi::CallbackInfo& info) {
  Bytes b;
  size_t off = 0, len = 0;
  if (!GetBytes(info, 0, &b) || !GetRange(info, 1, 2, b, &off, &len)) return info.Env().Undefined();
  return Napi::BigInt::New(info.Env(), Murmur64A(b.data + off, len));
}

// hllAddDense(v, off, buf, offs, lens, from, to) -> registers changed; v[off, off+12304) dense.
Napi::Value AddDenseJs(const Napi::CallbackInfo& info) {
  Bytes v;
  size_t off = 0;
  Elements e;
  if (!GetBytes(info, 0, &v) || !GetIndex(info, 1, &off) || !GetElements(info, 2, &e)) return info.Env().Undefined();
  if (off > v.len || v.len - off < kDenseSize) {
    Fail(info, "spindle_native: dense HLL outside the buffer");
    return info.Env().Undefined();
  }
  uint8_t* r = v.data + off + kHdr;
  int updated = 0;
  for (size_t j = e.from; j < e.to; j++) {
    uint32_t index;
    int count;
    Pattern(e.buf.data + e.off[j], static_cast<size_t>(e.len[j]), &index, &count);
    updated += DenseSet(r, index, count);
  }
  return Napi::Number::New(info.Env(), updated);
}

// The working-buffer state shared with HllWork: [len, updated, status, next].
enum { kStLen = 0, kStUpdated = 1, kStStatus = 2, kStNext = 3 };
enum { kDone = 0, kCorrupt = 1, kNeedRoom = 2 };

bool GetWork(const Napi::CallbackInfo& info, Work* w, double** st) {
  Bytes b;
  size_t n = 0;
  if (!GetBytes(info, 0, &b) || !GetFloat64s(info, 1, st, &n)) return false;
  if (n < 4) return Fail(info, "spindle_native: HLL state needs 4 slots");
  double len = (*st)[kStLen];
  if (!(len >= 0 && len <= static_cast<double>(b.len)) || len != std::floor(len)) return Fail(info, "spindle_native: HLL length outside the buffer");
  w->v = b.data;
  w->len = static_cast<size_t>(len);
  w->cap = b.len;
  return true;
}

inline bool Roomy(const Work& w) { return w.cap >= w.len + kSlack && w.cap >= kDenseSize + kSlack; }

// hllAddSparse(work, state, maxBytes, buf, offs, lens, to): PFADD's elements [state[3], to) on the
// working copy (either encoding). state: [len, updated(+=), status, next].
Napi::Value AddWorkJs(const Napi::CallbackInfo& info) {
  Work w;
  double* st;
  size_t maxBytes = 0;
  Elements e;
  if (!GetWork(info, &w, &st) || !GetIndex(info, 2, &maxBytes)) return info.Env().Undefined();
  // Elements: from comes from the state.
  double from = st[kStNext];
  if (!(from >= 0 && from <= 9007199254740992.0)) {
    Fail(info, "spindle_native: bad element index");
    return info.Env().Undefined();
  }
  {
    size_t no = 0, nl = 0;
    if (!GetBytes(info, 3, &e.buf) || !GetInt32s(info, 4, &e.off, &no) || !GetInt32s(info, 5, &e.len, &nl) || !GetIndex(info, 6, &e.to)) {
      return info.Env().Undefined();
    }
    e.from = static_cast<size_t>(from);
    if (e.to > no || e.to > nl || e.from > e.to) {
      Fail(info, "spindle_native: element index outside argv");
      return info.Env().Undefined();
    }
    for (size_t j = e.from; j < e.to; j++) {
      int32_t o = e.off[j];
      int32_t l = e.len[j];
      if (o < 0 || l < 0 || static_cast<size_t>(o) > e.buf.len || static_cast<size_t>(l) > e.buf.len - o) {
        Fail(info, "spindle_native: element outside argv's buffer");
        return info.Env().Undefined();
      }
    }
  }
  int status = kDone;
  int updated = 0;
  size_t j = e.from;
  if (w.len < kHdr) status = kCorrupt;
  for (; status == kDone && j < e.to; j++) {
    uint32_t index;
    int count;
    Pattern(e.buf.data + e.off[j], static_cast<size_t>(e.len[j]), &index, &count);
    int r;
    if (w.v[4] == kDense) {
      if (w.len < kDenseSize) {
        status = kCorrupt;
        break;
      }
      r = DenseSet(w.v + kHdr, index, count);
    } else {
      if (!Roomy(w)) {
        status = kNeedRoom;
        break;
      }
      r = SparseSet(&w, index, count, maxBytes);
    }
    if (r < 0) {
      status = kCorrupt;
      break;
    }
    updated += r;
  }
  st[kStLen] = static_cast<double>(w.len);
  st[kStUpdated] += updated;
  st[kStStatus] = status;
  st[kStNext] = static_cast<double>(j);
  return info.Env().Undefined();
}

// hllApplyMax(work, state, maxBytes, regs): PFMERGE's write of max registers [state[3], 16384).
Napi::Value ApplyMaxJs(const Napi::CallbackInfo& info) {
  Work w;
  double* st;
  size_t maxBytes = 0;
  Bytes regs;
  if (!GetWork(info, &w, &st) || !GetIndex(info, 2, &maxBytes) || !GetBytes(info, 3, &regs)) return info.Env().Undefined();
  double from = st[kStNext];
  if (regs.len < kRegisters || !(from >= 0 && from <= kRegisters) || w.len < kHdr) {
    Fail(info, "spindle_native: bad PFMERGE arguments");
    return info.Env().Undefined();
  }
  int status = kDone;
  size_t j = static_cast<size_t>(from);
  for (; j < kRegisters; j++) {
    uint8_t m = regs.data[j];
    if (m == 0) continue;
    if (w.v[4] == kDense) {
      if (w.len < kDenseSize) {
        status = kCorrupt;
        break;
      }
      DenseSet(w.v + kHdr, static_cast<uint32_t>(j), m);
    } else {
      if (!Roomy(w)) {
        status = kNeedRoom;
        break;
      }
      SparseSet(&w, static_cast<uint32_t>(j), m, maxBytes);
    }
  }
  st[kStLen] = static_cast<double>(w.len);
  st[kStStatus] = status;
  st[kStNext] = static_cast<double>(j);
  return info.Env().Undefined();
}

// hllToDense(work, state) -> bool (sparseToDense; needs capacity for the dense value).
Napi::Value ToDenseJs(const Napi::CallbackInfo& info) {
  Work w;
  double* st;
  if (!GetWork(info, &w, &st)) return info.Env().Undefined();
  if (w.cap < kDenseSize + kSlack || w.len < kHdr) {
    Fail(info, "spindle_native: HLL working buffer too small");
    return info.Env().Undefined();
  }
  bool ok = SparseToDense(&w);
  st[kStLen] = static_cast<double>(w.len);
  return Napi::Boolean::New(info.Env(), ok);
}

// hllCount(v, off, len) -> estimate, or -1 when corrupt.
Napi::Value CountJs(const Napi::CallbackInfo& info) {
  Bytes b;
  size_t off = 0, len = 0;
  if (!GetValue(info, 0, &b, &off, &len)) return info.Env().Undefined();
  double histo[64];
  if (!Histogram(b.data + off, len, histo)) return Napi::Number::New(info.Env(), -1);
  return Napi::Number::New(info.Env(), Estimate(histo));
}

// hllRawCount(regs) -> estimate of 16384 one-byte registers.
Napi::Value RawCountJs(const Napi::CallbackInfo& info) {
  Bytes regs;
  if (!GetBytes(info, 0, &regs)) return info.Env().Undefined();
  if (regs.len < kRegisters) {
    Fail(info, "spindle_native: registers shorter than 16384");
    return info.Env().Undefined();
  }
  uint32_t h[4][256] = {{0}};
  const uint8_t* r = regs.data;
  for (size_t i = 0; i < kRegisters; i += 4) {
    h[0][r[i]]++;
    h[1][r[i + 1]]++;
    h[2][r[i + 2]]++;
    h[3][r[i + 3]]++;
  }
  // Values above 63 are not registers: ignored, as the TypeScript twin's Float64Array(64) does.
  double histo[64];
  for (int i = 0; i < 64; i++) histo[i] = static_cast<double>(h[0][i] + h[1][i] + h[2][i] + h[3][i]);
  return Napi::Number::New(info.Env(), Estimate(histo));
}

// hllMerge(max, v, off, len) -> false when the value is corrupt.
Napi::Value MergeJs(const Napi::CallbackInfo& info) {
  Bytes max, b;
  size_t off = 0, len = 0;
  if (!GetBytes(info, 0, &max) || !GetValue(info, 1, &b, &off, &len)) return info.Env().Undefined();
  if (max.len < kRegisters) {
    Fail(info, "spindle_native: registers shorter than 16384");
    return info.Env().Undefined();
  }
  return Napi::Boolean::New(info.Env(), MergeInto(max.data, b.data + off, len));
}

// hllValid(v, off, len) -> header, size and (sparse) every opcode check out.
Napi::Value ValidJs(const Napi::CallbackInfo& info) {
  Bytes b;
  size_t off = 0, len = 0;
  if (!GetBytes(info, 0, &b) || !GetRange(info, 1, 2, b, &off, &len)) return info.Env().Undefined();
  return Napi::Boolean::New(info.Env(), Valid(b.data + off, len));
}

}  // namespace

void InitHll(Napi::Env env, Napi::Object exports) {
  exports.Set("murmur64a", Napi::Function::New(env, Murmur64AJs, "murmur64a"));
  exports.Set("hllAddDense", Napi::Function::New(env, AddDenseJs, "hllAddDense"));
  exports.Set("hllAddWork", Napi::Function::New(env, AddWorkJs, "hllAddWork"));
  exports.Set("hllApplyMax", Napi::Function::New(env, ApplyMaxJs, "hllApplyMax"));
  exports.Set("hllToDense", Napi::Function::New(env, ToDenseJs, "hllToDense"));
  exports.Set("hllCount", Napi::Function::New(env, CountJs, "hllCount"));
  exports.Set("hllRawCount", Napi::Function::New(env, RawCountJs, "hllRawCount"));
  exports.Set("hllMerge", Napi::Function::New(env, MergeJs, "hllMerge"));
  exports.Set("hllValid", Napi::Function::New(env, ValidJs, "hllValid"));
}

}  // namespace spindle
