/*
 * COMMAND and its subcommands (server.c): what this server implements, described from the one
 * command table (registry.ts + meta.json) in Redis 7.0.15's reply shapes.
 *
 * A command Spindle does not implement is unknown here as it is to the dispatcher: COMMAND COUNT,
 * LIST, INFO and DOCS cover the registered commands and subcommands only. DOCS gives Spindle's own
 * one-line summary and leaves out `complexity` and `history`, whose prose is not in the table.
 * COMMAND GETKEYS follows getKeysFromCommandWithSpecs: the key specs when they describe the call
 * reliably, else the command's own key finder (with the flags Redis's native finders report).
 */
import { globMatchBytes } from '../util/glob.ts';
import { Argv } from '../protocol/argv.ts';
import { SYNTAX } from '../protocol/errors.ts';
import type { Client } from '../server/client.ts';
import type { Command, CommandDef, Registry } from './registry.ts';
import { replyHelp } from './server-admin.ts';

interface KeySpec {
  flags: string[];
  begin_search: { type: string; spec: Record<string, unknown> };
  find_keys: { type: string; spec: Record<string, unknown> };
}

interface DocArg {
  name: string;
  type: string;
  key_spec_index?: number;
  token?: string;
  summary?: string;
  since?: string;
  deprecated_since?: string;
  flags?: string[];
  display_text?: string;
  arguments?: DocArg[];
}

interface Docs {
  since?: string;
  group?: string;
  complexity?: string;
  doc_flags?: string[];
  deprecated_since?: string;
  replaced_by?: string;
  history?: Array<[string, string]>;
  arguments?: DocArg[];
}

/** lookupCommandBySds: "get" or "config|get" (one level), case-insensitive. */
function lookupByFullName(reg: Registry, name: string): Command | null {
  const parts = name.toLowerCase().split('|');
  if (parts.length > 2) return null;
  const base = reg.commands.get(parts[0]);
  if (base === undefined) return null;
  if (parts.length === 1) return base;
  return base.subcommand(parts[1]) ?? null;
}

/** lookupCommand over call arguments argv[from...]: the subcommand when the base has some. */
function lookupByArgs(reg: Registry, argv: Argv, from: number): Command | null {
  const base = reg.lookup(argv, from);
  if (base === null) return null;
  if (argv.argc - from === 1 || !base.hasSubcommands) return base;
  return base.subcommand(argv.lower(from + 1)) ?? null;
}

function replyStatusSet(c: Client, items: readonly string[]): void {
  c.w.setHeader(items.length);
  for (const s of items) c.w.simple(s);
}

/** A key spec's begin_search / find_keys spec object: strings as bulk, numbers as integers. */
function replySpecMap(c: Client, spec: Record<string, unknown>): void {
  const entries = Object.entries(spec);
  c.w.mapHeader(entries.length);
  for (const [k, v] of entries) {
    c.w.bulkString(k);
    if (typeof v === 'number') c.w.integer(v);
    else c.w.bulkText(String(v));
  }
}

function replyKeySpecs(c: Client, specs: readonly KeySpec[]): void {
  const w = c.w;
  w.setHeader(specs.length);
  for (const ks of specs) {
    w.mapHeader(3);
    w.bulkString('flags');
    replyStatusSet(c, ks.flags);
    w.bulkString('begin_search');
    w.mapHeader(2);
    w.bulkString('type');
    w.bulkString(ks.begin_search.type);
    w.bulkString('spec');
    replySpecMap(c, ks.begin_search.spec);
    w.bulkString('find_keys');
    w.mapHeader(2);
    w.bulkString('type');
    w.bulkString(ks.find_keys.type);
    w.bulkString('spec');
    replySpecMap(c, ks.find_keys.spec);
  }
}

/** addReplyCommandInfo: the 10-element description of one command (null when unknown). */
function replyCommandInfo(c: Client, cmd: Command | null): void {
  const w = c.w;
  if (cmd === null) {
    w.nullBulk();
    return;
  }
  const m = cmd.meta;
  w.arrayHeader(10);
  w.bulkString(cmd.fullName);
  w.integer(m.arity);
  replyStatusSet(c, m.flags);
  w.integer(m.first_key);
  w.integer(m.last_key);
  w.integer(m.step);
  replyStatusSet(c, m.acl_categories);
  w.setHeader(m.tips.length);
  for (const t of m.tips) w.bulkText(t);
  replyKeySpecs(c, m.key_specs as KeySpec[]);
  if (cmd.subcommands.length === 0) {
    w.setHeader(0);
    return;
  }
  w.arrayHeader(cmd.subcommands.length);
  for (const sub of cmd.subcommands) replyCommandInfo(c, sub);
}

/** The docs of a command: its own meta.docs, or for a subcommand the parent's docs entry. */
function docsOf(cmd: Command): Docs {
  if (cmd.parent === null) return (cmd.meta.docs ?? {}) as Docs;
  const parentDocs = cmd.parent.meta.docs as { subcommands?: Record<string, Docs> } | undefined;
  return parentDocs?.subcommands?.[cmd.fullName] ?? {};
}

/** addReplyCommandArgList. */
function replyArgs(c: Client, args: readonly DocArg[]): void {
  const w = c.w;
  w.arrayHeader(args.length);
  for (const a of args) {
    const nested = a.type === 'oneof' || a.type === 'block';
    let n = 2;
    if (a.display_text !== undefined) n++;
    if (a.type === 'key') n++;
    if (a.token !== undefined) n++;
    if (a.summary !== undefined) n++;
    if (a.since !== undefined) n++;
    if (a.deprecated_since !== undefined) n++;
    if (a.flags !== undefined && a.flags.length > 0) n++;
    if (nested) n++;
    w.mapHeader(n);
    w.bulkString('name');
    w.bulkText(a.name);
    w.bulkString('type');
    w.bulkString(a.type);
    if (a.display_text !== undefined) {
      w.bulkString('display_text');
      w.bulkText(a.display_text);
    }
    if (a.type === 'key') {
      w.bulkString('key_spec_index');
      w.integer(a.key_spec_index ?? 0);
    }
    if (a.token !== undefined) {
      w.bulkString('token');
      w.bulkText(a.token);
    }
    if (a.summary !== undefined) {
      w.bulkString('summary');
      w.bulkText(a.summary);
    }
    if (a.since !== undefined) {
      w.bulkString('since');
      w.bulkString(a.since);
    }
    if (a.deprecated_since !== undefined) {
      w.bulkString('deprecated_since');
      w.bulkString(a.deprecated_since);
    }
    if (a.flags !== undefined && a.flags.length > 0) {
      w.bulkString('flags');
      replyStatusSet(c, a.flags);
    }
    if (nested) {
      w.bulkString('arguments');
      replyArgs(c, a.arguments ?? []);
    }
  }
}

/**
 * addReplyCommandDocs. `complexity` is not in our command table (its prose was left out), so the
 * field is omitted rather than made up; `summary` is Spindle's own one-line summary.
 */
function replyCommandDocs(c: Client, cmd: Command): void {
  const w = c.w;
  const d = docsOf(cmd);
  const hasSubs = cmd.subcommands.length > 0;
  let n = 3;
  if (d.complexity !== undefined) n++;
  if (d.doc_flags !== undefined && d.doc_flags.length > 0) n++;
  if (d.deprecated_since !== undefined) n++;
  if (d.replaced_by !== undefined) n++;
  if (d.history !== undefined && d.history.length > 0) n++;
  if (d.arguments !== undefined && d.arguments.length > 0) n++;
  if (hasSubs) n++;
  w.mapHeader(n);
  w.bulkString('summary');
  w.bulkText(cmd.summary);
  w.bulkString('since');
  w.bulkString(d.since ?? '');
  w.bulkString('group');
  w.bulkString(d.group ?? '');
  if (d.complexity !== undefined) {
    w.bulkString('complexity');
    w.bulkText(d.complexity);
  }
  if (d.doc_flags !== undefined && d.doc_flags.length > 0) {
    w.bulkString('doc_flags');
    replyStatusSet(c, d.doc_flags);
  }
  if (d.deprecated_since !== undefined) {
    w.bulkString('deprecated_since');
    w.bulkString(d.deprecated_since);
  }
  if (d.replaced_by !== undefined) {
    w.bulkString('replaced_by');
    w.bulkText(d.replaced_by);
  }
  if (d.history !== undefined && d.history.length > 0) {
    w.bulkString('history');
    w.setHeader(d.history.length);
    for (const [since, text] of d.history) {
      w.arrayHeader(2);
      w.bulkString(since);
      w.bulkText(text);
    }
  }
  if (d.arguments !== undefined && d.arguments.length > 0) {
    w.bulkString('arguments');
    replyArgs(c, d.arguments);
  }
  if (hasSubs) {
    w.bulkString('subcommands');
    w.mapHeader(cmd.subcommands.length);
    for (const sub of cmd.subcommands) {
      w.bulkString(sub.fullName);
      replyCommandDocs(c, sub);
    }
  }
}

// COMMAND
function commandCommand(c: Client): void {
  const reg = c.srv.registry;
  c.w.arrayHeader(reg.commands.size);
  for (const cmd of reg.commands.values()) replyCommandInfo(c, cmd);
}

// COMMAND COUNT
function commandCountCommand(c: Client): void {
  c.w.integer(c.srv.registry.commands.size);
}

// COMMAND INFO [command-name ...]
function commandInfoCommand(c: Client, argv: Argv): void {
  if (argv.argc === 2) {
    commandCommand(c);
    return;
  }
  c.w.arrayHeader(argv.argc - 2);
  for (let i = 2; i < argv.argc; i++) replyCommandInfo(c, lookupByFullName(c.srv.registry, argv.str(i)));
}

// COMMAND DOCS [command-name ...]
function commandDocsCommand(c: Client, argv: Argv): void {
  const reg = c.srv.registry;
  const found: Command[] = [];
  if (argv.argc === 2) found.push(...reg.commands.values());
  else {
    for (let i = 2; i < argv.argc; i++) {
      const cmd = lookupByFullName(reg, argv.str(i));
      if (cmd !== null) found.push(cmd);
    }
  }
  c.w.mapHeader(found.length);
  for (const cmd of found) {
    c.w.bulkString(cmd.fullName);
    replyCommandDocs(c, cmd);
  }
}

// COMMAND LIST [FILTERBY MODULE module-name | ACLCAT category | PATTERN pattern]
function commandListCommand(c: Client, argv: Argv): void {
  let filter: ((cmd: Command) => boolean) | null = null;
  for (let i = 2; i < argv.argc; i++) {
    const more = argv.argc - 1 - i;
    if (!argv.is(i, 'filterby') || more !== 2) {
      c.w.error(SYNTAX);
      return;
    }
    const value = argv.view(i + 2);
    if (argv.is(i + 1, 'module')) filter = () => false;
    else if (argv.is(i + 1, 'aclcat')) {
      const cat = `@${Buffer.from(value).toString('latin1').toLowerCase()}`;
      filter = (cmd) => cmd.meta.acl_categories.includes(cat);
    } else if (argv.is(i + 1, 'pattern')) {
      const pat = Buffer.from(value);
      filter = (cmd) => globMatchBytes(pat, Buffer.from(cmd.fullName, 'latin1'), true);
    } else {
      c.w.error(SYNTAX);
      return;
    }
    i += 2;
  }
  const names: string[] = [];
  for (const cmd of c.srv.registry.all()) if (filter === null || filter(cmd)) names.push(cmd.fullName);
  c.w.arrayHeader(names.length);
  for (const n of names) c.w.bulkString(n);
}

interface KeyRef {
  pos: number;
  flags: readonly string[];
}

/**
 * getKeysUsingKeySpecs: the keys of a call per the command's key specs, or null when a spec
 * cannot be applied to these arguments (unknown spec type, out of bounds, incomplete).
 */
function keysFromSpecs(cmd: Command, argv: Argv, from: number): KeyRef[] | null {
  const argc = argv.argc - from;
  const arg = (i: number): number => from + i;
  const out: KeyRef[] = [];
  for (const spec of cmd.meta.key_specs as KeySpec[]) {
    if (spec.flags.includes('not_key')) continue;
    let first = 0;
    const bs = spec.begin_search;
    if (bs.type === 'index') first = bs.spec.index as number;
    else if (bs.type === 'keyword') {
      const kw = String(bs.spec.keyword).toLowerCase();
      const startfrom = bs.spec.startfrom as number;
      const start = startfrom > 0 ? startfrom : argc + startfrom;
      const end = startfrom > 0 ? argc - 1 : 1;
      for (let i = start; i !== end; i = start <= end ? i + 1 : i - 1) {
        if (i >= argc || i < 1) break;
        if (argv.is(arg(i), kw)) {
          first = i + 1;
          break;
        }
      }
      if (first === 0) continue;
    } else return null;
    let last: number;
    let step: number;
    const fk = spec.find_keys;
    if (fk.type === 'range') {
      step = fk.spec.keystep as number;
      const lastkey = fk.spec.lastkey as number;
      const limit = fk.spec.limit as number;
      if (lastkey >= 0) last = first + lastkey;
      else if (limit === 0) last = argc + lastkey;
      else last = first + (Math.trunc((argc - first) / limit) + lastkey);
    } else if (fk.type === 'keynum') {
      step = fk.spec.keystep as number;
      const idx = first + (fk.spec.keynumidx as number);
      if (idx >= argc) return null;
      const numkeys = argv.int(arg(idx));
      if (Number.isNaN(numkeys) || numkeys < 0 || numkeys === Infinity) return null;
      first += fk.spec.firstkey as number;
      last = first + numkeys - 1;
    } else return null;
    if (last >= argc || last < first || first >= argc) return null;
    for (let i = first; i <= last; i += step) out.push({ pos: i, flags: spec.flags });
    if (spec.flags.includes('incomplete')) return null;
  }
  return out;
}

/** The flags native key finders give (setGetKeys, bitfieldGetKeys); else the k-th spec's. */
function nativeKeyFlags(cmd: Command, argv: Argv, from: number, k: number): readonly string[] {
  if (cmd.fullName === 'set') {
    for (let i = from + 3; i < argv.argc; i++) if (argv.is(i, 'get')) return ['RW', 'access', 'update'];
    return ['OW', 'update'];
  }
  if (cmd.fullName === 'bitfield') {
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
    return readonly ? ['RO', 'access'] : ['RW', 'access', 'update'];
  }
  const specs = cmd.meta.key_specs as KeySpec[];
  if (specs.length === 0) return [];
  return specs[Math.min(k, specs.length - 1)].flags.filter((f) => f !== 'variable_flags' && f !== 'incomplete');
}

/** An Argv holding argv[from...] only (command key finders count from the command name). */
function subArgv(argv: Argv, from: number): Argv {
  const parts: Uint8Array[] = [];
  for (let i = from; i < argv.argc; i++) parts.push(argv.copy(i));
  return new Argv().setFrom(parts);
}

/** getKeysFromCommandWithSpecs: null when the arguments do not yield keys. */
function commandKeys(cmd: Command, argv: Argv, from: number): KeyRef[] | null {
  const specs = cmd.meta.key_specs as KeySpec[];
  const hasKeySpec = specs.some((s) => !s.flags.includes('not_key'));
  const varFlags = specs.some((s) => s.flags.includes('variable_flags'));
  if (hasKeySpec && !varFlags) {
    const keys = keysFromSpecs(cmd, argv, from);
    if (keys !== null) return keys;
  }
  if (cmd.getKeys === null && !varFlags) return null;
  const positions = cmd.keyPositions(subArgv(argv, from));
  return positions.map((pos, k) => ({ pos, flags: nativeKeyFlags(cmd, argv, from, k) }));
}

/** COMMAND GETKEYS / GETKEYSANDFLAGS. */
function getKeysGeneric(c: Client, argv: Argv, withFlags: boolean): void {
  const cmd = lookupByArgs(c.srv.registry, argv, 2);
  const w = c.w;
  if (cmd === null) {
    w.error('ERR Invalid command specified');
    return;
  }
  const specs = cmd.meta.key_specs as KeySpec[];
  if (cmd.getKeys === null && !specs.some((s) => !s.flags.includes('not_key'))) {
    w.error('ERR The command has no key arguments');
    return;
  }
  const n = argv.argc - 2;
  if ((cmd.arity > 0 && cmd.arity !== n) || n < -cmd.arity) {
    w.error('ERR Invalid number of arguments specified for command');
    return;
  }
  const keys = commandKeys(cmd, argv, 2);
  if (keys === null || keys.length === 0) {
    if (cmd.meta.flags.includes('no_mandatory_keys')) w.arrayHeader(0);
    else w.error('ERR Invalid arguments specified for command');
    return;
  }
  w.arrayHeader(keys.length);
  for (const k of keys) {
    const i = k.pos + 2;
    if (!withFlags) {
      w.bulk(argv.buf, argv.off[i], argv.len[i]);
      continue;
    }
    w.arrayHeader(2);
    w.bulk(argv.buf, argv.off[i], argv.len[i]);
    replyStatusSet(c, k.flags);
  }
}

// COMMAND GETKEYS command [arg ...]
function commandGetkeysCommand(c: Client, argv: Argv): void {
  getKeysGeneric(c, argv, false);
}

// COMMAND GETKEYSANDFLAGS command [arg ...]
function commandGetkeysandflagsCommand(c: Client, argv: Argv): void {
  getKeysGeneric(c, argv, true);
}

// COMMAND HELP
function commandHelpCommand(c: Client): void {
  replyHelp(c, 'COMMAND', [
    '(no subcommand)',
    '    Return details about all Redis commands.',
    'COUNT',
    '    Return the total number of commands in this Redis server.',
    'LIST',
    '    Return a list of all commands in this Redis server.',
    'INFO [<command-name> ...]',
    '    Return details about multiple Redis commands.',
    '    If no command names are given, documentation details for all',
    '    commands are returned.',
    'DOCS [<command-name> ...]',
    '    Return documentation details about multiple Redis commands.',
    '    If no command names are given, documentation details for all',
    '    commands are returned.',
    'GETKEYS <full-command>',
    '    Return the keys from a full Redis command.',
    'GETKEYSANDFLAGS <full-command>',
    '    Return the keys and the access flags from a full Redis command.',
  ]);
}

export const introspectionCommands: CommandDef[] = [
  {
    name: 'command',
    summary: 'Describes every command this server implements.',
    handler: commandCommand,
    subcommands: [
      { name: 'count', summary: 'Returns how many commands this server implements.', handler: commandCountCommand },
      { name: 'info', summary: 'Describes the named commands: arity, flags, keys, ACL categories.', handler: commandInfoCommand },
      { name: 'docs', summary: 'Returns the documentation of the named commands: arguments, group, version.', handler: commandDocsCommand },
      { name: 'list', summary: 'Lists command names, optionally filtered.', handler: commandListCommand },
      { name: 'getkeys', summary: 'Returns the keys a given command call would access.', handler: commandGetkeysCommand },
      {
        name: 'getkeysandflags',
        summary: 'Returns the keys a given command call would access, with how it accesses them.',
        handler: commandGetkeysandflagsCommand,
      },
      { name: 'help', summary: 'Lists the subcommands and what they do.', handler: commandHelpCommand },
    ],
  },
];
