/*
 * INFO: the text of Redis 7.0's genRedisInfoString, section by section, with the same field names
 * in the same order, `\r\n` line ends, `# Name` headers and one blank line between sections.
 *
 * Values are real where Spindle has them: connections, commands, keyspace, hits and misses,
 * expiry, network bytes, CPU (process.cpuUsage / threadCpuUsage), memory (V8's heap plus the
 * off-heap ArrayBuffers that hold the arena and the dict arrays, and the process RSS). Fields of
 * subsystems Spindle does not have yet (RDB/AOF, replication, scripting, defrag, tracking) keep
 * the values an idle Redis shows, so tools that parse INFO keep working; each one says so below.
 *
 * Spindle adds a `# Spindle` section (in the default set, `all`, `everything`, or by name) with
 * its own version and the GC pauses measured in-process.
 *
 * Latency percentiles (`# Latencystats`) come from a per-command histogram with the bucket layout
 * of the hdr_histogram Redis uses (2 significant figures, 1 ns to 1 s), so the printed
 * percentiles are the same bucket bounds Redis prints. The dispatcher feeds it through
 * recordLatency().
 */
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import type { Command } from '../commands/registry.ts';
import { LatencyHistogram } from '../util/latency-histogram.ts';
import type { Server } from './server.ts';
import { REDIS_VERSION, SPINDLE_VERSION } from './server.ts';
import { functionsOf } from '../scripting/functions.ts';
import { luaEngine, scriptingUnavailable } from '../scripting/lua-engine.ts';
import { native } from '../native/addon.ts';
import { nativeNetEnabled } from './native-net.ts';
import { aofInfoFields } from '../persistence/aof.ts';
import { loadingInfoFields, rdbInfoFields } from '../persistence/rdb-info.ts';
import { replicationInfoFields, syncStats } from '../replication/info.ts';
import { replOf } from '../replication/primary.ts';
import { newReplid } from '../replication/state.ts';

// ---- number formatting ----------------------------------------------------------------------

/**
 * printf("%.<d>f", x): like toFixed, but an exact tie rounds to even as glibc does
 * ((1.125).toFixed(2) is "1.13", printf gives "1.12").
 */
export function formatFixed(x: number, d: number): string {
  const r = x.toFixed(d);
  if (!Number.isFinite(x) || d < 1) return r;
  const full = x.toFixed(Math.min(100, d + 60));
  const dot = full.indexOf('.');
  const tail = full.slice(dot + 1 + d);
  if (!/^50*$/.test(tail)) return r;
  const truncated = full.slice(0, dot + 1 + d);
  const last = truncated.charCodeAt(truncated.length - 1) - 48;
  return last % 2 === 0 ? truncated : r;
}

/** Redis's bytesToHuman: 1015.43K, 6.82M, 23.54G. */
export function bytesToHuman(n: number): string {
  if (n < 1024) return `${n}B`;
  const units = ['K', 'M', 'G', 'T', 'P'];
  let div = 1024;
  for (const u of units) {
    if (n < div * 1024) return `${formatFixed(n / div, 2)}${u}`;
    div *= 1024;
  }
  return `${n}B`;
}

/** "%ld.%06ld" of a microsecond count (the used_cpu_* fields). */
function cpuSeconds(us: number): string {
  const s = Math.floor(us / 1e6);
  return `${s}.${String(Math.floor(us - s * 1e6)).padStart(6, '0')}`;
}

// ---- latency histograms (util/latency-histogram.ts) ----------------------------------------

/** Commands that have a histogram (for CONFIG RESETSTAT). */
const tracked: Command[] = [];

/**
 * Records one call's duration for INFO latencystats (Redis: updateCommandLatencyHistogram, done
 * in call() when latency-tracking is yes and the client was not blocked). The histogram hangs
 * on the command itself: no lookup per call.
 */
export function recordLatency(cmd: Command, usec: number): void {
  let h = cmd.latency;
  if (h === null) {
    h = cmd.latency = new LatencyHistogram();
    tracked.push(cmd);
  }
  h.record(usec * 1000);
}

/** Drops every histogram (CONFIG RESETSTAT). */
export function resetLatencyHistograms(): void {
  for (const c of tracked) c.latency = null;
  tracked.length = 0;
}

/** "50", "99", "99.9": sprintf("%f") with trailing zeros trimmed (trimDoubleString). */
function percentileLabel(p: number): string {
  const s = p.toFixed(6);
  return s.replace(/\.?0+$/, '');
}

// ---- per-server state INFO keeps ------------------------------------------------------------

interface InfoState {
  peakMemory: number;
  /** Replication id shown until replication owns one. */
  replId: string;
}

const states = new WeakMap<Server, InfoState>();


function stateOf(srv: Server): InfoState {
  let s = states.get(srv);
  if (s === undefined) {
    s = { peakMemory: 0, replId: randomBytes(20).toString('hex') };
    states.set(srv, s);
  }
  return s;
}

/** DEBUG CHANGE-REPL-ID: a new random replication id (until replication owns one). */
export function changeReplicationId(srv: Server): void {
  replOf(srv).replid = newReplid();
}

/** Resets what CONFIG RESETSTAT resets in this module (peak memory, latency histograms). */
export function resetInfoStats(srv: Server): void {
  stateOf(srv).peakMemory = 0;
  srv.lazyFree.freed = 0; // lazyfreeResetStats
  srv.evictor.evictedClients = 0;
  resetLatencyHistograms();
}

// ---- memory accounting ----------------------------------------------------------------------

export interface MemoryReport {
  /** used_memory: src/server/memory/accounting.ts (the arena's live blocks plus V8's other memory). */
  used: number;
  rss: number;
  peak: number;
  startup: number;
  /** startup + keyspace arrays + client buffers. */
  overhead: number;
  dataset: number;
  /** "Allocator" figures: V8's heap as allocated / as reserved, and the RSS. */
  allocated: number;
  active: number;
  resident: number;
  clientsNormal: number;
}

export function memoryReport(srv: Server): MemoryReport {
  const m = process.memoryUsage();
  const acc = srv.memory;
  // The figure eviction last compared with maxmemory (refreshed by the cron and every 128 reads).
  const used = acc.used();
  const st = stateOf(srv);
  if (used > st.peakMemory) st.peakMemory = used;
  const clients = acc.clientBuffers();
  const overhead = acc.startup + Math.max(0, acc.indexBytes - acc.startupIndexBytes) + clients;
  return {
    used,
    rss: m.rss,
    peak: st.peakMemory,
    startup: acc.startup,
    overhead,
    dataset: Math.max(0, used - overhead),
    allocated: used,
    active: m.heapTotal + m.external,
    resident: m.rss,
    clientsNormal: clients,
  };
}

// ---- section selection ----------------------------------------------------------------------

const DEFAULT_SECTIONS = [
  'server', 'clients', 'memory', 'persistence', 'stats', 'replication', 'cpu', 'module_list', 'errorstats', 'cluster',
  'keyspace', 'spindle',
];

export interface InfoSelection {
  all: boolean;
  everything: boolean;
  sections: Set<string>;
}

/** genInfoSectionDict: no argument is `default`; `all` and `everything` add every section. */
export function selectSections(args: string[]): InfoSelection {
  const sel: InfoSelection = { all: false, everything: false, sections: new Set() };
  if (args.length === 0) {
    for (const s of DEFAULT_SECTIONS) sel.sections.add(s);
    return sel;
  }
  for (const a of args) {
    const s = a.toLowerCase();
    if (s === 'default') for (const d of DEFAULT_SECTIONS) sel.sections.add(d);
    else if (s === 'all') sel.all = true;
    else if (s === 'everything') {
      sel.all = true;
      sel.everything = true;
    } else sel.sections.add(s);
  }
  return sel;
}

// ---- the text -------------------------------------------------------------------------------

type Fields = Array<[string, string | number]>;

let uname: string | null = null;
let buildId: string | null = null;

function osName(): string {
  if (uname === null) uname = `${os.type()} ${os.release()} ${os.machine()}`;
  return uname;
}

/** A stable hex id for this build (Redis hashes its build; we hash our version and Node's). */
function redisBuildId(): string {
  if (buildId === null) {
    let h = 0xcbf29ce484222325n;
    for (const ch of `spindle-${SPINDLE_VERSION}-${process.version}`) {
      h ^= BigInt(ch.charCodeAt(0));
      h = (h * 0x100000001b3n) & 0xffffffffffffffffn;
    }
    buildId = h.toString(16);
  }
  return buildId;
}

function multiplexingApi(): string {
  switch (process.platform) {
    case 'linux':
      return 'epoll';
    case 'darwin':
    case 'freebsd':
    case 'openbsd':
      return 'kqueue';
    case 'sunos':
      return 'evport';
    default:
      return 'select';
  }
}

function executablePath(): string {
  const main = process.argv[1];
  return main === undefined ? process.execPath : path.resolve(main);
}

/** Total system memory; os.totalmem() reads the same /proc/meminfo line Redis reads. */
function totalSystemMemory(): number {
  try {
    const m = /MemTotal:\s+(\d+) kB/.exec(readFileSync('/proc/meminfo', 'latin1'));
    if (m !== null) return Number(m[1]) * 1024;
  } catch {
    /* not Linux */
  }
  return os.totalmem();
}

function cfg(srv: Server, name: string): string {
  return String(srv.config.get(name) ?? '');
}

function serverFields(srv: Server): Fields {
  const now = performance.timeOrigin + performance.now();
  const uptime = Math.floor((Date.now() - srv.startTime) / 1000);
  const hz = Math.max(1, Math.min(500, Number(cfg(srv, 'hz'))));
  const port = Number(cfg(srv, 'port'));
  return [
    ['redis_version', REDIS_VERSION],
    ['redis_git_sha1', '00000000'],
    ['redis_git_dirty', 0],
    ['redis_build_id', redisBuildId()],
    ['redis_mode', cfg(srv, 'cluster-enabled') === 'yes' ? 'cluster' : 'standalone'],
    ['os', osName()],
    ['arch_bits', 64],
    // libuv's clock (performance.now) is clock_gettime(CLOCK_MONOTONIC).
    ['monotonic_clock', 'POSIX clock_gettime'],
    ['multiplexing_api', multiplexingApi()],
    ['atomicvar_api', 'c11-builtin'],
    // Not built by GCC: Redis prints 0.0.0 then.
    ['gcc_version', '0.0.0'],
    ['process_id', process.pid],
    ['process_supervised', 'no'],
    ['run_id', srv.runId],
    ['tcp_port', port !== 0 ? port : Number(cfg(srv, 'tls-port') || 0)],
    ['server_time_usec', Math.floor(now * 1000)],
    ['uptime_in_seconds', uptime],
    ['uptime_in_days', Math.floor(uptime / 86400)],
    ['hz', hz],
    ['configured_hz', Number(cfg(srv, 'hz'))],
    ['lru_clock', srv.lruClock],
    ['executable', executablePath()],
    ['config_file', srv.configFile],
    ['io_threads_active', srv.io !== null ? 1 : 0],
  ];
}

function clientsFields(srv: Server): Fields {
  let maxIn = 0;
  let maxOut = 0;
  for (const c of srv.clients.values()) {
    if (c.parser.bufferCapacity > maxIn) maxIn = c.parser.bufferCapacity;
    const out = c.transport?.pendingBytes ?? 0;
    if (out > maxOut) maxOut = out;
  }
  return [
    ['connected_clients', srv.clients.size],
    ['cluster_connections', 0],
    ['maxclients', Number(cfg(srv, 'maxclients'))],
    ['client_recent_max_input_buffer', maxIn],
    ['client_recent_max_output_buffer', maxOut],
    // Redis counts clients held by CLIENT PAUSE as blocked too (BLOCKED_POSTPONE).
    ['blocked_clients', srv.blocked.count + srv.pausedClients],
    ['tracking_clients', srv.ops.tracking.clients],
    ['clients_in_timeout_table', srv.blocked.withTimeout],
  ];
}

function ratio(a: number, b: number): string {
  return formatFixed(b > 0 ? a / b : 0, 2);
}

function memoryFields(srv: Server): Fields {
  const m = memoryReport(srv);
  const total = totalSystemMemory();
  const maxmemory = Number(cfg(srv, 'maxmemory'));
  const net = m.used > m.startup ? m.used - m.startup : 1;
  const engine = luaEngine();
  const lua = { vm: engine?.memory ?? 0, scripts: engine?.cache.memory ?? 0, count: engine?.cache.size ?? 0 };
  const fns = engine ? functionsOf(engine) : null;
  return [
    ['used_memory', m.used],
    ['used_memory_human', bytesToHuman(m.used)],
    ['used_memory_rss', m.rss],
    ['used_memory_rss_human', bytesToHuman(m.rss)],
    ['used_memory_peak', m.peak],
    ['used_memory_peak_human', bytesToHuman(m.peak)],
    ['used_memory_peak_perc', `${formatFixed(m.peak > 0 ? (m.used * 100) / m.peak : 0, 2)}%`],
    ['used_memory_overhead', m.overhead],
    ['used_memory_startup', m.startup],
    ['used_memory_dataset', m.dataset],
    ['used_memory_dataset_perc', `${formatFixed((m.dataset * 100) / net, 2)}%`],
    ['allocator_allocated', m.allocated],
    ['allocator_active', m.active],
    ['allocator_resident', m.resident],
    ['total_system_memory', total],
    ['total_system_memory_human', bytesToHuman(total)],
    // The Lua state (0 without the scripting addon); functions share it with EVAL here, so
    // used_memory_vm_functions stays 0 and used_memory_vm_eval counts both.
    ['used_memory_lua', lua.vm],
    ['used_memory_vm_eval', lua.vm],
    ['used_memory_lua_human', bytesToHuman(lua.vm)],
    ['used_memory_scripts_eval', lua.scripts],
    ['number_of_cached_scripts', lua.count],
    ['number_of_functions', fns?.fns.size ?? 0],
    ['number_of_libraries', fns?.libs.size ?? 0],
    ['used_memory_vm_functions', 0],
    ['used_memory_vm_total', lua.vm],
    ['used_memory_vm_total_human', bytesToHuman(lua.vm)],
    ['used_memory_functions', fns?.memory ?? 0],
    ['used_memory_scripts', lua.scripts],
    ['used_memory_scripts_human', bytesToHuman(lua.scripts)],
    ['maxmemory', maxmemory],
    ['maxmemory_human', bytesToHuman(maxmemory)],
    ['maxmemory_policy', cfg(srv, 'maxmemory-policy')],
    ['allocator_frag_ratio', ratio(m.active, m.allocated)],
    ['allocator_frag_bytes', m.active - m.allocated],
    ['allocator_rss_ratio', ratio(m.resident, m.active)],
    ['allocator_rss_bytes', m.resident - m.active],
    ['rss_overhead_ratio', ratio(m.rss, m.resident)],
    ['rss_overhead_bytes', m.rss - m.resident],
    ['mem_fragmentation_ratio', ratio(m.rss, m.used)],
    ['mem_fragmentation_bytes', m.rss - m.used],
    ['mem_not_counted_for_evict', 0],
    ['mem_replication_backlog', replOf(srv).backlog?.size ?? 0],
    ['mem_total_replication_buffers', 0],
    ['mem_clients_slaves', 0],
    ['mem_clients_normal', m.clientsNormal],
    ['mem_cluster_links', 0],
    ['mem_aof_buffer', 0],
    ['mem_allocator', `v8-${process.versions.v8}`],
    ['active_defrag_running', 0],
    ['lazyfree_pending_objects', srv.lazyFree.pending],
    ['lazyfreed_objects', srv.lazyFree.freed],
  ];
}

/** Persistence does not exist yet: the values of an idle Redis that never saved. */
function persistenceFields(srv: Server): Fields {
  return [
    // loading ... rdb_last_load_keys_loaded (persistence/rdb-info.ts).
    ...rdbInfoFields(srv),
    // aof_*, module_fork_* and, while the AOF is on, aof_current_size... (persistence/aof.ts).
    ...aofInfoFields(srv),
    ...loadingInfoFields(srv),
  ];
}

function statsFields(srv: Server): Fields {
  const s = srv.stats;
  // Redis's instantaneous metrics are integer averages of integer samples.
  const kbps = (v: number): string => formatFixed(Math.trunc(v) / 1024, 2);
  return [
    ['total_connections_received', s.numConnections],
    ['total_commands_processed', s.numCommands],
    ['instantaneous_ops_per_sec', Math.trunc(s.opsRate.value)],
    ['total_net_input_bytes', s.netInput],
    ['total_net_output_bytes', s.netOutput],
    ['total_net_repl_input_bytes', 0],
    ['total_net_repl_output_bytes', 0],
    ['instantaneous_input_kbps', kbps(s.netInRate.value)],
    ['instantaneous_output_kbps', kbps(s.netOutRate.value)],
    ['instantaneous_input_repl_kbps', '0.00'],
    ['instantaneous_output_repl_kbps', '0.00'],
    ['rejected_connections', s.rejectedConn],
    ['sync_full', syncStats(srv).full],
    ['sync_partial_ok', syncStats(srv).partialOk],
    ['sync_partial_err', syncStats(srv).partialErr],
    ['expired_keys', s.expiredKeys],
    ['expired_stale_perc', formatFixed(s.expiredStalePerc * 100, 2)],
    ['expired_time_cap_reached_count', s.expiredTimeCapReached],
    ['expire_cycle_cpu_milliseconds', Math.trunc(s.expireCycleCpuMs)],
    ['evicted_keys', s.evictedKeys],
    ['evicted_clients', srv.evictor.evictedClients],
    ['total_eviction_exceeded_time', 0],
    ['current_eviction_exceeded_time', 0],
    ['keyspace_hits', s.keyspaceHits],
    ['keyspace_misses', s.keyspaceMisses],
    ['pubsub_channels', srv.pubsub.channels.size],
    ['pubsub_patterns', srv.pubsub.patterns.size],
    ['pubsubshard_channels', srv.pubsub.shardChannels.size],
    ['latest_fork_usec', 0],
    ['total_forks', 0],
    ['migrate_cached_sockets', 0],
    ['slave_expires_tracked_keys', 0],
    ['active_defrag_hits', 0],
    ['active_defrag_misses', 0],
    ['active_defrag_key_hits', 0],
    ['active_defrag_key_misses', 0],
    ['total_active_defrag_time', 0],
    ['current_active_defrag_time', 0],
    ['tracking_total_keys', srv.ops.tracking.table.size],
    ['tracking_total_items', srv.ops.tracking.items],
    ['tracking_total_prefixes', srv.ops.tracking.prefixTable.size],
    ['unexpected_error_replies', s.unexpectedErrorReplies],
    ['total_error_replies', s.totalErrorReplies],
    ['dump_payload_sanitizations', 0],
    ['total_reads_processed', s.readsProcessed],
    ['total_writes_processed', s.writesProcessed],
    ['io_threaded_reads_processed', s.ioThreadedReads],
    ['io_threaded_writes_processed', s.ioThreadedWrites],
    ['reply_buffer_shrinks', 0],
    ['reply_buffer_expands', 0],
  ];
}

/** INFO replication: replication/info.ts. */
function replicationFields(srv: Server): Fields {
  return replicationInfoFields(srv);
}

function cpuFields(): Fields {
  const p = process.cpuUsage();
  const t = process.threadCpuUsage();
  return [
    ['used_cpu_sys', cpuSeconds(p.system)],
    ['used_cpu_user', cpuSeconds(p.user)],
    ['used_cpu_sys_children', '0.000000'],
    ['used_cpu_user_children', '0.000000'],
    ['used_cpu_sys_main_thread', cpuSeconds(t.system)],
    ['used_cpu_user_main_thread', cpuSeconds(t.user)],
  ];
}

/** getSafeInfoString: '#', ':', CR and LF would break the format. */
function safeName(name: string): string {
  return name.replace(/[#:\r\n]/g, '_');
}

/** Commands in INFO order: each top-level command, then its subcommands. */
function* commandsInOrder(srv: Server): Iterable<Command> {
  yield* srv.registry.all();
}

function commandstatsLines(srv: Server): string[] {
  const out: string[] = [];
  for (const c of commandsInOrder(srv)) {
    if (c.calls === 0 && c.failed === 0 && c.rejected === 0) continue;
    const usec = Math.trunc(c.usec);
    const per = c.calls === 0 ? 0 : usec / c.calls;
    out.push(
      `cmdstat_${safeName(c.fullName)}:calls=${c.calls},usec=${usec},usec_per_call=${formatFixed(per, 2)},rejected_calls=${c.rejected},failed_calls=${c.failed}`,
    );
  }
  return out;
}

function errorstatsLines(srv: Server): string[] {
  const codes = [...srv.stats.errors.keys()].sort();
  return codes.map((code) => `errorstat_${code}:count=${srv.stats.errors.get(code)}`);
}

function latencystatsLines(srv: Server): string[] {
  const percentiles = cfg(srv, 'latency-tracking-info-percentiles')
    .split(' ')
    .filter((s) => s !== '')
    .map(Number);
  const out: string[] = [];
  for (const c of commandsInOrder(srv)) {
    const h = c.latency;
    if (h === null) continue;
    const parts = percentiles.map((p) => `p${percentileLabel(p)}=${(h.valueAt(p) / 1000).toFixed(3)}`);
    out.push(`latency_percentiles_usec_${safeName(c.fullName)}:${parts.join(',')}`);
  }
  return out;
}

function keyspaceLines(srv: Server): string[] {
  const out: string[] = [];
  for (const db of srv.dbs) {
    if (db.count === 0) continue;
    out.push(`db${db.id}:keys=${db.count},expires=${db.expCount},avg_ttl=${Math.trunc(db.ks.avgTtl)}`);
  }
  return out;
}

function spindleFields(srv: Server): Fields {
  const s = srv.stats;
  return [
    ['spindle_version', SPINDLE_VERSION],
    ['node_version', process.version],
    // Lua scripting needs the native addon (README: set-up); says why when it is missing.
    ['scripting', scriptingUnavailable() === '' ? 'available' : `unavailable (${scriptingUnavailable()})`],
    // The native addon (src/native/addon.ts): 0 when not built or forced off.
    ['native_addon', native !== null ? 1 : 0],
    // Main-thread client sockets on the addon's socket layer (src/server/native-net.ts).
    ['native_net', nativeNetEnabled() ? 1 : 0],
    ['gc_count', s.gcCount],
    ['gc_pause_total_ms', s.gcPauseTotalMs.toFixed(3)],
    ['gc_pause_max_ms', s.gcPauseMaxMs.toFixed(3)],
    ['gc_major_count', s.gcMajorCount],
    ['gc_major_pause_max_ms', s.gcMajorPauseMaxMs.toFixed(3)],
    ['gc_minor_pause_max_ms', s.gcMinorPauseMaxMs.toFixed(3)],
    ...(srv.io?.infoFields() ?? []),
  ];
}

interface Section {
  /** Names that select the section (lower case). */
  names: string[];
  title: string;
  /** Selected by `all`/`everything` (every section here is). */
  lines: (srv: Server) => string[];
}

function fieldLines(f: Fields): string[] {
  return f.map(([k, v]) => `${k}:${v}`);
}

const SECTIONS: Section[] = [
  { names: ['server'], title: 'Server', lines: (s) => fieldLines(serverFields(s)) },
  { names: ['clients'], title: 'Clients', lines: (s) => fieldLines(clientsFields(s)) },
  { names: ['memory'], title: 'Memory', lines: (s) => fieldLines(memoryFields(s)) },
  { names: ['persistence'], title: 'Persistence', lines: (s) => fieldLines(persistenceFields(s)) },
  { names: ['stats'], title: 'Stats', lines: (s) => fieldLines(statsFields(s)) },
  { names: ['replication'], title: 'Replication', lines: (s) => fieldLines(replicationFields(s)) },
  { names: ['cpu'], title: 'CPU', lines: () => fieldLines(cpuFields()) },
  { names: ['module_list', 'modules'], title: 'Modules', lines: () => [] },
  { names: ['commandstats'], title: 'Commandstats', lines: commandstatsLines },
  { names: ['errorstats'], title: 'Errorstats', lines: errorstatsLines },
  { names: ['latencystats'], title: 'Latencystats', lines: latencystatsLines },
  { names: ['cluster'], title: 'Cluster', lines: (s) => [`cluster_enabled:${cfg(s, 'cluster-enabled') === 'yes' ? 1 : 0}`] },
  { names: ['keyspace'], title: 'Keyspace', lines: keyspaceLines },
  { names: ['spindle'], title: 'Spindle', lines: (s) => fieldLines(spindleFields(s)) },
];

/**
 * The INFO text for the given arguments (section names, `default`, `all`, `everything`), in
 * Redis's section order whatever the argument order. Unknown names select nothing.
 */
export function genInfoString(srv: Server, args: string[]): string {
  const sel = selectSections(args);
  let out = '';
  let n = 0;
  for (const sec of SECTIONS) {
    if (!sel.all && !sec.names.some((name) => sel.sections.has(name))) continue;
    if (n++ > 0) out += '\r\n';
    out += `# ${sec.title}\r\n`;
    for (const line of sec.lines(srv)) out += `${line}\r\n`;
  }
  return out;
}
