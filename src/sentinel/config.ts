/*
 * sentinel.conf: the generic lines a sentinel uses (port, bind, logfile, dir, pidfile, ...) and
 * the `sentinel ...` lines, read at start-up; and the rewrite after every state change. The
 * rewrite keeps every non-sentinel line of the file as it was and regenerates the sentinel
 * state (monitor lines with each primary's current address, options, myid, epochs, the known
 * replicas and sentinels), written to a temporary file and renamed over the original.
 */
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { Instance, Master } from './state.ts';

export interface SentinelConfig {
  file: string;
  port: number;
  bind: string[];
  logfile: string;
  dir: string;
  pidfile: string;
  myId: string;
  currentEpoch: number;
  announceIp: string;
  announcePort: number;
  resolveHostnames: boolean;
  masters: Map<string, Master>;
  otherLines: string[];
}

/** Splits a config line into words, with "double" and 'single' quotes as Redis's sdssplitargs. */
export function splitConfigLine(line: string): string[] {
  const out: string[] = [];
  const re = /"((?:[^"\\]|\\.)*)"|'([^']*)'|(\S+)/g;
  for (let m = re.exec(line); m !== null; m = re.exec(line)) {
    out.push(m[1] !== undefined ? m[1].replace(/\\(.)/g, '$1') : (m[2] ?? m[3]));
  }
  return out;
}

export function newRunId(): string {
  return randomBytes(20).toString('hex');
}

/** Applies one `sentinel <option> ...` line (config file or SENTINEL SET); null or an error. */
export function applySentinelOption(cfg: SentinelConfig, a: string[]): string | null {
  const opt = a[0]?.toLowerCase() ?? '';
  const m = a.length > 1 ? cfg.masters.get(a[1]) : undefined;
  const needMaster = () => (m === undefined ? 'No such master with specified name.' : null);
  switch (opt) {
    case 'monitor': {
      if (a.length !== 5) return 'Wrong number of arguments for sentinel monitor';
      const q = Number(a[4]);
      if (!Number.isInteger(q) || q <= 0) return 'Quorum must be 1 or greater.';
      cfg.masters.set(a[1], new Master(a[1], a[2], Number(a[3]), q));
      return null;
    }
    case 'down-after-milliseconds':
    case 'failover-timeout':
    case 'parallel-syncs': {
      const e = needMaster();
      if (e !== null || m === undefined) return e;
      const n = Number(a[2]);
      if (!Number.isInteger(n) || n <= 0) return `Invalid ${opt} value`;
      if (opt === 'down-after-milliseconds') m.downAfter = n;
      else if (opt === 'failover-timeout') m.failoverTimeout = n;
      else m.parallelSyncs = n;
      return null;
    }
    case 'auth-pass':
    case 'auth-user': {
      const e = needMaster();
      if (e !== null || m === undefined) return e;
      if (opt === 'auth-pass') m.authPass = a[2] ?? '';
      else m.authUser = a[2] ?? '';
      return null;
    }
    case 'config-epoch':
    case 'leader-epoch': {
      const e = needMaster();
      if (e !== null || m === undefined) return e;
      if (opt === 'config-epoch') m.configEpoch = Number(a[2]);
      else m.leaderEpoch = Number(a[2]);
      return null;
    }
    case 'known-replica':
    case 'known-slave': {
      const e = needMaster();
      if (e !== null || m === undefined) return e;
      const r = new Instance('slave', a[2], Number(a[3]));
      m.replicas.set(r.addr, r);
      return null;
    }
    case 'known-sentinel': {
      const e = needMaster();
      if (e !== null || m === undefined) return e;
      const s = new Instance('sentinel', a[2], Number(a[3]));
      s.runId = a[4] ?? '';
      m.sentinels.set(s.runId, s);
      return null;
    }
    case 'myid':
      if ((a[1] ?? '').length !== 40) return 'Malformed Sentinel id in myid option.';
      cfg.myId = a[1];
      return null;
    case 'current-epoch':
      cfg.currentEpoch = Number(a[1]);
      return null;
    case 'announce-ip':
      cfg.announceIp = a[1] ?? '';
      return null;
    case 'announce-port':
      cfg.announcePort = Number(a[1]);
      return null;
    case 'resolve-hostnames':
      cfg.resolveHostnames = (a[1] ?? '').toLowerCase() === 'yes';
      return null;
    case 'deny-scripts-reconfig':
    case 'announce-hostnames':
    case 'rename-command':
    case 'notification-script':
    case 'client-reconfig-script':
    case 'master-reboot-down-after-period':
      return null;
    default:
      return 'Unrecognized sentinel configuration statement.';
  }
}

/** Reads the file (plus command-line `--option value` pairs); throws a message on a bad line. */
export function loadSentinelConfig(file: string, extra: string[][]): SentinelConfig {
  const cfg: SentinelConfig = {
    file,
    port: 26379,
    bind: [],
    logfile: '',
    dir: '',
    pidfile: '',
    myId: '',
    currentEpoch: 0,
    announceIp: '',
    announcePort: 0,
    resolveHostnames: false,
    masters: new Map(),
    otherLines: [],
  };
  const text = readFileSync(file, 'utf8');
  const lines = text.split('\n').map((l) => l.replace(/\r$/, ''));
  const all: [string[], string | null][] = lines.map((l) => [splitConfigLine(l.trim()), l]);
  for (const e of extra) all.push([e, null]);
  for (const [words, raw] of all) {
    if (words.length === 0 || words[0].startsWith('#')) {
      if (raw !== null && raw.trim() !== '# Generated by CONFIG REWRITE') cfg.otherLines.push(raw);
      continue;
    }
    const key = words[0].toLowerCase();
    if (key === 'sentinel') {
      const err = applySentinelOption(cfg, words.slice(1));
      if (err !== null) throw new Error(`*** FATAL CONFIG FILE ERROR ***\n>>> '${words.join(' ')}'\n${err}`);
      continue;
    }
    if (key === 'port') cfg.port = Number(words[1]);
    else if (key === 'bind') cfg.bind = words.slice(1);
    else if (key === 'logfile') cfg.logfile = words[1] ?? '';
    else if (key === 'dir') cfg.dir = words[1] ?? '';
    else if (key === 'pidfile') cfg.pidfile = words[1] ?? '';
    if (raw !== null) cfg.otherLines.push(raw);
  }
  while (cfg.otherLines.length > 0 && cfg.otherLines[cfg.otherLines.length - 1].trim() === '') cfg.otherLines.pop();
  return cfg;
}

/** A value as one config word: bare when safe, else double-quoted with escapes. */
export function quoteConfigWord(v: string): string {
  if (/^[\x21-\x7e]+$/.test(v) && !/["'\\]/.test(v)) return v;
  return `"${v.replace(/[\\"]/g, (c) => `\\${c}`).replace(/\n/g, '\\n').replace(/\r/g, '\\r')}"`;
}

/** The sentinel state as config lines, in Redis's order. */
export function sentinelLines(cfg: SentinelConfig): string[] {
  const out: string[] = [];
  out.push(`sentinel myid ${cfg.myId}`);
  for (const m of cfg.masters.values()) {
    out.push(`sentinel monitor ${m.name} ${m.host} ${m.port} ${m.quorum}`);
    if (m.downAfter !== 30000) out.push(`sentinel down-after-milliseconds ${m.name} ${m.downAfter}`);
    if (m.failoverTimeout !== 180000) out.push(`sentinel failover-timeout ${m.name} ${m.failoverTimeout}`);
    if (m.parallelSyncs !== 1) out.push(`sentinel parallel-syncs ${m.name} ${m.parallelSyncs}`);
    if (m.authPass !== '') out.push(`sentinel auth-pass ${m.name} ${quoteConfigWord(m.authPass)}`);
    if (m.authUser !== '') out.push(`sentinel auth-user ${m.name} ${quoteConfigWord(m.authUser)}`);
    out.push(`sentinel config-epoch ${m.name} ${m.configEpoch}`);
    out.push(`sentinel leader-epoch ${m.name} ${m.leaderEpoch}`);
    for (const r of m.replicas.values()) out.push(`sentinel known-replica ${m.name} ${r.host} ${r.port}`);
    for (const s of m.sentinels.values()) out.push(`sentinel known-sentinel ${m.name} ${s.host} ${s.port} ${s.runId}`);
  }
  out.push(`sentinel current-epoch ${cfg.currentEpoch}`);
  return out;
}

/** Rewrites the config file; returns an error text or null. */
export function rewriteSentinelConfig(cfg: SentinelConfig): string | null {
  const body = [...cfg.otherLines, '', '# Generated by CONFIG REWRITE', ...sentinelLines(cfg), ''].join('\n');
  const tmp = `${cfg.file}.tmp-${process.pid}`;
  try {
    writeFileSync(tmp, body);
    renameSync(tmp, cfg.file);
    return null;
  } catch (e) {
    return (e as Error).message;
  }
}
