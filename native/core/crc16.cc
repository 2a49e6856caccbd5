// CRC16/XMODEM (polynomial 0x1021, init 0, no reflection) and Redis Cluster's key slot with the
// {hash tag} rule: when the key has a '{' and a later '}' with at least one byte between them,
// only the bytes between the first '{' and the first '}' after it are hashed.
#include "args.h"

namespace spindle {
namespace {

struct Table {
  uint16_t t[256];
  Table() {
    for (int i = 0; i < 256; i++) {
      uint16_t crc = static_cast<uint16_t>(i << 8);
      for (int b = 0; b < 8; b++) crc = (crc & 0x8000) ? static_cast<uint16_t>((crc << 1) ^ 0x1021) : static_cast<uint16_t>(crc << 1);
      t[i] = crc;
    }
  }
};
const Table kTable;

uint16_t Crc16(const uint8_t* p, size_t n) {
  uint16_t crc = 0;
  for (size_t i = 0; i < n; i++) crc = static_cast<uint16_t>((crc << 8) ^ kTable.t[((crc >> 8) ^ p[i]) & 0xff]);
  return crc;
}

uint32_t KeySlot(const uint8_t* k, size_t n) {
  size_t s = 0;
  while (s < n && k[s] != '{') s++;
  if (s < n) {
    size_t e = s + 1;
    while (e < n && k[e] != '}') e++;
    if (e < n && e != s + 1) return Crc16(k + s + 1, e - s - 1) & 0x3fff;
  }
  return Crc16(k, n) & 0x3fff;
}

// crc16(buf, off, len)
Napi::Value Crc16Js(const Napi::CallbackInfo& info) {
  Bytes b;
  size_t off = 0, len = 0;
  if (!GetBytes(info, 0, &b) || !GetRange(info, 1, 2, b, &off, &len)) return info.Env().Undefined();
  return Napi::Number::New(info.Env(), Crc16(b.data + off, len));
}

// keySlot(buf, off, len)
Napi::Value KeySlotJs(const Napi::CallbackInfo& info) {
  Bytes b;
  size_t off = 0, len = 0;
  if (!GetBytes(info, 0, &b) || !GetRange(info, 1, 2, b, &off, &len)) return info.Env().Undefined();
  return Napi::Number::New(info.Env(), KeySlot(b.data + off, len));
}

}  // namespace

void InitCrc16(Napi::Env env, Napi::Object exports) {
  exports.Set("crc16", Napi::Function::New(env, Crc16Js, "crc16"));
  exports.Set("keySlot", Napi::Function::New(env, KeySlotJs, "keySlot"));
}

}  // namespace spindle
