/*
 * Transactions: MULTI EXEC DISCARD WATCH UNWATCH. Queueing happens in the dispatcher
 * (Server.execute), which sees every command of a client in MULTI; state and WATCH bookkeeping
 * live in src/server/multi.ts.
 */
import type { Argv } from '../../protocol/argv.ts';
import type { Client } from '../client.ts';
import { MultiState } from '../multi.ts';
import type { CommandDef } from '../../commands/registry.ts';

// MULTI
function multiCommand(c: Client): void {
  if (c.multi !== null) {
    c.w.error('ERR MULTI calls can not be nested');
    return;
  }
  c.multi = new MultiState();
  c.w.ok();
}

// EXEC
function execCommand(c: Client): void {
  if (c.multi === null) {
    c.w.error('ERR EXEC without MULTI');
    return;
  }
  c.srv.exec(c);
}

// DISCARD
function discardCommand(c: Client): void {
  if (c.multi === null) {
    c.w.error('ERR DISCARD without MULTI');
    return;
  }
  c.srv.discardTransaction(c);
  c.w.ok();
}

// WATCH key [key ...]
function watchCommand(c: Client, argv: Argv): void {
  if (c.multi !== null) {
    c.w.error('ERR WATCH inside MULTI is not allowed');
    return;
  }
  // Already doomed: watching more keys cannot change the outcome.
  if (!c.dirtyCas) {
    for (let i = 1; i < argv.argc; i++) c.srv.watches.watch(c, c.db, argv.buf, argv.off[i], argv.len[i]);
  }
  c.w.ok();
}

// UNWATCH
function unwatchCommand(c: Client): void {
  c.srv.watches.unwatchAll(c);
  c.dirtyCas = false;
  c.w.ok();
}

export const transactionCommands: CommandDef<Client>[] = [
  { name: 'multi', summary: 'Starts a transaction.', handler: multiCommand },
  { name: 'exec', summary: 'Runs the commands queued since MULTI.', handler: execCommand },
  { name: 'discard', summary: 'Drops the commands queued since MULTI.', handler: discardCommand },
  { name: 'watch', summary: 'Makes the next EXEC conditional on keys staying unchanged.', handler: watchCommand },
  { name: 'unwatch', summary: 'Forgets every watched key.', handler: unwatchCommand },
];
