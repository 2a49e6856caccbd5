/*
 * Key routing in cluster mode (Redis's getNodeByQuery + clusterRedirectClient): which node must
 * serve a command, judged by the slots of its keys (every queued command's, for EXEC).
 *
 *  - all keys must hash to one slot, else -CROSSSLOT;
 *  - an unserved slot: -CLUSTERDOWN Hash slot not served;
 *  - a slot we are migrating, with a key missing here: -ASK to the target;
 *  - a slot we are importing: served only after ASKING (or for an ASKING-flagged command), and a
 *    multi-key command with a key missing gets -TRYAGAIN;
 *  - the cluster down: -CLUSTERDOWN unless cluster-allow-reads-when-down lets reads through;
 *  - a read on a replica of the slot's primary after READONLY is served locally;
 *  - otherwise -MOVED slot endpoint:port.
 * Commands without keys are served wherever they arrive.
 */
import { Argv } from '../protocol/argv.ts';
import { decodeCommand } from '../server/command-frame.ts';
import { CMD_ASKING, CMD_WRITE, type Command } from '../commands/registry.ts';
import { getKeysAndFlags } from '../commands/keyspecs.ts';
import { keyHashSlot } from '../util/crc16.ts';
import type { ClusterNode } from './node.ts';
import type { ClusterState } from './state.ts';

export const CLIENT_ASKING = 1;
export const CLIENT_READONLY = 2;

export interface RouteClient {
  clusterFlags: number;
  multi: { commands: Uint8Array[] } | null;
}

export interface RouteEnv {
  cs: ClusterState;
  lookupCommand(argv: Argv): Command | null;
  keyExists(b: Uint8Array, o: number, n: number): boolean;
  endpoint(n: ClusterNode): string;
  clientPort(n: ClusterNode): number;
}

const scratch = new Argv();
const EMPTY: { pos: number }[] = [];

/** SSUBSCRIBE/SUNSUBSCRIBE/SPUBLISH: their shard channels route like keys (7.0's pubsubshard_included). */
export function isShardPubsub(name: string): boolean {
  return name === 'ssubscribe' || name === 'sunsubscribe' || name === 'spublish';
}

function shardChannels(argv: Argv): { pos: number }[] {
  const name = argv.lower(0);
  if (argv.argc < 2) return EMPTY;
  if (name === 'spublish') return [{ pos: 1 }];
  const out: { pos: number }[] = [];
  for (let i = 1; i < argv.argc; i++) out.push({ pos: i });
  return out;
}

/** The error to reply with, or null when this node serves the command. */
export function routeCommand(env: RouteEnv, c: RouteClient, cmd: Command, argv: Argv): string | null {
  const cs = env.cs;
  const me = cs.myself;
  let slot = -1;
  let n: ClusterNode | null = null;
  let migrating = false;
  let importing = false;
  let missing = 0;
  let keysSeen = 0;
  let multipleKeys = false;
  let isWrite = (cmd.flags & CMD_WRITE) !== 0;
  let shardPubsub = false;
  const isExec = cmd.fullName === 'exec';
  const count = isExec ? (c.multi?.commands.length ?? 0) : 1;
  for (let i = 0; i < count; i++) {
    let mcmd = cmd;
    let margv = argv;
    if (isExec) {
      decodeCommand((c.multi as { commands: Uint8Array[] }).commands[i], 0, scratch);
      const found = env.lookupCommand(scratch);
      if (found === null) continue;
      mcmd = found;
      margv = scratch;
      if ((mcmd.flags & CMD_WRITE) !== 0) isWrite = true;
    }
    const keys = isShardPubsub(mcmd.fullName) ? shardChannels(margv) : getKeysAndFlags(mcmd, margv);
    if (keys === null) continue;
    if (keys !== EMPTY && isShardPubsub(mcmd.fullName)) shardPubsub = true;
    for (const k of keys) {
      const off = margv.off[k.pos];
      const len = margv.len[k.pos];
      const s = keyHashSlot(margv.buf, off, len);
      keysSeen++;
      if (slot === -1) {
        slot = s;
        n = cs.slots[s];
        if (n === null) return 'CLUSTERDOWN Hash slot not served';
        if (n === me && cs.migratingTo[s] !== null) migrating = true;
        else if (cs.importingFrom[s] !== null) importing = true;
      } else if (s !== slot) {
        return "CROSSSLOT Keys in request don't hash to the same slot";
      } else if (keysSeen > 1) {
        multipleKeys = true;
      }
      if ((migrating || importing) && !env.keyExists(margv.buf, off, len)) missing++;
    }
  }
  if (n === null) return null;
  if (!cs.ok) {
    if (shardPubsub) {
      if (!cs.host.configBool('cluster-allow-pubsubshard-when-down')) return 'CLUSTERDOWN The cluster is down';
    } else if (!cs.host.configBool('cluster-allow-reads-when-down')) return 'CLUSTERDOWN The cluster is down';
    else if (isWrite) return 'CLUSTERDOWN The cluster is down and only accepts read commands';
  }
  if ((migrating || importing) && cmd.fullName === 'migrate') return null;
  if (migrating && missing > 0) {
    const to = cs.migratingTo[slot] as ClusterNode;
    return `ASK ${slot} ${env.endpoint(to)}:${env.clientPort(to)}`;
  }
  if (importing && ((c.clusterFlags & CLIENT_ASKING) !== 0 || (cmd.flags & CMD_ASKING) !== 0)) {
    if (multipleKeys && missing > 0) return 'TRYAGAIN Multiple keys request during rehashing of slot';
    return null;
  }
  if (((c.clusterFlags & CLIENT_READONLY) !== 0 || shardPubsub) && !isWrite && me.isSlave && me.primary === n) return null;
  if (n === me) return null;
  return `MOVED ${slot} ${env.endpoint(n)}:${env.clientPort(n)}`;
}
