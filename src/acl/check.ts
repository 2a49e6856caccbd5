/*
 * The permission check (ACLCheckAllUserCommandPerm): may user u run this call?
 *
 * Each selector is tried in turn and the first that allows the whole call wins. A selector
 * allows a call when it allows the command (its bit, or for a command whose bit is off an allowed
 * first argument, as +select|0), every key the call names with the rights the key spec says the
 * command needs (access: read; insert, delete, update: write), and every channel it publishes or
 * subscribes to (PSUBSCRIBE patterns must equal an ACL pattern literally; unsubscribing is never
 * checked). Keys come from src/commands/keyspecs.ts, the same extraction COMMAND GETKEYS uses,
 * computed once per call whatever the number of selectors.
 *
 * When every selector refuses, the reported refusal is Redis's pick: a key or channel refusal
 * over a command refusal, the one found at the highest argument position. The result is a code;
 * the argument position of a refused key or channel is left in `deniedPos`.
 */
import type { Argv } from '../protocol/argv.ts';
import { getKeysAndFlags, keyPermissions, type KeyRef } from '../commands/keyspecs.ts';
import type { Command } from '../commands/registry.ts';
import { globMatch } from '../util/glob.ts';
import { type AclCommand, asciiLower } from './categories.ts';
import { SEL_ALLCHANNELS, SEL_ALLCOMMANDS, SEL_ALLKEYS, type Selector } from './selector.ts';
import type { User } from './user.ts';

export const ACL_OK = 0;
export const ACL_DENIED_CMD = 1;
export const ACL_DENIED_KEY = 2;
export const ACL_DENIED_AUTH = 3;
export const ACL_DENIED_CHANNEL = 4;

/** The argv index of the refused key or channel of the last refused check. */
export let deniedPos = 0;

const CH_PUBLISH = 1;
const CH_SUBSCRIBE = 2;
const CH_PATTERN = 4;

/** Redis's commands_with_channels, the ones checked: [flags, first, count (-1: all the rest)]. */
const CHANNEL_COMMANDS: Record<string, readonly [number, number, number]> = {
  subscribe: [CH_SUBSCRIBE, 1, -1],
  ssubscribe: [CH_SUBSCRIBE, 1, -1],
  psubscribe: [CH_SUBSCRIBE | CH_PATTERN, 1, -1],
  publish: [CH_PUBLISH, 1, 1],
  spublish: [CH_PUBLISH, 1, 1],
};

/** Per-call key cache shared by the selectors. */
interface KeyCache {
  keys: KeyRef[] | null | undefined;
}

function channelAllowed(sel: Selector, argv: Argv, i: number, pattern: boolean): boolean {
  const pats = sel.channelPatterns();
  const b = argv.buf;
  const o = argv.off[i];
  const n = argv.len[i];
  for (const p of pats) {
    if (pattern) {
      if (p.length === n && Buffer.compare(p, b.subarray(o, o + n)) === 0) return true;
    } else if (globMatch(p, 0, p.length, b, o, n, false)) return true;
  }
  return false;
}

function keyAllowed(sel: Selector, argv: Argv, i: number, need: number): boolean {
  for (const p of sel.patterns) {
    if ((p.flags & need) !== need) continue;
    if (globMatch(p.bytes, 0, p.bytes.length, argv.buf, argv.off[i], argv.len[i], false)) return true;
  }
  return false;
}

/** ACLSelectorCheckCmd over argv[from...]; key and channel positions are argv indexes. */
function selectorCheck(sel: Selector, acmd: AclCommand, cmd: Command, argv: Argv, from: number, cache: KeyCache): number {
  if ((sel.flags & SEL_ALLCOMMANDS) === 0 && !acmd.noAuth && !sel.getBit(acmd.id)) {
    const args = sel.firstArgs?.get(acmd.id);
    const argc = argv.argc - from;
    if (args === undefined || argc < 2) return ACL_DENIED_CMD;
    const idx = from + (acmd.parent !== null ? 2 : 1);
    if (idx >= argv.argc) return ACL_DENIED_CMD;
    const given = asciiLower(argv.str(idx));
    if (!args.some((a) => asciiLower(a) === given)) return ACL_DENIED_CMD;
  }
  if ((sel.flags & SEL_ALLKEYS) === 0) {
    if (cache.keys === undefined) cache.keys = getKeysAndFlags(cmd, argv, from);
    const keys = cache.keys;
    if (keys !== null) {
      for (const k of keys) {
        if (!keyAllowed(sel, argv, k.pos, keyPermissions(k.flags))) {
          deniedPos = k.pos;
          return ACL_DENIED_KEY;
        }
      }
    }
  }
  if ((sel.flags & SEL_ALLCHANNELS) === 0) {
    const spec = CHANNEL_COMMANDS[acmd.fullName];
    if (spec !== undefined) {
      const [flags, first, count] = spec;
      const end = count < 0 ? argv.argc : Math.min(argv.argc, from + first + count);
      for (let i = from + first; i < end; i++) {
        if (!channelAllowed(sel, argv, i, (flags & CH_PATTERN) !== 0)) {
          deniedPos = i;
          return ACL_DENIED_CHANNEL;
        }
      }
    }
  }
  return ACL_OK;
}

/**
 * Whether u may run cmd (acmd: its ACL entry) with arguments argv[from...] (argv[from] is the
 * command name). ACL_OK, or the refusal, with deniedPos set for a key or channel.
 */
export function checkCommand(u: User, acmd: AclCommand, cmd: Command, argv: Argv, from = 0): number {
  const cache: KeyCache = { keys: undefined };
  let relevant = ACL_DENIED_CMD;
  let lastIdx = 0;
  for (const sel of u.selectors) {
    deniedPos = 0;
    const r = selectorCheck(sel, acmd, cmd, argv, from, cache);
    if (r === ACL_OK) return ACL_OK;
    const pos = r === ACL_DENIED_CMD ? 0 : deniedPos;
    if (r > relevant || (r === relevant && pos > lastIdx)) {
      relevant = r;
      lastIdx = pos;
    }
  }
  deniedPos = lastIdx;
  return relevant;
}

/**
 * ACLUserCheckCmdWithUnrestrictedKeyAccess: whether one selector both allows the call and has
 * the rights `need` (PERM_READ / PERM_WRITE) on every key: allkeys, or a "*" pattern with them.
 */
export function checkWithAllKeys(u: User, acmd: AclCommand, cmd: Command, argv: Argv, need: number): boolean {
  const cache: KeyCache = { keys: undefined };
  for (const sel of u.selectors) {
    if (selectorCheck(sel, acmd, cmd, argv, 0, cache) !== ACL_OK) continue;
    if ((sel.flags & SEL_ALLKEYS) !== 0) return true;
    for (const p of sel.patterns) if ((p.flags & need) === need && p.pattern === '*') return true;
  }
  return false;
}

/** Whether u may use channel (bytes) as a channel, or as a pattern (ACLUserCheckChannelPerm). */
export function channelPermitted(u: User, channel: Uint8Array, pattern: boolean): boolean {
  for (const sel of u.selectors) {
    if ((sel.flags & SEL_ALLCHANNELS) !== 0) return true;
    for (const p of sel.channelPatterns()) {
      if (pattern ? Buffer.compare(p, channel) === 0 : globMatch(p, 0, p.length, channel, 0, channel.length, false)) return true;
    }
  }
  return false;
}
