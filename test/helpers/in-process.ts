// Starts a Spindle Server inside the test process (for tests that need its internals, such as a
// propagation consumer or a socketless client), listening on a free loopback port.
import { Config, loadServerConfig, parseCommandLine } from '../../src/server/config.ts';
import { createRegistry } from '../../src/server/command-table.ts';
import { Server } from '../../src/server/server.ts';
import { IoThreads } from '../../src/io-threads/pool.ts';
import { freePort } from './servers.ts';

export interface InProcess {
  server: Server;
  port: number;
  stop(): void;
}

export async function startInProcess(args: string[] = []): Promise<InProcess> {
  const port = await freePort();
  const registry = createRegistry();
  const config = new Config();
  const loaded = loadServerConfig(config, parseCommandLine(['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--enable-debug-command', 'yes', ...args]), {
    commandExists: (name) => registry.find(name) !== undefined,
  });
  if (loaded.error !== null) throw new Error(loaded.error);
  const server = new Server({ config, registry, ioPool: (s, n) => new IoThreads(s, n) });
  server.log.setLevel('warning');
  server.onExit = () => {};
  await server.listen();
  server.start();
  return {
    server,
    port,
    stop: () => {
      server.log.setLevel('nothing');
      server.shutdown('test done');
    },
  };
}
