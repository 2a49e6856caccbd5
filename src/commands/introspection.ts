/*
 * COMMAND and its subcommands (server.c): what this server implements, described from the one
 * command table (registry.ts + meta.json) in Redis 7.0.15's reply shapes.
 *
 * A command Spindle does not implement is unknown here as it is to the dispatcher: COMMAND COUNT,
 * LIST, INFO and DOCS cover the registered commands and subcommands only. DOCS gives Spindle's own
 * one-line summary and leaves out `complexity` and `history`, whose prose is not in the table.
 * COMMAND GETKEYS / GETKEYSANDFLAGS answer from keyspecs.ts, the one key extractor (Redis's
 * getKeysFromCommandWithSpecs: key specs, else the command's native key finder).
 */
import { globMatchBytes } from '../util/glob.ts';
import type { Argv } from '../protocol/argv.ts';
import { SYNTAX } from '../protocol/errors.ts';
import type { CommandClient } from './context.ts';
import { commandHasKeys, getKeysAndFlags } from './keyspecs.ts';
import type { Command, CommandDef, Registry } from './registry.ts';
import { replyHelp } from './util.ts';

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

function replyStatusSet(c: CommandClient, items: readonly string[]): void {
  c.w.setHeader(items.length);
  for (const s of items) c.w.simple(s);
}

/** A key spec's begin_search / find_keys spec object: strings as bulk, numbers as integers. */
function replySpecMap(c: CommandClient, spec: Record<string, unknown>): void {
  const entries = Object.entries(spec);
  c.w.mapHeader(entries.length);
  for (const [k, v] of entries) {
    c.w.bulkString(k);
    if (typeof v === 'number') c.w.integer(v);
    else c.w.bulkText(String(v));
  }
}

function replyKeySpecs(c: CommandClient, specs: readonly KeySpec[]): void {
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
function replyCommandInfo(c: CommandClient, cmd: Command | null): void {
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
function replyArgs(c: CommandClient, args: readonly DocArg[]): void {
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
function replyCommandDocs(c: CommandClient, cmd: Command): void {
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
function commandCommand(c: CommandClient): void {
  const reg = c.srv.registry;
  c.w.arrayHeader(reg.commands.size);
  for (const cmd of reg.commands.values()) replyCommandInfo(c, cmd);
}

// COMMAND COUNT
function commandCountCommand(c: CommandClient): void {
  c.w.integer(c.srv.registry.commands.size);
}

// COMMAND INFO [command-name ...]
function commandInfoCommand(c: CommandClient, argv: Argv): void {
  if (argv.argc === 2) {
    commandCommand(c);
    return;
  }
  c.w.arrayHeader(argv.argc - 2);
  for (let i = 2; i < argv.argc; i++) replyCommandInfo(c, lookupByFullName(c.srv.registry, argv.str(i)));
}

// COMMAND DOCS [command-name ...]
function commandDocsCommand(c: CommandClient, argv: Argv): void {
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
function commandListCommand(c: CommandClient, argv: Argv): void {
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

/** COMMAND GETKEYS / GETKEYSANDFLAGS. */
function getKeysGeneric(c: CommandClient, argv: Argv, withFlags: boolean): void {
  const cmd = lookupByArgs(c.srv.registry, argv, 2);
  const w = c.w;
  if (cmd === null) {
    w.error('ERR Invalid command specified');
    return;
  }
  if (!commandHasKeys(cmd)) {
    w.error('ERR The command has no key arguments');
    return;
  }
  const n = argv.argc - 2;
  if ((cmd.arity > 0 && cmd.arity !== n) || n < -cmd.arity) {
    w.error('ERR Invalid number of arguments specified for command');
    return;
  }
  const keys = getKeysAndFlags(cmd, argv, 2);
  if (keys === null) {
    w.error('ERR Invalid arguments specified for command');
    return;
  }
  w.arrayHeader(keys.length);
  for (const k of keys) {
    const i = k.pos;
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
function commandGetkeysCommand(c: CommandClient, argv: Argv): void {
  getKeysGeneric(c, argv, false);
}

// COMMAND GETKEYSANDFLAGS command [arg ...]
function commandGetkeysandflagsCommand(c: CommandClient, argv: Argv): void {
  getKeysGeneric(c, argv, true);
}

// COMMAND HELP
function commandHelpCommand(c: CommandClient): void {
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
