/*
 * Key extraction: which arguments of a call are keys, read off the command's key specs
 * (meta.json, Redis 7.0.15's own) and, where Redis falls back to a command's native key finder,
 * that finder. One module for COMMAND GETKEYS / GETKEYSANDFLAGS, ACL key checks (src/acl/check.ts,
 * with keyPermissions below) and cluster slot checks later, so the three can never disagree.
 *
 * The policy is Redis's getKeysFromCommandWithSpecs (db.c):
 *   1. When the command has a key spec that is not `not_key` and none has `variable_flags`, the
 *      specs are interpreted (getKeysUsingKeySpecs): begin_search `index` or `keyword`, then
 *      find_keys `range` or `keynum`. A spec Redis could not apply (an `unknown` type, a keynum
 *      that is not an integer, positions out of bounds, an `incomplete` spec) makes the whole
 *      interpretation fail.
 *   2. Then the native finder, if the command has one (NATIVE below, by command name, mirroring
 *      Redis's getkeys_proc: sortGetKeys, genericGetKeys with atoi() for numkeys, setGetKeys...),
 *      else a getKeys hook on the CommandDef (positions only; flags from the specs).
 *   3. Else no keys.
 * The native finders are what make e.g. `ZUNIONSTORE dst 1abc a` give [a, dst] with empty flags
 * (atoi reads 1), or SORT give its STORE key: quirks recorded from redis-server in
 * test/golden/cases/getkeys.txt.
 *
 * Nothing here copies argument bytes: specs compare keywords in place (Argv.is) and read numkeys
 * with string2ll over the buffer; positions are indexes into the caller's Argv.
 *
 * Native finders exist for the registered commands that need them (MIGRATE included); when EVAL/FCALL,
 * GEORADIUS*, XREAD* or BITFIELD_RO are registered, add their Redis finders to NATIVE.
 */
import { Argv } from '../protocol/argv.ts';
import { parseInt64 } from '../util/numbers.ts';
import type { Command } from './registry.ts';

/** Key flags as COMMAND GETKEYSANDFLAGS prints them ("RW", "access", ...), in Redis's order. */
export type KeyFlags = readonly string[];

/** One key of a call: its index in the Argv and how the command uses it. */
export interface KeyRef {
  pos: number;
  flags: KeyFlags;
}

interface KeySpec {
  flags: string[];
  begin_search: { type: string; spec: Record<string, unknown> };
  find_keys: { type: string; spec: Record<string, unknown> };
}

/** A key spec ready to apply: numbers in fields, the keyword lower-cased. */
interface CompiledSpec {
  flags: KeyFlags;
  /** 0 = index, 1 = keyword, -1 = a type Redis does not know (the spec is invalid). */
  bs: number;
  index: number;
  keyword: string;
  startfrom: number;
  /** 0 = range, 1 = keynum, -1 = unknown. */
  fk: number;
  lastkey: number;
  keystep: number;
  limit: number;
  keynumidx: number;
  firstkey: number;
  incomplete: boolean;
}

/** What a command's key extraction needs, computed once per Command. */
interface KeyPlan {
  specs: CompiledSpec[];
  /** Step 1 applies: a real key spec and no variable_flags. */
  useSpecs: boolean;
  /** Flags of the k-th key a positions-only hook returns (the k-th spec's, or the last's). */
  hookFlags: KeyFlags[];
  native: NativeFinder | null;
  /** doesCommandHaveKeys. */
  hasKeys: boolean;
  noMandatoryKeys: boolean;
}

/** A native finder: keys of argv[from...] (argv[from] is the command name), positions absolute. */
type NativeFinder = (argv: Argv, from: number, out: KeyRef[]) => void;

const NO_FLAGS: KeyFlags = [];
const RO_ACCESS: KeyFlags = ['RO', 'access'];
const OW_UPDATE: KeyFlags = ['OW', 'update'];
const RW_ACCESS_UPDATE: KeyFlags = ['RW', 'access', 'update'];

/**
 * C's atoi() as glibc has it, (int)strtol(s, NULL, 10): leading white space, an optional sign,
 * digits up to the first other byte; saturated to the 64-bit range, then truncated to 32 bits.
 */
function atoi(argv: Argv, i: number): number {
  const b = argv.buf;
  let p = argv.off[i];
  const end = p + argv.len[i];
  while (p < end && (b[p] === 32 || (b[p] >= 9 && b[p] <= 13))) p++;
  let neg = false;
  if (p < end && (b[p] === 43 || b[p] === 45)) {
    neg = b[p] === 45;
    p++;
  }
  let v = 0n;
  const LIMIT = neg ? 1n << 63n : (1n << 63n) - 1n;
  for (; p < end && b[p] >= 48 && b[p] <= 57; p++) {
    v = v * 10n + BigInt(b[p] - 48);
    if (v > LIMIT) {
      v = LIMIT;
      break;
    }
  }
  return Number(BigInt.asIntN(32, neg ? -v : v));
}

/**
 * genericGetKeys(storeKeyOfs, keyCountOfs, firstKeyOfs, 1): numkeys by atoi(); the input keys,
 * then the destination; all with no flags. No keys when numkeys is below 1 or runs past the end.
 */
function numkeysFinder(storeOfs: number, countOfs: number, firstOfs: number): NativeFinder {
  return (argv, from, out) => {
    const argc = argv.argc - from;
    const num = atoi(argv, from + countOfs);
    if (num < 1 || num > argc - firstOfs) return;
    for (let i = 0; i < num; i++) out.push({ pos: from + firstOfs + i, flags: NO_FLAGS });
    if (storeOfs > 0) out.push({ pos: from + storeOfs, flags: NO_FLAGS });
  };
}

/**
 * sortGetKeys: the sorted key, and the key after the last STORE. Options are skipped by how many
 * arguments they take (LIMIT 2, GET 1, BY 1; anything else none), so BY/GET patterns are never
 * keys; after a STORE its key is looked at as an option again, as Redis does.
 */
function sortKeys(argv: Argv, from: number, out: KeyRef[]): void {
  const argc = argv.argc - from;
  out.push({ pos: from + 1, flags: RO_ACCESS });
  let store = -1;
  for (let i = 2; i < argc; i++) {
    const a = from + i;
    if (argv.is(a, 'limit')) i += 2;
    else if (argv.is(a, 'get') || argv.is(a, 'by')) i += 1;
    else if (argv.is(a, 'store') && i + 1 < argc) store = a + 1;
  }
  if (store >= 0) out.push({ pos: store, flags: OW_UPDATE });
}

/** setGetKeys: the key is read too when a GET option is present. */
function setKeys(argv: Argv, from: number, out: KeyRef[]): void {
  let flags = OW_UPDATE;
  for (let i = from + 3; i < argv.argc; i++) {
    if (argv.is(i, 'get')) {
      flags = RW_ACCESS_UPDATE;
      break;
    }
  }
  out.push({ pos: from + 1, flags });
}

/** bitfieldGetKeys: read-only unless a SET or INCRBY (or anything unparsable) is present. */
function bitfieldKeys(argv: Argv, from: number, out: KeyRef[]): void {
  let readonly = true;
  for (let i = from + 2; i < argv.argc; i++) {
    const rem = argv.argc - i - 1;
    if (argv.is(i, 'get') && rem >= 2) i += 2;
    else if ((argv.is(i, 'set') || argv.is(i, 'incrby')) && rem >= 3) {
      readonly = false;
      break;
    } else if (argv.is(i, 'overflow') && rem >= 1) i += 1;
    else {
      readonly = false;
      break;
    }
  }
  out.push({ pos: from + 1, flags: readonly ? RO_ACCESS : RW_ACCESS_UPDATE });
}

/** Redis's getkeys_proc of the commands whose key specs are not the whole story. */
const MIGRATE_FLAGS: KeyFlags = ['RW', 'access', 'delete'];

/** migrateGetKeys: argv[3], or with a KEYS option (and an empty argv[3]) every argument after it. */
function migrateKeys(argv: Argv, from: number, out: KeyRef[]): void {
  let first = from + 3;
  let num = 1;
  for (let i = from + 6; i < argv.argc; i++) {
    if (argv.is(i, 'keys')) {
      if (argv.len[from + 3] > 0) return;
      first = i + 1;
      num = argv.argc - first;
      break;
    }
  }
  for (let k = 0; k < num; k++) out.push({ pos: first + k, flags: MIGRATE_FLAGS });
}

const NATIVE: Record<string, NativeFinder> = {
  sort: sortKeys,
  sort_ro: (_argv, from, out) => {
    out.push({ pos: from + 1, flags: RO_ACCESS });
  },
  set: setKeys,
  bitfield: bitfieldKeys,
  zunionstore: numkeysFinder(1, 2, 3),
  zinterstore: numkeysFinder(1, 2, 3),
  zdiffstore: numkeysFinder(1, 2, 3),
  zunion: numkeysFinder(0, 1, 2),
  zinter: numkeysFinder(0, 1, 2),
  zdiff: numkeysFinder(0, 1, 2),
  zintercard: numkeysFinder(0, 1, 2),
  sintercard: numkeysFinder(0, 1, 2),
  lmpop: numkeysFinder(0, 1, 2),
  zmpop: numkeysFinder(0, 1, 2),
  blmpop: numkeysFinder(0, 2, 3),
  bzmpop: numkeysFinder(0, 2, 3),
  migrate: migrateKeys,
};

function compile(spec: KeySpec): CompiledSpec {
  const bs = spec.begin_search;
  const fk = spec.find_keys;
  const n = (v: unknown): number => (typeof v === 'number' ? v : 0);
  return {
    flags: spec.flags,
    bs: bs.type === 'index' ? 0 : bs.type === 'keyword' ? 1 : -1,
    index: n(bs.spec.index),
    keyword: String(bs.spec.keyword ?? '').toLowerCase(),
    startfrom: n(bs.spec.startfrom),
    fk: fk.type === 'range' ? 0 : fk.type === 'keynum' ? 1 : -1,
    lastkey: n(fk.spec.lastkey),
    keystep: n(fk.spec.keystep) || 1,
    limit: n(fk.spec.limit),
    keynumidx: n(fk.spec.keynumidx),
    firstkey: n(fk.spec.firstkey),
    incomplete: spec.flags.includes('incomplete'),
  };
}

const plans = new WeakMap<Command, KeyPlan>();

function planOf(cmd: Command): KeyPlan {
  let plan = plans.get(cmd);
  if (plan !== undefined) return plan;
  const all = cmd.meta.key_specs as KeySpec[];
  const specs = all.filter((s) => !s.flags.includes('not_key')).map(compile);
  const varFlags = all.some((s) => s.flags.includes('variable_flags'));
  const native = NATIVE[cmd.fullName] ?? null;
  plan = {
    specs,
    useSpecs: specs.length > 0 && !varFlags,
    hookFlags: all.map((s) => s.flags.filter((f) => f !== 'variable_flags' && f !== 'incomplete')),
    native,
    hasKeys: native !== null || cmd.getKeys !== null || specs.length > 0,
    noMandatoryKeys: cmd.meta.flags.includes('no_mandatory_keys'),
  };
  plans.set(cmd, plan);
  return plan;
}

/** numkeys as Redis reads it for a keynum spec: string2ll, then a cast to int. NaN if invalid. */
function keynum(argv: Argv, i: number): number {
  const v = parseInt64(argv.buf, argv.off[i], argv.len[i]);
  if (v === null || v < 0) return NaN;
  return typeof v === 'bigint' ? Number(BigInt.asIntN(32, v)) : v | 0;
}

/**
 * getKeysUsingKeySpecs over argv[from...]: appends to `out` and returns true, or returns false
 * when a spec cannot be applied to these arguments (out is then to be discarded).
 */
function keysFromSpecs(specs: readonly CompiledSpec[], argv: Argv, from: number, out: KeyRef[]): boolean {
  const argc = argv.argc - from;
  for (const s of specs) {
    let first = 0;
    if (s.bs === 0) first = s.index;
    else if (s.bs === 1) {
      const start = s.startfrom > 0 ? s.startfrom : argc + s.startfrom;
      const end = s.startfrom > 0 ? argc - 1 : 1;
      for (let i = start; i !== end; i = start <= end ? i + 1 : i - 1) {
        if (i >= argc || i < 1) break;
        if (argv.is(from + i, s.keyword)) {
          first = i + 1;
          break;
        }
      }
      if (first === 0) continue; // keyword absent: this spec has no keys
    } else return false;
    let last: number;
    let step: number;
    if (s.fk === 0) {
      step = s.keystep;
      if (s.lastkey >= 0) last = first + s.lastkey;
      else if (s.limit === 0) last = argc + s.lastkey;
      else last = first + (Math.trunc((argc - first) / s.limit) + s.lastkey);
    } else if (s.fk === 1) {
      step = s.keystep;
      if (first + s.keynumidx >= argc) return false;
      const n = keynum(argv, from + first + s.keynumidx);
      if (Number.isNaN(n)) return false;
      first += s.firstkey;
      last = first + n - 1;
    } else return false;
    if (last >= argc || last < first || first >= argc) return false;
    for (let i = first; i <= last; i += step) out.push({ pos: from + i, flags: s.flags });
    if (s.incomplete) return false;
  }
  return true;
}

/** Runs a CommandDef getKeys hook (it counts from the command name) on a view: no byte copies. */
function keysFromHook(cmd: Command, plan: KeyPlan, argv: Argv, from: number, out: KeyRef[]): void {
  let view = argv;
  if (from > 0) {
    view = new Argv();
    view.buf = argv.buf;
    view.off = argv.off.subarray(from);
    view.len = argv.len.subarray(from);
    view.argc = argv.argc - from;
  }
  const positions = cmd.getKeys!(view);
  const last = plan.hookFlags.length - 1;
  for (let k = 0; k < positions.length; k++) {
    out.push({ pos: from + positions[k], flags: last < 0 ? NO_FLAGS : plan.hookFlags[Math.min(k, last)] });
  }
}

/** doesCommandHaveKeys: whether the command takes key arguments at all. */
export function commandHasKeys(cmd: Command): boolean {
  return planOf(cmd).hasKeys;
}

/**
 * The keys of the call argv[from...] (argv[from] is the command name, then a subcommand name if
 * `cmd` is a subcommand), with their flags; positions are indexes into `argv`.
 * Returns [] for a command without key arguments, and for a `no_mandatory_keys` command (EVAL
 * with numkeys 0) that names none; returns null when the command takes keys but these
 * arguments name none (COMMAND GETKEYS's "Invalid arguments specified for command": the command
 * itself would fail on them). Arity is the caller's to check.
 */
export function getKeysAndFlags(cmd: Command, argv: Argv, from = 0): KeyRef[] | null {
  const plan = planOf(cmd);
  if (!plan.hasKeys) return [];
  let out: KeyRef[] = [];
  if (!plan.useSpecs || !keysFromSpecs(plan.specs, argv, from, out)) {
    out = [];
    if (plan.native !== null) plan.native(argv, from, out);
    else if (cmd.getKeys !== null) keysFromHook(cmd, plan, argv, from, out);
  }
  if (out.length === 0) return plan.noMandatoryKeys ? out : null;
  return out;
}

/** getKeysAndFlags without the flags: the argv indexes of the call's keys (see there for null). */
export function getKeyPositions(cmd: Command, argv: Argv, from = 0): number[] | null {
  const keys = getKeysAndFlags(cmd, argv, from);
  if (keys === null) return null;
  const out = new Array<number>(keys.length);
  for (let i = 0; i < keys.length; i++) out[i] = keys[i].pos;
  return out;
}

/** ACL rights a key needs, by its flags: 1 (read) for `access`, 2 (write) for insert/delete/update. */
const permCache = new WeakMap<KeyFlags, number>();
export function keyPermissions(flags: KeyFlags): number {
  let p = permCache.get(flags);
  if (p !== undefined) return p;
  p = 0;
  for (const f of flags) {
    if (f === 'access') p |= 1;
    else if (f === 'insert' || f === 'delete' || f === 'update') p |= 2;
  }
  permCache.set(flags, p);
  return p;
}
