/*
 * INFO as Prometheus text, with the metric names redis_exporter publishes (so its dashboards work
 * against Spindle): every numeric INFO field becomes `redis_<field>` (a gauge), the counters get
 * redis_exporter's `_total` names, and the per-command, per-error, per-database and latency lines
 * become labelled series (redis_commands_total{cmd="get"}, redis_db_keys{db="db0"}, ...).
 * Spindle's own section adds spindle_* series (GC pauses, I/O threads and their stages).
 *
 * The input is the text of `INFO everything`, parsed here, so the endpoint shows exactly what INFO
 * shows and never reaches into the server's state.
 */

/** INFO field -> redis_exporter metric name, where it is not simply redis_<field>. */
const RENAMED: Record<string, string> = {
  total_connections_received: 'redis_connections_received_total',
  total_commands_processed: 'redis_commands_processed_total',
  total_net_input_bytes: 'redis_net_input_bytes_total',
  total_net_output_bytes: 'redis_net_output_bytes_total',
  rejected_connections: 'redis_rejected_connections_total',
  expired_keys: 'redis_expired_keys_total',
  evicted_keys: 'redis_evicted_keys_total',
  keyspace_hits: 'redis_keyspace_hits_total',
  keyspace_misses: 'redis_keyspace_misses_total',
  used_memory: 'redis_memory_used_bytes',
  used_memory_rss: 'redis_memory_used_rss_bytes',
  used_memory_peak: 'redis_memory_used_peak_bytes',
  used_memory_lua: 'redis_memory_used_lua_bytes',
  used_memory_overhead: 'redis_memory_used_overhead_bytes',
  used_memory_startup: 'redis_memory_used_startup_bytes',
  used_memory_dataset: 'redis_memory_used_dataset_bytes',
  maxmemory: 'redis_memory_max_bytes',
  total_system_memory: 'redis_total_system_memory_bytes',
  used_cpu_sys: 'redis_cpu_sys_seconds_total',
  used_cpu_user: 'redis_cpu_user_seconds_total',
  used_cpu_sys_children: 'redis_cpu_sys_children_seconds_total',
  used_cpu_user_children: 'redis_cpu_user_children_seconds_total',
  used_cpu_sys_main_thread: 'redis_cpu_sys_main_thread_seconds_total',
  used_cpu_user_main_thread: 'redis_cpu_user_main_thread_seconds_total',
  total_error_replies: 'redis_total_error_replies',
  total_reads_processed: 'redis_io_threaded_reads_processed',
  total_writes_processed: 'redis_io_threaded_writes_processed',
  connected_slaves: 'redis_connected_slaves',
  mem_fragmentation_ratio: 'redis_mem_fragmentation_ratio',
  uptime_in_seconds: 'redis_uptime_in_seconds',
  rdb_changes_since_last_save: 'redis_rdb_changes_since_last_save',
  rdb_last_save_time: 'redis_rdb_last_save_timestamp_seconds',
  instantaneous_ops_per_sec: 'redis_instantaneous_ops_per_sec',
  // Spindle's own section
  gc_count: 'spindle_gc_count_total',
  gc_major_count: 'spindle_gc_major_count_total',
};

/** Fields in milliseconds that are published in seconds. */
const MS_TO_SECONDS: Record<string, string> = {
  gc_pause_total_ms: 'spindle_gc_pause_seconds_total',
  gc_pause_max_ms: 'spindle_gc_pause_max_seconds',
  gc_major_pause_max_ms: 'spindle_gc_major_pause_max_seconds',
  gc_minor_pause_max_ms: 'spindle_gc_minor_pause_max_seconds',
};

/** Text fields that become labels of redis_instance_info. */
const INFO_LABELS = ['redis_version', 'redis_mode', 'os', 'arch_bits', 'tcp_port', 'run_id', 'process_id', 'executable', 'spindle_version', 'node_version'];

export interface ParsedInfo {
  /** Section name (lower case) -> [field, value] pairs in order. */
  sections: Map<string, Array<[string, string]>>;
}

export function parseInfo(text: string): ParsedInfo {
  const sections = new Map<string, Array<[string, string]>>();
  let cur: Array<[string, string]> = [];
  for (const line of text.split('\r\n')) {
    if (line.startsWith('# ')) {
      cur = [];
      sections.set(line.slice(2).toLowerCase(), cur);
      continue;
    }
    const i = line.indexOf(':');
    if (i > 0) cur.push([line.slice(0, i), line.slice(i + 1)]);
  }
  return { sections };
}

/** "calls=3,usec=10" -> {calls: "3", usec: "10"} */
export function parseKv(v: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of v.split(',')) {
    const i = part.indexOf('=');
    if (i > 0) out[part.slice(0, i)] = part.slice(i + 1);
  }
  return out;
}

function esc(label: string): string {
  return label.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

class Out {
  text = '';
  private readonly typed = new Set<string>();

  add(name: string, value: number | string, labels = '', type = 'gauge'): void {
    if (!this.typed.has(name)) {
      this.typed.add(name);
      this.text += `# TYPE ${name} ${type}\n`;
    }
    this.text += `${name}${labels === '' ? '' : `{${labels}}`} ${value}\n`;
  }
}

const NUMERIC = /^-?\d+(\.\d+)?(e[+-]?\d+)?$/i;

/** Prometheus exposition text for the given INFO text. */
export function infoToPrometheus(infoText: string): string {
  const info = parseInfo(infoText);
  const o = new Out();
  o.add('redis_up', 1);
  const labels: string[] = [];
  for (const fields of info.sections.values()) {
    for (const [k, v] of fields) if (INFO_LABELS.includes(k)) labels.push(`${k}="${esc(v)}"`);
  }
  o.add('redis_instance_info', 1, labels.join(','));
  for (const [section, fields] of info.sections) {
    if (section === 'commandstats') {
      for (const [k, v] of fields) {
        const cmd = esc(k.replace(/^cmdstat_/, ''));
        const kv = parseKv(v);
        o.add('redis_commands_total', Number(kv.calls ?? 0), `cmd="${cmd}"`, 'counter');
        o.add('redis_commands_duration_seconds_total', Number(kv.usec ?? 0) / 1e6, `cmd="${cmd}"`, 'counter');
        o.add('redis_commands_rejected_calls_total', Number(kv.rejected_calls ?? 0), `cmd="${cmd}"`, 'counter');
        o.add('redis_commands_failed_calls_total', Number(kv.failed_calls ?? 0), `cmd="${cmd}"`, 'counter');
      }
      continue;
    }
    if (section === 'errorstats') {
      for (const [k, v] of fields) o.add('redis_errors_total', Number(parseKv(v).count ?? 0), `err="${esc(k.replace(/^errorstat_/, ''))}"`, 'counter');
      continue;
    }
    if (section === 'latencystats') {
      for (const [k, v] of fields) {
        const cmd = esc(k.replace(/^latency_percentiles_usec_/, ''));
        for (const [p, val] of Object.entries(parseKv(v))) {
          o.add('redis_latency_percentiles_usec', Number(val), `cmd="${cmd}",quantile="${Number(p.slice(1)) / 100}"`, 'summary');
        }
      }
      continue;
    }
    if (section === 'keyspace') {
      for (const [k, v] of fields) {
        const kv = parseKv(v);
        o.add('redis_db_keys', Number(kv.keys ?? 0), `db="${k}"`);
        o.add('redis_db_keys_expiring', Number(kv.expires ?? 0), `db="${k}"`);
        o.add('redis_db_avg_ttl_seconds', Number(kv.avg_ttl ?? 0) / 1000, `db="${k}"`);
      }
      continue;
    }
    for (const [k, v] of fields) {
      if (k.startsWith('io_thread_')) {
        const thread = k.slice('io_thread_'.length);
        for (const [f, val] of Object.entries(parseKv(v))) if (NUMERIC.test(val)) o.add(`spindle_io_thread_${f}`, Number(val), `thread="${thread}"`);
        continue;
      }
      if (k.startsWith('io_stage_usec_')) {
        const stage = k.slice('io_stage_usec_'.length);
        for (const [p, val] of Object.entries(parseKv(v))) {
          o.add('spindle_io_stage_usec', Number(val), `stage="${esc(stage)}",quantile="${Number(p.slice(1)) / 100}"`, 'summary');
        }
        continue;
      }
      if (MS_TO_SECONDS[k] !== undefined) {
        o.add(MS_TO_SECONDS[k], Number(v) / 1000, '', k.endsWith('total_ms') ? 'counter' : 'gauge');
        continue;
      }
      if (!NUMERIC.test(v)) continue;
      const name = RENAMED[k] ?? (section === 'spindle' ? `spindle_${k}` : k.startsWith('redis_') ? k : `redis_${k}`);
      o.add(name, Number(v), '', name.endsWith('_total') ? 'counter' : 'gauge');
    }
  }
  return o.text;
}
