/*
 * Sentinel mode (`spindle-server sentinel.conf --sentinel`, bin/spindle-sentinel), as Redis runs
 * it: the ordinary Server (listeners, clients, RESP2/3, HELLO, AUTH, ACL, CLIENT, pub/sub,
 * SHUTDOWN) with the sentinel command table (commands.ts) and no dataset, AOF, replication,
 * cluster or scripting. sentinel.conf's `sentinel ...` lines go to config.ts; its ordinary lines
 * (port, bind, dir, logfile, pidfile, ...) through the server's config loader. Events are
 * published on the server's pub/sub, so RESP3 subscribers get push frames.
 */
import { writeFileSync } from 'node:fs';
import { loadUsersAtStartup } from '../server/acl-guard.ts';
import { Config } from '../server/config.ts';
import { REDIS_VERSION, Server } from '../server/server.ts';
import { createSentinelRegistry } from './commands.ts';
import { loadSentinelConfig, splitConfigLine } from './config.ts';
import { Sentinel } from './sentinel.ts';

/** Starts sentinel mode; never resolves (SHUTDOWN and signals end the process). */
export async function runSentinel(argv: string[]): Promise<never> {
  const file = argv.find((a) => !a.startsWith('--') && a !== '-');
  if (file === undefined) {
    process.stderr.write('Sentinel needs config file on disk to save state.  Exiting...\n');
    process.exit(1);
  }
  // --option value pairs after the file, as redis-server reads them.
  const extra: string[][] = [];
  const rest = argv.filter((a) => a !== file && a !== '--sentinel');
  for (let i = 0; i < rest.length; i++) {
    if (!rest[i].startsWith('--')) continue;
    const words = [rest[i].slice(2)];
    while (i + 1 < rest.length && !rest[i + 1].startsWith('--')) words.push(rest[++i]);
    extra.push(words.length === 1 ? words : splitConfigLine(words.join(' ')));
  }
  let cfg: ReturnType<typeof loadSentinelConfig>;
  try {
    cfg = loadSentinelConfig(file, extra);
  } catch (e) {
    process.stderr.write(`\n${(e as Error).message}\n`);
    process.exit(1);
  }
  // The ordinary lines, through the server's loader; as in Redis the port defaults to 26379 and
  // protected mode is off (a sentinel must be reachable by the others).
  const config = new Config();
  config.setInternal('port', ['26379']);
  config.setInternal('protected-mode', ['no']);
  const ordinary = [...cfg.otherLines.filter((l) => !l.trim().startsWith('#')), ...extra.filter((w) => w[0].toLowerCase() !== 'sentinel').map((w) => w.join(' '))];
  const loaded = config.load(ordinary.join('\n'), { checkLogfile: true });
  if (loaded.error !== null) {
    if (loaded.errorIsLog) process.stdout.write(`${process.pid}:X # ${loaded.error}\n`);
    else process.stderr.write(loaded.error);
    process.exit(1);
  }
  if (cfg.dir !== '') process.chdir(cfg.dir);

  let sentinel: Sentinel | null = null;
  const registry = createSentinelRegistry(() => sentinel as Sentinel);
  const server = new Server({ config, registry, configFile: file });
  server.sentinelMode = true;
  server.log.role = 'X';
  const log = server.log;
  const aclError = loadUsersAtStartup(server, loaded.users);
  if (aclError !== null) {
    log.warning(aclError);
    process.exit(1);
  }
  sentinel = new Sentinel(cfg, {
    publish: (channel, message) => {
      const ch = Buffer.from(channel);
      const msg = Buffer.from(message);
      server.pubsub.publish(false, ch, 0, ch.length, msg, 0, msg.length);
    },
    log: (level, msg) => (level === 'warning' ? log.warning(msg) : log.notice(msg)),
  });
  const s = sentinel;
  server.shutdownHook = () => {
    s.save();
    return true;
  };
  try {
    await server.listen();
  } catch (e) {
    const err = e as NodeJS.ErrnoException & { addr?: string; port?: number };
    log.warning(`Warning: Could not create server TCP listening socket ${err.addr ?? String(config.get('bind'))}:${err.port ?? config.get('port')}: ${err.message}`);
    process.exit(1);
  }
  if (cfg.pidfile !== '') {
    try {
      writeFileSync(cfg.pidfile, `${process.pid}\n`);
    } catch {}
  }
  log.notice(`Spindle sentinel version=${REDIS_VERSION}, pid=${process.pid}, just started`);
  log.notice(`Running mode=sentinel, port=${String(config.get('port'))}.`);
  log.warning(`Sentinel ID is ${s.myId}`);
  server.start();
  s.start();
  const bye = (sig: string) => () => {
    server.shutdown(`Received ${sig} scheduling shutdown...`);
  };
  process.on('SIGTERM', bye('SIGTERM'));
  process.on('SIGINT', bye('SIGINT'));
  return new Promise<never>(() => {});
}
