/*
 * SLOWLOG GET/LEN/RESET/HELP (Redis's slowlog.c): reads the slow log the dispatcher fills
 * (src/server/slowlog.ts).
 */
import type { Argv } from '../../protocol/argv.ts';
import type { CommandDef } from '../../commands/registry.ts';
import { replyHelp, subcommandSyntaxError } from '../../commands/util.ts';
import { parseLongLong } from '../../util/numbers.ts';
import type { Client } from '../client.ts';

// SLOWLOG GET [count]
function slowlogGetCommand(c: Client, argv: Argv): void {
  const entries = c.srv.ops.slowlog.entries;
  let count = 10;
  if (argv.argc > 3) {
    subcommandSyntaxError(c, argv);
    return;
  }
  if (argv.argc === 3) {
    const v = parseLongLong(argv.buf, argv.off[2], argv.len[2]);
    if (Number.isNaN(v) || v < -1) {
      c.w.error('ERR count should be greater than or equal to -1');
      return;
    }
    count = v === -1 ? entries.length : v;
  }
  const n = Math.min(count, entries.length);
  const w = c.w;
  w.arrayHeader(n);
  for (let i = 0; i < n; i++) {
    const e = entries[i];
    w.arrayHeader(6);
    w.integer(e.id);
    w.integer(e.time);
    w.integer(e.duration);
    w.arrayHeader(e.args.length);
    for (const a of e.args) w.bulkBytes(a);
    w.bulkString(e.peer);
    w.bulkString(e.name);
  }
}

// SLOWLOG LEN
function slowlogLenCommand(c: Client): void {
  c.w.integer(c.srv.ops.slowlog.entries.length);
}

// SLOWLOG RESET
function slowlogResetCommand(c: Client): void {
  c.srv.ops.slowlog.reset();
  c.w.ok();
}

// SLOWLOG HELP
function slowlogHelpCommand(c: Client): void {
  replyHelp(c, 'SLOWLOG', [
    'GET [<count>]',
    '    Return top <count> entries from the slowlog (default: 10, -1 mean all).',
    '    Entries are made of:',
    '    id, timestamp, time in microseconds, arguments array, client IP and port,',
    '    client name',
    'LEN',
    '    Return the length of the slowlog.',
    'RESET',
    '    Reset the slowlog.',
  ]);
}

export const slowlogCommands: CommandDef<Client>[] = [
  {
    name: 'slowlog',
    summary: 'Reads and clears the log of slow commands.',
    subcommands: [
      { name: 'get', summary: 'Returns the newest slow log entries.', handler: slowlogGetCommand },
      { name: 'len', summary: 'Returns the number of slow log entries.', handler: slowlogLenCommand },
      { name: 'reset', summary: 'Empties the slow log.', handler: slowlogResetCommand },
      { name: 'help', summary: 'Lists the subcommands and what they do.', handler: slowlogHelpCommand },
    ],
  },
];
