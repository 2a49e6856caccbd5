/* Every data-command family (the ones that see only the command context), in one list. */
import type { CommandDef } from './registry.ts';
import { bitfieldCommands } from './bitfield.ts';
import { bitmapCommands } from './bitops.ts';
import { dumpCommands } from './dump.ts';
import { expireCommands } from './expire.ts';
import { geoCommands } from './geo.ts';
import { hashCommands } from './hashes.ts';
import { hyperloglogCommands } from './hyperloglog.ts';
import { introspectionCommands } from './introspection.ts';
import { keyCommands } from './keys.ts';
import { listCommands } from './lists.ts';
import { setCommands } from './sets.ts';
import { sortCommands } from './sort.ts';
import { streamCommands } from './streams.ts';
import { stringCommands } from './strings.ts';
import { zsetCommands } from './zsets.ts';

export const dataCommandFamilies: readonly CommandDef[][] = [
  stringCommands,
  keyCommands,
  expireCommands,
  introspectionCommands,
  listCommands,
  hashCommands,
  setCommands,
  zsetCommands,
  geoCommands,
  sortCommands,
  hyperloglogCommands,
  streamCommands,
  bitmapCommands,
  bitfieldCommands,
  dumpCommands,
];
