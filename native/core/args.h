// Argument checks shared by the spindle_native functions. Every function validates its arguments
// before touching memory: byte arguments must be Uint8Arrays (Buffers are), offsets and lengths
// integers inside them. A bad argument throws a TypeError/RangeError into JavaScript; nothing is
// ever read or written outside the typed array's own bytes.
#pragma once
#include <napi.h>

#include <cmath>
#include <cstddef>
#include <cstdint>

namespace spindle {

// A checked view of a Uint8Array argument.
struct Bytes {
  uint8_t* data = nullptr;
  size_t len = 0;
};

inline bool Fail(const Napi::CallbackInfo& info, const char* what) {
  Napi::RangeError::New(info.Env(), what).ThrowAsJavaScriptException();
  return false;
}

inline bool GetBytes(const Napi::CallbackInfo& info, size_t i, Bytes* out) {
  Napi::Value v = info[i];
  if (!v.IsTypedArray()) return Fail(info, "spindle_native: expected a Uint8Array");
  Napi::TypedArray ta = v.As<Napi::TypedArray>();
  if (ta.TypedArrayType() != napi_uint8_array) return Fail(info, "spindle_native: expected a Uint8Array");
  Napi::Uint8Array u = ta.As<Napi::Uint8Array>();
  out->data = u.Data();
  out->len = u.ElementLength();
  return true;
}

inline bool GetInt32s(const Napi::CallbackInfo& info, size_t i, const int32_t** data, size_t* len) {
  Napi::Value v = info[i];
  if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != napi_int32_array) {
    return Fail(info, "spindle_native: expected an Int32Array");
  }
  Napi::Int32Array a = v.As<Napi::Int32Array>();
  *data = a.Data();
  *len = a.ElementLength();
  return true;
}

inline bool GetFloat64s(const Napi::CallbackInfo& info, size_t i, double** data, size_t* len) {
  Napi::Value v = info[i];
  if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != napi_float64_array) {
    return Fail(info, "spindle_native: expected a Float64Array");
  }
  Napi::Float64Array a = v.As<Napi::Float64Array>();
  *data = a.Data();
  *len = a.ElementLength();
  return true;
}

// A non-negative integer argument no larger than 2^53.
inline bool GetIndex(const Napi::CallbackInfo& info, size_t i, size_t* out) {
  Napi::Value v = info[i];
  if (!v.IsNumber()) return Fail(info, "spindle_native: expected a number");
  double d = v.As<Napi::Number>().DoubleValue();
  if (!(d >= 0 && d <= 9007199254740992.0) || d != std::floor(d)) return Fail(info, "spindle_native: bad offset or length");
  *out = static_cast<size_t>(d);
  return true;
}

// A [off, off+len) range that must lie inside b.
inline bool GetRange(const Napi::CallbackInfo& info, size_t oi, size_t li, const Bytes& b, size_t* off, size_t* len) {
  if (!GetIndex(info, oi, off) || !GetIndex(info, li, len)) return false;
  if (*off > b.len || *len > b.len - *off) return Fail(info, "spindle_native: range outside the buffer");
  return true;
}

void InitCrc16(Napi::Env env, Napi::Object exports);
void InitHll(Napi::Env env, Napi::Object exports);
void InitListpack(Napi::Env env, Napi::Object exports);
void InitNet(Napi::Env env, Napi::Object exports);

}  // namespace spindle
