/*
 * Server statistics shown by INFO stats/errorstats, reset by CONFIG RESETSTAT, and the
 * instantaneous-rate samples Redis keeps (one sample per 100 ms, average of the last 16).
 */

const SAMPLES = 16;

export class RateMeter {
  private readonly samples = new Float64Array(SAMPLES);
  private idx = 0;
  private lastTime = 0;
  private lastValue = 0;

  sample(now: number, value: number): void {
    if (this.lastTime > 0) {
      const dt = now - this.lastTime;
      if (dt > 0) {
        this.samples[this.idx] = ((value - this.lastValue) * 1000) / dt;
        this.idx = (this.idx + 1) % SAMPLES;
      }
    }
    this.lastTime = now;
    this.lastValue = value;
  }

  get value(): number {
    let s = 0;
    for (let i = 0; i < SAMPLES; i++) s += this.samples[i];
    return s / SAMPLES;
  }

  reset(): void {
    this.samples.fill(0);
  }
}

export class Stats {
  numConnections = 0;
  numCommands = 0;
  rejectedConn = 0;
  expiredKeys = 0;
  expiredStalePerc = 0;
  expiredTimeCapReached = 0;
  expireCycleCpuMs = 0;
  evictedKeys = 0;
  keyspaceHits = 0;
  keyspaceMisses = 0;
  netInput = 0;
  netOutput = 0;
  readsProcessed = 0;
  writesProcessed = 0;
  totalErrorReplies = 0;
  unexpectedErrorReplies = 0;
  errors = new Map<string, number>();
  ioThreadedReads = 0;
  ioThreadedWrites = 0;
  clientQbufLimitDisconnections = 0;
  clientOutbufLimitDisconnections = 0;
  // GC pauses measured in-process (perf_hooks), Spindle's own fields.
  gcCount = 0;
  gcPauseTotalMs = 0;
  gcPauseMaxMs = 0;
  gcMajorCount = 0;
  gcMajorPauseMaxMs = 0;
  gcMinorPauseMaxMs = 0;

  readonly opsRate = new RateMeter();
  readonly netInRate = new RateMeter();
  readonly netOutRate = new RateMeter();

  /** Counts an error reply by its code (the first word), as INFO errorstats does. */
  countError(text: string): void {
    this.totalErrorReplies++;
    let sp = text.indexOf(' ');
    if (sp < 0) sp = text.length;
    const code = text.slice(0, sp);
    if (this.errors.size >= 128 && !this.errors.has(code)) {
      // Redis stops tracking new error codes past 128 and counts them under ERRORSTATS_DISABLED;
      // we keep the total only.
      return;
    }
    this.errors.set(code, (this.errors.get(code) ?? 0) + 1);
  }

  reset(): void {
    const fresh = new Stats();
    const self = this as unknown as Record<string, unknown>;
    for (const [k, v] of Object.entries(fresh)) {
      if (k === 'opsRate' || k === 'netInRate' || k === 'netOutRate') continue;
      self[k] = v;
    }
    this.opsRate.reset();
    this.netInRate.reset();
    this.netOutRate.reset();
  }
}
