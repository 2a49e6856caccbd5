/*
 * LATENCY LATEST/HISTORY/RESET/GRAPH/DOCTOR/HISTOGRAM/HELP (Redis's latency.c) over the latency
 * monitor (src/server/latency-monitor.ts) and the per-command histograms of INFO latencystats.
 *
 * GRAPH draws Redis's ASCII sparkline: 4 rows of `_o#` cells scaled between the lowest and the
 * highest sample (a `|` fills a column under a tall cell), then each sample's age ("12s", "3m")
 * written downwards under it, 80 columns per block. DOCTOR writes the same report sentences as
 * Redis for the states it has (disabled, no spikes, per-event statistics and the general advice).
 */
import type { Argv } from '../../protocol/argv.ts';
import type { Command, CommandDef } from '../../commands/registry.ts';
import { replyHelp } from '../../commands/util.ts';
import type { LatencyHistogram } from '../../util/latency-histogram.ts';
import type { Client } from '../client.ts';
import type { LatencySeries } from '../latency-monitor.ts';

// LATENCY LATEST
function latencyLatestCommand(c: Client): void {
  const w = c.w;
  const events = c.srv.ops.latency.events;
  w.arrayHeader(events.size);
  for (const [name, ts] of events) {
    const [time, ms] = ts.last();
    w.arrayHeader(4);
    w.bulkString(name);
    w.integer(time);
    w.integer(ms);
    w.integer(ts.max);
  }
}

// LATENCY HISTORY event
function latencyHistoryCommand(c: Client, argv: Argv): void {
  const ts = c.srv.ops.latency.events.get(argv.str(2));
  const w = c.w;
  if (ts === undefined) {
    w.arrayHeader(0);
    return;
  }
  const samples = ts.samples();
  w.arrayHeader(samples.length);
  for (const [time, ms] of samples) {
    w.arrayHeader(2);
    w.integer(time);
    w.integer(ms);
  }
}

// LATENCY RESET [event ...]
function latencyResetCommand(c: Client, argv: Argv): void {
  const names: string[] = [];
  for (let i = 2; i < argv.argc; i++) names.push(argv.str(i));
  c.w.integer(c.srv.ops.latency.reset(names));
}

const CHARSET_FILL = '_o#';
const GRAPH_COLS = 80;
const GRAPH_ROWS = 4;

interface Sample {
  value: number;
  label: string;
}

/** One block of up to GRAPH_COLS samples, rows top to bottom, then the labels (sparklineRenderRange). */
function renderRange(samples: Sample[], min: number, max: number, offset: number, len: number): string {
  let relmax = max - min;
  if (relmax === 0) relmax = 1;
  const steps = CHARSET_FILL.length * GRAPH_ROWS;
  let out = '';
  for (let row = 0; ; row++) {
    let loop = false;
    const chars = new Array<string>(len).fill(' ');
    for (let i = 0; i < len; i++) {
      const s = samples[offset + i];
      let step = Math.trunc(Math.trunc((s.value - min) * steps) / relmax);
      if (step < 0) step = 0;
      if (step >= steps) step = steps - 1;
      if (row < GRAPH_ROWS) {
        loop = true;
        const idx = step - (GRAPH_ROWS - row - 1) * CHARSET_FILL.length;
        if (idx >= 0 && idx < CHARSET_FILL.length) chars[i] = CHARSET_FILL[idx];
        else if (idx >= CHARSET_FILL.length) chars[i] = '|';
      } else {
        // One blank row between the graph and the labels.
        if (row - GRAPH_ROWS < 1) {
          loop = true;
          break;
        }
        const at = row - GRAPH_ROWS - 1;
        if (s.label.length > at) {
          loop = true;
          chars[i] = s.label[at];
        }
      }
    }
    if (!loop) break;
    out += `${chars.join('')}\n`;
  }
  return out;
}

/** "12s", "3m", "5h", "2d": how long ago a sample was taken. */
function ageLabel(secs: number): string {
  if (secs < 60) return `${secs}s`;
  if (secs < 3600) return `${Math.trunc(secs / 60)}m`;
  if (secs < 86400) return `${Math.trunc(secs / 3600)}h`;
  return `${Math.trunc(secs / 86400)}d`;
}

/** The LATENCY GRAPH text of one event. */
export function latencyGraph(name: string, ts: LatencySeries, now = Math.floor(Date.now() / 1000)): string {
  const samples: Sample[] = [];
  let min = 0;
  let max = 0;
  for (const [time, ms] of ts.samples()) {
    if (samples.length === 0) min = max = ms;
    else {
      if (ms > max) max = ms;
      if (ms < min) min = ms;
    }
    samples.push({ value: ms, label: ageLabel(now - time) });
  }
  let out = `${name} - high ${max} ms, low ${min} ms (all time high ${ts.max} ms)\n${'-'.repeat(GRAPH_COLS)}\n`;
  for (let j = 0; j < samples.length; j += GRAPH_COLS) {
    if (j !== 0) out += '\n';
    out += renderRange(samples, min, max, j, Math.min(GRAPH_COLS, samples.length - j));
  }
  return out;
}

// LATENCY GRAPH event
function latencyGraphCommand(c: Client, argv: Argv): void {
  const name = argv.str(2);
  const ts = c.srv.ops.latency.events.get(name);
  if (ts === undefined) {
    c.w.error(`ERR No samples available for event '${name}'`);
    return;
  }
  c.w.verbatim(latencyGraph(name, ts));
}

/** The LATENCY DOCTOR report (latencyCommandGenHumanReport) at unix second `now`. */
export function latencyDoctorText(
  events: ReadonlyMap<string, LatencySeries>,
  threshold: number,
  slowlogSlowerThan: number,
  slowlogMaxLen: number,
  now = Math.floor(Date.now() / 1000),
): string {
  if (threshold === 0) {
    return (
      "I'm sorry, Dave, I can't do that. Latency monitoring is disabled in this Redis instance. You may use " +
      '"CONFIG SET latency-monitor-threshold <milliseconds>." in order to enable it. If we weren\'t in a deep space ' +
      "mission I'd suggest to take a look at https://redis.io/topics/latency-monitor.\n"
    );
  }
  if (events.size === 0) {
    return (
      'Dave, no latency spike was observed during the lifetime of this Redis instance, not in the slightest bit. ' +
      'I honestly think you ought to sit down calmly, take a stress pill, and think things over.\n'
    );
  }
  let out = "Dave, I have observed latency spikes in this Redis instance. You don't mind talking about it, do you Dave?\n\n";
  let i = 1;
  let commandEvents = false;
  for (const [name, ts] of events) {
    const samples = ts.samples();
    if (samples.length === 0) continue;
    // analyzeLatencyForEvent: an integer average, the mean absolute deviation from it, and the
    // seconds since the oldest sample (at least 1) per sample.
    let sum = 0;
    let oldest = samples[0][0];
    for (const [t, ms] of samples) {
      sum += ms;
      if (t < oldest) oldest = t;
    }
    const avg = Math.trunc(sum / samples.length);
    let dev = 0;
    for (const [, ms] of samples) dev += Math.abs(avg - ms);
    const mad = Math.trunc(dev / samples.length);
    const period = Math.max(1, now - oldest) / samples.length;
    out += `${i++}. ${name}: ${samples.length} latency spikes (average ${avg}ms, mean deviation ${mad}ms, period ${period.toFixed(2)} sec). Worst all time event ${ts.max}ms.\n`;
    if (name === 'command') commandEvents = true;
  }
  out += '\nI have a few advices for you:\n\n';
  if (commandEvents) {
    if (slowlogSlowerThan < 0 || slowlogMaxLen === 0) {
      out += `- There are latency issues with potentially slow commands you are using. Try to enable the Slow Log Redis feature using the command 'CONFIG SET slowlog-log-slower-than ${threshold * 1000}'. If the Slow log is disabled Redis is not able to log slow commands execution for you.\n`;
    } else if (Math.trunc(slowlogSlowerThan / 1000) > threshold) {
      out += `- Your current Slow Log configuration only logs events that are slower than your configured latency monitor threshold. Please use 'CONFIG SET slowlog-log-slower-than ${threshold * 1000}'.\n`;
    }
    out += '- Check your Slow Log to understand what are the commands you are running which are too slow to execute. Please check https://redis.io/commands/slowlog for more information.\n';
    out += '- Deleting, expiring or evicting (because of maxmemory policy) large objects is a blocking operation. If you have very large objects that are often deleted, expired, or evicted, try to fragment those objects into multiple smaller objects.\n';
  }
  return out;
}

/** The LATENCY DOCTOR report for the running server. */
export function latencyDoctor(c: Client): string {
  const lat = c.srv.ops.latency;
  const cfg = c.srv.config;
  return latencyDoctorText(lat.events, lat.threshold, cfg.num('slowlog-log-slower-than'), cfg.num('slowlog-max-len'));
}

// LATENCY DOCTOR
function latencyDoctorCommand(c: Client): void {
  c.w.verbatim(latencyDoctor(c));
}

/**
 * One command's histogram as LATENCY HISTOGRAM shows it (fillCommandCDF): the calls, then the
 * cumulative count at each power-of-two bucket from 1024 ns, in µs, where it grew.
 */
function replyHistogram(c: Client, h: LatencyHistogram): void {
  const w = c.w;
  w.mapHeader(2);
  w.bulkString('calls');
  w.integer(h.total);
  w.bulkString('histogram_usec');
  const pairs: number[] = [];
  let cumulative = 0;
  let previous = 0;
  let level = 1024;
  // Our buckets never straddle a power-of-two boundary, so cumulative counts per level are exact.
  let i = 0;
  const counts = h.counts;
  while (cumulative < h.total) {
    for (; i < counts.length; i++) {
      if (bucketHigh(i) > level - 1) break;
      cumulative += counts[i];
    }
    if (cumulative > previous) pairs.push(Math.trunc((level - 1) / 1000), cumulative);
    previous = cumulative;
    level *= 2;
  }
  w.mapHeader(pairs.length / 2);
  for (const v of pairs) w.integer(v);
}

/** The highest value (ns) bucket i of util/latency-histogram.ts holds. */
function bucketHigh(i: number): number {
  let k = (i >> 7) - 1;
  let sub = (i & 127) + 128;
  if (k < 0) {
    sub -= 128;
    k = 0;
  }
  return sub * 2 ** k + 2 ** k - 1;
}

// LATENCY HISTOGRAM [command ...]
function latencyHistogramCommand(c: Client, argv: Argv): void {
  const w = c.w;
  const list: Command[] = [];
  if (argv.argc === 2) {
    for (const cmd of c.srv.registry.all()) if (cmd.latency !== null && cmd.latency.total > 0) list.push(cmd);
  } else {
    for (let j = 2; j < argv.argc; j++) {
      const name = argv.str(j);
      const cmd = name.includes(' ') ? undefined : c.srv.registry.find(name);
      if (cmd === undefined) continue;
      if (cmd.latency !== null && cmd.latency.total > 0) list.push(cmd);
      for (const sub of cmd.subcommands) if (sub.latency !== null && sub.latency.total > 0) list.push(sub);
    }
  }
  w.mapHeader(list.length);
  for (const cmd of list) {
    w.bulkString(cmd.fullName);
    replyHistogram(c, cmd.latency as LatencyHistogram);
  }
}

// LATENCY HELP
function latencyHelpCommand(c: Client): void {
  replyHelp(c, 'LATENCY', [
    'DOCTOR',
    '    Return a human readable latency analysis report.',
    'GRAPH <event>',
    '    Return an ASCII latency graph for the <event> class.',
    'HISTORY <event>',
    '    Return time-latency samples for the <event> class.',
    'LATEST',
    '    Return the latest latency samples for all events.',
    'RESET [<event> ...]',
    '    Reset latency data of one or more <event> classes.',
    '    (default: reset all data for all event classes)',
    'HISTOGRAM [COMMAND ...]',
    '    Return a cumulative distribution of latencies in the format of a histogram for the specified command names.',
    '    If no commands are specified then all histograms are replied.',
  ]);
}

export const latencyCommands: CommandDef<Client>[] = [
  {
    name: 'latency',
    summary: 'Reads the latency monitor and the per-command latency histograms.',
    subcommands: [
      { name: 'latest', summary: 'Returns the latest spike of each event.', handler: latencyLatestCommand },
      { name: 'history', summary: 'Returns the spikes of one event over time.', handler: latencyHistoryCommand },
      { name: 'reset', summary: 'Forgets the spikes of some or all events.', handler: latencyResetCommand },
      { name: 'graph', summary: 'Draws the spikes of one event as ASCII art.', handler: latencyGraphCommand },
      { name: 'doctor', summary: 'Explains the observed spikes in words.', handler: latencyDoctorCommand },
      { name: 'histogram', summary: 'Returns per-command cumulative latency distributions.', handler: latencyHistogramCommand },
      { name: 'help', summary: 'Lists the subcommands and what they do.', handler: latencyHelpCommand },
    ],
  },
];
