/*
 * Functions: FUNCTION LOAD/DELETE/LIST/FLUSH/DUMP/RESTORE/STATS/KILL/HELP and FCALL / FCALL_RO,
 * as Redis 7.0's functions.c. The libraries are src/scripting/functions.ts, their Lua side
 * native/lua/functions.cc; FCALL runs a function through the same ServerScripting run as EVAL
 * (scripting.ts), with the function's flags applied as EVAL applies shebang flags (a function
 * always has flags: no compatibility mode).
 *
 * Propagation: LOAD, DELETE, FLUSH and RESTORE change the data (dirty++) and so propagate as
 * themselves; FCALL is never propagated itself, the commands its function runs are.
 */
import type { Argv } from '../../protocol/argv.ts';
import { CMD_DENYOOM, CMD_MAY_REPLICATE, CMD_WRITE, type Command, type CommandDef } from '../../commands/registry.ts';
import { replyHelp, subcommandSyntaxError } from '../../commands/util.ts';
import { functionsOf, FUNCTION_FLAG_NAMES, type FunctionLibraries, type RestorePolicy } from '../../scripting/functions.ts';
import { scriptingUnavailable } from '../../scripting/lua-engine.ts';
import { SCRIPT_FLAG_ALLOW_OOM, SCRIPT_FLAG_NO_WRITES } from '../../scripting/shebang.ts';
import { globMatchBytes } from '../../util/glob.ts';
import type { Client } from '../client.ts';
import { BUSY_SCRIPT, type Server } from '../server.ts';
import { scriptingOf } from './scripting.ts';

/** The server's function libraries, or null (with the error sent) when scripting is unavailable. */
function libraries(c: Client): FunctionLibraries | null {
  const engine = scriptingOf(c.srv).engine;
  if (engine === null) {
    c.w.error(`ERR scripting is not available: ${scriptingUnavailable()}`);
    return null;
  }
  return functionsOf(engine);
}

/**
 * FCALL's flags for CLIENT PAUSE WRITE (fcallGetCommandFlags / scriptFlagsToCmdFlags): the
 * function's flags replace the command's write and deny-oom flags.
 */
export function fcallCommandFlags(srv: Server, cmd: Command, argv: Argv): number {
  const engine = scriptingOf(srv).engine;
  if (engine === null || argv.argc < 2) return cmd.flags;
  const fn = functionsOf(engine).fns.get(argv.str(1).toLowerCase());
  if (fn === undefined) return cmd.flags;
  let f = cmd.flags & ~(CMD_WRITE | CMD_DENYOOM | CMD_MAY_REPLICATE);
  if ((fn.flags & (SCRIPT_FLAG_ALLOW_OOM | SCRIPT_FLAG_NO_WRITES)) === 0) f |= CMD_DENYOOM;
  if ((fn.flags & SCRIPT_FLAG_NO_WRITES) === 0) f |= CMD_WRITE;
  return f;
}

/** fcallCommandGeneric: the function, numkeys, the _RO check, the run. */
function fcallGeneric(c: Client, argv: Argv, ro: boolean): void {
  const libs = libraries(c);
  if (libs === null) return;
  const fn = libs.fns.get(argv.str(1).toLowerCase());
  if (fn === undefined) {
    c.w.error('ERR Function not found');
    return;
  }
  const numkeys = argv.int(2);
  if (Number.isNaN(numkeys)) {
    c.w.error('ERR Bad number of keys provided');
    return;
  }
  if (numkeys > argv.argc - 3) {
    c.w.error("ERR Number of keys can't be greater than number of args");
    return;
  }
  if (numkeys < 0) {
    c.w.error("ERR Number of keys can't be negative");
    return;
  }
  const noWrites = (fn.flags & SCRIPT_FLAG_NO_WRITES) !== 0;
  if (ro && !noWrites) {
    c.w.error('ERR Can not execute a script with write flag using *_ro command.');
    return;
  }
  const st = scriptingOf(c.srv);
  st.run(c, st.engine as NonNullable<typeof st.engine>, fn.name, argv, numkeys, ro || noWrites, fn.flags);
}

// FCALL function numkeys [key [key ...]] [arg [arg ...]]
function fcallCommand(c: Client, argv: Argv): void {
  fcallGeneric(c, argv, false);
}

// FCALL_RO function numkeys [key [key ...]] [arg [arg ...]]
function fcallRoCommand(c: Client, argv: Argv): void {
  fcallGeneric(c, argv, true);
}

// FUNCTION LOAD [REPLACE] function-code
function functionLoadCommand(c: Client, argv: Argv): void {
  let replace = false;
  let i = 2;
  for (; i < argv.argc - 1; i++) {
    if (argv.is(i, 'replace')) {
      replace = true;
      continue;
    }
    c.w.error(`ERR Unknown option given: ${argv.str(i)}`);
    return;
  }
  if (i !== argv.argc - 1) {
    c.w.error('ERR Function code is missing');
    return;
  }
  const libs = libraries(c);
  if (libs === null) return;
  const r = libs.load(Buffer.from(argv.view(i)), replace);
  if ('error' in r) {
    c.w.error(`ERR ${r.error}`);
    return;
  }
  c.srv.dirty++;
  c.w.bulkString(r.lib.name);
}

// FUNCTION DELETE library-name
function functionDeleteCommand(c: Client, argv: Argv): void {
  const libs = libraries(c);
  if (libs === null) return;
  if (!libs.delete(argv.str(2))) {
    c.w.error('ERR Library not found');
    return;
  }
  c.srv.dirty++;
  c.w.ok();
}

// FUNCTION LIST [LIBRARYNAME library-name-pattern] [WITHCODE]
function functionListCommand(c: Client, argv: Argv): void {
  let withCode = false;
  let pattern: Buffer | null = null;
  for (let i = 2; i < argv.argc; i++) {
    if (!withCode && argv.is(i, 'withcode')) {
      withCode = true;
      continue;
    }
    if (pattern === null && argv.is(i, 'libraryname')) {
      if (i >= argv.argc - 1) {
        c.w.error('ERR library name argument was not given');
        return;
      }
      pattern = Buffer.from(argv.view(++i));
      continue;
    }
    c.w.error(`ERR Unknown argument ${argv.str(i)}`);
    return;
  }
  const libs = libraries(c);
  if (libs === null) return;
  const w = c.w;
  const shown = [...libs.libs.values()].filter((l) => pattern === null || globMatchName(pattern, l.name));
  w.arrayHeader(shown.length);
  for (const lib of shown) {
    w.mapHeader(withCode ? 4 : 3);
    w.bulkString('library_name');
    w.bulkString(lib.name);
    w.bulkString('engine');
    w.bulkString('LUA');
    w.bulkString('functions');
    w.arrayHeader(lib.functions.length);
    for (const f of lib.functions) {
      w.mapHeader(3);
      w.bulkString('name');
      w.bulkString(f.name);
      w.bulkString('description');
      if (f.desc === null) w.nullBulk();
      else w.bulkBytes(f.desc);
      w.bulkString('flags');
      const names = FUNCTION_FLAG_NAMES.filter(([, bit]) => (f.flags & bit) !== 0);
      w.setHeader(names.length);
      for (const [name] of names) w.simple(name);
    }
    if (withCode) {
      w.bulkString('library_code');
      w.bulkBytes(lib.code);
    }
  }
}

function globMatchName(pattern: Buffer, name: string): boolean {
  return globMatchBytes(pattern, Buffer.from(name, 'latin1'), true);
}

// FUNCTION FLUSH [ASYNC|SYNC]
function functionFlushCommand(c: Client, argv: Argv): void {
  if (argv.argc > 3) {
    subcommandSyntaxError(c, argv);
    return;
  }
  if (argv.argc === 3 && !argv.is(2, 'sync') && !argv.is(2, 'async')) {
    c.w.error('ERR FUNCTION FLUSH only supports SYNC|ASYNC option');
    return;
  }
  const libs = libraries(c);
  if (libs === null) return;
  libs.flush();
  c.srv.dirty++;
  c.w.ok();
}

// FUNCTION DUMP
function functionDumpCommand(c: Client): void {
  const libs = libraries(c);
  if (libs === null) return;
  c.w.bulkBytes(libs.dump(c.srv.config.bool('rdbcompression')));
}

// FUNCTION RESTORE serialized-value [FLUSH|APPEND|REPLACE]
function functionRestoreCommand(c: Client, argv: Argv): void {
  if (argv.argc > 4) {
    subcommandSyntaxError(c, argv);
    return;
  }
  let policy: RestorePolicy = 'append';
  if (argv.argc === 4) {
    if (argv.is(3, 'flush')) policy = 'flush';
    else if (argv.is(3, 'append')) policy = 'append';
    else if (argv.is(3, 'replace')) policy = 'replace';
    else {
      c.w.error('ERR Wrong restore policy given, value should be either FLUSH, APPEND or REPLACE.');
      return;
    }
  }
  const libs = libraries(c);
  if (libs === null) return;
  const err = libs.restore(argv.view(2), policy);
  if (err !== null) {
    c.w.error(`ERR ${err}`);
    return;
  }
  c.srv.dirty++;
  c.w.ok();
}

// FUNCTION STATS
function functionStatsCommand(c: Client): void {
  const libs = libraries(c);
  if (libs === null) return;
  const st = scriptingOf(c.srv);
  // 7.0 answers a running EVAL (not a function) with the busy error.
  if (st.running && st.runningFunction === null) {
    c.w.error(BUSY_SCRIPT);
    return;
  }
  const w = c.w;
  w.mapHeader(2);
  w.bulkString('running_script');
  if (!st.running) {
    w.nullBulk();
  } else {
    // Only a busy script can be asked (the command was copied when it turned busy).
    w.mapHeader(3);
    w.bulkString('name');
    w.bulkString(st.runningName);
    w.bulkString('command');
    w.arrayHeader(st.runningCommand.length);
    for (const a of st.runningCommand) w.bulkBytes(a);
    w.bulkString('duration_ms');
    w.integer(Date.now() - st.runningSinceMs);
  }
  w.bulkString('engines');
  w.mapHeader(1);
  w.bulkString('LUA');
  w.mapHeader(2);
  w.bulkString('libraries_count');
  w.integer(libs.libs.size);
  w.bulkString('functions_count');
  w.integer(libs.fns.size);
}

// FUNCTION KILL
function functionKillCommand(c: Client): void {
  const st = scriptingOf(c.srv);
  if (!st.running || st.engine === null) {
    c.w.error('NOTBUSY No scripts in execution right now.');
    return;
  }
  if (st.wrote) {
    c.w.error('UNKILLABLE Sorry the script already executed write commands against the dataset. You can either wait the script termination or kill the server in a hard way using the SHUTDOWN NOSAVE command.');
    return;
  }
  if (st.runningFunction === null) {
    c.w.error('BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.');
    return;
  }
  st.engine.kill();
  c.w.ok();
}

// FUNCTION HELP
function functionHelpCommand(c: Client): void {
  replyHelp(c, 'FUNCTION', [
    'LOAD [REPLACE] <FUNCTION CODE>',
    '    Create a new library with the given library name and code.',
    'DELETE <LIBRARY NAME>',
    '    Delete the given library.',
    'LIST [LIBRARYNAME PATTERN] [WITHCODE]',
    '    Return general information on all the libraries:',
    '    * Library name',
    '    * The engine used to run the Library',
    '    * Library description',
    '    * Functions list',
    '    * Library code (if WITHCODE is given)',
    '    It also possible to get only function that matches a pattern using LIBRARYNAME argument.',
    'STATS',
    '    Return information about the current function running:',
    '    * Function name',
    '    * Command used to run the function',
    '    * Duration in MS that the function is running',
    '    If no function is running, return nil',
    '    In addition, returns a list of available engines.',
    'KILL',
    '    Kill the current running function.',
    'FLUSH [ASYNC|SYNC]',
    '    Delete all the libraries.',
    '    When called without the optional mode argument, the behavior is determined by the',
    '    lazyfree-lazy-user-flush configuration directive. Valid modes are:',
    '    * ASYNC: Asynchronously flush the libraries.',
    '    * SYNC: Synchronously flush the libraries.',
    'DUMP',
    '    Return a serialized payload representing the current libraries, can be restored using FUNCTION RESTORE command',
    'RESTORE <PAYLOAD> [FLUSH|APPEND|REPLACE]',
    '    Restore the libraries represented by the given payload, it is possible to give a restore policy to',
    '    control how to handle existing libraries (default APPEND):',
    '    * FLUSH: delete all existing libraries.',
    '    * APPEND: appends the restored libraries to the existing libraries. On collision, abort.',
    '    * REPLACE: appends the restored libraries to the existing libraries, On collision, replace the old',
    '      libraries with the new libraries (notice that even on this option there is a chance of failure',
    '      in case of functions name collision with another library).',
  ]);
}

export const functionCommands: CommandDef<Client>[] = [
  { name: 'fcall', summary: 'Runs a function.', handler: fcallCommand },
  { name: 'fcall_ro', summary: 'Runs a read-only function.', handler: fcallRoCommand },
  {
    name: 'function',
    summary: 'Manages function libraries.',
    subcommands: [
      { name: 'load', summary: 'Creates a library from its code.', handler: functionLoadCommand },
      { name: 'delete', summary: 'Deletes a library and its functions.', handler: functionDeleteCommand },
      { name: 'list', summary: 'Lists the libraries and their functions.', handler: functionListCommand },
      { name: 'flush', summary: 'Deletes every library.', handler: functionFlushCommand },
      { name: 'dump', summary: 'Serializes every library (RDB format).', handler: functionDumpCommand },
      { name: 'restore', summary: 'Restores libraries from a FUNCTION DUMP payload.', handler: functionRestoreCommand },
      { name: 'stats', summary: 'Tells which function runs and counts the libraries.', handler: functionStatsCommand },
      { name: 'kill', summary: 'Stops the running function if it wrote nothing.', handler: functionKillCommand },
      { name: 'help', summary: 'Lists the FUNCTION subcommands.', handler: functionHelpCommand },
    ],
  },
];
