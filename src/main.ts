/*
 * spindle-server [/path/to/redis.conf] [--port N] [--bind addr ...] [--<config> <value> ...]
 *
 * Reads the command line and config file the way redis-server does, then starts the server.
 * With no arguments it runs on the embedded defaults (the `npm start` script binds it to
 * 127.0.0.1 on port 6379).
 */
import { IoThreads } from './io-threads/pool.ts';
import { createRegistry } from './server/command-table.ts';
import { Config, loadServerConfig, parseCommandLine } from './server/config.ts';
import { REDIS_VERSION, SPINDLE_VERSION, Server } from './server/server.ts';
import { luaEngine, scriptingUnavailable } from './scripting/lua-engine.ts';

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
const loaded = loadServerConfig(config, cmd, { commandExists: (name) => registry.find(name) !== undefined });
if (loaded.error !== null) {
  if (loaded.errorIsLog) process.stdout.write(`${process.pid}:C # ${loaded.error}\n`);
  else process.stderr.write(loaded.error);
  process.exit(1);
}

const server = new Server({ config, registry, configFile: config.configFile, ioPool: (srv, n) => new IoThreads(srv, n) });
const log = server.log;
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
  const err = e as NodeJS.ErrnoException;
  log.warning(`Warning: Could not create server TCP listening socket ${String(config.get('bind'))}:${String(config.get('port'))}: ${err.code === 'EADDRINUSE' ? 'bind: Address already in use' : err.message}`);
  log.warning(`Failed listening on port ${String(config.get('port'))} (tcp), aborting.`);
  process.exit(1);
}
log.notice(`Running mode=standalone, port=${String(config.get('port'))}, io-threads=${String(config.get('io-threads'))}.`);
log.notice('Server initialized');
const noScripting = scriptingUnavailable();
if (noScripting !== '') {
  log.warning(`WARNING Lua scripting is unavailable: ${noScripting}. EVAL, EVALSHA and SCRIPT LOAD answer an error.`);
} else {
  const notes = luaEngine()?.notes ?? '';
  if (notes !== '') log.warning(`WARNING Lua scripting runs without some libraries: ${notes}`);
  else log.notice('Lua scripting: Lua 5.1 (Debian liblua5.1) with cjson, bit, struct and cmsgpack');
}
server.start();
log.notice('Ready to accept connections tcp');

const onSignal = (sig: string) => () => {
  server.shutdown(`Received ${sig} scheduling shutdown...`);
};
process.on('SIGTERM', onSignal('SIGTERM'));
process.on('SIGINT', onSignal('SIGINT'));
