/*
 * Configuration: the Config object that holds every value of the table in config-table.ts, the
 * codecs that parse and render each kind, CONFIG GET/SET semantics, and loading redis.conf text
 * and redis-server's command line. No sockets, no RESP.
 *
 * Values live twice: typed in `values` (numbers, booleans, strings, small objects; updated in
 * place, so a hot path may keep a reference to `values` and read `values.hz` with no parsing),
 * and rendered as CONFIG GET shows them. The rendered text is computed once per change from the
 * exact parse (bigints), so 2^64-1 byte limits render exactly even though `values` holds a double.
 *
 * Strings are byte strings throughout (latin1: one char per byte), as the RESP layer hands them
 * over; parseCommandLine converts Node's Unicode argv itself.
 *
 * CONFIG SET (setMany) follows Redis 7.0's configSetCommand: a first pass looks every name up and
 * refuses unknown, immutable, protected and duplicate names (the first problem wins, an unknown
 * name wins only if it comes first); then all values are set, and if one does not parse the
 * earlier ones are restored; then the apply hooks run (each distinct function once, in argument
 * order), and if one fails (returns an error text or throws) every value of the call is restored
 * and every hook that ran or was due runs again, so their effects follow the old values too.
 * Hooks do not run during loading: the server reads `values` when it starts.
 *
 * Hooks are synchronous on purpose. CONFIG SET is one command: nobody may see half of it (CONFIG
 * GET from another client, the next command of a MULTI/EXEC), so its reply cannot wait for an
 * event-loop turn. Effects that Node only offers asynchronously must be made synchronous by the
 * hook itself (a listening socket can be bound and listened on synchronously through Node's TCP
 * handle, whose bind() and listen() return an errno at once), or split into a synchronous check
 * and an asynchronous finish that cannot fail.
 *
 * Loading (load/loadServerConfig) follows loadServerConfigFromString: the command-line options
 * become config lines appended after the file, so one line counter covers both, and the first
 * error stops with Redis's "*** FATAL CONFIG FILE ERROR" text, which is returned, not printed.
 */
import { closeSync, openSync, readdirSync, readFileSync } from 'node:fs';
import {
  CONFIG_TABLE,
  DENY_LOADING,
  HIDDEN,
  IMMUTABLE,
  MULTI_ARG,
  NOTIFY_ALL,
  NOTIFY_EVICTED,
  NOTIFY_EXPIRED,
  NOTIFY_GENERIC,
  NOTIFY_HASH,
  NOTIFY_KEY_MISS,
  NOTIFY_KEYEVENT,
  NOTIFY_KEYSPACE,
  NOTIFY_LIST,
  NOTIFY_MODULE,
  NOTIFY_NEW,
  NOTIFY_SET,
  NOTIFY_STREAM,
  NOTIFY_STRING,
  NOTIFY_ZSET,
  PROTECTED,
  SENSITIVE,
  type BoolConfigName,
  type ConfigName,
  type ConfigRow,
  type ConfigValues,
  type ConfigView,
  type NumericConfigName,
  type ObufLimit,
  type ObufLimits,
  type SaveParam,
  type StringConfigName,
} from './config-table.ts';
import { globMatchBytes } from '../util/glob.ts';

export * from './config-table.ts';

const REDIS_VERSION = '7.0.15';

// ---- C-compatible number and string primitives ---------------------------------------------

const I64_MIN = -(1n << 63n);
const I64_MAX = (1n << 63n) - 1n;
const U64_MAX = (1n << 64n) - 1n;

function asciiLower(s: string): string {
  return /[A-Z]/.test(s) ? s.replace(/[A-Z]/g, (c) => String.fromCharCode(c.charCodeAt(0) + 32)) : s;
}

/** Redis string2ll: "0" or an optional '-' then [1-9][0-9]*, within int64. */
function string2ll(s: string): bigint | null {
  if (!/^(?:0|-?[1-9][0-9]*)$/.test(s)) return null;
  const v = BigInt(s);
  return v < I64_MIN || v > I64_MAX ? null : v;
}

/**
 * C strtoll(s, &end, base) followed by the usual `*end == '\0'` check: leading white space and a
 * sign are accepted, "" converts to 0, overflow saturates (callers that care get `overflow`).
 */
function strtoll(s: string, base: 8 | 10): { v: bigint; overflow: boolean } | null {
  let i = 0;
  while (i < s.length && ' \t\n\v\f\r'.includes(s[i])) i++;
  let neg = false;
  if (s[i] === '+' || s[i] === '-') neg = s[i++] === '-';
  const digit = base === 8 ? /[0-7]/ : /[0-9]/;
  let j = i;
  while (j < s.length && digit.test(s[j])) j++;
  if (j === i) return s === '' ? { v: 0n, overflow: false } : null;
  if (j !== s.length) return null;
  let v = BigInt(base === 8 ? '0o' + s.slice(i, j) : s.slice(i, j));
  if (neg) v = -v;
  if (v > I64_MAX) return { v: I64_MAX, overflow: true };
  if (v < I64_MIN) return { v: I64_MIN, overflow: true };
  return { v, overflow: false };
}

const MEM_UNITS = new Map<string, bigint>([
  ['', 1n], ['b', 1n], ['k', 1000n], ['kb', 1024n], ['m', 1000n ** 2n], ['mb', 1024n ** 2n], ['g', 1000n ** 3n], ['gb', 1024n ** 3n],
]);

/** Redis memtoull: digits then an optional unit; overflow saturates, the product wraps at 2^64. */
function memtoull(s: string): bigint | null {
  if (s[0] === '-') return null;
  const digits = /^[0-9]*/.exec(s)![0];
  const mul = MEM_UNITS.get(asciiLower(s.slice(digits.length)));
  if (mul === undefined || digits.length >= 128) return null;
  let v = digits === '' ? 0n : BigInt(digits);
  if (v > U64_MAX) v = U64_MAX;
  return (v * mul) & U64_MAX;
}

/** Parses a memory value as Redis does for configs ("1gb", "100mb", "1024"); null when invalid. */
export function parseMemory(s: string): number | null {
  const v = memtoull(s);
  return v === null ? null : Number(v);
}

/** Redis string2d (strtod over the whole string, no leading space, no NaN). */
function string2d(s: string): number | null {
  if (/^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/.test(s)) return Number(s);
  if (/^[+-]?inf(?:inity)?$/i.test(s)) return s[0] === '-' ? -Infinity : Infinity;
  if (/^[+-]?0x[0-9a-f]+$/i.test(s)) return (s[0] === '-' ? -1 : 1) * Number(s.replace(/^[+-]/, ''));
  return null;
}

/** printf("%f") then Redis's trimDoubleString (drop trailing zeros and a bare point). */
function formatPercentile(d: number): string {
  let s = (Object.is(d, -0) ? '-' : '') + d.toFixed(6);
  if (s.includes('.')) s = s.replace(/0+$/, '').replace(/\.$/, '');
  return s;
}

const ERRNO_TEXT: { [code: string]: string } = {
  ENOENT: 'No such file or directory',
  ENOTDIR: 'Not a directory',
  EACCES: 'Permission denied',
  EPERM: 'Operation not permitted',
  ELOOP: 'Too many levels of symbolic links',
  ENAMETOOLONG: 'File name too long',
  EISDIR: 'Is a directory',
  EROFS: 'Read-only file system',
  ENOSPC: 'No space left on device',
  EMFILE: 'Too many open files',
};

/** C strerror() text for a Node system error. */
export function strerror(e: unknown): string {
  const code = (e as { code?: string }).code;
  return (code !== undefined && ERRNO_TEXT[code]) || String((e as Error).message ?? e);
}

/**
 * Text as Redis reads a config file: fgets() chunks (a line, at most 1024 bytes) appended with
 * strcat(), so a NUL byte drops the rest of its chunk, newline included.
 */
function asReadByFgets(raw: string): string {
  if (!raw.includes('\0')) return raw;
  let out = '';
  for (let i = 0; i < raw.length; ) {
    const nl = raw.indexOf('\n', i);
    const end = Math.min(nl < 0 ? raw.length : nl + 1, i + 1024);
    const chunk = raw.slice(i, end);
    const z = chunk.indexOf('\0');
    out += z >= 0 ? chunk.slice(0, z) : chunk;
    i = end;
  }
  return out;
}

/** Reads a config file as a byte string, the way Redis does. */
function readConfigText(path: string): string {
  return asReadByFgets(readFileSync(fsPath(path)).toString('latin1'));
}

/** Byte string (latin1) to the Buffer the fs functions take as a path. */
function fsPath(p: string): Buffer {
  return Buffer.from(p, 'latin1');
}

function cwdBytes(): string {
  try {
    return Buffer.from(process.cwd(), 'utf8').toString('latin1');
  } catch {
    return '';
  }
}

/**
 * sdssplitargs: splits a config line into arguments. "double quotes" take \n \r \t \b \a \xHH
 * and \<any>; 'single quotes' take only \'; a closing quote must be followed by white space or the
 * end. Returns null on unbalanced quotes.
 */
export function splitArgs(line: string): string[] | null {
  const n = line.indexOf('\0') >= 0 ? line.indexOf('\0') : line.length;
  const at = (i: number): string => (i < n ? line[i] : '');
  const isSpace = (c: string): boolean => c !== '' && ' \t\n\v\f\r'.includes(c);
  const isHex = (c: string): boolean => c !== '' && /[0-9a-fA-F]/.test(c);
  const out: string[] = [];
  let p = 0;
  for (;;) {
    while (isSpace(at(p))) p++;
    if (at(p) === '') return out;
    let cur = '';
    let inq = false;
    let insq = false;
    let done = false;
    while (!done) {
      const c = at(p);
      if (inq) {
        if (c === '\\' && at(p + 1) === 'x' && isHex(at(p + 2)) && isHex(at(p + 3))) {
          cur += String.fromCharCode(parseInt(at(p + 2) + at(p + 3), 16));
          p += 3;
        } else if (c === '\\' && at(p + 1) !== '') {
          p++;
          const e = at(p);
          cur += e === 'n' ? '\n' : e === 'r' ? '\r' : e === 't' ? '\t' : e === 'b' ? '\b' : e === 'a' ? '\x07' : e;
        } else if (c === '"') {
          if (at(p + 1) !== '' && !isSpace(at(p + 1))) return null;
          done = true;
        } else if (c === '') {
          return null;
        } else {
          cur += c;
        }
      } else if (insq) {
        if (c === '\\' && at(p + 1) === "'") {
          p++;
          cur += "'";
        } else if (c === "'") {
          if (at(p + 1) !== '' && !isSpace(at(p + 1))) return null;
          done = true;
        } else if (c === '') {
          return null;
        } else {
          cur += c;
        }
      } else if (c === ' ' || c === '\n' || c === '\r' || c === '\t' || c === '') {
        done = true;
      } else if (c === '"') {
        inq = true;
      } else if (c === "'") {
        insq = true;
      } else {
        cur += c;
      }
      if (c !== '') p++;
    }
    out.push(cur);
  }
}

/** sdscatrepr: the quoted, escaped form Redis uses for command-line option values. */
export function reprArg(s: string): string {
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    const code = s.charCodeAt(i);
    if (c === '\\' || c === '"') out += '\\' + c;
    else if (c === '\n') out += '\\n';
    else if (c === '\r') out += '\\r';
    else if (c === '\t') out += '\\t';
    else if (c === '\x07') out += '\\a';
    else if (c === '\b') out += '\\b';
    else if (code >= 0x20 && code <= 0x7e) out += c;
    else out += '\\x' + (code & 0xff).toString(16).padStart(2, '0');
  }
  return out + '"';
}

// ---- codecs: args -> typed value + rendered text --------------------------------------------

type Row = ConfigRow;
type Parsed = { value: unknown; text: string } | { error: string };

interface ParseContext {
  /** Current rendered value (client-output-buffer-limit updates only the classes it names). */
  readonly current: string;
  readonly view: ConfigView;
}

function parseBool(row: Row, args: string[], ctx: ParseContext): Parsed {
  const s = asciiLower(args[0]);
  if (s !== 'yes' && s !== 'no') return { error: "argument must be 'yes' or 'no'" };
  const err = row.validate?.(s, ctx.view);
  return err ? { error: err } : { value: s === 'yes', text: s };
}

/** numericParseString + numericBoundaryCheck of Redis 7.0. */
function parseNumeric(row: Row, args: string[]): Parsed {
  const s = args[0];
  let v: bigint | null = null;
  if (row.kind === 'memory') {
    const m = memtoull(s);
    if (m !== null) v = row.unsigned ? m : BigInt.asIntN(64, m);
  }
  if (v === null && row.percent && s.length > 1 && s.endsWith('%')) {
    const p = string2ll(s.slice(0, -1));
    if (p !== null && p >= 0n) v = -p;
  }
  if (v === null && row.kind === 'octal') {
    const o = strtoll(s, 8);
    if (o !== null && !o.overflow) v = o.v;
  }
  if (v === null && row.kind === 'int') v = string2ll(s);
  if (v === null) {
    if (row.kind === 'memory') return { error: row.percent ? 'argument must be a memory or percent value' : 'argument must be a memory value' };
    if (row.kind === 'octal') return { error: "argument couldn't be parsed as an octal number" };
    return { error: "argument couldn't be parsed into an integer" };
  }
  const min = row.min!;
  const max = row.max!;
  if (row.unsigned) {
    v = BigInt.asUintN(64, v);
    if (v > BigInt.asUintN(64, max) || v < BigInt.asUintN(64, min)) {
      const fmt = (b: bigint): string => BigInt.asUintN(64, b).toString(row.kind === 'octal' ? 8 : 10);
      return { error: `argument must be between ${fmt(min)} and ${fmt(max)} inclusive` };
    }
  } else if (row.percent && v < 0n) {
    if (v < min) return { error: `percentage argument must be less or equal to ${-min}` };
  } else if (v > max || v < min) {
    return { error: `argument must be between ${min} and ${max} inclusive` };
  }
  if (row.clamp) {
    if (v < BigInt(row.clamp[0])) v = BigInt(row.clamp[0]);
    if (v > BigInt(row.clamp[1])) v = BigInt(row.clamp[1]);
  }
  const text = row.percent && v < 0n ? `${-v}%` : row.kind === 'octal' ? v.toString(8) : v.toString();
  return { value: Number(v), text };
}

function parseEnum(row: Row, args: string[], ctx: ParseContext): Parsed {
  const names = row.values!;
  const bad = { error: `argument(s) must be one of the following: ${names.join(', ')}` };
  if (args.length === 0 || (!row.bitflags && args.length !== 1)) return bad;
  let bits = 0;
  let text = '';
  for (const a of args) {
    const i = names.indexOf(asciiLower(a));
    if (i < 0) return bad;
    if (row.bitflags) bits |= i === 0 ? 0 : 1 << (i - 1);
    else text = row.same?.[names[i]] ?? names[i];
  }
  if (row.bitflags) text = bits === 0 ? names[0] : names.filter((_, i) => i > 0 && bits & (1 << (i - 1))).join(' ');
  const err = row.validate?.(text, ctx.view);
  return err ? { error: err } : { value: text, text };
}

function parseString(row: Row, args: string[], ctx: ParseContext): Parsed {
  const err = row.validate?.(args[0], ctx.view);
  return err ? { error: err } : { value: args[0], text: args[0] };
}

function parseSave(_row: Row, args: string[]): Parsed {
  if (args.length === 1 && args[0] === '') args = [];
  const bad = { error: 'Invalid save parameters' };
  if (args.length & 1) return bad;
  const params: SaveParam[] = [];
  for (let j = 0; j < args.length; j += 2) {
    const s = strtoll(args[j], 10);
    const c = strtoll(args[j + 1], 10);
    if (s === null || c === null || s.v < 1n || c.v < 0n) return bad;
    params.push({ seconds: Number(s.v), changes: Number(BigInt.asIntN(32, c.v)) });
  }
  return { value: params, text: renderSave(params) };
}

function renderSave(params: readonly SaveParam[]): string {
  return params.map((p) => `${p.seconds} ${p.changes}`).join(' ');
}

const OBUF_NAMES: { [name: string]: number } = { normal: 0, slave: 1, replica: 1, pubsub: 2 };

function parseObufLimits(_row: Row, args: string[], ctx: ParseContext): Parsed {
  if (args.length % 4) return { error: 'Wrong number of arguments in buffer limit configuration.' };
  // Start from the current limits (exact, from their rendered form); classes not named keep theirs.
  const cur = (ctx.current || 'normal 0 0 0 slave 0 0 0 pubsub 0 0 0').split(' ');
  const exact: bigint[][] = [0, 1, 2].map((i) => [BigInt(cur[i * 4 + 1]), BigInt(cur[i * 4 + 2]), BigInt(cur[i * 4 + 3])]);
  for (let j = 0; j < args.length; j += 4) {
    const cls = Object.hasOwn(OBUF_NAMES, asciiLower(args[j])) ? OBUF_NAMES[asciiLower(args[j])] : -1;
    if (cls < 0) return { error: 'Invalid client class specified in buffer limit configuration.' };
    const hard = memtoull(args[j + 1]);
    const soft = memtoull(args[j + 2]);
    const secs = strtoll(args[j + 3], 10);
    const secs32 = secs === null ? -1n : BigInt.asIntN(32, secs.v);
    if (hard === null || soft === null || secs32 < 0n) {
      return { error: 'Error in hard, soft or soft_seconds setting in buffer limit configuration.' };
    }
    exact[cls] = [hard, soft, secs32];
  }
  const limit = (i: number): ObufLimit => ({ hard: Number(exact[i][0]), soft: Number(exact[i][1]), softSeconds: Number(exact[i][2]) });
  const value: ObufLimits = { normal: limit(0), replica: limit(1), pubsub: limit(2) };
  const text = ['normal', 'slave', 'pubsub'].map((n, i) => `${n} ${exact[i].join(' ')}`).join(' ');
  return { value, text };
}

const NOTIFY_CHARS: { [c: string]: number } = {
  A: NOTIFY_ALL, g: NOTIFY_GENERIC, $: NOTIFY_STRING, l: NOTIFY_LIST, s: NOTIFY_SET, h: NOTIFY_HASH, z: NOTIFY_ZSET,
  x: NOTIFY_EXPIRED, e: NOTIFY_EVICTED, K: NOTIFY_KEYSPACE, E: NOTIFY_KEYEVENT, t: NOTIFY_STREAM, m: NOTIFY_KEY_MISS,
  d: NOTIFY_MODULE, n: NOTIFY_NEW,
};

/** keyspaceEventsFlagsToString: 'A' hides the classes it covers, and also hides 'n' (as Redis does). */
export function renderKeyspaceEvents(flags: number): string {
  let s = '';
  if ((flags & NOTIFY_ALL) === NOTIFY_ALL) s = 'A';
  else {
    const order: Array<[string, number]> = [
      ['g', NOTIFY_GENERIC], ['$', NOTIFY_STRING], ['l', NOTIFY_LIST], ['s', NOTIFY_SET], ['h', NOTIFY_HASH], ['z', NOTIFY_ZSET],
      ['x', NOTIFY_EXPIRED], ['e', NOTIFY_EVICTED], ['t', NOTIFY_STREAM], ['d', NOTIFY_MODULE], ['n', NOTIFY_NEW],
    ];
    for (const [c, bit] of order) if (flags & bit) s += c;
  }
  if (flags & NOTIFY_KEYSPACE) s += 'K';
  if (flags & NOTIFY_KEYEVENT) s += 'E';
  if (flags & NOTIFY_KEY_MISS) s += 'm';
  return s;
}

function parseKeyspaceEvents(_row: Row, args: string[]): Parsed {
  if (args.length !== 1) return { error: 'wrong number of arguments' };
  let flags = 0;
  for (const c of args[0]) {
    if (!Object.hasOwn(NOTIFY_CHARS, c)) return { error: "Invalid event class character. Use 'Ag$lshzxeKEtmdn'." };
    flags |= NOTIFY_CHARS[c];
  }
  return { value: flags, text: renderKeyspaceEvents(flags) };
}

function parseOomValues(_row: Row, args: string[]): Parsed {
  if (args.length !== 3) return { error: 'wrong number of arguments' };
  const vals: number[] = [];
  for (const a of args) {
    const r = strtoll(a, 10);
    if (r === null || r.v < -2000n || r.v > 2000n) {
      return { error: 'Invalid oom-score-adj-values, elements must be between -2000 and 2000.' };
    }
    vals.push(Number(r.v));
  }
  return { value: vals, text: vals.join(' ') };
}

function parseBind(_row: Row, args: string[]): Parsed {
  if (args.length > 16) return { error: 'Too many bind addresses specified.' };
  if (args.length === 1 && args[0] === '') args = [];
  return { value: args.slice(), text: args.join(' ') };
}

/** `dir` takes effect as it is parsed: the process changes directory (Redis: chdir). */
function parseDir(_row: Row, args: string[]): Parsed {
  if (args.length !== 1) return { error: 'wrong number of arguments' };
  try {
    if (args[0] === '') throw Object.assign(new Error('empty'), { code: 'ENOENT' });
    process.chdir(Buffer.from(args[0], 'latin1').toString('utf8'));
  } catch (e) {
    return { error: strerror(e) };
  }
  const cwd = cwdBytes();
  return { value: cwd, text: cwd };
}

function parseReplicaOf(_row: Row, args: string[]): Parsed {
  if (args.length !== 2) return { error: 'wrong number of arguments' };
  if (asciiLower(args[0]) === 'no' && asciiLower(args[1]) === 'one') return { value: null, text: '' };
  const r = strtoll(args[1], 10);
  if (r === null || r.v < 0n || r.v > 65535n) return { error: 'Invalid master port' };
  return { value: { host: args[0], port: Number(r.v) }, text: `${args[0]} ${r.v}` };
}

function parsePercentiles(_row: Row, args: string[]): Parsed {
  if (args.length === 1 && args[0] === '') args = [];
  const vals: number[] = [];
  for (const a of args) {
    const d = string2d(a);
    if (d === null) return { error: 'Invalid latency-tracking-info-percentiles parameters' };
    if (d > 100 || d < 0) return { error: 'latency-tracking-info-percentiles parameters should sit between [0.0,100.0]' };
    vals.push(d);
  }
  return { value: vals, text: vals.map(formatPercentile).join(' ') };
}

const CODECS: { [kind: string]: (row: Row, args: string[], ctx: ParseContext) => Parsed } = {
  bool: parseBool,
  int: parseNumeric,
  memory: parseNumeric,
  octal: parseNumeric,
  enum: parseEnum,
  string: parseString,
  save: parseSave,
  'client-output-buffer-limit': parseObufLimits,
  'notify-keyspace-events': parseKeyspaceEvents,
  'oom-score-adj-values': parseOomValues,
  bind: parseBind,
  dir: parseDir,
  replicaof: parseReplicaOf,
  'latency-tracking-info-percentiles': parsePercentiles,
};

// ---- name lookup ----------------------------------------------------------------------------

/** A name CONFIG GET/SET accepts: a row under its own name or under its alias. */
export interface ConfigEntry {
  readonly row: ConfigRow;
  /** The name as registered (the alias for alias entries); Redis reports this name in errors. */
  readonly name: string;
  readonly isAlias: boolean;
}

const ENTRIES: ConfigEntry[] = [];
const BY_NAME = new Map<string, ConfigEntry>();
const NAME_BYTES = new Map<ConfigEntry, Uint8Array>();
for (const row of CONFIG_TABLE as readonly ConfigRow[]) {
  for (const [name, isAlias] of [[row.name, false], [row.alias, true]] as Array<[string | undefined, boolean]>) {
    if (name === undefined) continue;
    const e: ConfigEntry = { row, name, isAlias };
    ENTRIES.push(e);
    BY_NAME.set(name, e);
    NAME_BYTES.set(e, Buffer.from(name, 'latin1'));
  }
}

/** Finds a config by name or alias, case-insensitively (hidden ones included). */
export function lookupConfig(name: string): ConfigEntry | undefined {
  return BY_NAME.get(asciiLower(name));
}

/** Directives Redis accepts and ignores (removed configs). */
const DEPRECATED = new Set(['list-max-ziplist-entries', 'list-max-ziplist-value', 'lua-replicate-commands']);

// ---- the Config object ----------------------------------------------------------------------

/**
 * An apply hook: called after a CONFIG SET changed `name` (and every value of that command is in
 * place; read them from `config.values`). To make the whole CONFIG SET fail and be rolled back,
 * return the error text Redis's apply function would give (it follows "CONFIG SET failed
 * (possibly related to argument '<name>') - ") or throw an Error with it as its message.
 * Must be synchronous: a hook that returns a Promise fails the CONFIG SET (see the file comment).
 * During a rollback the same hook is called again with the old values in place; it should then
 * succeed (make it idempotent: "already applied" is success).
 */
export type ConfigHook = (name: string, config: Config) => string | null | undefined | void;

/** Runs one apply hook; its error text, or null. Exceptions and Promises count as failures. */
function runHook(fn: ConfigHook, name: string, config: Config): string | null {
  let r: unknown;
  try {
    r = fn(name, config);
  } catch (e) {
    return e instanceof Error ? e.message : String(e);
  }
  if (typeof r === 'string') return r;
  if (r !== null && typeof r === 'object' && typeof (r as { then?: unknown }).then === 'function') {
    (r as Promise<unknown>).then(undefined, () => {}); // nobody else will handle its rejection
    return `internal error: the apply hook of '${name}' is asynchronous`;
  }
  return null;
}

export interface SetContext {
  /** The server is loading a dataset: DENY_LOADING configs answer -LOADING. */
  loading?: boolean;
  /** The client is local (loopback or unix socket), for enable-protected-configs "local". */
  localClient?: boolean;
}

export interface LoadOptions {
  /** Reads an `include`d file (byte-string path); defaults to the file system. */
  readFile?: (path: string) => string;
  /** When given, rename-command checks the command exists, as Redis does. */
  commandExists?: (name: string) => boolean;
  /** When given, a `user` line is checked at once (ACLAppendUserForLoading): null or the error. */
  checkUser?: (args: readonly string[]) => string | null;
  /** Try to open `logfile` for appending after loading, as Redis does (default true). */
  checkLogfile?: boolean;
}

export interface LoadResult {
  /**
   * null on success; else the exact text Redis writes to stderr before exiting with code 1 (it
   * starts and ends with a newline), or, when errorIsLog, the message Redis logs as a warning.
   */
  error: string | null;
  errorIsLog: boolean;
  /** rename-command lines, in order: [old, new] ("" new name removes the command). */
  renameCommands: Array<[string, string]>;
  /** `user` lines: the arguments after `user` (ACL rules for the ACL subsystem to apply). */
  users: string[][];
  /** loadmodule lines. */
  loadModules: Array<{ path: string; args: string[] }>;
  /** Module configs (`name.with.dot value`). */
  moduleConfigs: Array<[string, string]>;
  /** `sentinel ...` lines when loading in sentinel mode. */
  sentinel: string[][];
}

/** One directive of a config file: lower-case name, its arguments, where it came from. */
export interface ConfigLine {
  name: string;
  args: string[];
  /** 1-based line number. */
  line: number;
  /** The trimmed line as written (Redis quotes it in error messages). */
  text: string;
  /** Set when the line cannot be split (unbalanced quotes). */
  error?: string;
}

/**
 * Splits redis.conf text into directives. Comments (# at the start of a line) and blank lines are
 * skipped; arguments follow sdssplitargs quoting. Lines that fail to split carry `error`.
 */
export function parseConfigFile(text: string): ConfigLine[] {
  const nul = text.indexOf('\0');
  if (nul >= 0) text = text.slice(0, nul);
  const out: ConfigLine[] = [];
  if (text === '') return out;
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const t = lines[i].replace(/^[ \t\r\n]+|[ \t\r\n]+$/g, '');
    if (t === '' || t[0] === '#') continue;
    const argv = splitArgs(t);
    if (argv === null) {
      out.push({ name: '', args: [], line: i + 1, text: t, error: 'Unbalanced quotes in configuration line' });
    } else if (argv.length > 0) {
      out.push({ name: asciiLower(argv[0]), args: argv.slice(1), line: i + 1, text: t });
    }
  }
  return out;
}

/** The fatal-error text Redis prints for a bad config (line omitted for whole-file checks). */
export function formatConfigError(reason: string, line?: number, text?: string): string {
  let s = `\n*** FATAL CONFIG FILE ERROR (Redis ${REDIS_VERSION}) ***\n`;
  if (line !== undefined) s += `Reading the configuration file, at line ${line}\n>>> '${text}'\n`;
  return `${s}${reason}\n`;
}

export class Config implements ConfigView {
  /** Current typed values by canonical name. Updated in place: safe to keep a reference. */
  readonly values: ConfigValues;
  /** Absolute path of the config file, if any (for CONFIG REWRITE, INFO, proc title). */
  configFile = '';
  sentinelMode = false;
  private readonly rendered = new Map<string, string>();
  private readonly hooks = new Map<string, ConfigHook[]>();
  /**
   * Where CONFIG SET logs Redis's warnings about failed apply hooks ("Failed applying new
   * configuration. ..."). The server points it at its log; silent by default.
   */
  warn: (message: string) => void = () => {};
  /** Set once a `save` line has been read from a file: the first one replaces the defaults. */
  private saveReadFromFile = false;

  constructor() {
    this.values = {} as ConfigValues;
    for (const row of CONFIG_TABLE as readonly ConfigRow[]) {
      if (row.kind === 'dir' || row.kind === 'replicaof') {
        this.store(row, row.kind === 'dir' ? cwdBytes() : null, '');
        continue;
      }
      const args = row.flags & MULTI_ARG ? (row.def === '' ? [] : row.def.split(' ')) : [row.def];
      const err = this.assign(row, args);
      if (err !== null) throw new Error(`config table: bad default for ${row.name}: ${err}`);
    }
    // Filled one key at a time, V8 turns the object into a hash table (~10x slower reads);
    // copied in one go it gets a fixed shape, which later stores to existing keys keep.
    this.values = Object.fromEntries(Object.entries(this.values)) as ConfigValues;
  }

  // ---- reading ----

  /** CONFIG GET of one name or alias (case-insensitive): the rendered value, or undefined. */
  get(name: string): string | undefined {
    const e = lookupConfig(name);
    return e === undefined ? undefined : this.render(e.row);
  }

  /** The typed value of a config by canonical name. */
  value<K extends ConfigName>(name: K): ConfigValues[K] {
    return this.values[name];
  }

  num(name: NumericConfigName): number {
    return this.values[name];
  }

  bool(name: BoolConfigName): boolean {
    return this.values[name];
  }

  str(name: StringConfigName): string {
    return this.values[name];
  }

  /** True for masterauth, masteruser, requirepass: their CONFIG SET value must be redacted. */
  isSensitive(name: string): boolean {
    const e = lookupConfig(name);
    return e !== undefined && (e.row.flags & SENSITIVE) !== 0;
  }

  /**
   * CONFIG GET with several names or glob patterns: [name, value] pairs, each config once.
   * Exact names are echoed as spelled (and may be hidden configs); patterns match, without
   * case, every visible name and alias.
   */
  getMatching(patterns: string[]): Array<[string, string]> {
    const seen = new Map<string, [string, string]>();
    for (const pat of patterns) {
      if (!/[[*?]/.test(pat)) {
        const key = asciiLower(pat);
        if (seen.has(key)) continue;
        const e = BY_NAME.get(key);
        if (e !== undefined) seen.set(key, [pat, this.render(e.row)]);
        continue;
      }
      const pb = Buffer.from(pat, 'latin1');
      for (const e of ENTRIES) {
        if (e.row.flags & HIDDEN || seen.has(e.name)) continue;
        if (globMatchBytes(pb, NAME_BYTES.get(e)!, true)) seen.set(e.name, [e.name, this.render(e.row)]);
      }
    }
    return [...seen.values()];
  }

  // ---- CONFIG SET ----

  /**
   * Registers an apply hook run after CONFIG SET changes `name` (or its alias); it may fail the
   * CONFIG SET (see ConfigHook). A function registered for several configs runs once per CONFIG
   * SET. Returns a function that unregisters it.
   */
  onChange(name: string, fn: ConfigHook): () => void {
    const e = lookupConfig(name);
    if (e === undefined) throw new Error(`onChange: no config named ${name}`);
    const list = this.hooks.get(e.row.name) ?? [];
    list.push(fn);
    this.hooks.set(e.row.name, list);
    return () => {
      const i = list.indexOf(fn);
      if (i >= 0) list.splice(i, 1);
    };
  }

  /**
   * CONFIG SET name value [name value ...], all or nothing. Returns null on success, else the
   * error reply text without its leading '-' (e.g. "ERR CONFIG SET failed (possibly related to
   * argument 'hz') - argument couldn't be parsed into an integer"). An odd number of arguments
   * ("ERR syntax error") and arity are the caller's.
   */
  setMany(pairs: ReadonlyArray<readonly [string, string]>, ctx: SetContext = {}): string | null {
    const entries: Array<ConfigEntry | undefined> = [];
    let unknownName: string | null = null;
    let errName = '';
    let errText: string | null = null;
    let invalid = false;
    let denyLoading = false;
    for (let i = 0; i < pairs.length; i++) {
      const name = pairs[i][0];
      const e = lookupConfig(name);
      if (e === undefined) {
        if (!invalid) {
          unknownName = name;
          invalid = true;
        }
        continue;
      }
      if (invalid) continue;
      const flags = e.row.flags;
      if (flags & IMMUTABLE || (flags & PROTECTED && !this.protectedAllowed(ctx))) {
        errText = flags & IMMUTABLE ? "can't set immutable config" : "can't set protected config";
        errName = name;
        invalid = true;
        continue;
      }
      if (ctx.loading && flags & DENY_LOADING) {
        denyLoading = true;
        invalid = true;
        continue;
      }
      // Redis registers an alias as a separate entry, so only the same spelling (in any case)
      // counts as a duplicate.
      if (entries.some((x) => x === e)) {
        errText = 'duplicate parameter';
        errName = name;
        invalid = true;
        continue;
      }
      entries[i] = e;
    }
    const fail = (): string => {
      if (denyLoading) return 'LOADING Redis is loading the dataset in memory';
      if (unknownName !== null) return `ERR Unknown option or number of arguments for CONFIG SET - '${unknownName}'`;
      if (errText !== null) return `ERR CONFIG SET failed (possibly related to argument '${errName}') - ${errText}`;
      return `ERR CONFIG SET failed (possibly related to argument '${errName}')`;
    };
    if (invalid) return fail();

    const set = entries as ConfigEntry[];
    // The stored values themselves, not their text: a rendering may hide part of a value
    // (notify-keyspace-events shows "KEAn" as "AKE").
    const values = this.values as { [name: string]: unknown };
    const old = set.map((e): [unknown, string] => [values[e.row.name], this.render(e.row)]);
    const restore = (count: number): void => {
      for (let i = 0; i < count; i++) {
        const row = set[i].row;
        // `dir` acts as it is parsed (chdir): undo it the same way.
        if (row.kind === 'dir') this.assign(row, [old[i][1]]);
        else this.store(row, old[i][0], old[i][1]);
      }
    };
    // Distinct hooks in first-registration order, with the entry that brought each in.
    const hooks: Array<[ConfigHook, ConfigEntry]> = [];
    for (let i = 0; i < set.length; i++) {
      const row = set[i].row;
      const before = this.render(row);
      const beforeValue = values[row.name];
      const err = this.assign(row, this.setArgs(row, pairs[i][1]));
      if (err !== null) {
        restore(i + 1);
        errName = set[i].name;
        errText = err;
        return fail();
      }
      if (row.setMin !== undefined && (this.values as { [n: string]: unknown })[row.name] as number < row.setMin) {
        this.store(row, row.setMin, String(row.setMin));
      }
      if (this.render(row) === before && values[row.name] === beforeValue) continue;
      for (const fn of this.hooks.get(row.name) ?? []) {
        if (!hooks.some(([f]) => f === fn)) hooks.push([fn, set[i]]);
      }
    }
    for (const [fn, e] of hooks) {
      const err = runHook(fn, e.row.name, this);
      if (err !== null) {
        // As Redis's restoreBackupConfig: every value back, then every due hook again (the one
        // that failed included: it may have undone part of the old state before failing).
        this.warn(`Failed applying new configuration. Possibly related to new ${e.name} setting. Restoring previous settings.`);
        restore(set.length);
        for (const [f, e2] of hooks) {
          const again = runHook(f, e2.row.name, this);
          if (again !== null) this.warn(`Failed applying restored failed CONFIG SET command: ${again}`);
        }
        errName = e.name;
        errText = err;
        return fail();
      }
    }
    return null;
  }

  /**
   * Sets a config from its arguments as a config-file line would, bypassing the immutable and
   * protected flags and running no hooks: for commands that own a config (REPLICAOF sets
   * `replicaof` with [host, port] or ["no", "one"]). Returns an error text or null.
   */
  setInternal(name: string, args: string[]): string | null {
    const e = lookupConfig(name);
    if (e === undefined) return 'Unknown option';
    return this.assign(e.row, args);
  }

  // ---- loading ----

  /**
   * Applies redis.conf text (a file, then stdin, then command-line options, as one text; see
   * loadServerConfig). Stops at the first error, which is returned in Redis's format.
   */
  load(text: string, opts: LoadOptions = {}): LoadResult {
    const result: LoadResult = {
      error: null, errorIsLog: false, renameCommands: [], users: [], loadModules: [], moduleConfigs: [], sentinel: [],
    };
    this.loadInto(text, opts, result);
    return result;
  }

  private loadInto(text: string, opts: LoadOptions, result: LoadResult): boolean {
    for (const d of parseConfigFile(text)) {
      const err = d.error ?? this.applyDirective(d, opts, result);
      if (result.error !== null) return false; // an included file failed
      if (err !== null) {
        result.error = formatConfigError(err, d.line, d.text);
        return false;
      }
    }
    let err: string | null = null;
    const logfile = this.values.logfile;
    if (logfile !== '' && opts.checkLogfile !== false) {
      try {
        closeSync(openSync(fsPath(logfile), 'a'));
      } catch (e) {
        err = `Can't open the log file: ${strerror(e)}`;
      }
    }
    if (err === null && this.values['cluster-enabled'] && this.values.replicaof !== null) {
      err = 'replicaof directive not allowed in cluster mode';
    }
    if (err !== null) {
      result.error = formatConfigError(err);
      return false;
    }
    return true;
  }

  /** One config-file directive; returns the error reason or null. */
  private applyDirective(d: ConfigLine, opts: LoadOptions, result: LoadResult): string | null {
    const argc = d.args.length + 1;
    const e = BY_NAME.get(d.name);
    if (e !== undefined) {
      const row = e.row;
      if (!(row.flags & MULTI_ARG)) {
        if (argc !== 2) return 'wrong number of arguments';
        return this.assign(row, d.args, true);
      }
      // A multi-argument config given as one quoted argument is split again: save "900 1 300 10".
      const args = argc === 2 && d.args[0] !== '' ? (splitArgs(d.args[0]) ?? []) : d.args;
      return this.assign(row, args, true);
    }
    if (DEPRECATED.has(d.name) && argc === 2) return null;
    if (d.name === 'include' && argc === 2) {
      return this.include(d.args[0], opts, result);
    }
    if (d.name === 'rename-command' && argc === 3) {
      if (opts.commandExists) {
        const renamed = new Map<string, boolean>();
        for (const [from, to] of result.renameCommands) {
          renamed.set(asciiLower(from), false);
          if (to !== '') renamed.set(asciiLower(to), true);
        }
        const exists = (n: string): boolean => renamed.get(asciiLower(n)) ?? opts.commandExists!(n);
        if (!exists(d.args[0])) return 'No such command in rename-command';
        if (d.args[1] !== '' && exists(d.args[1])) return 'Target command name already exists';
      }
      result.renameCommands.push([d.args[0], d.args[1]]);
      return null;
    }
    if (d.name === 'user' && argc >= 2) {
      const bad = opts.checkUser?.(d.args) ?? null;
      if (bad !== null) return bad;
      result.users.push(d.args.slice());
      return null;
    }
    if (d.name === 'loadmodule' && argc >= 2) {
      result.loadModules.push({ path: d.args[0], args: d.args.slice(1) });
      return null;
    }
    if (d.name.includes('.')) {
      if (argc !== 2) return 'Module config specified without value';
      result.moduleConfigs.push([d.name, d.args[0]]);
      return null;
    }
    if (d.name === 'sentinel') {
      if (argc === 1) return null;
      if (!this.sentinelMode) return 'sentinel directive while not in sentinel mode';
      result.sentinel.push(d.args.slice());
      return null;
    }
    return 'Bad directive or wrong number of arguments';
  }

  /** `include path`: a glob pattern may match nothing; a plain path must open. */
  private include(path: string, opts: LoadOptions, result: LoadResult): string | null {
    const read = opts.readFile ?? readConfigText;
    let files = [path];
    if (/[*?[]/.test(path)) {
      const slash = path.lastIndexOf('/');
      const dir = slash >= 0 ? path.slice(0, slash + 1) : '';
      const pat = Buffer.from(path.slice(slash + 1), 'latin1');
      try {
        files = readdirSync(fsPath(dir === '' ? '.' : dir), { encoding: 'latin1' })
          .filter((f) => !f.startsWith('.') && globMatchBytes(pat, Buffer.from(f, 'latin1')))
          .sort()
          .map((f) => dir + f);
      } catch {
        files = [];
      }
    }
    for (const f of files) {
      let text: string;
      try {
        text = read(f);
      } catch (e) {
        result.error = `Fatal error, can't open config file '${f}': ${strerror(e)}`;
        result.errorIsLog = true;
        return null;
      }
      if (!this.loadInto(text, opts, result)) return null;
    }
    return null;
  }

  // ---- internals ----

  private protectedAllowed(ctx: SetContext): boolean {
    const v = this.values['enable-protected-configs'];
    return v === 'yes' || (v === 'local' && ctx.localClient === true);
  }

  private render(row: ConfigRow): string {
    return row.kind === 'dir' ? cwdBytes() : this.rendered.get(row.name)!;
  }

  /** A CONFIG SET value as arguments: multi-argument configs split on single spaces. */
  private setArgs(row: ConfigRow, value: string): string[] {
    if (!(row.flags & MULTI_ARG)) return [value];
    return value === '' ? [] : value.split(' ');
  }

  /** Parses and stores; returns the error reason or null. `fromFile` makes `save` lines add up. */
  private assign(row: ConfigRow, args: string[], fromFile = false): string | null {
    const parsed = CODECS[row.kind](row, args, { current: this.rendered.get(row.name) ?? '', view: this });
    if ('error' in parsed) return parsed.error;
    if (row.kind === 'save' && fromFile) {
      // The first save line of a file replaces the defaults, later ones add points, and
      // `save ""` clears everything read so far.
      const add = parsed.value as SaveParam[];
      const base = this.saveReadFromFile && add.length > 0 ? this.values.save : [];
      this.saveReadFromFile = true;
      const all = [...base, ...add];
      this.store(row, all, renderSave(all));
      return null;
    }
    this.store(row, parsed.value, parsed.text);
    return null;
  }

  private store(row: ConfigRow, value: unknown, text: string): void {
    (this.values as { [name: string]: unknown })[row.name] = value;
    this.rendered.set(row.name, text);
  }
}

// ---- command line ---------------------------------------------------------------------------

export interface CommandLine {
  /** The config file (first argument when it does not start with '-'), made absolute. */
  configFile?: string;
  /** A lone '-' first or last: read more config from standard input. */
  configFromStdin: boolean;
  /** -v / --version as the first argument. */
  version: boolean;
  /** -h / --help as the first argument. */
  help: boolean;
  /** --test-memory as the first argument (its megabytes argument, if any). */
  testMemory?: string;
  /** --check-system as the first argument. */
  checkSystem: boolean;
  /** --sentinel anywhere. */
  sentinel: boolean;
  /** True when any argument was given (Redis loads config only then). */
  hasArgs: boolean;
  /** The config text the options become, appended after the file: 'port "6380"\nsave ""'. */
  options: string;
  /** `options` parsed; line numbers count from the options' first line. */
  directives: ConfigLine[];
}

/** Redis getAbsolutePath: cwd joined with the path, leading "../" folded. */
function absolutePath(p: string): string {
  let rel = p.replace(/^[ \r\n\t]+|[ \r\n\t]+$/g, '');
  if (rel.startsWith('/')) return rel;
  let abs = cwdBytes();
  if (abs !== '' && !abs.endsWith('/')) abs += '/';
  while (rel.startsWith('../')) {
    rel = rel.slice(3);
    if (abs.length > 1) abs = abs.slice(0, abs.lastIndexOf('/', abs.length - 2) + 1);
  }
  return abs + rel;
}

/**
 * Parses redis-server's arguments (without the program name, i.e. process.argv.slice(2)) the
 * way Redis 7.0's main() does: `--name value...` starts a config line, other words are quoted
 * arguments of the current line, `--save` with no value means `save ""`.
 */
export function parseCommandLine(argv: readonly string[]): CommandLine {
  const args = argv.map((a) => Buffer.from(a, 'utf8').toString('latin1'));
  const out: CommandLine = {
    configFromStdin: false, version: false, help: false, checkSystem: false, sentinel: args.includes('--sentinel'),
    hasArgs: args.length > 0, options: '', directives: [],
  };
  if (args.length === 0) return out;
  const first = args[0];
  if (first === '-v' || first === '--version') out.version = true;
  if (first === '--help' || first === '-h') out.help = true;
  if (first === '--test-memory') out.testMemory = args[1];
  if (first === '--check-system') out.checkSystem = true;
  let j = 0;
  if (!first.startsWith('-')) {
    out.configFile = absolutePath(first);
    j = 1;
  }
  let opts = '';
  let handledLast = true;
  const last = args.length - 1;
  for (; j < args.length; j++) {
    const a = args[j];
    if (a === '-' && (j === 0 || j === last)) {
      out.configFromStdin = true;
    } else if (handledLast && a.startsWith('--')) {
      if (opts !== '') opts += '\n';
      opts += a.slice(2) + ' ';
      const parts = splitArgs(a);
      if (parts !== null && parts.length === 1) {
        handledLast = false;
        const name = asciiLower(a);
        const nextIsOption = j !== last && args[j + 1].startsWith('--');
        if (name === '--save' && nextIsOption) {
          opts += '""';
          handledLast = true;
        } else if (name === '--save' && j === last) {
          opts += '""';
        } else if (name === '--sentinel' && nextIsOption) {
          handledLast = true;
        }
      } else {
        handledLast = true;
      }
    } else {
      opts += reprArg(a) + ' ';
      handledLast = true;
    }
  }
  out.options = opts;
  out.directives = parseConfigFile(opts);
  return out;
}

export interface ServerConfigSources extends LoadOptions {
  /** Reads standard input when the command line asks for it (a lone '-'). */
  readStdin?: () => string;
}

/**
 * Loads what a redis-server command line names: the config file, then standard input, then the
 * options, as one text (so line numbers in errors run across all three, as in Redis). A file
 * that cannot be read gives an errorIsLog error ("Fatal error, can't open config file ...").
 */
export function loadServerConfig(config: Config, cmd: CommandLine, src: ServerConfigSources = {}): LoadResult {
  config.sentinelMode = cmd.sentinel;
  if (!cmd.hasArgs) return config.load('', src);
  let text = '';
  if (cmd.configFile !== undefined) {
    config.configFile = cmd.configFile;
    try {
      text = (src.readFile ?? readConfigText)(cmd.configFile);
    } catch (e) {
      const r = config.load('', { ...src, checkLogfile: false });
      r.error = `Fatal error, can't open config file '${cmd.configFile}': ${strerror(e)}`;
      r.errorIsLog = true;
      return r;
    }
  }
  if (cmd.configFromStdin) text += asReadByFgets(src.readStdin ? src.readStdin() : readFileSync(0).toString('latin1'));
  return config.load(`${text}\n${cmd.options}`, src);
}
