/* Zsets commands: being written (issue 4). */
import type { CommandDef } from './registry.ts';

export const zsetCommands: CommandDef[] = [];
