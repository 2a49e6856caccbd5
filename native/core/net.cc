// The native socket layer for main-thread clients (io-threads 1, plain TCP and unix sockets).
//
// Why it exists: with Node's own sockets every read costs a trip through Node's stream glue (the
// handle's read callback, a JS onread call, a callback scope that drains the tick and microtask
// queues) and every write one more (WriteWrap, stream state). At -P 1 that glue is as much CPU as
// the command itself. Here the sockets are polled by libuv (uv_poll_t) and read and written with
// plain read(2)/send(2) from C++, as Redis does from its event loop:
//   - each readiness reads once into one shared read buffer and appends a record
//     [slot, offset, length] to one shared record array (length 0: EOF, -1: error);
//   - a uv_check handle (it runs right after the poll phase, once per loop turn) hands all of the
//     turn's records to JavaScript in one call; JavaScript parses and runs them in order;
//   - replies are handed back in one call per turn (netWrite: one staging buffer, and slot, offset
//     and length per reply); a reply the kernel cannot take at once is copied here and sent when
//     the socket turns writable.
// So a turn that reads 50 clients costs one JS entry, not 50, and no JS objects per read.
//
// Ownership: the server accepts with Node (net.Server, paused), and netOpen dup()s the accepted
// descriptor; Node then closes its own copy. Each connection has a slot number; JavaScript maps
// slots to clients. A slot is free again as soon as it is closed (netClose, or netEnd once the
// output is sent), so JavaScript must forget a slot when it closes it.
//
// Re-entrancy: a busy Lua script pumps the event loop (uv_run NOWAIT) from inside a dispatch, so
// a dispatch can run inside another. Records are only appended while one is running; the nested
// one is handed the records after those the outer one was given, and gives their room back when
// it returns; the whole buffer is reset when the outermost dispatch returns.
//
// Every argument is checked: slots against the table, byte arrays by type; nothing is read or
// written outside the caller's typed arrays or this layer's own buffers.
#include <errno.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>
#include <uv.h>

#include <vector>

#include "args.h"

namespace spindle {
namespace {

constexpr size_t kReadChunk = 64 * 1024;  // most bytes one read takes (Redis reads 16 KB, more for big bulks)
constexpr size_t kMinRoom = 16 * 1024;    // below this much room the read waits for the next turn

struct Conn {
  uv_poll_t poll;
  int fd = -1;
  int slot = -1;
  int events = 0;  // what the poll handle watches now
  bool paused = false;
  bool readDone = false;  // EOF or error reported: no more reads
  bool closeAfterWrite = false;
  std::vector<uint8_t> out;  // bytes the kernel did not take yet
  size_t outOff = 0;
};

struct State {
  napi_env env = nullptr;
  uv_loop_t* loop = nullptr;
  uv_check_t check;
  napi_ref dispatchRef = nullptr;
  napi_ref keep[3] = {nullptr, nullptr, nullptr};  // the shared arrays, alive while in use
  napi_async_context asyncCtx = nullptr;
  uint8_t* rbuf = nullptr;
  size_t rcap = 0;
  size_t rused = 0;
  int32_t* rec = nullptr;
  size_t recCap = 0;  // records (3 int32 each)
  size_t nrec = 0;
  size_t handed = 0;  // records below this were given to a dispatch
  size_t handedRused = 0;  // the read buffer's use when they were
  int depth = 0;
  double* pend = nullptr;  // bytes waiting here, per slot
  size_t slotCap = 0;
  std::vector<Conn*> conns;
  std::vector<int> freeSlots;
  // Closed slots whose number may still be in records not yet dispatched: reused after the
  // dispatch (JavaScript code running between the poll phase and the check may close one slot
  // and accept a connection that would get the same number).
  std::vector<int> retired;
};
State S;

void SetPending(Conn* c) {
  if (static_cast<size_t>(c->slot) < S.slotCap) S.pend[c->slot] = static_cast<double>(c->out.size() - c->outOff);
}

void PushRecord(int slot, size_t off, int32_t len) {
  int32_t* r = S.rec + 3 * S.nrec++;
  r[0] = slot;
  r[1] = static_cast<int32_t>(off);
  r[2] = len;
}

void OnPoll(uv_poll_t* h, int status, int events);

void Watch(Conn* c) {
  int want = 0;
  if (!c->paused && !c->readDone && !c->closeAfterWrite) want |= UV_READABLE;
  if (c->out.size() > c->outOff) want |= UV_WRITABLE;
  if (want == c->events) return;
  c->events = want;
  if (want == 0) uv_poll_stop(&c->poll);
  else uv_poll_start(&c->poll, want, OnPoll);
}

void FreeConn(uv_handle_t* h) {
  delete static_cast<Conn*>(h->data);
}

// Closes c now, dropping unsent output; its slot is free at once.
void CloseConn(Conn* c) {
  S.conns[c->slot] = nullptr;
  S.retired.push_back(c->slot);
  if (static_cast<size_t>(c->slot) < S.slotCap) S.pend[c->slot] = 0;
  // uv_close stops and forgets the descriptor synchronously, so closing it right after is safe.
  uv_close(reinterpret_cast<uv_handle_t*>(&c->poll), FreeConn);
  close(c->fd);
}

// Sends p[*done, len) to fd until it is all sent or the kernel takes no more (*done says how far
// it got). Returns false when the connection failed.
bool SendSome(int fd, const uint8_t* p, size_t len, size_t* done) {
  while (*done < len) {
    ssize_t n = send(fd, p + *done, len - *done, MSG_NOSIGNAL);
    if (n > 0) {
      *done += static_cast<size_t>(n);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
  }
  return true;
}

// Drops what c has waiting.
void DropOut(Conn* c) {
  c->out.clear();
  c->outOff = 0;
  SetPending(c);
}

// Sends what c has waiting. Returns false when the connection failed.
bool FlushOut(Conn* c) {
  if (!SendSome(c->fd, c->out.data(), c->out.size(), &c->outOff)) return false;
  if (c->outOff == c->out.size()) DropOut(c);
  else SetPending(c);
  return true;
}

// Reports a failed connection to JavaScript once (as a -1 record); it stops being read.
void Failed(Conn* c) {
  if (c->closeAfterWrite) {
    CloseConn(c);  // JavaScript forgot it already
    return;
  }
  DropOut(c);
  if (!c->readDone && S.nrec < S.recCap) {
    c->readDone = true;
    PushRecord(c->slot, 0, -1);
  }
  Watch(c);
}

void OnPoll(uv_poll_t* h, int status, int events) {
  Conn* c = static_cast<Conn*>(h->data);
  if (status < 0) {
    Failed(c);
    return;
  }
  if ((events & UV_WRITABLE) != 0) {
    if (!FlushOut(c)) {
      Failed(c);
      return;
    }
    if (c->closeAfterWrite && c->out.empty()) {
      CloseConn(c);
      return;
    }
    Watch(c);
  }
  if ((events & UV_READABLE) == 0 || c->paused || c->readDone || c->closeAfterWrite) return;
  // No room this turn: the descriptor stays readable and is read after the dispatch.
  if (S.rcap - S.rused < kMinRoom || S.nrec >= S.recCap) return;
  size_t room = S.rcap - S.rused;
  if (room > kReadChunk) room = kReadChunk;
  ssize_t n;
  do n = read(c->fd, S.rbuf + S.rused, room);
  while (n < 0 && errno == EINTR);
  if (n > 0) {
    PushRecord(c->slot, S.rused, static_cast<int32_t>(n));
    S.rused += static_cast<size_t>(n);
    return;
  }
  if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;
  c->readDone = true;
  PushRecord(c->slot, 0, n == 0 ? 0 : -1);
  Watch(c);
}

// After the poll phase: the turn's records go to JavaScript in one call.
void ReuseRetired() {
  S.freeSlots.insert(S.freeSlots.end(), S.retired.begin(), S.retired.end());
  S.retired.clear();
}

void OnCheck(uv_check_t*) {
  // Nested in a dispatch (a busy script pumping the loop), JavaScript is called even without new
  // records: it goes on with the records the outer dispatch has not reached.
  if (S.dispatchRef == nullptr || (S.nrec == S.handed && S.depth == 0)) {
    if (S.depth == 0 && S.nrec == 0 && !S.retired.empty()) ReuseRetired();
    return;
  }
  size_t from = S.handed;
  size_t to = S.nrec;
  size_t fromRused = S.handedRused;
  S.handed = to;
  S.handedRused = S.rused;
  S.depth++;
  napi_env env = S.env;
  napi_handle_scope scope;
  napi_open_handle_scope(env, &scope);
  napi_value fn, recv, args[2], result;
  napi_get_reference_value(env, S.dispatchRef, &fn);
  napi_get_global(env, &recv);  // napi_make_callback needs an object receiver
  napi_create_uint32(env, static_cast<uint32_t>(from), &args[0]);
  napi_create_uint32(env, static_cast<uint32_t>(to), &args[1]);
  napi_status st = napi_make_callback(env, S.asyncCtx, recv, fn, 2, args, &result);
  if (st == napi_pending_exception) {
    napi_value err;
    napi_get_and_clear_last_exception(env, &err);
    napi_fatal_exception(env, err);
  }
  napi_close_handle_scope(env, scope);
  if (--S.depth == 0) {
    S.nrec = 0;
    S.handed = 0;
    S.rused = 0;
    S.handedRused = 0;
    ReuseRetired();
  } else {
    // Nested (a busy script's pump): JavaScript's one cursor has run every record below `to`, so
    // the records and bytes this dispatch was handed are free again, or a long script's pumps
    // would fill the buffer and stop reading (SCRIPT KILL included). The outer records' bytes
    // stay: the running one is still being parsed.
    S.nrec = S.handed = from;
    S.rused = S.handedRused = fromRused;
  }
}

napi_value Undefined(napi_env env) {
  napi_value v;
  napi_get_undefined(env, &v);
  return v;
}

napi_value Throw(napi_env env, const char* what) {
  napi_throw_range_error(env, nullptr, what);
  return nullptr;
}

bool TypedArg(napi_env env, napi_value v, napi_typedarray_type want, void** data, size_t* len) {
  bool is = false;
  if (napi_is_typedarray(env, v, &is) != napi_ok || !is) return false;
  napi_typedarray_type t;
  napi_value ab;
  size_t off;
  if (napi_get_typedarray_info(env, v, &t, len, data, &ab, &off) != napi_ok || t != want) return false;
  return true;
}

napi_value Int32(napi_env env, int32_t v) {
  napi_value r;
  napi_create_int32(env, v, &r);
  return r;
}

// The connection named by the first of a function's arguments (argv gets up to n of them), or
// null when it is missing, not a slot, or closed.
Conn* SlotCall(napi_env env, napi_callback_info info, napi_value* argv, size_t n) {
  size_t argc = n;
  napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
  if (argc < n) return nullptr;
  int32_t slot = -1;
  if (napi_get_value_int32(env, argv[0], &slot) != napi_ok || slot < 0 || static_cast<size_t>(slot) >= S.conns.size()) return nullptr;
  return S.conns[slot];
}

// netInit(readBuffer: Uint8Array, records: Int32Array, pending: Float64Array, dispatch(from, to))
// The arrays are JavaScript's and shared: records[3*i..3*i+2] = slot, offset in readBuffer,
// length; pending[slot] = bytes waiting here for that slot. Once per process.
napi_value NetInit(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4];
  napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
  if (S.env != nullptr) return Throw(env, "spindle_native: netInit already called");
  void* rb;
  void* rc;
  void* pd;
  size_t rbLen, rcLen, pdLen;
  napi_valuetype fnType = napi_undefined;
  if (argc < 4) return Throw(env, "spindle_native: netInit needs 4 arguments");
  napi_typeof(env, argv[3], &fnType);
  if (!TypedArg(env, argv[0], napi_uint8_array, &rb, &rbLen) || !TypedArg(env, argv[1], napi_int32_array, &rc, &rcLen) ||
      !TypedArg(env, argv[2], napi_float64_array, &pd, &pdLen) || fnType != napi_function || rbLen < 2 * kMinRoom || rcLen < 3) {
    return Throw(env, "spindle_native: bad netInit arguments");
  }
  if (napi_get_uv_event_loop(env, &S.loop) != napi_ok || S.loop == nullptr) return Throw(env, "spindle_native: no event loop");
  S.env = env;
  S.rbuf = static_cast<uint8_t*>(rb);
  S.rcap = rbLen;
  S.rec = static_cast<int32_t*>(rc);
  S.recCap = rcLen / 3;
  S.pend = static_cast<double*>(pd);
  S.slotCap = pdLen;
  for (int i = 0; i < 3; i++) napi_create_reference(env, argv[i], 1, &S.keep[i]);
  napi_create_reference(env, argv[3], 1, &S.dispatchRef);
  napi_value name;
  napi_create_string_utf8(env, "spindle.net", NAPI_AUTO_LENGTH, &name);
  napi_value resource;
  napi_create_object(env, &resource);
  napi_async_init(env, resource, name, &S.asyncCtx);
  uv_check_init(S.loop, &S.check);
  uv_check_start(&S.check, OnCheck);
  // The check handle must not keep the process alive by itself.
  uv_unref(reinterpret_cast<uv_handle_t*>(&S.check));
  return Undefined(env);
}

// netOpen(fd) -> slot, or -1 (the descriptor could not be duplicated, or no slot is left).
// The caller keeps and closes its own descriptor; the duplicate is this layer's.
napi_value NetOpen(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
  int32_t fd = -1;
  if (S.env == nullptr || argc < 1 || napi_get_value_int32(env, argv[0], &fd) != napi_ok || fd < 0) return Int32(env, -1);
  int slot;
  if (!S.freeSlots.empty()) slot = S.freeSlots.back();
  else if (S.conns.size() < S.slotCap) slot = static_cast<int>(S.conns.size());
  else return Int32(env, -1);
  int dup = fcntl(fd, F_DUPFD_CLOEXEC, 0);
  if (dup < 0) return Int32(env, -1);
  fcntl(dup, F_SETFL, fcntl(dup, F_GETFL) | O_NONBLOCK);
  if (!S.freeSlots.empty()) S.freeSlots.pop_back();
  else S.conns.push_back(nullptr);
  Conn* c = new Conn();
  c->fd = dup;
  c->slot = slot;
  c->poll.data = c;
  if (uv_poll_init(S.loop, &c->poll, dup) != 0) {
    close(dup);
    delete c;
    S.freeSlots.push_back(slot);
    return Int32(env, -1);
  }
  S.conns[slot] = c;
  S.pend[slot] = 0;
  Watch(c);
  return Int32(env, slot);
}

// netFd(slot) -> this layer's descriptor for the slot (CLIENT LIST's fd), or -1.
napi_value NetFd(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  Conn* c = SlotCall(env, info, argv, 1);
  return Int32(env, c == nullptr ? -1 : c->fd);
}

// netWrite(bytes: Uint8Array, slots: Int32Array, offs: Int32Array, lens: Int32Array, n) ->
// failures. Sends bytes[offs[i], offs[i]+lens[i]) to slots[i] for i < n, in order; what the
// kernel does not take waits here. A slot whose connection failed gets -1 in slots[i]
// (JavaScript frees its client); closed or unknown slots are skipped. One byte array for the
// whole batch: JavaScript stages the turn's replies in it, so there is no per-reply lookup here.
napi_value NetWrite(napi_env env, napi_callback_info info) {
  size_t argc = 5;
  napi_value argv[5];
  napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
  void *bd, *sd, *od, *ld;
  size_t blen, slen, olen, llen;
  uint32_t n = 0;
  if (argc < 5 || !TypedArg(env, argv[0], napi_uint8_array, &bd, &blen) || !TypedArg(env, argv[1], napi_int32_array, &sd, &slen) ||
      !TypedArg(env, argv[2], napi_int32_array, &od, &olen) || !TypedArg(env, argv[3], napi_int32_array, &ld, &llen) ||
      napi_get_value_uint32(env, argv[4], &n) != napi_ok || n > slen || n > olen || n > llen) {
    return Throw(env, "spindle_native: bad netWrite arguments");
  }
  const uint8_t* bytes = static_cast<const uint8_t*>(bd);
  int32_t* slots = static_cast<int32_t*>(sd);
  const int32_t* offs = static_cast<const int32_t*>(od);
  const int32_t* lens = static_cast<const int32_t*>(ld);
  for (uint32_t i = 0; i < n; i++) {
    if (offs[i] < 0 || lens[i] < 0 || static_cast<size_t>(offs[i]) > blen || static_cast<size_t>(lens[i]) > blen - offs[i]) {
      return Throw(env, "spindle_native: netWrite range outside the buffer");
    }
  }
  int failures = 0;
  for (uint32_t i = 0; i < n; i++) {
    int32_t slot = slots[i];
    if (slot < 0 || static_cast<size_t>(slot) >= S.conns.size()) continue;
    Conn* c = S.conns[slot];
    if (c == nullptr || c->closeAfterWrite) continue;
    const uint8_t* p = bytes + offs[i];
    size_t len = static_cast<size_t>(lens[i]);
    if (c->out.size() > c->outOff) {
      c->out.insert(c->out.end(), p, p + len);
      SetPending(c);
      continue;
    }
    size_t done = 0;
    if (!SendSome(c->fd, p, len, &done)) {
      slots[i] = -1;
      failures++;
      c->readDone = true;  // JavaScript frees the client: no EOF record follows
      DropOut(c);
      Watch(c);
      continue;
    }
    if (done < len) {
      c->out.assign(p + done, p + len);
      c->outOff = 0;
      SetPending(c);
      Watch(c);
    }
  }
  return Int32(env, failures);
}

// netEnd(slot): closes once the waiting output is sent; nothing more is read. The slot is
// JavaScript's no more.
napi_value NetEnd(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  Conn* c = SlotCall(env, info, argv, 1);
  if (c == nullptr || c->closeAfterWrite) return Undefined(env);
  if (c->out.size() == c->outOff) {
    CloseConn(c);
    return Undefined(env);
  }
  c->closeAfterWrite = true;
  Watch(c);
  return Undefined(env);
}

// netClose(slot): closes now, dropping waiting output.
napi_value NetClose(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  Conn* c = SlotCall(env, info, argv, 1);
  if (c != nullptr) CloseConn(c);
  return Undefined(env);
}

// netPause(slot, paused): stops or restarts reading the slot (a busy script's caller).
napi_value NetPause(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  Conn* c = SlotCall(env, info, argv, 2);
  bool paused = false;
  if (c != nullptr && napi_get_value_bool(env, argv[1], &paused) == napi_ok) {
    c->paused = paused;
    Watch(c);
  }
  return Undefined(env);
}

void Define(napi_env env, napi_value exports, const char* name, napi_callback cb) {
  napi_value fn;
  napi_create_function(env, name, NAPI_AUTO_LENGTH, cb, nullptr, &fn);
  napi_set_named_property(env, exports, name, fn);
}

}  // namespace

void InitNet(Napi::Env env, Napi::Object exports) {
  Define(env, exports, "netInit", NetInit);
  Define(env, exports, "netOpen", NetOpen);
  Define(env, exports, "netFd", NetFd);
  Define(env, exports, "netWrite", NetWrite);
  Define(env, exports, "netEnd", NetEnd);
  Define(env, exports, "netClose", NetClose);
  Define(env, exports, "netPause", NetPause);
}

}  // namespace spindle
