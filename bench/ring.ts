/*
 * Micro-benchmark of the io-threads SPSC ring (src/io-threads/ring.ts) between the main thread and
 * one worker, woken by MessagePort kicks.
 *
 *   node_modules/.bin/node bench/ring.ts                  # all cases, ~1.5 s each (about 70 s)
 *   node_modules/.bin/node bench/ring.ts --seconds 0.5 --sizes 16,1024 --batches 1,256 --modes w2m
 *
 * Modes:
 *   m2w       main produces, worker consumes (the reply direction)
 *   w2m       worker produces, main consumes (the command direction)
 *   pingpong  worker sends `batch` frames, main echoes each (one commit per drained batch), worker
 *             waits for all echoes before the next batch (a client pipelining `batch` commands)
 * Consumers touch the first and last byte of each frame only; producers copy the payload in.
 * Also measured: one bare MessagePort round trip (postMessage -> 'message' -> postMessage back),
 * and one Atomics.notify -> worker Atomics.wait -> Atomics.notify -> main Atomics.waitAsync trip.
 *
 * CPU per frame comes from process.threadCpuUsage() of each thread (Node >= 23.9).
 * Every case stops producing after --seconds (at most 2), and a watchdog aborts a case that has not
 * finished 15 s later. Markdown goes to stdout, progress to stderr.
 */
import * as os from 'node:os';
import { Worker } from 'node:worker_threads';
import { RingConsumer, RingProducer, createRing } from '../src/io-threads/ring.ts';
import {
  Echo,
  KICK_DATA,
  KICK_SPACE,
  Pump,
  Sink,
  threadCpuUs,
  type CaseSetup,
  type DoneMsg,
  type Mode,
} from './ring-worker.ts';

interface Options {
  seconds: number;
  ring: number;
  sizes: number[];
  batches: number[];
  modes: Mode[];
  rtt: boolean;
}

function parseArgs(argv: string[]): Options {
  const o: Options = {
    seconds: 1.5,
    ring: 1 << 20,
    sizes: [16, 64, 1024, 65536],
    batches: [1, 16, 256],
    modes: ['w2m', 'm2w', 'pingpong'],
    rtt: true,
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const v = () => {
      const x = argv[++i];
      if (x === undefined) throw new Error(`${a} needs a value`);
      return x;
    };
    if (a === '--seconds') o.seconds = Math.min(2, Number(v()));
    else if (a === '--ring') o.ring = Number(v());
    else if (a === '--sizes') o.sizes = v().split(',').map(Number);
    else if (a === '--batches') o.batches = v().split(',').map(Number);
    else if (a === '--modes') o.modes = v().split(',').filter((m) => m !== '' && m !== 'none') as Mode[];
    else if (a === '--no-rtt') o.rtt = false;
    else if (a === '--help' || a === '-h') {
      process.stdout.write('usage: node bench/ring.ts [--seconds S<=2] [--ring BYTES] [--sizes 16,64,...] [--batches 1,16,...] [--modes w2m,m2w,pingpong] [--no-rtt]\n');
      process.exit(0);
    } else throw new Error(`unknown option ${a}`);
  }
  if (!(o.seconds > 0)) throw new Error('--seconds must be > 0');
  return o;
}

interface CaseResult {
  mode: Mode;
  size: number;
  batch: number;
  frames: number;
  seconds: number;
  kicks: number;
  mainCpuUs: number;
  workerCpuUs: number;
  roundTrips: number;
}

const WATCHDOG_MS = 15_000;

class Bench {
  readonly worker: Worker;
  private handler: (m: unknown) => void = () => {};
  private failure: ((e: Error) => void) | null = null;

  constructor() {
    this.worker = new Worker(new URL('./ring-worker.ts', import.meta.url), { workerData: { kind: 'ring-bench' } });
    this.worker.on('message', (m: unknown) => this.handler(m));
    this.worker.on('error', (e: unknown) => this.failure?.(e instanceof Error ? e : new Error(String(e))));
    this.worker.on('exit', (code) => this.failure?.(new Error(`worker exited (${code})`)));
  }

  /** Runs `body` with a message handler; resolves/rejects through `finish`, with a watchdog. */
  private withHandler<T>(ms: number, body: (finish: (v: T) => void, fail: (e: Error) => void) => (m: unknown) => void): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => fail(new Error(`case did not finish within ${ms} ms (deadlock?)`)), ms);
      const finish = (v: T) => {
        clearTimeout(timer);
        this.handler = () => {};
        this.failure = null;
        resolve(v);
      };
      const fail = (e: Error) => {
        clearTimeout(timer);
        this.handler = () => {};
        this.failure = null;
        reject(e);
      };
      this.failure = fail;
      this.handler = body(finish, fail);
    });
  }

  async runCase(mode: Mode, size: number, batch: number, ringBytes: number, seconds: number): Promise<CaseResult> {
    const toWorker = createRing(ringBytes);
    const toMain = createRing(ringBytes);
    const w = this.worker;
    const p = new RingProducer(toWorker, () => w.postMessage(KICK_DATA));
    const c = new RingConsumer(toMain, () => w.postMessage(KICK_SPACE));
    const durationMs = seconds * 1000;
    const setup: CaseSetup = { cmd: 'setup', mode, toWorker, toMain, size, batch, durationMs };

    let t0 = 0;
    let cpu0 = 0;
    let mainEnd = -1;
    let mainCpuEnd = 0;
    let mainFrames = 0;
    let onData: () => void = () => {};
    let onSpace: () => void = () => {};
    let start: () => void = () => {};
    let workerDone: DoneMsg | null = null;
    let tryFinish: () => void = () => {};

    if (mode === 'm2w') {
      const pump: Pump = new Pump(p, size, batch, durationMs, () => {
        mainFrames = pump.frames;
        mainEnd = 0; // the worker's 'done' marks the end (all frames consumed)
        tryFinish();
      });
      onSpace = () => pump.run();
      start = () => pump.start();
    } else if (mode === 'w2m') {
      const sink: Sink = new Sink(c, () => {
        mainFrames = sink.frames;
        mainEnd = performance.now();
        mainCpuEnd = threadCpuUs();
        tryFinish();
      });
      onData = () => sink.run();
      start = () => w.postMessage({ cmd: 'go' });
    } else {
      const echo: Echo = new Echo(c, p, () => {
        mainFrames = echo.frames;
        mainEnd = performance.now();
        mainCpuEnd = threadCpuUs();
        tryFinish();
      });
      onData = () => echo.run();
      onSpace = () => echo.run();
      start = () => w.postMessage({ cmd: 'go' });
    }

    return this.withHandler<CaseResult>(durationMs + WATCHDOG_MS, (finish) => {
      tryFinish = () => {
        if (workerDone === null || mainEnd < 0) return;
        const end = mainEnd > 0 ? mainEnd : performance.now();
        const mainCpuUs = (mainEnd > 0 ? mainCpuEnd : threadCpuUs()) - cpu0;
        finish({
          mode,
          size,
          batch,
          frames: mode === 'm2w' ? workerDone.frames : mainFrames,
          seconds: (end - t0) / 1000,
          kicks: p.kicks + c.kicks + workerDone.kicks,
          mainCpuUs,
          workerCpuUs: workerDone.cpuUs,
          roundTrips: workerDone.roundTrips,
        });
      };
      w.postMessage(setup);
      return (m: unknown) => {
        if (m === KICK_DATA) onData();
        else if (m === KICK_SPACE) onSpace();
        else if (typeof m === 'object' && m !== null) {
          const t = (m as { type: string }).type;
          if (t === 'ready') {
            t0 = performance.now();
            cpu0 = threadCpuUs();
            start();
          } else if (t === 'done') {
            workerDone = m as DoneMsg;
            tryFinish();
          }
        }
      };
    });
  }

  /** Bare MessagePort round trips for `seconds`. */
  async portRtt(seconds: number): Promise<{ n: number; wallUs: number; mainCpuUs: number; workerCpuUs: number }> {
    const w = this.worker;
    let wcpu0 = 0;
    let t0 = 0;
    let cpu0 = 0;
    let n = 0;
    let stopping = false;
    let mainCpu = 0;
    let wall = 0;
    return this.withHandler(seconds * 1000 + WATCHDOG_MS, (finish) => {
      w.postMessage({ cmd: 'echo-numbers' });
      return (m: unknown) => {
        if (typeof m === 'number') {
          n++;
          if ((n & 63) === 0 && performance.now() - t0 >= seconds * 1000) {
            stopping = true;
            wall = performance.now() - t0;
            mainCpu = threadCpuUs() - cpu0;
            w.postMessage({ cmd: 'cpu' });
            return;
          }
          w.postMessage(0);
        } else if ((m as { type: string }).type === 'cpu') {
          const cpuUs = (m as { cpuUs: number }).cpuUs;
          if (!stopping) {
            wcpu0 = cpuUs;
            t0 = performance.now();
            cpu0 = threadCpuUs();
            w.postMessage(0);
          } else {
            finish({ n, wallUs: (wall * 1000) / n, mainCpuUs: mainCpu / n, workerCpuUs: (cpuUs - wcpu0) / n });
          }
        }
      };
    });
  }

  /**
   * Atomics.notify to a worker waiting in Atomics.wait (`blocking`) or Atomics.waitAsync, answered
   * by notify to the main thread's Atomics.waitAsync.
   */
  async waitAsyncRtt(seconds: number, blocking: boolean): Promise<{ n: number; wallUs: number; mainCpuUs: number; workerCpuUs: number }> {
    const sab = new SharedArrayBuffer(8);
    const ctl = new Int32Array(sab);
    const w = this.worker;
    let doneMsg: { cpuUs: number; n: number } | null = null;
    const donePromise = this.withHandler<{ cpuUs: number; n: number }>(seconds * 1000 + WATCHDOG_MS, (finish) => {
      return (m: unknown) => {
        if ((m as { type: string }).type === 'wait-done') finish(m as { cpuUs: number; n: number });
      };
    });
    w.postMessage({ cmd: blocking ? 'wait-loop' : 'waitasync-loop', ctl: sab });
    await new Promise((r) => setTimeout(r, 50)); // let the worker block in Atomics.wait
    const t0 = performance.now();
    const cpu0 = threadCpuUs();
    let i = 0;
    const end = t0 + seconds * 1000;
    while (performance.now() < end) {
      for (let k = 0; k < 64; k++) {
        i++;
        Atomics.store(ctl, 0, i);
        Atomics.notify(ctl, 0);
        const r = Atomics.waitAsync(ctl, 1, i - 1);
        if (r.async) await r.value;
      }
    }
    const wall = performance.now() - t0;
    const mainCpu = threadCpuUs() - cpu0;
    Atomics.store(ctl, 0, -1);
    Atomics.notify(ctl, 0);
    doneMsg = await donePromise;
    return { n: i, wallUs: (wall * 1000) / i, mainCpuUs: mainCpu / i, workerCpuUs: doneMsg.cpuUs / i };
  }
}

function fmt(x: number, digits = 2): string {
  if (!Number.isFinite(x)) return 'n/a';
  if (Math.abs(x) >= 1e6) return `${(x / 1e6).toFixed(2)}M`;
  if (Math.abs(x) >= 1e4) return `${(x / 1e3).toFixed(0)}k`;
  return x.toFixed(digits);
}

function mbs(bytesPerSec: number): string {
  const x = bytesPerSec / 1e6;
  return x >= 100 ? x.toFixed(0) : x.toFixed(1);
}

async function main(): Promise<void> {
  const o = parseArgs(process.argv.slice(2));
  const b = new Bench();
  const results: CaseResult[] = [];
  let failed = false;
  const killTimer = setTimeout(() => {
    process.stderr.write('bench/ring.ts: global time limit reached\n');
    process.exit(1);
  }, (o.modes.length * o.sizes.length * o.batches.length + 4) * (o.seconds * 1000 + WATCHDOG_MS));
  killTimer.unref();
  try {
    const out: string[] = [];
    out.push(`## SPSC ring: main thread <-> 1 worker (${process.version}, ${os.cpus().length} CPUs, ring ${o.ring} B, ${o.seconds} s per case)\n`);
    out.push('| mode | frame B | commit every | frames/s | MB/s | kicks / 1k frames | main CPU µs/frame | worker CPU µs/frame | main CPU % | round trips/s |');
    out.push('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
    for (const mode of o.modes) {
      for (const size of o.sizes) {
        for (const batch of o.batches) {
          process.stderr.write(`${mode} size=${size} batch=${batch} ... `);
          const r = await b.runCase(mode, size, batch, o.ring, o.seconds);
          results.push(r);
          const fps = r.frames / r.seconds;
          const row = `| ${mode} | ${size} | ${batch} | ${fmt(fps)} | ${mbs(fps * size)} | ${fmt((r.kicks * 1000) / r.frames, 2)} | ` +
            `${fmt(r.mainCpuUs / r.frames, 3)} | ${fmt(r.workerCpuUs / r.frames, 3)} | ${fmt((r.mainCpuUs / 1e6 / r.seconds) * 100, 0)} | ` +
            `${mode === 'pingpong' ? fmt(r.roundTrips / r.seconds, 0) : ''} |`;
          out.push(row);
          process.stderr.write(`${fmt(fps)} frames/s\n`);
        }
      }
    }
    if (o.rtt) {
      out.push('');
      out.push('### Wake-up round trip (no ring)\n');
      out.push('| mechanism | round trips | wall µs / RT | main CPU µs / RT | worker CPU µs / RT | total CPU µs / RT |');
      out.push('|---|---:|---:|---:|---:|---:|');
      process.stderr.write('MessagePort round trip ... ');
      const pr = await b.portRtt(o.seconds);
      out.push(`| postMessage -> 'message' -> postMessage back | ${pr.n} | ${pr.wallUs.toFixed(2)} | ${pr.mainCpuUs.toFixed(2)} | ${pr.workerCpuUs.toFixed(2)} | ${(pr.mainCpuUs + pr.workerCpuUs).toFixed(2)} |`);
      process.stderr.write(`${pr.wallUs.toFixed(2)} µs\n`);
      for (const blocking of [false, true]) {
        process.stderr.write(`Atomics round trip (worker ${blocking ? 'wait' : 'waitAsync'}) ... `);
        const ar = await b.waitAsyncRtt(o.seconds, blocking);
        const how = blocking ? 'worker blocks in Atomics.wait' : 'worker Atomics.waitAsync';
        out.push(`| Atomics.notify -> ${how}; notify -> main Atomics.waitAsync | ${ar.n} | ${ar.wallUs.toFixed(2)} | ${ar.mainCpuUs.toFixed(2)} | ${ar.workerCpuUs.toFixed(2)} | ${(ar.mainCpuUs + ar.workerCpuUs).toFixed(2)} |`);
        process.stderr.write(`${ar.wallUs.toFixed(2)} µs\n`);
      }
    }
    out.push('');
    out.push(`Command: \`node_modules/.bin/node bench/ring.ts ${process.argv.slice(2).join(' ')}\``.replace(/ `$/, '`'));
    process.stdout.write(out.join('\n') + '\n');
  } catch (err) {
    failed = true;
    process.stderr.write(`\nbench/ring.ts failed: ${String((err as Error)?.stack ?? err)}\n`);
  } finally {
    await b.worker.terminate();
    clearTimeout(killTimer);
  }
  process.exitCode = failed ? 1 : 0;
}

await main();
