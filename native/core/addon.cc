// spindle_native: the optional Node-API addon for Spindle's byte-walking hot spots (CRC16 key
// slots, HyperLogLog, listpack validation) and the socket layer for main-thread clients
// (net.cc). Loaded by src/native/addon.ts; every byte-walking function has a TypeScript twin
// that gives identical results (test/unit/native-*.test.ts check that); without the socket layer
// clients use Node's sockets.
#include "args.h"

namespace {

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  spindle::InitCrc16(env, exports);
  spindle::InitHll(env, exports);
  spindle::InitListpack(env, exports);
  spindle::InitNet(env, exports);
  exports.Set("version", Napi::Number::New(env, 1));
  return exports;
}

}  // namespace

NODE_API_MODULE(spindle_native, Init)
