/* Lists commands: being written (issue 4). */
import type { CommandDef } from './registry.ts';

export const listCommands: CommandDef[] = [];
