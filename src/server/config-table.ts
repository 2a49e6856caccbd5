/*
 * The config table: one row per Redis 7.0.15 config, as data.
 *
 * Shape of a row: its name, an optional alias (the old "slave"/"ziplist" spelling that Redis 7.0
 * still accepts and still lists in CONFIG GET *), a kind that names the codec in config.ts that
 * parses and renders it, the default, flag bits, and per-kind data (numeric bounds, enum names,
 * a validator). Nothing here parses or stores values; config.ts does that for every row the same
 * way, so adding a config is adding a row.
 *
 * Kinds:
 *   bool      yes/no
 *   int       plain integer (Redis string2ll: no sign '+', no leading zeros, no spaces)
 *   memory    byte count with units (k kb m mb g gb b, case-insensitive); `percent` rows also
 *             take "N%" and store it as -N (maxmemory-clients)
 *   octal     integer written in octal (unixsocketperm)
 *   enum      one name of `values`; `bitflags` rows take several names, OR-ed
 *   string    free text, optionally validated
 *   save, client-output-buffer-limit, notify-keyspace-events, oom-score-adj-values, bind, dir,
 *   replicaof, latency-tracking-info-percentiles: one special codec each
 *
 * Numeric bounds are bigints because several are 2^63-1 or 2^64-1. `unsigned` marks the rows
 * whose C type is unsigned (unsigned int, unsigned long long, size_t): Redis compares those as
 * unsigned 64-bit values, which decides whether e.g. `maxmemory 18446744073709551615` is legal.
 * Defaults equal what a freshly started redis-server 7.0.15 reports in CONFIG GET.
 *
 * Flags: IMMUTABLE (CONFIG SET refuses: "can't set immutable config"), PROTECTED (refused unless
 * enable-protected-configs allows it), SENSITIVE (value redacted from slowlog/monitor), HIDDEN
 * (matched by exact name only, never by a CONFIG GET pattern), DENY_LOADING (CONFIG SET refused
 * with -LOADING while a dataset loads), MULTI_ARG (a config-file line may carry several
 * arguments; CONFIG SET splits its value on spaces).
 */

export const IMMUTABLE = 1;
export const PROTECTED = 2;
export const SENSITIVE = 4;
export const HIDDEN = 8;
export const DENY_LOADING = 16;
export const MULTI_ARG = 32;

export const INT_MIN = -2147483648n;
export const INT_MAX = 2147483647n;
export const UINT_MAX = 4294967295n;
export const LONG_MAX = 9223372036854775807n;
export const LLONG_MAX = LONG_MAX;
export const SSIZE_MAX = LONG_MAX;
export const ULLONG_MAX = 18446744073709551615n;

/** The values Redis clamps `hz` to after every change (CONFIG_MIN_HZ, CONFIG_MAX_HZ). */
export const HZ_MIN = 1;
export const HZ_MAX = 500;

/** What a validator may consult besides the value (proc-title-template needs the listen port). */
export interface ConfigView {
  readonly values: { readonly [name: string]: unknown };
  readonly configFile: string;
  readonly sentinelMode: boolean;
}

/** Returns an error text, or null when the value is acceptable. */
export type Validator = (value: string, view: ConfigView) => string | null;

export type SpecialKind =
  | 'save'
  | 'client-output-buffer-limit'
  | 'notify-keyspace-events'
  | 'oom-score-adj-values'
  | 'bind'
  | 'dir'
  | 'replicaof'
  | 'latency-tracking-info-percentiles';

export type ConfigKind = 'bool' | 'int' | 'memory' | 'octal' | 'enum' | 'string' | SpecialKind;

export interface ConfigRow<N extends string = string, K extends ConfigKind = ConfigKind> {
  readonly name: N;
  readonly kind: K;
  readonly alias?: string;
  readonly flags: number;
  /** Default as CONFIG GET renders it. */
  readonly def: string;
  readonly min?: bigint;
  readonly max?: bigint;
  readonly unsigned?: boolean;
  readonly percent?: boolean;
  /** Values outside [lo, hi] are silently clamped after a change (hz). */
  readonly clamp?: readonly [number, number];
  /** CONFIG SET (not the config file) raises smaller values to this (repl-backlog-size). */
  readonly setMin?: number;
  /** enum: accepted names in Redis's order (the order of its error message). */
  readonly values?: readonly string[];
  /** enum: names that are synonyms of another (oom-score-adj relative = yes). */
  readonly same?: { readonly [name: string]: string };
  /** enum: several names at once, OR-ed as bit flags (value i > 0 is bit 1 << (i - 1)). */
  readonly bitflags?: boolean;
  readonly validate?: Validator;
}

// ---- row builders -------------------------------------------------------------------------

interface Opts {
  alias?: string;
  unsigned?: boolean;
  percent?: boolean;
  clamp?: readonly [number, number];
  setMin?: number;
  same?: { readonly [name: string]: string };
  bitflags?: boolean;
  validate?: Validator;
}

function bool<N extends string>(name: N, def: boolean, flags = 0, o: Opts = {}): ConfigRow<N, 'bool'> {
  return { name, kind: 'bool', flags, def: def ? 'yes' : 'no', ...o };
}

function int<N extends string>(name: N, min: bigint, max: bigint, def: number, flags = 0, o: Opts = {}): ConfigRow<N, 'int'> {
  return { name, kind: 'int', flags, def: String(def), min, max, ...o };
}

function mem<N extends string>(name: N, min: bigint, max: bigint, def: number, flags = 0, o: Opts = {}): ConfigRow<N, 'memory'> {
  return { name, kind: 'memory', flags, def: String(def), min, max, ...o };
}

function oneOf<N extends string>(name: N, values: readonly string[], def: string, flags = 0, o: Opts = {}): ConfigRow<N, 'enum'> {
  return { name, kind: 'enum', flags, def, values, ...o };
}

function str<N extends string>(name: N, def: string, flags = 0, o: Opts = {}): ConfigRow<N, 'string'> {
  return { name, kind: 'string', flags, def, ...o };
}

function special<N extends string, K extends SpecialKind>(kind: K, name: N, def: string, flags = 0, o: Opts = {}): ConfigRow<N, K> {
  return { name, kind, flags, def, ...o };
}

// ---- validators ---------------------------------------------------------------------------

function baseName(what: string, thing: string): Validator {
  return (v) => (v.includes('/') || v.includes('\\') ? `${what} can't be a path, just a ${thing}` : null);
}

function nonEmptyBaseName(what: string, thing: string): Validator {
  const inner = baseName(what, thing);
  return (v, view) => (v === '' ? `${what} can't be empty` : inner(v, view));
}

const validHostname: Validator = (v) => {
  if (v.length >= 256) return 'Hostnames must be less than 256 characters';
  if (!/^[A-Za-z0-9.-]*$/.test(v)) return 'Hostnames may only contain alphanumeric characters, hyphens or dots';
  return null;
};

/**
 * Redis expands the template (sdstemplate: `{name}` substitutes, `{{` is a literal brace) with an
 * empty title and refuses unknown variables, unterminated braces and a blank result.
 */
const validProcTitle: Validator = (v, view) => {
  const vals = view.values;
  const port = Number(vals['port']);
  const tlsPort = Number(vals['tls-port']);
  const bind = (vals['bind'] as readonly string[] | undefined) ?? [];
  const unixsocket = String(vals['unixsocket'] ?? '');
  const vars: { [k: string]: string } = {
    title: '',
    'listen-addr': port || tlsPort ? `${bind.length ? bind[0] : '*'}:${port || tlsPort}` : `unixsocket:${unixsocket}`,
    'server-mode': vals['cluster-enabled'] ? '[cluster]' : view.sentinelMode ? '[sentinel]' : '',
    'config-file': view.configFile,
    port: String(port),
    'tls-port': String(tlsPort),
    unixsocket,
  };
  let out = '';
  let p = 0;
  while (p < v.length) {
    const open = v.indexOf('{', p);
    if (open < 0) {
      out += v.slice(p);
      break;
    }
    out += v.slice(p, open);
    if (open + 1 >= v.length) return TEMPLATE_ERR;
    if (v[open + 1] === '{') {
      out += '{';
      p = open + 2;
      continue;
    }
    const close = v.indexOf('}', open + 1);
    if (close < 0) return TEMPLATE_ERR;
    const name = v.slice(open + 1, close);
    if (!Object.hasOwn(vars, name)) return TEMPLATE_ERR;
    out += vars[name];
    p = close + 1;
  }
  return out.replace(/^ +| +$/g, '') === '' ? TEMPLATE_ERR : null;
};
const TEMPLATE_ERR = 'template format is invalid or contains unknown variables';

/** The reference build (Debian's) has no active defragmentation, and neither has Spindle. */
const noActiveDefrag: Validator = (v) =>
  v === 'yes'
    ? 'Active defragmentation cannot be enabled: it requires a Redis server compiled with a modified Jemalloc like the one shipped by default with the Redis source distribution'
    : null;

const validShutdownFlags: Validator = (v) =>
  v.split(' ').includes('save') && v.split(' ').includes('nosave')
    ? "shutdown options SAVE and NOSAVE can't be used simultaneously"
    : null;

// ---- the table ----------------------------------------------------------------------------

const PROTECTED_ACTION = ['no', 'yes', 'local'] as const;
const SHUTDOWN_FLAGS = ['default', 'save', 'nosave', 'now', 'force'] as const;

export const CONFIG_TABLE = [
  // yes/no
  bool('rdbchecksum', true, IMMUTABLE),
  bool('daemonize', false, IMMUTABLE),
  bool('io-threads-do-reads', false, IMMUTABLE),
  bool('always-show-logo', false, IMMUTABLE),
  bool('protected-mode', true),
  bool('rdbcompression', true),
  bool('rdb-del-sync-files', false),
  bool('activerehashing', true),
  bool('stop-writes-on-bgsave-error', true),
  bool('set-proc-title', true, IMMUTABLE),
  bool('dynamic-hz', true),
  bool('lazyfree-lazy-eviction', false),
  bool('lazyfree-lazy-expire', false),
  bool('lazyfree-lazy-server-del', false),
  bool('lazyfree-lazy-user-del', false),
  bool('lazyfree-lazy-user-flush', false),
  bool('repl-disable-tcp-nodelay', false),
  bool('repl-diskless-sync', true),
  bool('aof-rewrite-incremental-fsync', true),
  bool('no-appendfsync-on-rewrite', false),
  bool('cluster-require-full-coverage', true),
  bool('rdb-save-incremental-fsync', true),
  bool('aof-load-truncated', true),
  bool('aof-use-rdb-preamble', true),
  bool('aof-timestamp-enabled', false),
  bool('cluster-replica-no-failover', false, 0, { alias: 'cluster-slave-no-failover' }),
  bool('replica-lazy-flush', false, 0, { alias: 'slave-lazy-flush' }),
  bool('replica-serve-stale-data', true, 0, { alias: 'slave-serve-stale-data' }),
  bool('replica-read-only', true, 0, { alias: 'slave-read-only' }),
  bool('replica-ignore-maxmemory', true, 0, { alias: 'slave-ignore-maxmemory' }),
  bool('jemalloc-bg-thread', true),
  bool('activedefrag', false, 0, { validate: noActiveDefrag }),
  bool('syslog-enabled', false, IMMUTABLE),
  bool('cluster-enabled', false, IMMUTABLE),
  bool('appendonly', false, DENY_LOADING),
  bool('cluster-allow-reads-when-down', false),
  bool('cluster-allow-pubsubshard-when-down', true),
  bool('crash-log-enabled', true),
  bool('crash-memcheck-enabled', true),
  bool('use-exit-on-panic', false, HIDDEN),
  bool('disable-thp', true, IMMUTABLE),
  bool('cluster-allow-replica-migration', true),
  bool('replica-announced', true),
  bool('latency-tracking', true),
  bool('aof-disable-auto-gc', false),
  bool('replica-ignore-disk-write-errors', false),
  bool('tls-cluster', false),
  bool('tls-replication', false),
  bool('tls-prefer-server-ciphers', false),
  bool('tls-session-caching', true),

  // strings
  str('aclfile', '', IMMUTABLE),
  str('unixsocket', '', IMMUTABLE),
  str('pidfile', '', IMMUTABLE),
  str('replica-announce-ip', '', 0, { alias: 'slave-announce-ip' }),
  str('masteruser', '', SENSITIVE),
  str('cluster-announce-ip', ''),
  str('cluster-config-file', 'nodes.conf', IMMUTABLE),
  str('cluster-announce-hostname', '', 0, { validate: validHostname }),
  str('syslog-ident', 'redis', IMMUTABLE),
  str('dbfilename', 'dump.rdb', PROTECTED, { validate: baseName('dbfilename', 'filename') }),
  str('appendfilename', 'appendonly.aof', IMMUTABLE, { validate: nonEmptyBaseName('appendfilename', 'filename') }),
  str('appenddirname', 'appendonlydir', IMMUTABLE, { validate: nonEmptyBaseName('appenddirname', 'dirname') }),
  str('server_cpulist', '', IMMUTABLE),
  str('bio_cpulist', '', IMMUTABLE),
  str('aof_rewrite_cpulist', '', IMMUTABLE),
  str('bgsave_cpulist', '', IMMUTABLE),
  str('ignore-warnings', ''),
  str('proc-title-template', '{title} {listen-addr} {server-mode}', 0, { validate: validProcTitle }),
  str('bind-source-addr', ''),
  str('logfile', '', IMMUTABLE),
  str('masterauth', '', SENSITIVE),
  str('requirepass', '', SENSITIVE),
  str('tls-cert-file', ''),
  str('tls-key-file', ''),
  str('tls-key-file-pass', ''),
  str('tls-client-cert-file', ''),
  str('tls-client-key-file', ''),
  str('tls-client-key-file-pass', ''),
  str('tls-dh-params-file', ''),
  str('tls-ca-cert-file', ''),
  str('tls-ca-cert-dir', ''),
  str('tls-protocols', ''),
  str('tls-ciphers', ''),
  str('tls-ciphersuites', ''),

  // enums
  oneOf('supervised', ['upstart', 'systemd', 'auto', 'no'], 'no', IMMUTABLE),
  oneOf('syslog-facility', ['user', 'local0', 'local1', 'local2', 'local3', 'local4', 'local5', 'local6', 'local7'], 'local0', IMMUTABLE),
  oneOf('repl-diskless-load', ['disabled', 'on-empty-db', 'swapdb'], 'disabled', DENY_LOADING),
  oneOf('loglevel', ['debug', 'verbose', 'notice', 'warning'], 'notice'),
  oneOf('maxmemory-policy', ['volatile-lru', 'volatile-lfu', 'volatile-random', 'volatile-ttl', 'allkeys-lru', 'allkeys-lfu', 'allkeys-random', 'noeviction'], 'noeviction'),
  oneOf('appendfsync', ['everysec', 'always', 'no'], 'everysec'),
  oneOf('oom-score-adj', ['no', 'yes', 'relative', 'absolute'], 'no', 0, { same: { relative: 'yes' } }),
  oneOf('acl-pubsub-default', ['allchannels', 'resetchannels'], 'resetchannels'),
  oneOf('sanitize-dump-payload', ['no', 'yes', 'clients'], 'no'),
  oneOf('enable-protected-configs', PROTECTED_ACTION, 'no', IMMUTABLE),
  oneOf('enable-debug-command', PROTECTED_ACTION, 'no', IMMUTABLE),
  oneOf('enable-module-command', PROTECTED_ACTION, 'no', IMMUTABLE),
  oneOf('cluster-preferred-endpoint-type', ['ip', 'hostname', 'unknown-endpoint'], 'ip'),
  oneOf('propagation-error-behavior', ['ignore', 'panic', 'panic-on-replicas'], 'ignore'),
  oneOf('shutdown-on-sigint', SHUTDOWN_FLAGS, 'default', MULTI_ARG, { bitflags: true, validate: validShutdownFlags }),
  oneOf('shutdown-on-sigterm', SHUTDOWN_FLAGS, 'default', MULTI_ARG, { bitflags: true, validate: validShutdownFlags }),
  oneOf('tls-auth-clients', ['no', 'yes', 'optional'], 'yes'),

  // integers
  int('databases', 1n, INT_MAX, 16, IMMUTABLE),
  int('port', 0n, 65535n, 6379),
  int('io-threads', 1n, 128n, 1, IMMUTABLE),
  int('auto-aof-rewrite-percentage', 0n, INT_MAX, 100),
  int('cluster-replica-validity-factor', 0n, INT_MAX, 10, 0, { alias: 'cluster-slave-validity-factor' }),
  int('list-max-listpack-size', INT_MIN, INT_MAX, -2, 0, { alias: 'list-max-ziplist-size' }),
  int('tcp-keepalive', 0n, INT_MAX, 300),
  int('cluster-migration-barrier', 0n, INT_MAX, 1),
  int('active-defrag-cycle-min', 1n, 99n, 1),
  int('active-defrag-cycle-max', 1n, 99n, 25),
  int('active-defrag-threshold-lower', 0n, 1000n, 10),
  int('active-defrag-threshold-upper', 0n, 1000n, 100),
  int('lfu-log-factor', 0n, INT_MAX, 10),
  int('lfu-decay-time', 0n, INT_MAX, 1),
  int('replica-priority', 0n, INT_MAX, 100, 0, { alias: 'slave-priority' }),
  int('repl-diskless-sync-delay', 0n, INT_MAX, 5),
  int('maxmemory-samples', 1n, INT_MAX, 5),
  int('maxmemory-eviction-tenacity', 0n, 100n, 10),
  int('timeout', 0n, INT_MAX, 0),
  int('replica-announce-port', 0n, 65535n, 0, 0, { alias: 'slave-announce-port' }),
  int('tcp-backlog', 0n, INT_MAX, 511, IMMUTABLE),
  int('cluster-port', 0n, 65535n, 0, IMMUTABLE),
  int('cluster-announce-bus-port', 0n, 65535n, 0),
  int('cluster-announce-port', 0n, 65535n, 0),
  int('cluster-announce-tls-port', 0n, 65535n, 0),
  int('repl-timeout', 1n, INT_MAX, 60),
  int('repl-ping-replica-period', 1n, INT_MAX, 10, 0, { alias: 'repl-ping-slave-period' }),
  int('list-compress-depth', 0n, INT_MAX, 0),
  int('rdb-key-save-delay', INT_MIN, INT_MAX, 0, HIDDEN),
  int('key-load-delay', INT_MIN, INT_MAX, 0, HIDDEN),
  int('active-expire-effort', 1n, 10n, 1),
  int('hz', 0n, INT_MAX, 10, 0, { clamp: [HZ_MIN, HZ_MAX] }),
  int('min-replicas-to-write', 0n, INT_MAX, 0, 0, { alias: 'min-slaves-to-write' }),
  int('min-replicas-max-lag', 0n, INT_MAX, 10, 0, { alias: 'min-slaves-max-lag' }),
  int('watchdog-period', 0n, INT_MAX, 0, HIDDEN),
  int('shutdown-timeout', 0n, INT_MAX, 10),
  int('repl-diskless-sync-max-replicas', 0n, INT_MAX, 0),
  int('maxclients', 1n, UINT_MAX, 10000, 0, { unsigned: true }),
  int('socket-mark-id', 0n, UINT_MAX, 0, IMMUTABLE, { unsigned: true }),
  { name: 'unixsocketperm', kind: 'octal', flags: IMMUTABLE, def: '0', min: 0n, max: 0o777n, unsigned: true } as ConfigRow<'unixsocketperm', 'octal'>,
  int('active-defrag-max-scan-fields', 1n, LONG_MAX, 1000),
  int('slowlog-max-len', 0n, LONG_MAX, 128),
  int('acllog-max-len', 0n, LONG_MAX, 128),
  int('busy-reply-threshold', 0n, LONG_MAX, 5000, 0, { alias: 'lua-time-limit' }),
  int('cluster-node-timeout', 0n, LLONG_MAX, 15000),
  int('slowlog-log-slower-than', -1n, LLONG_MAX, 10000),
  int('latency-monitor-threshold', 0n, LLONG_MAX, 0),
  int('stream-node-max-entries', 0n, LLONG_MAX, 100),
  int('hash-max-listpack-entries', 0n, LONG_MAX, 512, 0, { alias: 'hash-max-ziplist-entries', unsigned: true }),
  int('set-max-intset-entries', 0n, LONG_MAX, 512, 0, { unsigned: true }),
  int('zset-max-listpack-entries', 0n, LONG_MAX, 128, 0, { alias: 'zset-max-ziplist-entries', unsigned: true }),
  int('tracking-table-max-keys', 0n, LONG_MAX, 1000000, 0, { unsigned: true }),
  // Spindle only: the Prometheus / live-page HTTP endpoint (src/server/metrics/), 0: off.
  int('metrics-port', 0n, 65535n, 0, HIDDEN),
  // Spindle only: use the native addon (src/native/addon.ts) when it is built; no forces TypeScript.
  bool('native-addon', true, IMMUTABLE | HIDDEN),
  int('repl-backlog-ttl', 0n, LONG_MAX, 3600),
  int('loading-process-events-interval-bytes', 1024n, INT_MAX, 2097152, HIDDEN),
  int('tls-port', 0n, 65535n, 0),
  int('tls-session-cache-size', 0n, INT_MAX, 20480),
  int('tls-session-cache-timeout', 0n, INT_MAX, 300),

  // byte counts
  mem('proto-max-bulk-len', 1048576n, LONG_MAX, 536870912),
  mem('repl-backlog-size', 1n, LLONG_MAX, 1048576, 0, { setMin: 16384 }),
  mem('maxmemory', 0n, ULLONG_MAX, 0, 0, { unsigned: true }),
  mem('cluster-link-sendbuf-limit', 0n, ULLONG_MAX, 0, 0, { unsigned: true }),
  mem('active-defrag-ignore-bytes', 1n, LLONG_MAX, 104857600, 0, { unsigned: true }),
  mem('hash-max-listpack-value', 0n, LONG_MAX, 64, 0, { alias: 'hash-max-ziplist-value', unsigned: true }),
  mem('stream-node-max-bytes', 0n, LONG_MAX, 4096, 0, { unsigned: true }),
  mem('zset-max-listpack-value', 0n, LONG_MAX, 64, 0, { alias: 'zset-max-ziplist-value', unsigned: true }),
  mem('hll-sparse-max-bytes', 0n, LONG_MAX, 3000, 0, { unsigned: true }),
  mem('client-query-buffer-limit', 1048576n, LONG_MAX, 1073741824, 0, { unsigned: true }),
  mem('maxmemory-clients', -100n, SSIZE_MAX, 0, 0, { percent: true }),
  mem('auto-aof-rewrite-min-size', 0n, LLONG_MAX, 67108864),

  // special
  special('dir', 'dir', '', PROTECTED | DENY_LOADING),
  special('save', 'save', '3600 1 300 100 60 10000', MULTI_ARG),
  special('client-output-buffer-limit', 'client-output-buffer-limit', 'normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60', MULTI_ARG),
  special('oom-score-adj-values', 'oom-score-adj-values', '0 200 800', MULTI_ARG),
  special('notify-keyspace-events', 'notify-keyspace-events', ''),
  special('bind', 'bind', '* -::*', MULTI_ARG),
  special('replicaof', 'replicaof', '', IMMUTABLE | MULTI_ARG, { alias: 'slaveof' }),
  special('latency-tracking-info-percentiles', 'latency-tracking-info-percentiles', '50 99 99.9', MULTI_ARG),
] as const;

export type ConfigTableRow = (typeof CONFIG_TABLE)[number];
export type ConfigName = ConfigTableRow['name'];

export {
  NOTIFY_ALL, NOTIFY_EVICTED, NOTIFY_EXPIRED, NOTIFY_GENERIC, NOTIFY_HASH, NOTIFY_KEY_MISS, NOTIFY_KEYEVENT, NOTIFY_KEYSPACE, NOTIFY_LIST,
  NOTIFY_LOADED, NOTIFY_MODULE, NOTIFY_NEW, NOTIFY_SET, NOTIFY_STREAM, NOTIFY_STRING, NOTIFY_ZSET,
} from '../store/events.ts';

/** One `save <seconds> <changes>` point. */
export interface SaveParam {
  readonly seconds: number;
  readonly changes: number;
}

/** client-output-buffer-limit of one client class; 0 means no limit. */
export interface ObufLimit {
  readonly hard: number;
  readonly soft: number;
  readonly softSeconds: number;
}

export interface ObufLimits {
  readonly normal: ObufLimit;
  readonly replica: ObufLimit;
  readonly pubsub: ObufLimit;
}

export interface ReplicaOf {
  readonly host: string;
  readonly port: number;
}

/** The typed value each kind stores. */
export interface KindValue {
  bool: boolean;
  int: number;
  memory: number;
  octal: number;
  enum: string;
  string: string;
  save: readonly SaveParam[];
  'client-output-buffer-limit': ObufLimits;
  'notify-keyspace-events': number;
  'oom-score-adj-values': readonly number[];
  bind: readonly string[];
  dir: string;
  replicaof: ReplicaOf | null;
  'latency-tracking-info-percentiles': readonly number[];
}

/** Current typed values by canonical name, e.g. values.hz: number, values.save: SaveParam[]. */
export type ConfigValues = { -readonly [R in ConfigTableRow as R['name']]: KindValue[R['kind']] };

type NamesOfKind<K extends ConfigKind> = Extract<ConfigTableRow, { kind: K }>['name'];
export type NumericConfigName = NamesOfKind<'int' | 'memory' | 'octal' | 'notify-keyspace-events'>;
export type BoolConfigName = NamesOfKind<'bool'>;
export type StringConfigName = NamesOfKind<'string' | 'enum' | 'dir'>;
