/*
 * The latency monitor's I/O-thread events (io-threads > 1), sampled by the cron from what the
 * workers publish in shared memory (IoPool.stallSamples):
 *   - io-thread-stall: replies the main thread committed have waited this long for their worker
 *     to take them (the worker was busy or descheduled);
 *   - io-thread-ring-full: a worker found its command ring full since the last look (the main
 *     thread was not draining); the sample is how long the oldest undrained hand-off between the
 *     two has waited, the nearest measure of the stall the full ring caused (recorded as at
 *     least the threshold: a full ring is a stall whatever the stamps show by then).
 * Both only when latency-monitor-threshold is set; nothing is measured on the hot path.
 */
import type { Server } from './server.ts';

const lastStalls = new WeakMap<Server, number[]>();

export function sampleIoLatency(srv: Server): void {
  const io = srv.io;
  const lat = srv.ops.latency;
  if (io === null || lat.threshold === 0) return;
  const samples = io.stallSamples();
  const prev = lastStalls.get(srv) ?? [];
  for (let i = 0; i < samples.length; i++) {
    const s = samples[i];
    lat.sampleIfNeeded('io-thread-stall', s.replyWaitMs);
    if (prev[i] !== undefined && s.ringFullStalls > prev[i]) {
      lat.sampleIfNeeded('io-thread-ring-full', Math.max(s.replyWaitMs, s.commandWaitMs, lat.threshold));
    }
  }
  lastStalls.set(srv, samples.map((s) => s.ringFullStalls));
}
