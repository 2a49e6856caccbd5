/*
 * The latency monitor (Redis's latency.c): for each event class, the last 160 seconds that had a
 * spike of at least latency-monitor-threshold milliseconds (0: off). Within one second only the
 * worst spike is kept; the all-time maximum is kept apart. LATENCY LATEST, HISTORY, RESET, GRAPH
 * and DOCTOR read it.
 *
 * Events: Redis's own where Spindle has the same thing (command, fast-command, expire-cycle, and
 * eviction-cycle / aof-* once those subsystems report), plus Spindle's: gc-pause (a V8 collection,
 * seen by the GC observer), io-thread-ring-full (an I/O ring had no room) and io-thread-stall (a
 * worker left work undrained for longer than the threshold).
 */

const TS_LEN = 160;

export class LatencySeries {
  readonly time = new Float64Array(TS_LEN);
  readonly latency = new Float64Array(TS_LEN);
  idx = 0;
  max = 0;

  add(now: number, ms: number): void {
    if (ms > this.max) this.max = ms;
    const prev = (this.idx + TS_LEN - 1) % TS_LEN;
    if (this.time[prev] === now) {
      if (ms > this.latency[prev]) this.latency[prev] = ms;
      return;
    }
    this.time[this.idx] = now;
    this.latency[this.idx] = ms;
    this.idx = (this.idx + 1) % TS_LEN;
  }

  /** The samples oldest first, as [unix seconds, ms] pairs. */
  samples(): Array<[number, number]> {
    const out: Array<[number, number]> = [];
    for (let j = 0; j < TS_LEN; j++) {
      const i = (this.idx + j) % TS_LEN;
      if (this.time[i] !== 0) out.push([this.time[i], this.latency[i]]);
    }
    return out;
  }

  last(): [number, number] {
    const i = (this.idx + TS_LEN - 1) % TS_LEN;
    return [this.time[i], this.latency[i]];
  }
}

export class LatencyMonitor {
  /** latency-monitor-threshold in ms (0: off). */
  threshold = 0;
  readonly events = new Map<string, LatencySeries>();

  /** Records `ms` for `event` when it reaches the threshold (latencyAddSampleIfNeeded). */
  sampleIfNeeded(event: string, ms: number): void {
    if (this.threshold === 0 || ms < this.threshold) return;
    this.add(event, Math.trunc(ms));
  }

  add(event: string, ms: number): void {
    let ts = this.events.get(event);
    if (ts === undefined) {
      ts = new LatencySeries();
      this.events.set(event, ts);
    }
    ts.add(Math.floor(Date.now() / 1000), ms);
  }

  /** Drops the named events (all of them when none is named); returns how many existed. */
  reset(names: string[]): number {
    if (names.length === 0) {
      const n = this.events.size;
      this.events.clear();
      return n;
    }
    let n = 0;
    for (const name of names) if (this.events.delete(name)) n++;
    return n;
  }
}
