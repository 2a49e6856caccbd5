/*
 * MONITOR (Redis's monitorCommand): the connection receives every command the server runs from
 * now on (src/server/monitor.ts formats the lines; ops.ts feeds them). RESET or closing ends it.
 */
import type { CommandDef } from '../../commands/registry.ts';
import type { Client } from '../client.ts';

// MONITOR
function monitorCommand(c: Client): void {
  // Already monitoring, or a replica: nothing at all is replied, as in Redis.
  if (c.kind === 'replica' || c.srv.ops.monitors.has(c)) return;
  c.srv.ops.addMonitor(c);
  c.w.ok();
}

export const monitorCommands: CommandDef<Client>[] = [
  { name: 'monitor', summary: 'Streams every command the server runs to this connection.', handler: monitorCommand },
];
