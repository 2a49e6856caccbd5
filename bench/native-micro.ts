// Micro-benchmark: the native addon (src/native/addon.ts) against the TypeScript twins, per call,
// for the operations docs/design-native.md discusses. A few seconds in all:
//   node bench/native-micro.ts            (SPINDLE_NATIVE_PATH picks another build)
import { loadedNative } from '../src/native/addon.ts';
import { HLL_DENSE_SIZE, HLL_EMPTY_SIZE, HllWork, denseAdd, hllCount, mergeInto, rawCount, workAdd, writeEmptyHll } from '../src/store/hyperloglog.ts';
import { lpAppend, lpFind, lpFirst, lpNew, lpValidate, lpView } from '../src/store/listpack.ts';
import { keyHashSlot } from '../src/util/crc16.ts';

const n = loadedNative();
if (n === null) {
  console.log('spindle_native is not built: nothing to compare');
  process.exit(0);
}

function time(label: string, iters: number, fn: () => void): number {
  for (let i = 0; i < Math.min(iters, 20000); i++) fn();
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < iters; i++) fn();
  const ns = Number(process.hrtime.bigint() - t0) / iters;
  console.log(`${label.padEnd(44)} ${ns.toFixed(1).padStart(10)} ns/op`);
  return ns;
}

let sink = 0;
for (const len of [8, 16, 32, 64, 256]) {
  const key = Buffer.alloc(len, 0x61);
  key.write('key:', 0);
  time(`keySlot ${len}-byte key, TS`, 2_000_000, () => {
    sink += keyHashSlot(key, 0, len);
  });
  time(`keySlot ${len}-byte key, native`, 2_000_000, () => {
    sink += n.keySlot(key, 0, len);
  });
}

// PFADD of 10 elements ("element:NNNNNN"), dense and sparse.
const argBuf = Buffer.alloc(10 * 16);
const offs = new Int32Array(10);
const lens = new Int32Array(10);
let seq = 0;
function nextArgs(): void {
  for (let j = 0; j < 10; j++) {
    offs[j] = j * 16;
    lens[j] = argBuf.write(`element:${seq++}`, j * 16, 'latin1');
  }
}
const dense = new Uint8Array(HLL_DENSE_SIZE);
{
  const w = new HllWork();
  const e = new Uint8Array(HLL_EMPTY_SIZE);
  writeEmptyHll(e, 0);
  w.load(e, 0, e.length);
  for (let i = 0; i < 5000; i++) {
    nextArgs();
    for (let j = 0; j < 10; j++) workAdd(w, argBuf, offs[j], lens[j], 0);
  }
  dense.set(w.view());
}
time('PFADD 10 elements dense, TS', 300_000, () => {
  nextArgs();
  for (let j = 0; j < 10; j++) sink += denseAdd(dense, 0, argBuf, offs[j], lens[j]);
});
time('PFADD 10 elements dense, native', 300_000, () => {
  nextArgs();
  sink += n.hllAddDense(dense, 0, argBuf, offs, lens, 0, 10);
});
const sparseSeed = new HllWork();
{
  const e = new Uint8Array(HLL_EMPTY_SIZE);
  writeEmptyHll(e, 0);
  sparseSeed.load(e, 0, e.length);
  for (let i = 0; i < 20; i++) {
    nextArgs();
    for (let j = 0; j < 10; j++) workAdd(sparseSeed, argBuf, offs[j], lens[j], 3000);
  }
}
const sparseBytes = sparseSeed.view().slice();
const w = new HllWork();
const st = new Float64Array(4);
console.log(`(sparse value of ${sparseBytes.length} bytes, reloaded before each PFADD)`);
time('PFADD 10 elements sparse, TS', 100_000, () => {
  w.load(sparseBytes, 0, sparseBytes.length);
  nextArgs();
  for (let j = 0; j < 10; j++) sink += workAdd(w, argBuf, offs[j], lens[j], 3000);
});
time('PFADD 10 elements sparse, native', 100_000, () => {
  w.load(sparseBytes, 0, sparseBytes.length);
  nextArgs();
  st[0] = w.len;
  st[1] = 0;
  st[3] = 0;
  n.hllAddWork(w.buf, st, 3000, argBuf, offs, lens, 10);
  sink += st[1];
});
time('PFCOUNT dense (estimate), TS', 5_000, () => {
  sink += hllCount(dense, 0, HLL_DENSE_SIZE);
});
time('PFCOUNT dense (estimate), native', 5_000, () => {
  sink += n.hllCount(dense, 0, HLL_DENSE_SIZE);
});
time('PFCOUNT sparse (estimate), TS', 50_000, () => {
  sink += hllCount(sparseBytes, 0, sparseBytes.length);
});
time('PFCOUNT sparse (estimate), native', 50_000, () => {
  sink += n.hllCount(sparseBytes, 0, sparseBytes.length);
});
const regs = new Uint8Array(16384);
time('merge dense into registers, TS', 5_000, () => {
  sink += mergeInto(regs, dense, 0, HLL_DENSE_SIZE) ? 1 : 0;
});
time('merge dense into registers, native', 5_000, () => {
  sink += n.hllMerge(regs, dense, 0, HLL_DENSE_SIZE) ? 1 : 0;
});
time('estimate of raw registers, TS', 5_000, () => {
  sink += rawCount(regs);
});
time('estimate of raw registers, native', 5_000, () => {
  sink += n.hllRawCount(regs);
});

for (const count of [16, 128, 1024]) {
  let lp = lpNew(64);
  for (let i = 0; i < count; i++) lp = lpAppend(lp, Buffer.from(i % 3 === 0 ? String(i * 7) : `field-${i}-value`));
  const bytes = lpView(lp).slice();
  const iters = count >= 1024 ? 20_000 : 200_000;
  time(`lpValidate ${count} entries (${bytes.length} B), TS`, iters, () => {
    sink += lpValidate(bytes, bytes.length, () => true) ? 1 : 0; // the callback keeps it on TS
  });
  time(`lpValidate ${count} entries, native`, iters, () => {
    sink += n.lpValidate(bytes, bytes.length) ? 1 : 0;
  });
}

// HGET-like lookups: a field of a hash listpack (field/value pairs, skip 1), the last field and a
// miss, strings of ~10 bytes.
for (const pairs of [8, 32, 128]) {
  let lp = lpNew(64);
  for (let i = 0; i < pairs; i++) {
    lp = lpAppend(lp, Buffer.from(`field:${i}`));
    lp = lpAppend(lp, Buffer.from(`value-${i}`));
  }
  const last = Buffer.from(`field:${pairs - 1}`);
  const iters = 500_000;
  time(`lpFind last of ${pairs} fields, TS`, iters, () => {
    sink += lpFind(lp, lpFirst(lp), last, 0, last.length, 1);
  });
  time(`lpFind last of ${pairs} fields, native`, iters, () => {
    sink += n.lpFind(lp, lpFirst(lp), last, 0, last.length, 1);
  });
  const mid = Buffer.from(`field:${pairs >> 1}`);
  time(`lpFind middle of ${pairs} fields, TS`, iters, () => {
    sink += lpFind(lp, lpFirst(lp), mid, 0, mid.length, 1);
  });
  time(`lpFind middle of ${pairs} fields, native`, iters, () => {
    sink += n.lpFind(lp, lpFirst(lp), mid, 0, mid.length, 1);
  });
}
if (sink === 0.5) console.log(sink);
