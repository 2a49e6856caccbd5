// Why the arena is a growable SharedArrayBuffer with a fixed-length view (src/store/arena.ts):
// the cost of a 34-byte copy loop and of subarray+set, reading from each kind of typed array.
// Each kind runs in its own child process, so one kind's type feedback cannot slow another's.
//
//   node_modules/.bin/node bench/arena-views.ts
import { execFileSync } from 'node:child_process';

const KINDS = ['plain', 'rab-tracking', 'rab-fixed', 'gsab-fixed', 'gsab-tracking'] as const;
const N = 5e6;
const LEN = 34;

function make(kind: string): Uint8Array {
  const size = 1 << 20;
  switch (kind) {
    case 'plain':
      return new Uint8Array(new ArrayBuffer(size));
    case 'rab-tracking':
      return new Uint8Array(new ArrayBuffer(size, { maxByteLength: 2 ** 33 }));
    case 'rab-fixed':
      return new Uint8Array(new ArrayBuffer(size, { maxByteLength: 2 ** 33 }), 0, size);
    case 'gsab-fixed':
      return new Uint8Array(new SharedArrayBuffer(size, { maxByteLength: 2 ** 33 }), 0, size);
    case 'gsab-tracking':
      return new Uint8Array(new SharedArrayBuffer(size, { maxByteLength: 2 ** 33 }));
  }
  throw new Error(`unknown kind ${kind}`);
}

function measure(kind: string): string {
  const src = make(kind);
  const dst = new Uint8Array(new ArrayBuffer(65536));
  const copy = (o: number, n: number): void => {
    for (let i = 0; i < n; i++) dst[i] = src[o + i]!;
  };
  const loop = (): number => {
    const t = process.hrtime.bigint();
    for (let k = 0; k < N; k++) copy((k & 1023) * 8, LEN);
    return Number(process.hrtime.bigint() - t) / N;
  };
  const sub = (): number => {
    const t = process.hrtime.bigint();
    for (let k = 0; k < N; k++) {
      const o = (k & 1023) * 8;
      dst.set(src.subarray(o, o + LEN));
    }
    return Number(process.hrtime.bigint() - t) / N;
  };
  let a = Infinity;
  let b = Infinity;
  for (let r = 0; r < 3; r++) {
    a = Math.min(a, loop());
    b = Math.min(b, sub());
  }
  return `| ${kind} | ${a.toFixed(1)} | ${b.toFixed(1)} |`;
}

const child = process.argv[2];
if (child !== undefined) {
  console.log(measure(child));
} else {
  console.log(`| view (source) | ${LEN}-byte loop copy, ns | subarray + set, ns |`);
  console.log('|---|--:|--:|');
  for (const k of KINDS) process.stdout.write(execFileSync(process.execPath, [process.argv[1]!, k], { encoding: 'utf8' }));
}
