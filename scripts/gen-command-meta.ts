/*
 * Regenerates src/commands/meta.json, the command metadata Spindle serves (arity, flags, key
 * positions, key specs, ACL categories, tips, argument structure, group, since), from the facts
 * read off Redis 7.0.15 in ../shared/reference/redis-7.0-commands.json. The registry joins these
 * rows with the handlers; commands without a handler are not registered.
 *
 *   node scripts/gen-command-meta.ts [path/to/redis-7.0-commands.json]
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const src = process.argv[2] ?? fileURLToPath(new URL('../../shared/reference/redis-7.0-commands.json', import.meta.url));
const out = fileURLToPath(new URL('../src/commands/meta.json', import.meta.url));
const all = JSON.parse(readFileSync(src, 'utf8')) as Record<string, unknown>;
const sorted: Record<string, unknown> = {};
for (const k of Object.keys(all).sort()) sorted[k] = all[k];
writeFileSync(out, JSON.stringify(sorted) + '\n');
console.log(`wrote ${Object.keys(sorted).length} commands to ${out}`);
