// Golden side-by-side cases: loader, runner and reply comparison.
//
// CASE FILES — test/golden/cases/<family>.txt (one file per command family)
// ==========================================================================
//
//   # a comment (only at the start of a line); blank lines are ignored
//   === set with EX then TTL                 <- starts a case; the name must be unique in its file
//   SET k v EX 100                           <- a command, compared exactly (byte for byte)
//   @int-range 95 100 TTL k                  <- a command with a comparison mode
//   SET bin "a\x00b\r\n"                     <- redis-cli quoting
//
// Every case runs on a fresh connection, after `FLUSHALL` and `HELLO 2` on that connection
// (their replies are not compared), against one server shared by all cases of the run. So a
// case must leave no other global state behind (CONFIG SET it restores itself, no SHUTDOWN...).
//
// Tokens follow redis-cli / sdssplitargs quoting: separated by spaces; "double quotes" accept
// \xHH \n \r \t \b \a \\ \" escapes; 'single quotes' accept \' only; a closing quote must be
// followed by a space or the end of the line. Extension: a quoted token directly followed by
// `*N` is repeated N times ("a"*45 is a 45-byte string of a's). Unquoted text is UTF-8.
//
// A command line may start with one comparison mode (the reply of that command):
//   (none) / @exact      the raw reply bytes must be identical
//   @type                only the RESP type byte must match (+ - : $ * % ~ ...)
//   @sorted              an array/set reply compared as a multiset of raw elements (map: as a set
//                        of key/value pairs); any other reply type is compared exactly
//   @scan                a SCAN-like reply [cursor, [elements]]: cursor exact, elements as a multiset
//   @int-range A B       the reply must be an integer in [A, B] (on every server, recorded too)
//   @mask I,J,...        exact, except the scalar leaves with these depth-first indexes (0-based,
//                        map keys and values counted, aggregates not counted) which only need the
//                        same type. E.g. HELLO's client id is leaf 7: `@mask 7 HELLO 3`.
//   @ignore              a reply is read but not compared
//   @noreply             no reply is expected or read (e.g. after CLIENT REPLY OFF); the next
//                        reply read shows whether the server wrongly replied.
// Other step lines:
//   @raw N TOKEN...      writes the tokens' bytes concatenated (no separators) as they are, then
//                        reads N complete replies (N may be 0), each compared exactly. For inline
//                        commands and protocol errors: @raw 1 "PING\r\n"
//   @closed              waits up to 2 s for the server to close the connection; records whether
//                        it did ("closed" or "open"). Use after a protocol error.
//   @sleep MS            waits MS milliseconds (e.g. for a key with a 10 ms expiry to go away).
//
// HOW TO ADD A CASE: append it to the family's .txt file (or a new <family>.txt), then run
//   PATH=$PWD/node_modules/.bin:$PATH node scripts/record-golden.ts
// (needs the real redis-server 7.0.15) to rewrite test/golden/recorded/<family>.json, and commit
// both. `node scripts/record-golden.ts --check` replays the recorded files against a fresh
// redis-server without writing. test/integration/golden.test.ts replays them against Spindle
// (npm test); test/interop/side-by-side.test.ts compares both servers live (npm run test:interop).
//
// RECORDED FILES — test/golden/recorded/<family>.json
//   { "family", "server", "cases": [ { "name", "steps": [ STEP... ] } ] } where STEP is one of
//   { "cmd": [argv...], "mode"?: "sorted", "reply": CANON | null }
//   { "raw": BYTES, "replies": [BYTES...] }      { "closed": true|false }      { "sleep": MS }
//   All byte strings are latin1 (one char per byte; JSON escapes control bytes); long ones with
//   runs of one byte are stored as parts: ["*1\r\n$", ["1", 70000]] (see pack()). CANON is the
//   canonical form of a reply under its mode (the raw reply when exact; for @sorted/@scan the
//   reply with elements sorted; for @type the type byte; null for @int-range/@ignore/@noreply),
//   so recording is deterministic and comparing is `canonical(actual) === recorded`.

import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { createRegistry } from '../../src/server/command-table.ts';
import { REPO_ROOT, rawClient, scanReply, type RawClient } from './servers.ts';

export const CASES_DIR = path.join(REPO_ROOT, 'test', 'golden', 'cases');
export const RECORDED_DIR = path.join(REPO_ROOT, 'test', 'golden', 'recorded');

export type Mode =
  | { kind: 'exact' }
  | { kind: 'type' }
  | { kind: 'sorted' }
  | { kind: 'scan' }
  | { kind: 'ignore' }
  | { kind: 'noreply' }
  | { kind: 'int-range'; min: bigint; max: bigint }
  | { kind: 'mask'; leaves: number[] };

export type Step =
  | { kind: 'cmd'; argv: Buffer[]; mode: Mode; line: number }
  | { kind: 'raw'; bytes: Buffer; count: number; line: number }
  | { kind: 'closed'; line: number }
  | { kind: 'sleep'; ms: number; line: number };

export interface Case {
  family: string;
  name: string;
  file: string;
  line: number;
  steps: Step[];
}

// ---------------------------------------------------------------------------------------------
// Parsing

/** Splits a line like sdssplitargs (redis-cli), returning byte strings, plus the "x"*N extension. */
export function splitArgs(line: string): Buffer[] {
  const out: Buffer[] = [];
  let i = 0;
  const n = line.length;
  const isSpace = (c: string) => c === ' ' || c === '\t' || c === '\n' || c === '\r' || c === '\v' || c === '\f';
  const isHex = (c: string) => /^[0-9a-fA-F]$/.test(c);
  while (i < n) {
    while (i < n && isSpace(line[i])) i++;
    if (i >= n) break;
    const bytes: number[] = [];
    const pushText = (s: string) => bytes.push(...Buffer.from(s, 'utf8'));
    let quoted = false;
    if (line[i] === '"') {
      quoted = true;
      i++;
      for (;;) {
        if (i >= n) throw new Error('unbalanced double quotes');
        const c = line[i];
        if (c === '\\' && i + 3 < n && line[i + 1] === 'x' && isHex(line[i + 2]) && isHex(line[i + 3])) {
          bytes.push(parseInt(line.slice(i + 2, i + 4), 16));
          i += 4;
        } else if (c === '\\' && i + 1 < n) {
          const e = line[i + 1];
          const map: Record<string, string> = { n: '\n', r: '\r', t: '\t', b: '\b', a: '\x07' };
          pushText(map[e] ?? e);
          i += 2;
        } else if (c === '"') {
          i++;
          break;
        } else {
          pushText(c);
          i++;
        }
      }
    } else if (line[i] === "'") {
      quoted = true;
      i++;
      for (;;) {
        if (i >= n) throw new Error('unbalanced single quotes');
        const c = line[i];
        if (c === '\\' && line[i + 1] === "'") {
          pushText("'");
          i += 2;
        } else if (c === "'") {
          i++;
          break;
        } else {
          pushText(c);
          i++;
        }
      }
    } else {
      while (i < n && !isSpace(line[i])) {
        pushText(line[i]);
        i++;
      }
    }
    let buf = Buffer.from(bytes);
    if (quoted && line[i] === '*') {
      const m = /^\*(\d+)/.exec(line.slice(i));
      if (!m) throw new Error('expected a repeat count after *');
      buf = Buffer.from(buf.toString('latin1').repeat(Number(m[1])), 'latin1');
      i += m[0].length;
    }
    if (quoted && i < n && !isSpace(line[i])) throw new Error('closing quote must be followed by a space');
    out.push(buf);
  }
  return out;
}

function parseMode(tokens: string[], lineNo: number): { mode: Mode; used: number } {
  const t = tokens[0];
  const bad = (msg: string) => new Error(`line ${lineNo}: ${msg}`);
  switch (t) {
    case '@exact': return { mode: { kind: 'exact' }, used: 1 };
    case '@type': return { mode: { kind: 'type' }, used: 1 };
    case '@sorted': return { mode: { kind: 'sorted' }, used: 1 };
    case '@scan': return { mode: { kind: 'scan' }, used: 1 };
    case '@ignore': return { mode: { kind: 'ignore' }, used: 1 };
    case '@noreply': return { mode: { kind: 'noreply' }, used: 1 };
    case '@int-range': {
      const isInt = (t: string | undefined) => t !== undefined && /^-?\d+$/.test(t);
      if (!isInt(tokens[1]) || !isInt(tokens[2]) || BigInt(tokens[1]) > BigInt(tokens[2])) {
        throw bad('@int-range needs two integers A <= B');
      }
      return { mode: { kind: 'int-range', min: BigInt(tokens[1]), max: BigInt(tokens[2]) }, used: 3 };
    }
    case '@mask': {
      const leaves = (tokens[1] ?? '').split(',').map(Number);
      if (!leaves.length || leaves.some((x) => !Number.isInteger(x) || x < 0)) throw bad('@mask needs leaf indexes like 3,7');
      return { mode: { kind: 'mask', leaves }, used: 2 };
    }
    default:
      throw bad(`unknown mode ${t}`);
  }
}

export function modeToString(m: Mode): string {
  switch (m.kind) {
    case 'int-range': return `int-range ${m.min} ${m.max}`;
    case 'mask': return `mask ${m.leaves.join(',')}`;
    default: return m.kind;
  }
}

export function parseCaseFile(text: string, family: string, file = `${family}.txt`): Case[] {
  const cases: Case[] = [];
  let cur: Case | undefined;
  const names = new Set<string>();
  text.split('\n').forEach((rawLine, idx) => {
    const lineNo = idx + 1;
    const line = rawLine.replace(/\r$/, '');
    const trimmed = line.trim();
    if (trimmed === '' || trimmed.startsWith('#')) return;
    const where = `${file}:${lineNo}`;
    if (trimmed.startsWith('===')) {
      const name = trimmed.slice(3).trim();
      if (!name) throw new Error(`${where}: case without a name`);
      if (names.has(name)) throw new Error(`${where}: duplicate case name ${JSON.stringify(name)}`);
      names.add(name);
      cur = { family, name, file, line: lineNo, steps: [] };
      cases.push(cur);
      return;
    }
    if (!cur) throw new Error(`${where}: step before the first "=== name" line`);
    let tokens: Buffer[];
    try {
      tokens = splitArgs(line);
    } catch (e) {
      throw new Error(`${where}: ${(e as Error).message}`);
    }
    const strs = tokens.map((b) => b.toString('latin1'));
    try {
      if (strs[0] === '@raw') {
        const count = Number(strs[1]);
        if (!Number.isInteger(count) || count < 0) throw new Error('@raw needs a reply count');
        if (tokens.length < 3) throw new Error('@raw needs bytes to send');
        cur.steps.push({ kind: 'raw', count, bytes: Buffer.concat(tokens.slice(2)), line: lineNo });
      } else if (strs[0] === '@closed') {
        cur.steps.push({ kind: 'closed', line: lineNo });
      } else if (strs[0] === '@sleep') {
        const ms = Number(strs[1]);
        if (!Number.isInteger(ms) || ms < 0) throw new Error('@sleep needs milliseconds');
        cur.steps.push({ kind: 'sleep', ms, line: lineNo });
      } else {
        let mode: Mode = { kind: 'exact' };
        let argv = tokens;
        if (strs[0].startsWith('@')) {
          const p = parseMode(strs, lineNo);
          mode = p.mode;
          argv = tokens.slice(p.used);
        }
        if (!argv.length) throw new Error('no command');
        cur.steps.push({ kind: 'cmd', argv, mode, line: lineNo });
      }
    } catch (e) {
      throw new Error(`${where}: ${(e as Error).message}`);
    }
  });
  for (const c of cases) if (!c.steps.length) throw new Error(`${file}:${c.line}: case ${JSON.stringify(c.name)} has no steps`);
  return cases;
}

export function caseFamilies(): string[] {
  return readdirSync(CASES_DIR)
    .filter((f) => f.endsWith('.txt'))
    .map((f) => f.slice(0, -4))
    .sort();
}

export function loadCases(family: string): Case[] {
  const file = path.join(CASES_DIR, `${family}.txt`);
  return parseCaseFile(readFileSync(file, 'utf8'), family, path.relative(REPO_ROOT, file));
}

// ---------------------------------------------------------------------------------------------
// Running

export type StepResult =
  | { kind: 'cmd'; reply: Buffer | null }
  | { kind: 'raw'; replies: Buffer[] }
  | { kind: 'closed'; closed: boolean }
  | { kind: 'sleep' };

export interface CaseRun {
  results: StepResult[];
  /** Set when a step could not complete (no reply, connection closed...); results stop there. */
  error?: { step: number; message: string };
}

export interface RunOptions {
  replyTimeoutMs?: number;
  closeTimeoutMs?: number;
  /** Send FLUSHALL first (default true); false only makes sense on a server fresh for this case. */
  flush?: boolean;
}

/** Runs one case on a fresh connection to 127.0.0.1:port. Never throws for server misbehaviour. */
export async function runCase(port: number, c: Case, opts: RunOptions = {}): Promise<CaseRun> {
  const replyTimeout = opts.replyTimeoutMs ?? 5000;
  const results: StepResult[] = [];
  let client: RawClient | undefined;
  let step = -1;
  try {
    client = await rawClient(port);
    if (opts.flush !== false) {
      const flush = await client.send(['FLUSHALL'], replyTimeout);
      if (flush.toString('latin1') !== '+OK\r\n') throw new Error(`FLUSHALL replied ${JSON.stringify(flush.toString('latin1'))}`);
    }
    await client.send(['HELLO', '2'], replyTimeout); // an error here is tolerated: RESP2 is the default
    for (step = 0; step < c.steps.length; step++) {
      const s = c.steps[step];
      switch (s.kind) {
        case 'cmd':
          if (s.mode.kind === 'noreply') {
            client.sendRaw(encodeArgv(s.argv));
            results.push({ kind: 'cmd', reply: null });
          } else {
            results.push({ kind: 'cmd', reply: await client.send(s.argv, replyTimeout) });
          }
          break;
        case 'raw': {
          client.sendRaw(s.bytes);
          const replies: Buffer[] = [];
          for (let i = 0; i < s.count; i++) replies.push(await client.readReply(replyTimeout));
          results.push({ kind: 'raw', replies });
          break;
        }
        case 'closed':
          results.push({ kind: 'closed', closed: await client.waitClosed(opts.closeTimeoutMs ?? 2000) });
          break;
        case 'sleep':
          await new Promise((r) => setTimeout(r, s.ms));
          results.push({ kind: 'sleep' });
          break;
      }
    }
    return { results };
  } catch (e) {
    return { results, error: { step, message: (e as Error).message } };
  } finally {
    client?.close();
  }
}

function encodeArgv(argv: Buffer[]): Buffer {
  const parts: Buffer[] = [Buffer.from(`*${argv.length}\r\n`)];
  for (const a of argv) parts.push(Buffer.from(`$${a.length}\r\n`), a, Buffer.from('\r\n'));
  return Buffer.concat(parts);
}

// ---------------------------------------------------------------------------------------------
// RESP tree, canonical forms and checks

interface Node {
  type: string;
  /** The whole encoded value. */
  raw: Buffer;
  /** For aggregates: the header line (e.g. "*3\r\n") and the elements. */
  header?: Buffer;
  children?: Node[];
}

function parseNode(buf: Buffer, pos: number): { node: Node; end: number } {
  const type = String.fromCharCode(buf[pos]);
  const eol = buf.indexOf('\r\n', pos, 'latin1');
  if (eol < 0) throw new Error('truncated reply');
  const head = buf.toString('latin1', pos + 1, eol);
  if ('*~>%'.includes(type) && /^\d+$/.test(head)) {
    const n = Number(head) * (type === '%' ? 2 : 1);
    let p = eol + 2;
    const children: Node[] = [];
    for (let i = 0; i < n; i++) {
      const r = parseNode(buf, p);
      children.push(r.node);
      p = r.end;
    }
    return { node: { type, raw: buf.subarray(pos, p), header: buf.subarray(pos, eol + 2), children }, end: p };
  }
  // scalars, nulls, attributes and streamed values: kept whole (leaves)
  const end = scanReply(buf, pos);
  if (end < 0) throw new Error('truncated reply');
  return { node: { type, raw: buf.subarray(pos, end) }, end };
}

function parseReply(buf: Buffer): Node {
  const { node, end } = parseNode(buf, 0);
  if (end !== buf.length) throw new Error('trailing bytes after reply');
  return node;
}

const latin1 = (b: Buffer) => b.toString('latin1');
const cmpStr = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

function sortedForm(n: Node): string {
  if (!n.children || !n.header) return latin1(n.raw);
  if (n.type === '%') {
    const pairs: string[] = [];
    for (let i = 0; i < n.children.length; i += 2) pairs.push(latin1(n.children[i].raw) + latin1(n.children[i + 1].raw));
    return latin1(n.header) + pairs.sort(cmpStr).join('');
  }
  return latin1(n.header) + n.children.map((c) => latin1(c.raw)).sort(cmpStr).join('');
}

function maskedForm(n: Node, leaves: Set<number>, counter: { i: number }): string {
  if (n.children && n.header) return latin1(n.header) + n.children.map((c) => maskedForm(c, leaves, counter)).join('');
  const idx = counter.i++;
  return leaves.has(idx) ? `${n.type}<masked>\r\n` : latin1(n.raw);
}

/** The canonical (latin1) form of a command reply under a mode; null when nothing is compared. */
export function canonical(mode: Mode, reply: Buffer | null): string | null {
  if (reply === null) return null;
  switch (mode.kind) {
    case 'exact': return latin1(reply);
    case 'type': return String.fromCharCode(reply[0]);
    case 'ignore': case 'noreply': case 'int-range': return null;
    case 'sorted': return sortedForm(parseReply(reply));
    case 'scan': {
      const n = parseReply(reply);
      if (n.type !== '*' || n.children?.length !== 2 || !n.children[1].children) return latin1(reply);
      return latin1(n.header!) + latin1(n.children[0].raw) + sortedForm(n.children[1]);
    }
    case 'mask': return maskedForm(parseReply(reply), new Set(mode.leaves), { i: 0 });
  }
}

/** Checks a reply against the mode's own constraint (int-range); returns a problem or undefined. */
export function checkReply(mode: Mode, reply: Buffer | null): string | undefined {
  if (mode.kind === 'noreply') return reply === null ? undefined : 'expected no reply';
  if (reply === null) return 'no reply';
  if (mode.kind === 'int-range') {
    const m = /^:(-?\d+)\r\n$/.exec(latin1(reply));
    if (!m) return `expected an integer reply in [${mode.min}, ${mode.max}], got ${show(latin1(reply))}`;
    const v = BigInt(m[1]);
    if (v < mode.min || v > mode.max) return `integer ${v} not in [${mode.min}, ${mode.max}]`;
  }
  return undefined;
}

export function show(s: string | null): string {
  if (s === null) return '(nothing)';
  const j = JSON.stringify(s);
  return j.length > 400 ? `${j.slice(0, 400)}..." (${s.length} bytes)` : j;
}

// ---------------------------------------------------------------------------------------------
// Recorded form

export type RecordedStep =
  | { cmd: string[]; mode?: string; reply: string | null }
  | { raw: string; replies: string[] }
  | { closed: boolean }
  | { sleep: number };

export interface RecordedCase {
  name: string;
  steps: RecordedStep[];
}

export interface RecordedFamily {
  family: string;
  server: string;
  cases: RecordedCase[];
}

/** The recorded (canonical) form of a run. Throws if the run failed or violates a mode's constraint. */
export function toRecorded(c: Case, run: CaseRun): RecordedCase {
  if (run.error) throw new Error(`${c.file}: case ${JSON.stringify(c.name)} step ${run.error.step + 1}: ${run.error.message}`);
  const steps = c.steps.map((s, i): RecordedStep => {
    const r = run.results[i];
    switch (s.kind) {
      case 'cmd': {
        const reply = (r as { reply: Buffer | null }).reply;
        const problem = checkReply(s.mode, reply);
        if (problem) throw new Error(`${c.file}:${s.line}: case ${JSON.stringify(c.name)}: ${problem}`);
        const out: RecordedStep = { cmd: s.argv.map(latin1), reply: canonical(s.mode, reply) };
        return s.mode.kind === 'exact' ? out : { cmd: out.cmd, mode: modeToString(s.mode), reply: out.reply };
      }
      case 'raw':
        return { raw: latin1(s.bytes), replies: (r as { replies: Buffer[] }).replies.map(latin1) };
      case 'closed':
        return { closed: (r as { closed: boolean }).closed };
      case 'sleep':
        return { sleep: s.ms };
    }
  });
  return { name: c.name, steps };
}

/** A case's steps without replies, to tell whether a recording matches the case files. */
export function caseSignature(c: Case): string {
  return JSON.stringify(
    c.steps.map((s) =>
      s.kind === 'cmd' ? { cmd: s.argv.map(latin1), mode: modeToString(s.mode) }
      : s.kind === 'raw' ? { raw: latin1(s.bytes), n: s.count }
      : s.kind === 'closed' ? { closed: 1 }
      : { sleep: s.ms },
    ),
  );
}

/** The same signature computed from a recording. */
export function recordedSignature(rc: RecordedCase): string {
  return JSON.stringify(
    rc.steps.map((s) =>
      'cmd' in s ? { cmd: s.cmd, mode: s.mode ?? 'exact' }
      : 'raw' in s ? { raw: s.raw, n: s.replies.length }
      : 'closed' in s ? { closed: 1 }
      : { sleep: s.sleep },
    ),
  );
}

/** Rebuilds a Case from its recorded form (the golden test replays recordings, not the .txt). */
export function caseFromRecorded(family: string, rc: RecordedCase): Case {
  const steps = rc.steps.map((s, i): Step => {
    const line = i + 1;
    if ('cmd' in s) {
      const modeTokens = s.mode ? ['@' + s.mode.split(' ')[0], ...s.mode.split(' ').slice(1)] : ['@exact'];
      return { kind: 'cmd', argv: s.cmd.map((a) => Buffer.from(a, 'latin1')), mode: parseMode(modeTokens, line).mode, line };
    }
    if ('raw' in s) return { kind: 'raw', bytes: Buffer.from(s.raw, 'latin1'), count: s.replies.length, line };
    if ('closed' in s) return { kind: 'closed', line };
    return { kind: 'sleep', ms: s.sleep, line };
  });
  return { family, name: rc.name, file: `recorded/${family}.json`, line: 0, steps };
}

/**
 * In the files, a byte string longer than 256 bytes with runs of 64+ identical bytes is stored as
 * an array of parts: plain strings and [byte, count] runs. ("x"*70000 becomes [["x",70000]].)
 */
type Packed = string | (string | [string, number])[];

function pack(s: string): Packed {
  if (s.length < 256) return s;
  const parts: (string | [string, number])[] = [];
  let lit = '';
  let i = 0;
  while (i < s.length) {
    let j = i + 1;
    while (j < s.length && s[j] === s[i]) j++;
    if (j - i >= 64) {
      if (lit) parts.push(lit);
      lit = '';
      parts.push([s[i], j - i]);
    } else lit += s.slice(i, j);
    i = j;
  }
  if (lit) parts.push(lit);
  return parts.length === 1 && typeof parts[0] === 'string' ? s : parts;
}

function unpack(p: Packed): string {
  return typeof p === 'string' ? p : p.map((x) => (typeof x === 'string' ? x : x[0].repeat(x[1]))).join('');
}

type AnyStep = Record<string, unknown>;

function mapStrings(step: RecordedStep, f: (x: never) => unknown): AnyStep {
  const g = f as (x: unknown) => unknown;
  if ('cmd' in step) return { cmd: step.cmd.map(g), ...(step.mode ? { mode: step.mode } : {}), reply: step.reply === null ? null : g(step.reply) };
  if ('raw' in step) return { raw: g(step.raw), replies: step.replies.map(g) };
  return step as unknown as AnyStep;
}

export function loadRecorded(family: string): RecordedFamily {
  const rf = JSON.parse(readFileSync(path.join(RECORDED_DIR, `${family}.json`), 'utf8')) as RecordedFamily;
  for (const c of rf.cases) c.steps = c.steps.map((s) => mapStrings(s, unpack as (x: never) => unknown) as unknown as RecordedStep);
  return rf;
}

export function recordedFamilies(): string[] {
  try {
    return readdirSync(RECORDED_DIR).filter((f) => f.endsWith('.json')).map((f) => f.slice(0, -5)).sort();
  } catch {
    return [];
  }
}

/** Deterministic JSON for a recorded family (stable key order, one step per line). */
export function formatRecorded(rf: RecordedFamily): string {
  const lines: string[] = ['{', `  "family": ${JSON.stringify(rf.family)},`, `  "server": ${JSON.stringify(rf.server)},`, '  "cases": ['];
  rf.cases.forEach((c, ci) => {
    lines.push('    {', `      "name": ${JSON.stringify(c.name)},`, '      "steps": [');
    c.steps.forEach((s, si) => lines.push(`        ${JSON.stringify(mapStrings(s, pack as (x: never) => unknown))}${si < c.steps.length - 1 ? ',' : ''}`));
    lines.push('      ]', `    }${ci < rf.cases.length - 1 ? ',' : ''}`);
  });
  lines.push('  ]', '}', '');
  return lines.join('\n');
}

// ---------------------------------------------------------------------------------------------
// Comparison

/** Describes a step's command for messages. */
export function describeStep(s: Step): string {
  switch (s.kind) {
    case 'cmd': {
      const args = s.argv.map((a) => {
        const t = latin1(a);
        const short = t.length > 60 ? `${t.slice(0, 60)}...(${t.length} bytes)` : t;
        return /^[\x21-\x7e]+$/.test(short) && !short.includes('"') ? short : JSON.stringify(short);
      });
      return (s.mode.kind === 'exact' ? '' : `@${modeToString(s.mode)} `) + args.join(' ');
    }
    case 'raw': return `@raw ${s.count} ${show(latin1(s.bytes))}`;
    case 'closed': return '@closed';
    case 'sleep': return `@sleep ${s.ms}`;
  }
}

/**
 * Compares a run against the expected recorded steps. Returns a list of problems (empty = pass).
 * Comparison stops at the first mismatching step, since later replies are usually consequences.
 */
export function compareRun(c: Case, expected: RecordedStep[], run: CaseRun, who = 'server'): string[] {
  const problems: string[] = [];
  if (run.error && run.error.step < 0) return [`setup (FLUSHALL / HELLO 2): ${who} failed: ${run.error.message}`];
  for (let i = 0; i < c.steps.length; i++) {
    const s = c.steps[i];
    const at = `step ${i + 1} (line ${s.line}) \`${describeStep(s)}\``;
    if (run.error && run.error.step === i) {
      problems.push(`${at}: ${who} failed: ${run.error.message}`);
      break;
    }
    const r = run.results[i];
    const e = expected[i];
    if (!r) {
      problems.push(`${at}: not run`);
      break;
    }
    if (s.kind === 'cmd' && r.kind === 'cmd' && 'cmd' in e) {
      const problem = checkReply(s.mode, r.reply);
      const got = canonical(s.mode, r.reply);
      if (problem) problems.push(`${at}: ${problem}`);
      else if (got !== e.reply) problems.push(`${at}:\n    expected ${show(e.reply)}\n    ${who} sent ${show(got)}${s.mode.kind === 'exact' ? '' : `\n    (raw reply ${show(r.reply ? latin1(r.reply) : null)})`}`);
    } else if (s.kind === 'raw' && r.kind === 'raw' && 'raw' in e) {
      const got = r.replies.map(latin1);
      for (let j = 0; j < got.length; j++) {
        if (got[j] !== e.replies[j]) {
          problems.push(`${at}: reply ${j + 1}:\n    expected ${show(e.replies[j])}\n    ${who} sent ${show(got[j])}`);
          break;
        }
      }
    } else if (s.kind === 'closed' && r.kind === 'closed' && 'closed' in e) {
      if (r.closed !== e.closed) problems.push(`${at}: expected the connection to be ${e.closed ? 'closed' : 'open'}, ${who} left it ${r.closed ? 'closed' : 'open'}`);
    }
    if (problems.length) break;
  }
  return problems;
}

// ---------------------------------------------------------------------------------------------
// Cases Spindle cannot run yet

let registry: ReturnType<typeof createRegistry> | null = null;

/**
 * Redis 7.0 commands a case uses that Spindle does not implement yet (e.g. RPUSH to make a list
 * for a WRONGTYPE check, before lists exist). Such a case is reported as skipped, with the
 * missing commands in its title, and runs by itself once they are registered. Unknown names that
 * are not Redis commands (a case testing the unknown-command error) do not count.
 */
export function missingCommands(c: Case): string[] {
  registry ??= createRegistry();
  const missing = new Set<string>();
  for (const st of c.steps) {
    if (st.kind !== 'cmd' || st.argv.length === 0) continue;
    const name = st.argv[0].toString('latin1').toLowerCase();
    if (registry.metaTable[name] !== undefined && registry.find(name) === undefined) missing.add(name.toUpperCase());
  }
  return [...missing];
}
