// Cost of one cross-thread wake-up round trip, two ways: a MessagePort post (what io-threads
// uses for kicks) and Atomics.notify to a worker parked in Atomics.waitAsync. Prints the process
// CPU (both threads) and wall time per round trip.
//
//   node_modules/.bin/node bench/kick.ts [post|notify] [rounds]
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';

if (isMainThread) {
  const mode = process.argv[2] ?? 'post';
  const rounds = Number(process.argv[3] ?? 100_000);
  const sab = new SharedArrayBuffer(16);
  const flag = new Int32Array(sab);
  const w = new Worker(new URL(import.meta.url), { workerData: { sab, mode } });
  await new Promise((r) => w.once('message', r));
  const kick = (): void => {
    if (mode === 'post') w.postMessage(1);
    else {
      Atomics.store(flag, 0, 1);
      Atomics.notify(flag, 0);
    }
  };
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  let acks = 0;
  await new Promise<void>((resolve) => {
    w.on('message', () => {
      if (++acks === rounds) resolve();
      else setImmediate(kick);
    });
    kick();
  });
  const cpu = process.cpuUsage(cpu0);
  const perRound = (us: number): string => (us / rounds).toFixed(2);
  console.log(`${mode}: ${perRound(cpu.user + cpu.system)} µs CPU (both threads), ${perRound((performance.now() - t0) * 1000)} µs wall per round trip`);
  await w.terminate();
} else {
  const port = parentPort as NonNullable<typeof parentPort>;
  const { sab, mode } = workerData as { sab: SharedArrayBuffer; mode: string };
  const flag = new Int32Array(sab);
  if (mode === 'post') port.on('message', () => port.postMessage(0));
  else {
    port.on('message', () => {}); // keeps the worker's loop alive (waitAsync alone does not)
    const wait = (): void => {
      const r = Atomics.waitAsync(flag, 0, 0);
      const wake = (): void => {
        Atomics.store(flag, 0, 0);
        port.postMessage(0);
        wait();
      };
      if (r.async) void r.value.then(wake);
      else wake();
    };
    wait();
  }
  port.postMessage('ready');
}
