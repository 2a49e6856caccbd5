/* Every command family, registered into one table. */
import { connectionCommands } from './connection.ts';
import { Registry, type CommandMeta } from './registry.ts';
import { stringCommands } from './strings.ts';

export function createRegistry(meta?: Record<string, CommandMeta>): Registry {
  const r = new Registry(meta);
  r.register(connectionCommands);
  r.register(stringCommands);
  return r;
}
