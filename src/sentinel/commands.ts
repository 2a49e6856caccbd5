/*
 * The command table of sentinel mode, as Redis 7.0 serves it there: the server's own PING,
 * (P)SUBSCRIBE, (P)UNSUBSCRIBE, AUTH, HELLO, CLIENT, COMMAND, ACL, SHUTDOWN, RESET and QUIT,
 * plus sentinel versions of INFO (sentinel sections), ROLE, PUBLISH (hello messages only) and
 * the SENTINEL command. Any other name answers the ordinary unknown-command error.
 */
import { Registry, type CommandDef, type CommandMeta, loadMeta } from '../commands/registry.ts';
import { introspectionCommands } from '../commands/introspection.ts';
import type { Argv } from '../protocol/argv.ts';
import type { Client } from '../server/client.ts';
import { aclCommands } from '../server/commands/acl.ts';
import { clientCommands } from '../server/commands/client.ts';
import { connectionCommands } from '../server/commands/connection.ts';
import { pubsubCommands } from '../server/commands/pubsub.ts';
import { adminCommands } from '../server/commands/server-admin.ts';
import { sentinelCommand } from '../server/commands/sentinel.ts';
import { REDIS_VERSION, type Server } from '../server/server.ts';
import { HELLO_CHANNEL, type Sentinel } from './sentinel.ts';

const SHARED = new Set(['ping', 'subscribe', 'psubscribe', 'unsubscribe', 'punsubscribe', 'auth', 'hello', 'client', 'command', 'acl', 'shutdown', 'reset', 'quit']);

/** meta.json has no SENTINEL (it is not in a data server's table): Redis 7.0's arity and flags. */
function sentinelMeta(all: Record<string, CommandMeta>): Record<string, CommandMeta> {
  const ping = all.ping;
  const meta: CommandMeta = { ...ping, arity: -2, flags: ['admin', 'noscript', 'loading', 'stale'], acl_categories: ['@admin', '@slow', '@dangerous'], tips: [], subcommands: {} };
  return { ...all, sentinel: meta };
}

/** The sentinel-mode registry; `sentinel()` is the running Sentinel (set before clients connect). */
export function createSentinelRegistry(sentinel: () => Sentinel): Registry {
  const r = new Registry(sentinelMeta(loadMeta()));
  const shared = [connectionCommands, pubsubCommands, clientCommands, aclCommands, adminCommands] as unknown as CommandDef[][];
  for (const defs of [...shared, introspectionCommands]) r.register(defs.filter((d) => SHARED.has(d.name)));
  const own: CommandDef<Client>[] = [
    { name: 'sentinel', summary: 'Sentinel state, configuration and failover control.', handler: (c, argv) => sentinelCommand(sentinel(), c.w, args(argv)) },
    { name: 'info', summary: 'Reports the sentinel state, section by section.', handler: (c, argv) => c.w.verbatim(infoText(sentinel(), c.srv, args(argv).slice(1))) },
    { name: 'role', summary: 'Returns "sentinel" and the monitored masters.', handler: (c) => roleCommand(sentinel(), c) },
    { name: 'publish', summary: "Takes another sentinel's hello message.", handler: (c, argv) => publishCommand(sentinel(), c, argv) },
  ];
  r.register(own as unknown as CommandDef[]);
  return r;
}

function args(argv: Argv): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.argc; i++) out.push(Buffer.from(argv.view(i)).toString('utf8'));
  return out;
}

// ROLE
function roleCommand(s: Sentinel, c: Client): void {
  const w = c.w;
  w.arrayHeader(2);
  w.bulkText('sentinel');
  w.arrayHeader(s.cfg.masters.size);
  for (const name of s.cfg.masters.keys()) w.bulkText(name);
}

// PUBLISH __sentinel__:hello payload: another sentinel's hello sent to us directly.
function publishCommand(s: Sentinel, c: Client, argv: Argv): void {
  if (argv.argc !== 3) {
    c.w.error("ERR wrong number of arguments for 'publish' command");
    return;
  }
  if (argv.str(1) !== HELLO_CHANNEL) {
    c.w.error('ERR Only HELLO messages are accepted by Sentinel instances.');
    return;
  }
  s.processHello(Buffer.from(argv.view(2)).toString('utf8'));
  c.srv.pubsub.publish(false, argv.view(1), 0, argv.len[1], argv.view(2), 0, argv.len[2]);
  c.w.integer(1);
}

// INFO [section ...]: server, clients, stats, cpu and sentinel sections.
function infoText(s: Sentinel, srv: Server, sections: string[]): string {
  const want = sections.map((x) => x.toLowerCase());
  const all = want.length === 0 || want.includes('all') || want.includes('default') || want.includes('everything');
  const has = (n: string) => all || want.includes(n);
  const out: string[] = [];
  if (has('server')) {
    out.push('# Server', `redis_version:${REDIS_VERSION}`, 'redis_mode:sentinel', `os:${process.platform}`, 'arch_bits:64', `process_id:${process.pid}`,
      `run_id:${s.myId}`, `tcp_port:${srv.config.get('port')}`, `uptime_in_seconds:${Math.floor(process.uptime())}`, `executable:${process.argv[1]}`, `config_file:${s.cfg.file}`, '');
  }
  if (has('clients')) out.push('# Clients', `connected_clients:${srv.clients.size}`, '');
  if (has('stats')) out.push('# Stats', `total_connections_received:${srv.stats.numConnections}`, '');
  if (has('cpu')) {
    const u = process.cpuUsage();
    out.push('# CPU', `used_cpu_sys:${(u.system / 1e6).toFixed(6)}`, `used_cpu_user:${(u.user / 1e6).toFixed(6)}`, '');
  }
  if (has('sentinel')) {
    out.push('# Sentinel', `sentinel_masters:${s.cfg.masters.size}`, 'sentinel_tilt:0', 'sentinel_tilt_since_seconds:-1', 'sentinel_running_scripts:0',
      'sentinel_scripts_queue_length:0', 'sentinel_simulate_failure_flags:0');
    let n = 0;
    for (const m of s.cfg.masters.values()) {
      const status = m.odownSince !== 0 ? 'odown' : m.sdownSince !== 0 ? 'sdown' : 'ok';
      const [h, p] = s.currentAddress(m);
      out.push(`master${n++}:name=${m.name},status=${status},address=${h}:${p},slaves=${m.replicas.size},sentinels=${m.sentinels.size + 1}`);
    }
    out.push('');
  }
  if (out.length > 0 && out[out.length - 1] === '') out.pop();
  return `${out.join('\r\n')}\r\n`;
}
