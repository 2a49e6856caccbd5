// Propagation goldens: what Redis 7.0.15 writes to its AOF for the cases in
// test/golden/aof-cases/<family>.txt (same syntax as test/golden/cases, see golden.ts), and the
// same stream built from Spindle's propagation slot.
//
//   scripts/record-aof.ts       runs every case on redis-server (appendonly yes, appendfsync
//                               always) and stores, per case, the commands its AOF gained, in
//                               test/golden/aof-recorded/<family>.json
//   test/integration/propagation.test.ts  runs the cases on an in-process Spindle whose
//                               propagation consumer writes the AOF the way feedAppendOnlyFile
//                               does (SELECT when the database changes), and compares.
//
// Each stored command is an array of latin1 strings; 13-digit unix-ms numbers (the absolute
// times relative expiries become) are replaced by "<unix-ms>" on both sides.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from './servers.ts';
import { parseCaseFile, type Case } from './golden.ts';

export const AOF_CASES_DIR = path.join(REPO_ROOT, 'test', 'golden', 'aof-cases');
export const AOF_RECORDED_DIR = path.join(REPO_ROOT, 'test', 'golden', 'aof-recorded');

export interface AofRecorded {
  family: string;
  server: string;
  cases: { name: string; aof: string[][] }[];
}

export function aofFamilies(): string[] {
  return readdirSync(AOF_CASES_DIR).filter((f) => f.endsWith('.txt')).map((f) => f.slice(0, -4)).sort();
}

export function loadAofCases(family: string): Case[] {
  return parseCaseFile(readFileSync(path.join(AOF_CASES_DIR, `${family}.txt`), 'utf8'), family, `aof-cases/${family}.txt`);
}

export function loadAofRecorded(family: string): AofRecorded {
  return JSON.parse(readFileSync(path.join(AOF_RECORDED_DIR, `${family}.json`), 'utf8')) as AofRecorded;
}

/** Normalises one propagated argument (latin1). */
export function normArg(s: string): string {
  return /^\d{13}$/.test(s) ? '<unix-ms>' : s;
}

/** Parses an AOF fragment (RESP multibulk commands) into normalised argument arrays. */
export function parseAof(buf: Buffer): string[][] {
  const out: string[][] = [];
  let p = 0;
  const line = (): string => {
    const e = buf.indexOf('\r\n', p);
    if (e < 0) throw new Error(`truncated AOF at ${p}`);
    const s = buf.toString('latin1', p, e);
    p = e + 2;
    return s;
  };
  while (p < buf.length) {
    const h = line();
    if (h[0] !== '*') throw new Error(`AOF: expected '*' at ${p}: ${h}`);
    const n = Number(h.slice(1));
    const cmd: string[] = [];
    for (let i = 0; i < n; i++) {
      const l = Number(line().slice(1));
      cmd.push(normArg(buf.toString('latin1', p, p + l)));
      p += l + 2;
    }
    out.push(cmd);
  }
  return out;
}

/**
 * A case's stream without the SELECT that may precede its FLUSHALL: that one depends on where
 * the previous case left the AOF's selected database, not on the case.
 */
export function caseStream(cmds: string[][]): string[][] {
  const out = cmds.length > 1 && cmds[0][0] === 'SELECT' && cmds[1][0] === 'FLUSHALL' ? cmds.slice(1) : [...cmds];
  // A run of DELs (keys one command found expired, SCAN or KEYS say) comes in dict order, which
  // differs between servers and means nothing: such runs are compared sorted.
  for (let i = 0; i < out.length; ) {
    let j = i;
    while (j < out.length && out[j][0] === 'DEL' && out[j].length === 2) j++;
    if (j - i > 1) out.splice(i, j - i, ...out.slice(i, j).sort((a, b) => (a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0)));
    i = Math.max(j, i + 1);
  }
  return out;
}

/** Renders a stream for a failure message. */
export function showAof(cmds: string[][]): string {
  return cmds.map((c) => c.map((a) => JSON.stringify(a)).join(' ')).join('\n');
}
