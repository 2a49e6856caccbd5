/*
 * spindle-server [/path/to/redis.conf] [--port N] [--bind addr ...] [--<config> <value> ...]
 *
 * Reads the command line and config file the way redis-server does, then starts the server.
 * With no arguments it runs on the embedded defaults (the `npm start` script binds it to
 * 127.0.0.1 on port 6379).
 */
import './v8-tuning.ts'; // first: V8 compiler flags for the command path
import { IoThreads } from './io-threads/pool.ts';
import { loadAtStartup } from './persistence/startup.ts';
import { startReplication } from './replication/replica.ts';
import { startCluster } from './cluster/cluster.ts';
import { createRegistry } from './server/command-table.ts';
import { Config, loadServerConfig, parseCommandLine } from './server/config.ts';
import { REDIS_VERSION, SPINDLE_VERSION, Server } from './server/server.ts';
import { luaEngine, scriptingUnavailable } from './scripting/lua-engine.ts';
import { Acl } from './acl/acl.ts';
import { loadUsersAtStartup } from './server/acl-guard.ts';
import { MetricsEndpoint } from './server/metrics/http.ts';
import { disableNative, nativeUnavailable } from './native/addon.ts';
import { nativeNetEnabled } from './server/native-net.ts';

// Sentinel mode (`spindle-server sentinel.conf --sentinel`, bin/spindle-sentinel): the same Server
// with the sentinel command table and no dataset, AOF, replication, cluster or scripting.
const sentinelMode = process.argv.includes('--sentinel');
if (sentinelMode) await (await import('./sentinel/mode.ts')).runSentinel(process.argv.slice(2));
const cmd = parseCommandLine(process.argv.slice(2));
if (cmd.version) {
  process.stdout.write(`Spindle server v=${SPINDLE_VERSION} redis_version=${REDIS_VERSION} node=${process.version} bits=64\n`);
  process.exit(0);
}
if (cmd.help) {
  process.stderr.write(
    'Usage: spindle-server [/path/to/redis.conf] [options] [-]\n' +
      '       spindle-server - (read config from stdin)\n' +
      '       spindle-server -v or --version\n' +
      '       spindle-server -h or --help\n\n' +
      'Examples:\n' +
      '       spindle-server (run the server with default conf)\n' +
      '       spindle-server /etc/redis/6379.conf\n' +
      '       spindle-server --port 7777\n' +
      '       spindle-server /etc/myredis.conf --loglevel verbose -\n',
  );
  process.exit(1);
}

const registry = createRegistry();
const config = new Config();
const aclRules = new Acl(registry.metaTable);
const loaded = loadServerConfig(config, cmd, {
  commandExists: (name) => registry.find(name) !== undefined,
  checkUser: (args) => aclRules.checkConfigUser(args),
});
if (loaded.error !== null) {
  if (loaded.errorIsLog) process.stdout.write(`${process.pid}:C # ${loaded.error}\n`);
  else process.stderr.write(loaded.error);
  process.exit(1);
}

// rename-command lines: the command table's names change before any client can connect.
for (const [from, to] of loaded.renameCommands) registry.rename(from, to);
const server = new Server({ config, registry, configFile: config.configFile, ioPool: (srv, n) => new IoThreads(srv, n) });
const aclError = loadUsersAtStartup(server, loaded.users);
if (aclError !== null) {
  server.log.warning(aclError);
  process.exit(1);
}
const log = server.log;
// The native addon (HyperLogLog, listpack validation, client sockets): `native-addon no` forces
// TypeScript and Node's sockets.
if (config.get('native-addon') === 'no') disableNative('forced off by native-addon no');
log.notice('oO0OoO0OoO0Oo Spindle is starting oO0OoO0OoO0Oo');
log.notice(
  `Spindle version=${SPINDLE_VERSION}, redis_version=${REDIS_VERSION}, node=${process.version}, bits=64, pid=${process.pid}, just started`,
);
if (config.configFile === '') {
  log.warning(`Warning: no config file specified, using the default config. In order to specify a config file use ${process.argv[1]} /path/to/redis.conf`);
} else {
  log.notice('Configuration loaded');
}

try {
  await server.listen();
} catch (e) {
  // Redis's two lines: the address that failed (Server.listen names it) and the port's kind.
  const err = e as NodeJS.ErrnoException & { addr?: string; port?: number; kind?: string };
  const port = err.port ?? Number(config.get('port'));
  log.warning(`Warning: Could not create server TCP listening socket ${err.addr ?? String(config.get('bind'))}:${port}: ${err.message}`);
  log.warning(`Failed listening on port ${port} (${err.kind ?? 'TCP'}), aborting.`);
  process.exit(1);
}
log.notice(`Running mode=${config.get('cluster-enabled') === 'yes' ? 'cluster' : 'standalone'}, port=${String(config.get('port'))}, io-threads=${String(config.get('io-threads'))}.`);
log.notice('Server initialized');
const noScripting = scriptingUnavailable();
if (noScripting !== '') {
  log.warning(`WARNING Lua scripting is unavailable: ${noScripting}. EVAL, EVALSHA and SCRIPT LOAD answer an error.`);
} else {
  const notes = luaEngine()?.notes ?? '';
  if (notes !== '') log.warning(`WARNING Lua scripting runs without some libraries: ${notes}`);
  else log.notice('Lua scripting: Lua 5.1 (Debian liblua5.1) with cjson, bit, struct and cmsgpack');
}
if (nativeUnavailable() === '') {
  const sockets = nativeNetEnabled() ? 'client sockets' : 'not client sockets (SPINDLE_NATIVE_NET=0)';
  log.notice(`Native addon: in use (HyperLogLog, listpack validation, ${sockets})`);
}
else log.notice(`Native addon: not in use, ${nativeUnavailable()}; running on the TypeScript paths`);
// shutdown-on-sigterm / shutdown-on-sigint: default, or save / nosave / now / force.
const onSignal = (sig: string) => () => {
  const flags = String(config.get(sig === 'SIGTERM' ? 'shutdown-on-sigterm' : 'shutdown-on-sigint') ?? 'default').split(' ');
  const how = { save: flags.includes('save'), nosave: flags.includes('nosave'), force: flags.includes('force') };
  if (!server.shutdown(`Received ${sig} scheduling shutdown...`, how)) {
    log.warning(`${sig} received but errors trying to shut down the server, check the logs for more information`);
  }
};
process.on('SIGTERM', onSignal('SIGTERM'));
process.on('SIGINT', onSignal('SIGINT'));
// The dataset (RDB, or the AOF when appendonly is yes), loaded in slices: -LOADING meanwhile.
// Cluster mode: nodes.conf and the cluster bus before the dataset loads (Redis's clusterInit).
if (config.get('cluster-enabled') === 'yes') {
  try {
    await startCluster(server);
  } catch (e) {
    log.warning((e as Error).message);
    process.exit(1);
  }
}
await loadAtStartup(server);
startReplication(server);
server.start();
// metrics-port (Spindle only): Prometheus text and the live page (src/server/metrics/).
try {
  await new MetricsEndpoint(server).apply();
} catch {
  process.exit(1);
}
log.notice('Ready to accept connections tcp');
