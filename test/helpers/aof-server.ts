// An in-process Spindle with the AOF on in `dir`: loads what is there (loadAppendOnly), then
// starts appending (startAppendOnly), as start-up does. `close` makes the shutdown write+fsync.
import { mkdirSync } from 'node:fs';
import { loadAppendOnly } from '../../src/persistence/aof-loader.ts';
import { shutdownAppendOnly, startAppendOnly } from '../../src/persistence/aof.ts';
import { startInProcess, type InProcess } from './in-process.ts';
import { rawClient } from './servers.ts';

export interface AofServer extends InProcess {
  logs: string[];
  close(): Promise<void>;
}

/** Waits until no AOF rewrite is running or scheduled (INFO persistence). */
export async function waitRewrite(port: number): Promise<void> {
  const c = await rawClient(port);
  try {
    for (let i = 0; i < 1000; i++) {
      const info = (await c.send(['INFO', 'persistence'])).toString();
      if (/aof_rewrite_in_progress:0\r\n/.test(info) && /aof_rewrite_scheduled:0\r\n/.test(info)) return;
      await new Promise((r) => setTimeout(r, 10));
    }
    throw new Error('AOF rewrite still running after 10 s');
  } finally {
    c.close();
  }
}

export async function startAofServer(dir: string, args: string[] = [], opts: { load?: boolean } = {}): Promise<AofServer> {
  mkdirSync(dir, { recursive: true });
  const s = await startInProcess(['--dir', dir, '--appendonly', 'yes', ...args]);
  const logs: string[] = [];
  const log = s.server.log;
  for (const level of ['notice', 'warning', 'verbose'] as const) {
    const orig = log[level].bind(log);
    log[level] = (m: string) => {
      logs.push(m);
      orig(m);
    };
  }
  log.setLevel('nothing');
  if (opts.load !== false) await loadAppendOnly(s.server);
  startAppendOnly(s.server);
  return {
    ...s,
    logs,
    async close() {
      shutdownAppendOnly(s.server);
      s.stop();
    },
  };
}
