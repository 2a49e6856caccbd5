// Side-by-side check of what each write command reports besides its reply (npm run test:interop):
// the keyspace events it publishes, how much it adds to the dirty counter, and whether it breaks
// a WATCH on its keys. Cases are test/interop/events/<family>.txt in the golden case format
// (test/helpers/golden.ts: `=== name` then one command per line; modes such as @sorted apply to
// the reply; @sleep MS works). Each case runs on both servers with notify-keyspace-events KEA
// (a case may CONFIG SET it otherwise; it is reset for the next case). DEBUG is enabled on both,
// so a case can stop active expiry (DEBUG SET-ACTIVE-EXPIRE 0) to make lazy expiry
// deterministic; it must switch it back on at its end. For every command:
//   - a watcher connection WATCHes the command's keys (COMMAND GETKEYS on redis-server), and
//     after the command runs MULTI/PING/EXEC: "aborted" when EXEC replies null;
//   - INFO persistence rdb_changes_since_last_save before and after gives the dirty delta;
//   - a PSUBSCRIBE '__key*' connection collects the events up to the PONG of a PING sent after.
// Everything recorded must be equal on both servers. Skipped when redis-server is not installed.

import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { scriptingSkipReason, skipScripting } from '../helpers/scripting.ts';
import { canonical, parseCaseFile, type Case } from '../helpers/golden.ts';
import { REPO_ROOT, hasRedis, rawClient, startRedis, startSpindle, type RawClient, type ServerHandle } from '../helpers/servers.ts';

const EVENTS_DIR = path.join(REPO_ROOT, 'test', 'interop', 'events');
const haveRedis = hasRedis();

interface StepRecord {
  line: number;
  command: string;
  reply: string | null;
  dirty: number;
  aborted: boolean;
  events: string[];
}

/** Splits a RESP2 array reply of bulk strings / integers into its elements (flat). */
function elements(reply: Buffer): string[] {
  const text = reply.toString('latin1');
  const out: string[] = [];
  const lines = text.split('\r\n');
  for (let i = 1; i < lines.length; i++) {
    const l = lines[i];
    if (l.startsWith('$')) {
      if (l === '$-1') out.push('(nil)');
      else out.push(lines[++i]);
    } else if (l.startsWith(':')) out.push(l.slice(1));
  }
  return out;
}

async function dirtyCount(w: RawClient): Promise<number> {
  const info = (await w.send(['INFO', 'persistence'])).toString('latin1');
  const m = /rdb_changes_since_last_save:(\d+)/.exec(info);
  if (m === null) throw new Error('no rdb_changes_since_last_save in INFO');
  return Number(m[1]);
}

/** Reads pushed messages until the reply to a PING sent now: ["pmessage", pattern, channel, message]. */
async function collectEvents(s: RawClient): Promise<string[]> {
  s.sendRaw('*1\r\n$4\r\nPING\r\n');
  const events: string[] = [];
  for (;;) {
    const e = elements(await s.readReply(3000));
    if (e[0] === 'pong') return events;
    if (e[0] === 'pmessage') events.push(`${e[2]} ${e[3]}`);
  }
}

async function runEvents(port: number, c: Case, keysOf: (i: number, argv: Buffer[]) => Promise<Buffer[]>): Promise<StepRecord[]> {
  const [a, w, s] = await Promise.all([rawClient(port), rawClient(port), rawClient(port)]);
  try {
    await a.send(['FLUSHALL']);
    await a.send(['CONFIG', 'SET', 'notify-keyspace-events', 'KEA']);
    await s.send(['PSUBSCRIBE', '__key*']);
    await collectEvents(s);
    const out: StepRecord[] = [];
    let dirty = await dirtyCount(w);
    for (let i = 0; i < c.steps.length; i++) {
      const step = c.steps[i];
      if (step.kind === 'sleep') {
        await new Promise((r) => setTimeout(r, step.ms));
        continue;
      }
      if (step.kind !== 'cmd') throw new Error(`${c.file}:${step.line}: only commands and @sleep are supported here`);
      const keys = await keysOf(i, step.argv);
      if (keys.length > 0) await w.send(['WATCH', ...keys]);
      const reply = await a.send(step.argv);
      let aborted = false;
      if (keys.length > 0) {
        await w.send(['MULTI']);
        await w.send(['PING']);
        aborted = (await w.send(['EXEC'])).toString('latin1') === '*-1\r\n';
      }
      const now = await dirtyCount(w);
      out.push({
        line: step.line,
        command: step.argv.map((b) => b.toString('latin1')).join(' '),
        reply: canonical(step.mode, reply),
        dirty: now - dirty,
        aborted,
        events: await collectEvents(s),
      });
      dirty = now;
    }
    await a.send(['CONFIG', 'SET', 'notify-keyspace-events', '']);
    return out;
  } finally {
    a.close();
    w.close();
    s.close();
  }
}

function loadEventCases(): Case[] {
  let files: string[] = [];
  try {
    files = readdirSync(EVENTS_DIR).filter((f) => f.endsWith('.txt')).sort();
  } catch {
    return [];
  }
  return files.flatMap((f) => parseCaseFile(readFileSync(path.join(EVENTS_DIR, f), 'utf8'), f.replace(/\.txt$/, ''), `events/${f}`));
}

let redis: ServerHandle | undefined;
let spindle: ServerHandle | undefined;

describe.skipIf(!haveRedis)('keyspace events, dirty counter and WATCH, side by side', () => {
  beforeAll(async () => {
    // DEBUG SET-ACTIVE-EXPIRE lets a case keep an expired key around until a command meets it.
    const debug = ['--enable-debug-command', 'yes'];
    [redis, spindle] = await Promise.all([startRedis(debug), startSpindle(debug)]);
  });
  afterAll(async () => {
    await Promise.all([redis?.stop(), spindle?.stop()]);
  });

  for (const c of loadEventCases()) {
    test.skipIf(skipScripting(c.family))(`${c.family}: ${c.name}${skipScripting(c.family) ? ` (${scriptingSkipReason()})` : ''}`, async () => {
      const keys: Buffer[][] = [];
      const getKeys = await rawClient(redis!.port);
      try {
        const ref = await runEvents(redis!.port, c, async (i, argv) => {
          const r = await getKeys.send(['COMMAND', 'GETKEYS', ...argv]);
          keys[i] = r[0] === 0x2a ? elements(r).map((k) => Buffer.from(k, 'latin1')) : [];
          return keys[i];
        });
        const got = await runEvents(spindle!.port, c, async (i) => keys[i]);
        for (let i = 0; i < ref.length; i++) {
          expect(got[i], `${c.file}:${ref[i].line} ${ref[i].command}`).toEqual(ref[i]);
        }
      } finally {
        getKeys.close();
      }
    });
  }
});
