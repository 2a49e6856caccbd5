/*
 * Every registered command and subcommand has a test (as Garnet checks): a new command cannot
 * land untested.
 *
 * The rule. A command is covered when at least one of these runs it:
 *   - a golden case (test/golden/cases/*.txt): a command step (after any @mode) whose first
 *     token is the command's name, case-insensitive; for a subcommand, the parent's name followed
 *     by the subcommand's. `COMMAND GETKEYS SORT ...` covers COMMAND GETKEYS, not SORT.
 *   - an integration or interop test (test/integration/*.ts, test/interop/*.ts): a quoted string
 *     literal with the name, case-insensitive, that opens an array literal or an argument list,
 *     as in `send(['SET', ...])`, `redis.call('expire', ...)`, `sendCommand(["GET", ...])`; for a
 *     subcommand, the parent's literal followed by the subcommand's: `send(['CONFIG', 'SET', ...])`.
 *     An inline request counts too: a literal holding the name (then a space and arguments) up to
 *     an escaped CRLF, as in sendRaw('PING\r\n') or sendRaw('CLIENT LIST\r\n').
 * Names mentioned anywhere else (comments, expected replies, COMMAND INFO arguments) do not count.
 * A container (CONFIG, CLIENT, COMMAND...) is checked like any command, by its own name: any of
 * its subcommands' calls covers it, and each subcommand is checked on its own.
 *
 * UNTESTABLE lists what cannot run against the test harness's server, each with the reason; it is
 * not a place for commands that merely lack a test.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { createRegistry } from '../../src/server/command-table.ts';
import { caseFamilies, loadCases } from '../helpers/golden.ts';
import { REPO_ROOT } from '../helpers/servers.ts';

/** Commands that cannot be exercised against the shared test server, with why. */
const UNTESTABLE: Record<string, string> = {};

/** "set", or "config set" for a subcommand: how the command is spelled in a call. */
function callName(fullName: string): string[] {
  return fullName.split('|');
}

function goldenCalls(): Set<string> {
  const seen = new Set<string>();
  for (const family of caseFamilies()) {
    for (const c of loadCases(family)) {
      for (const st of c.steps) {
        if (st.kind !== 'cmd' || st.argv.length === 0) continue;
        const a0 = st.argv[0].toString('latin1').toLowerCase();
        seen.add(a0);
        if (st.argv.length > 1) seen.add(`${a0}|${st.argv[1].toString('latin1').toLowerCase()}`);
      }
    }
  }
  return seen;
}

function testSources(): string[] {
  const out: string[] = [];
  for (const dir of ['integration', 'interop']) {
    const abs = path.join(REPO_ROOT, 'test', dir);
    for (const f of readdirSync(abs, { recursive: true, encoding: 'utf8' })) {
      if (f.endsWith('.ts')) out.push(readFileSync(path.join(abs, f), 'utf8'));
    }
  }
  return out;
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Whether a test source calls the command (see the rule at the top). */
function sourceCalls(src: string, parts: string[]): boolean {
  const q = `['"\`]`;
  const lit = (name: string) => `${q}${escapeRe(name)}${q}`;
  const opener = `[[(]\\s*`;
  // An inline request: the rest of its line inside the literal, then an escaped CRLF.
  const inlineRest = `[^'"\`\\n]*?`;
  const crlf = '\\\\r\\\\n';
  const pattern =
    parts.length === 1
      ? `${opener}${lit(parts[0])}\\s*[,\\])]|${q}${escapeRe(parts[0])}(?: ${inlineRest})?${crlf}`
      : `${opener}${lit(parts[0])}\\s*,\\s*${lit(parts[1])}|${q}${escapeRe(parts[0])} ${escapeRe(parts[1])}(?: ${inlineRest})?${crlf}`;
  return new RegExp(pattern, 'i').test(src);
}

describe('command coverage', () => {
  const registry = createRegistry();
  const golden = goldenCalls();
  const sources = testSources();

  test('every registered command and subcommand is run by a golden case or a socket test', () => {
    const uncovered: string[] = [];
    for (const cmd of registry.all()) {
      if (Object.hasOwn(UNTESTABLE, cmd.fullName)) continue;
      if (golden.has(cmd.fullName)) continue;
      const parts = callName(cmd.fullName);
      if (sources.some((src) => sourceCalls(src, parts))) continue;
      uncovered.push(cmd.fullName.replace('|', ' ').toUpperCase());
    }
    expect(uncovered, `commands with no test: add golden cases (test/golden/cases/*.txt) for ${uncovered.join(', ')}`).toEqual([]);
  });

  test('the rule for test sources', () => {
    expect(sourceCalls(`await c.send(['CONFIG', 'SET', 'hz', '5'])`, ['config', 'set'])).toBe(true);
    expect(sourceCalls(`redis.call("expire", k, 5)`, ['expire'])).toBe(true);
    expect(sourceCalls('sendCommand([`GET`])', ['get'])).toBe(true);
    expect(sourceCalls(`c.sendRaw('PING\\r\\n')`, ['ping'])).toBe(true);
    expect(sourceCalls(`c.sendRaw('CLIENT LIST\\r\\n')`, ['client', 'list'])).toBe(true);
    expect(sourceCalls(`// CONFIG SET runs hooks`, ['config', 'set'])).toBe(false);
    expect(sourceCalls(`send(['CONFIG', 'GET', 'set'])`, ['config', 'set'])).toBe(false);
    expect(sourceCalls(`expect(r).toBe('-ERR unknown command GETDEL')`, ['getdel'])).toBe(false);
    expect(sourceCalls(`send(['GETDELX'])`, ['getdel'])).toBe(false);
    expect(sourceCalls(`expect(r, 'SET k v replaces the value').toBe(x)`, ['set'])).toBe(false);
  });

  test('the untestable list names registered commands only', () => {
    for (const name of Object.keys(UNTESTABLE)) expect(registry.find(name), name).toBeDefined();
  });
});
