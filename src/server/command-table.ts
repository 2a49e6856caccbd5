/*
 * The whole command table: the data families of src/commands/ plus the server's own commands
 * (src/server/commands/), registered into one Registry.
 */
import { dataCommandFamilies } from '../commands/index.ts';
import { Registry, type CommandDef, type CommandMeta } from '../commands/registry.ts';
import type { Client } from './client.ts';
import { aclCommands } from './commands/acl.ts';
import { clientCommands } from './commands/client.ts';
import { connectionCommands } from './commands/connection.ts';
import { functionCommands } from './commands/functions.ts';
import { pubsubCommands } from './commands/pubsub.ts';
import { scriptingCommands } from './commands/scripting.ts';
import { adminCommands } from './commands/server-admin.ts';
import { transactionCommands } from './commands/transactions.ts';
import { aofCommands } from '../persistence/aof-commands.ts';
import { latencyCommands } from './commands/latency.ts';
import { monitorCommands } from './commands/monitor.ts';
import { slowlogCommands } from './commands/slowlog.ts';
import { memoryCommands } from './commands/memory.ts';
import { persistenceCommands } from './commands/persistence.ts';
import { replicationCommands } from './commands/replication.ts';
import { clusterCommands } from './commands/cluster.ts';
import { migrateCommands } from './commands/migrate.ts';

const serverCommandFamilies: readonly CommandDef<Client>[][] = [
  connectionCommands,
  adminCommands,
  clientCommands,
  transactionCommands,
  pubsubCommands,
  scriptingCommands,
  functionCommands,
  aclCommands,
  aofCommands,
  persistenceCommands,
  replicationCommands,
  slowlogCommands,
  latencyCommands,
  monitorCommands,
  memoryCommands,
  clusterCommands,
  migrateCommands,
];

export function createRegistry(meta?: Record<string, CommandMeta>): Registry {
  const r = new Registry(meta);
  for (const defs of dataCommandFamilies) r.register(defs);
  // Server commands take the concrete Client, which is what dispatch passes to every handler.
  for (const defs of serverCommandFamilies) r.register(defs as unknown as CommandDef[]);
  return r;
}
