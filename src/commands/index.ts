/* Every command family, registered into one table. */
import { clientCommands } from './client.ts';
import { connectionCommands } from './connection.ts';
import { expireCommands } from './expire.ts';
import { hashCommands } from './hashes.ts';
import { introspectionCommands } from './introspection.ts';
import { keyCommands } from './keys.ts';
import { listCommands } from './lists.ts';
import { pubsubCommands } from './pubsub.ts';
import { Registry, type CommandMeta } from './registry.ts';
import { adminCommands } from './server-admin.ts';
import { setCommands } from './sets.ts';
import { sortCommands } from './sort.ts';
import { stringCommands } from './strings.ts';
import { transactionCommands } from './transactions.ts';
import { zsetCommands } from './zsets.ts';

export function createRegistry(meta?: Record<string, CommandMeta>): Registry {
  const r = new Registry(meta);
  r.register(connectionCommands);
  r.register(stringCommands);
  r.register(keyCommands);
  r.register(expireCommands);
  r.register(adminCommands);
  r.register(introspectionCommands);
  r.register(clientCommands);
  r.register(listCommands);
  r.register(hashCommands);
  r.register(setCommands);
  r.register(zsetCommands);
  r.register(sortCommands);
  r.register(transactionCommands);
  r.register(pubsubCommands);
  return r;
}
