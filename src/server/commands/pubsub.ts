/*
 * Pub/sub commands: (P|S)SUBSCRIBE, (P|S)UNSUBSCRIBE, PUBLISH, SPUBLISH and PUBSUB. Channel
 * bookkeeping and delivery are in src/server/pubsub.ts. Without cluster mode a shard channel is a
 * channel of its own namespace (SPUBLISH reaches SSUBSCRIBErs only), as in standalone Redis.
 */
import { clusterPublish } from '../../cluster/cluster.ts';
import type { Argv } from '../../protocol/argv.ts';
import type { Client } from '../client.ts';
import { latin1, type SubKind } from '../pubsub.ts';
import { globMatchBytes } from '../../util/glob.ts';
import type { CommandDef } from '../../commands/registry.ts';
import { replyHelp, subcommandSyntaxError } from '../../commands/util.ts';

const SSUBSCRIBE_DENY_BLOCKING = "ERR SSUBSCRIBE isn't allowed for a DENY BLOCKING client";

function subscribeTo(c: Client, argv: Argv, kind: SubKind): void {
  for (let i = 1; i < argv.argc; i++) c.srv.pubsub.subscribe(c, kind, latin1(argv.buf, argv.off[i], argv.len[i]));
}

function unsubscribeFrom(c: Client, argv: Argv, kind: SubKind): void {
  const ps = c.srv.pubsub;
  if (argv.argc === 1) ps.unsubscribeAll(c, kind, true);
  else for (let i = 1; i < argv.argc; i++) ps.unsubscribe(c, kind, latin1(argv.buf, argv.off[i], argv.len[i]), true);
}

// SUBSCRIBE channel [channel ...]
function subscribeCommand(c: Client, argv: Argv): void {
  subscribeTo(c, argv, 'channel');
}

// PSUBSCRIBE pattern [pattern ...]
function psubscribeCommand(c: Client, argv: Argv): void {
  subscribeTo(c, argv, 'pattern');
}

// SSUBSCRIBE shardchannel [shardchannel ...]
function ssubscribeCommand(c: Client, argv: Argv): void {
  // 7.0 refuses SSUBSCRIBE to clients that may not block (CLIENT_DENY_BLOCKING), and unlike
  // (P)SUBSCRIBE it makes no exception for EXEC, the one such context here.
  if (c.inExec) {
    c.w.error(SSUBSCRIBE_DENY_BLOCKING);
    return;
  }
  subscribeTo(c, argv, 'shard');
}

// UNSUBSCRIBE [channel [channel ...]]
function unsubscribeCommand(c: Client, argv: Argv): void {
  unsubscribeFrom(c, argv, 'channel');
}

// PUNSUBSCRIBE [pattern [pattern ...]]
function punsubscribeCommand(c: Client, argv: Argv): void {
  unsubscribeFrom(c, argv, 'pattern');
}

// SUNSUBSCRIBE [shardchannel [shardchannel ...]]
function sunsubscribeCommand(c: Client, argv: Argv): void {
  unsubscribeFrom(c, argv, 'shard');
}

// PUBLISH channel message
function publishCommand(c: Client, argv: Argv): void {
  c.w.integer(c.srv.pubsub.publish(false, argv.buf, argv.off[1], argv.len[1], argv.buf, argv.off[2], argv.len[2]));
  if (c.srv.clusterGate !== null) clusterPublish(c.srv, false, argv);
}

// SPUBLISH shardchannel message
function spublishCommand(c: Client, argv: Argv): void {
  c.w.integer(c.srv.pubsub.publish(true, argv.buf, argv.off[1], argv.len[1], argv.buf, argv.off[2], argv.len[2]));
  if (c.srv.clusterGate !== null) clusterPublish(c.srv, true, argv);
}

/** PUBSUB CHANNELS / SHARDCHANNELS: the channels with subscribers matching the optional pattern. */
function listChannels(c: Client, argv: Argv, names: Iterable<string>): void {
  if (argv.argc > 3) {
    subcommandSyntaxError(c, argv);
    return;
  }
  const pattern = argv.argc === 3 ? argv.copy(2) : null;
  const out: Buffer[] = [];
  for (const name of names) {
    const b = Buffer.from(name, 'latin1');
    if (pattern === null || globMatchBytes(pattern, b)) out.push(b);
  }
  c.w.arrayHeader(out.length);
  for (const b of out) c.w.bulkBytes(b);
}

/** PUBSUB NUMSUB / SHARDNUMSUB: channel, count pairs (a flat array in RESP2 and RESP3). */
function countSubscribers(c: Client, argv: Argv, shard: boolean): void {
  const w = c.w;
  w.arrayHeader((argv.argc - 2) * 2);
  for (let i = 2; i < argv.argc; i++) {
    w.bulk(argv.buf, argv.off[i], argv.len[i]);
    w.integer(c.srv.pubsub.numsub(shard, latin1(argv.buf, argv.off[i], argv.len[i])));
  }
}

// PUBSUB CHANNELS [pattern]
function pubsubChannelsCommand(c: Client, argv: Argv): void {
  listChannels(c, argv, c.srv.pubsub.channels.keys());
}

// PUBSUB SHARDCHANNELS [pattern]
function pubsubShardchannelsCommand(c: Client, argv: Argv): void {
  listChannels(c, argv, c.srv.pubsub.shardChannels.keys());
}

// PUBSUB NUMSUB [channel [channel ...]]
function pubsubNumsubCommand(c: Client, argv: Argv): void {
  countSubscribers(c, argv, false);
}

// PUBSUB SHARDNUMSUB [shardchannel [shardchannel ...]]
function pubsubShardnumsubCommand(c: Client, argv: Argv): void {
  countSubscribers(c, argv, true);
}

// PUBSUB NUMPAT
function pubsubNumpatCommand(c: Client): void {
  c.w.integer(c.srv.pubsub.patterns.size);
}

// PUBSUB HELP
function pubsubHelpCommand(c: Client): void {
  replyHelp(c, 'PUBSUB', [
    'CHANNELS [<pattern>]',
    "    Return the currently active channels matching a <pattern> (default: '*').",
    'NUMPAT',
    '    Return number of subscriptions to patterns.',
    'NUMSUB [<channel> ...]',
    '    Return the number of subscribers for the specified channels, excluding',
    '    pattern subscriptions(default: no channels).',
    'SHARDCHANNELS [<pattern>]',
    "    Return the currently active shard level channels matching a <pattern> (default: '*').",
    'SHARDNUMSUB [<shardchannel> ...]',
    '    Return the number of subscribers for the specified shard level channel(s)',
  ]);
}

export const pubsubCommands: CommandDef<Client>[] = [
  { name: 'subscribe', summary: 'Listens for messages on channels.', handler: subscribeCommand },
  { name: 'psubscribe', summary: 'Listens for messages on channels matching glob patterns.', handler: psubscribeCommand },
  { name: 'ssubscribe', summary: 'Listens for messages on shard channels.', handler: ssubscribeCommand },
  { name: 'unsubscribe', summary: 'Stops listening on channels (all of them without arguments).', handler: unsubscribeCommand },
  { name: 'punsubscribe', summary: 'Stops listening on patterns (all of them without arguments).', handler: punsubscribeCommand },
  { name: 'sunsubscribe', summary: 'Stops listening on shard channels (all of them without arguments).', handler: sunsubscribeCommand },
  { name: 'publish', summary: 'Sends a message to a channel; returns how many clients got it.', handler: publishCommand },
  { name: 'spublish', summary: 'Sends a message to a shard channel; returns how many clients got it.', handler: spublishCommand },
  {
    name: 'pubsub',
    summary: 'Introspects the pub/sub state.',
    subcommands: [
      { name: 'channels', summary: 'Lists active channels.', handler: pubsubChannelsCommand },
      { name: 'numsub', summary: 'Counts subscribers of channels.', handler: pubsubNumsubCommand },
      { name: 'numpat', summary: 'Counts subscribed patterns.', handler: pubsubNumpatCommand },
      { name: 'shardchannels', summary: 'Lists active shard channels.', handler: pubsubShardchannelsCommand },
      { name: 'shardnumsub', summary: 'Counts subscribers of shard channels.', handler: pubsubShardnumsubCommand },
      { name: 'help', summary: 'Shows PUBSUB usage.', handler: pubsubHelpCommand },
    ],
  },
];
