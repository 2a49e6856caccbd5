// Multi-connection transcripts for side-by-side tests of pushed data (MONITOR lines, tracking
// invalidations): every byte each connection receives is kept, so replies and pushes are
// compared in the order they arrived. A scenario is a list of [connection, argv] steps; each step
// waits for its own reply. At the end each connection is drained with a PING round trip, which
// the server answers only after anything it pushed before.
//
// Client ids differ between servers: `$id<N>` in an argument stands for connection N's id, and
// each connection's id and local port are replaced in transcripts by `<id N>` / `<port N>`.
import net from 'node:net';
import { encodeCommand, scanReply } from './servers.ts';

/** [connection, argv] waits for the reply; a third element 'nowait' sends without waiting (BLPOP). */
export type Step = [number, string[]] | [number, string[], 'nowait'];

interface Conn {
  sock: net.Socket;
  data: Buffer;
  /** Offset up to which complete frames were consumed by waits. */
  seen: number;
  wake: (() => void) | null;
  id: number;
  port: number;
  closed: boolean;
}

function frames(c: Conn): number {
  let n = 0;
  let p = c.seen;
  for (;;) {
    const end = scanReply(c.data, p);
    if (end < 0) return n;
    n++;
    p = end;
  }
}

async function waitFrames(c: Conn, n: number, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (frames(c) < n) {
    if (Date.now() > deadline) throw new Error(`no reply within ${timeoutMs} ms; got ${JSON.stringify(c.data.toString('latin1').slice(-300))}`);
    await new Promise<void>((r) => {
      const t = setTimeout(r, 50);
      c.wake = () => {
        clearTimeout(t);
        r();
      };
    });
  }
}

/** Waits until conn c has received `text` after byte `from` (without consuming anything). */
async function waitShown(c: Conn, from: number, text: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!c.data.subarray(from).includes(text)) {
    if (Date.now() > deadline) throw new Error(`monitor did not show ${text} within ${timeoutMs} ms`);
    await new Promise<void>((r) => {
      const t = setTimeout(r, 50);
      c.wake = () => {
        clearTimeout(t);
        r();
      };
    });
  }
}

/** Consumes frames until the one for which `isReply` holds (pushes before it are skipped). */
async function waitReply(c: Conn, isReply: (frame: string) => boolean): Promise<void> {
  for (;;) {
    await waitFrames(c, 1);
    const end = scanReply(c.data, c.seen);
    const f = c.data.toString('latin1', c.seen, end);
    c.seen = end;
    if (isReply(f)) return;
  }
}

const isPush = (f: string): boolean => f.startsWith('>') || f.startsWith('*3\r\n$7\r\nmessage\r\n') || /^\+\d+\.\d{6} \[/.test(f);

/** Runs the scenario on a server; returns each connection's normalized transcript. */
export async function runTranscript(port: number, conns: number, steps: Step[]): Promise<string[]> {
  const cs: Conn[] = [];
  for (let i = 0; i < conns; i++) {
    const sock = net.connect({ port, host: '127.0.0.1' });
    const c: Conn = { sock, data: Buffer.alloc(0), seen: 0, wake: null, id: 0, port: 0, closed: false };
    sock.on('close', () => {
      c.closed = true;
    });
    sock.on('error', () => {});
    sock.on('data', (d: Buffer) => {
      c.data = Buffer.concat([c.data, d]);
      c.wake?.();
    });
    await new Promise<void>((r, j) => {
      sock.once('connect', () => r());
      sock.once('error', j);
    });
    c.port = sock.localPort ?? 0;
    sock.write(encodeCommand(['CLIENT', 'ID']));
    await waitFrames(c, 1);
    const end = scanReply(c.data, 0);
    c.id = Number(c.data.toString('latin1', 1, end - 2));
    c.data = c.data.subarray(end);
    cs.push(c);
  }
  const unanswered = new Map<Conn, number>();
  const monitors: Conn[] = [];
  for (const [i, argv, mode] of steps) {
    const c = cs[i];
    const args = argv.map((a) => a.replace(/\$id(\d+)/g, (_, n: string) => String(cs[Number(n)].id)));
    const marks = monitors.map((m) => m.data.length);
    c.sock.write(encodeCommand(args));
    if (args[0].toUpperCase() === 'MONITOR') monitors.push(c);
    if (mode === 'nowait') {
      unanswered.set(c, (unanswered.get(c) ?? 0) + 1);
      // No reply to wait for: wait until every monitor has shown the command instead, so the next
      // step (on another connection, maybe through another I/O thread) cannot overtake it.
      for (let k = 0; k < marks.length; k++) await waitShown(monitors[k], marks[k], `"${args[0]}"`);
      continue;
    }
    // Replies owed to earlier 'nowait' steps come first.
    for (let n = unanswered.get(c) ?? 0; n > 0; n--) await waitReply(c, (f) => !isPush(f));
    unanswered.delete(c);
    // MONITOR connections get their own lines: a reply is any frame that is not a push.
    await waitReply(c, (f) => !isPush(f));
  }
  // Last connection first: a MONITOR (connection 0 in the tests) then has every line before its own.
  for (const c of [...cs].reverse()) {
    if (c.closed) continue;
    for (let n = unanswered.get(c) ?? 0; n > 0; n--) await waitReply(c, (f) => !isPush(f));
    c.sock.write(encodeCommand(['PING', 'drain']));
    await waitReply(c, (f) => !isPush(f) && f.includes('drain'));
  }
  const out = cs.map((c) => {
    let s = c.data.toString('latin1');
    const idOf = (id: string): string => {
      const k = cs.findIndex((x) => String(x.id) === id);
      return k < 0 ? id : `<id ${k}>`;
    };
    for (let k = 0; k < cs.length; k++) s = s.split(`127.0.0.1:${cs[k].port}`).join(`<port ${k}>`);
    // Client ids where replies and pushes carry them (HELLO, TRACKINGINFO, the broken-redirect push, CLIENT LIST).
    s = s.replace(/(\$2\r\nid\r\n:|redirect\r\n:|tracking-redir-broken\r\n:)(\d+)/g, (_, pre: string, id: string) => pre + idOf(id));
    s = s.replace(/(id=|redir=)(\d+)/g, (_, pre: string, id: string) => pre + idOf(id));
    // MONITOR timestamps
    return s.replace(/\+\d+\.\d{6} \[/g, '+<time> [');
  });
  for (const c of cs) c.sock.destroy();
  return out;
}
