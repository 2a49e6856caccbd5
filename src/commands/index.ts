/* Every command family, registered into one table. */
import { clientCommands } from './client.ts';
import { connectionCommands } from './connection.ts';
import { expireCommands } from './expire.ts';
import { introspectionCommands } from './introspection.ts';
import { keyCommands } from './keys.ts';
import { Registry, type CommandMeta } from './registry.ts';
import { adminCommands } from './server-admin.ts';
import { stringCommands } from './strings.ts';

export function createRegistry(meta?: Record<string, CommandMeta>): Registry {
  const r = new Registry(meta);
  r.register(connectionCommands);
  r.register(stringCommands);
  r.register(keyCommands);
  r.register(expireCommands);
  r.register(adminCommands);
  r.register(introspectionCommands);
  r.register(clientCommands);
  return r;
}
