/*
 * The live page's data (GET /live.json): a snapshot derived from INFO, like the Prometheus text,
 * with just what the page plots: ops/s, memory, GC pauses, per-command latency percentiles, and
 * with io-threads the per-stage percentiles and each I/O thread's average stage times.
 */
import { parseInfo, parseKv } from './prometheus.ts';

export interface LiveSnapshot {
  t: number;
  ops: number;
  commands: number;
  memory: { used: number; rss: number };
  gc: { count: number; pauseTotalMs: number; pauseMaxMs: number };
  /** command -> {p50, p99, p99.9} in µs (the busiest few). */
  latency: Record<string, Record<string, number>>;
  /** io-threads stage -> {p50, p99, p99.9} in µs. */
  stages: Record<string, Record<string, number>>;
  /** I/O thread number -> average µs per stage (parse, queue wait, execute, reply wait, write). */
  threads: Record<string, Record<string, number>>;
}

const nums = (kv: Record<string, string>): Record<string, number> => {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(kv)) out[k] = Number(v);
  return out;
};

export function liveSnapshot(infoText: string, now = Date.now()): LiveSnapshot {
  const info = parseInfo(infoText);
  const field = (section: string, name: string): number => Number(info.sections.get(section)?.find(([k]) => k === name)?.[1] ?? 0);
  const calls = new Map<string, number>();
  for (const [k, v] of info.sections.get('commandstats') ?? []) calls.set(k.replace(/^cmdstat_/, ''), Number(parseKv(v).calls ?? 0));
  const lat = (info.sections.get('latencystats') ?? [])
    .map(([k, v]): [string, Record<string, number>] => [k.replace(/^latency_percentiles_usec_/, ''), nums(parseKv(v))])
    .sort((a, b) => (calls.get(b[0]) ?? 0) - (calls.get(a[0]) ?? 0))
    .slice(0, 4);
  const stages: Record<string, Record<string, number>> = {};
  const threads: Record<string, Record<string, number>> = {};
  for (const [k, v] of info.sections.get('spindle') ?? []) {
    if (k.startsWith('io_stage_usec_')) stages[k.slice('io_stage_usec_'.length)] = nums(parseKv(v));
    else if (k.startsWith('io_thread_')) {
      const kv = nums(parseKv(v));
      threads[k.slice('io_thread_'.length)] = {
        parse_us: kv.parse_us, queue_wait_us: kv.queue_wait_us, execute_us: kv.execute_us, reply_wait_us: kv.reply_wait_us, write_us: kv.write_us,
      };
    }
  }
  return {
    t: now,
    ops: field('stats', 'instantaneous_ops_per_sec'),
    commands: field('stats', 'total_commands_processed'),
    memory: { used: field('memory', 'used_memory'), rss: field('memory', 'used_memory_rss') },
    gc: { count: field('spindle', 'gc_count'), pauseTotalMs: field('spindle', 'gc_pause_total_ms'), pauseMaxMs: field('spindle', 'gc_pause_max_ms') },
    latency: Object.fromEntries(lat),
    stages,
    threads,
  };
}
