/*
 * Reading a V8 .cpuprofile (what `node --cpu-prof` writes) into numbers a person can act on.
 *
 * The file is a call tree: `nodes` (id, callFrame {functionName, url, lineNumber, columnNumber},
 * hitCount, children ids) plus the sample stream: `samples` (the leaf node id of each sample)
 * and `timeDeltas` (µs since the previous sample; the first one is since `startTime`).
 *
 * analyzeProfile() counts the samples that fall in an optional time window (the same monotonic
 * clock as process.hrtime, so a caller can keep only the samples taken while a benchmark ran),
 * merges tree nodes that are the same function under the same parent, and derives:
 *   - self samples per function (the leaf of the stack),
 *   - inclusive samples per function (on the stack at all; a recursive function counts once),
 *   - the share of each kind of frame: (idle), (program), (garbage collector), native code
 *     (builtins, no script), node: internals, node_modules, and the repo's own code.
 * formatProfileTables() turns that into markdown tables; the flame graph (flamegraph.ts) draws
 * the merged tree.
 */
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

export interface CallFrame {
  functionName: string;
  scriptId?: string;
  url: string;
  lineNumber: number;
  columnNumber: number;
}

export interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  hitCount?: number;
  children?: number[];
}

export interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples?: number[];
  timeDeltas?: number[];
}

/** What a frame is: V8's pseudo frames, native code, Node's own JS, dependencies, our code. */
export type FrameKind = 'root' | 'idle' | 'program' | 'gc' | 'native' | 'node' | 'deps' | 'app';

export const KIND_LABELS: Record<FrameKind, string> = {
  root: '(root)',
  idle: '(idle)',
  program: '(program)',
  gc: '(garbage collector)',
  native: 'native (builtins, no script)',
  node: 'node: internals',
  deps: 'node_modules',
  app: 'repo code',
};

export interface Frame {
  /** Identity of the function: name, script and position. */
  key: string;
  name: string;
  /** Repo-relative `file:line`, `node:internal/x:line`, or '' for native frames. */
  location: string;
  kind: FrameKind;
}

/** A node of the call tree with same-function siblings merged. Counts are samples. */
export interface TreeNode {
  frame: Frame;
  self: number;
  total: number;
  children: TreeNode[];
}

export interface FunctionStat {
  frame: Frame;
  self: number;
  total: number;
}

export interface ProfileAnalysis {
  /** Samples counted (in the window). */
  samples: number;
  /** Time the counted samples span, µs. */
  spanUs: number;
  /** spanUs / samples: the time one sample stands for. */
  usPerSample: number;
  /** Self samples per kind of frame. */
  byKind: Record<FrameKind, number>;
  /** Every function, by self samples (descending). */
  functions: FunctionStat[];
  tree: TreeNode;
}

export interface AnalyzeOptions {
  /** Paths under this directory are printed relative to it. */
  repoRoot?: string;
  /** Keep only samples taken at or after this time (µs, the profile's clock). */
  fromUs?: number;
  /** Keep only samples taken at or before this time (µs). */
  toUs?: number;
}

/** The kind of a call frame. */
export function frameKind(cf: CallFrame): FrameKind {
  switch (cf.functionName) {
    case '(root)':
      return 'root';
    case '(idle)':
      return 'idle';
    case '(program)':
      return 'program';
    case '(garbage collector)':
      return 'gc';
  }
  if (cf.url === '' || cf.url.startsWith('wasm://')) return 'native';
  if (cf.url.startsWith('node:')) return 'node';
  if (cf.url.includes('/node_modules/')) return 'deps';
  return 'app';
}

/** A script URL as a short path: repo-relative for files inside repoRoot. */
export function shortUrl(url: string, repoRoot?: string): string {
  if (!url.startsWith('file://')) return url;
  let file: string;
  try {
    file = fileURLToPath(url);
  } catch {
    return url;
  }
  if (repoRoot !== undefined) {
    const rel = path.relative(repoRoot, file);
    if (!rel.startsWith('..') && !path.isAbsolute(rel)) return rel;
  }
  const nm = file.lastIndexOf('/node_modules/');
  return nm >= 0 ? file.slice(nm + 1) : file;
}

function makeFrame(cf: CallFrame, repoRoot: string | undefined): Frame {
  const kind = frameKind(cf);
  const name = cf.functionName !== '' ? cf.functionName : '(anonymous)';
  const url = shortUrl(cf.url, repoRoot);
  // lineNumber is 0-based in the profile; editors count from 1.
  const location = url === '' ? '' : cf.lineNumber >= 0 ? `${url}:${cf.lineNumber + 1}` : url;
  return { key: `${name}\u0000${cf.url}\u0000${cf.lineNumber}\u0000${cf.columnNumber}`, name, location, kind };
}

/** Samples per profile node id, restricted to [fromUs, toUs]; also the span they cover. */
function countSamples(p: CpuProfile, opts: AnalyzeOptions): { hits: Map<number, number>; samples: number; spanUs: number } {
  const hits = new Map<number, number>();
  const from = opts.fromUs ?? -Infinity;
  const to = opts.toUs ?? Infinity;
  if (p.samples === undefined || p.timeDeltas === undefined || p.samples.length !== p.timeDeltas.length) {
    // No sample stream: fall back to hitCount (the whole profile, no window).
    let samples = 0;
    for (const n of p.nodes) {
      const h = n.hitCount ?? 0;
      if (h > 0) hits.set(n.id, h);
      samples += h;
    }
    return { hits, samples, spanUs: Math.max(0, p.endTime - p.startTime) };
  }
  let t = p.startTime;
  let first = Infinity;
  let last = -Infinity;
  let samples = 0;
  for (let i = 0; i < p.samples.length; i++) {
    t += p.timeDeltas[i]!;
    if (t < from || t > to) continue;
    const id = p.samples[i]!;
    hits.set(id, (hits.get(id) ?? 0) + 1);
    samples++;
    if (t < first) first = t;
    if (t > last) last = t;
  }
  // n samples stand for n intervals: stretch the first-to-last span by one mean interval.
  const spanUs = samples > 1 ? ((last - first) * samples) / (samples - 1) : 0;
  return { hits, samples, spanUs };
}

/** Builds the merged call tree: children that are the same function are folded together. */
function buildTree(p: CpuProfile, hits: Map<number, number>, repoRoot: string | undefined): TreeNode {
  const byId = new Map<number, ProfileNode>();
  const isChild = new Set<number>();
  for (const n of p.nodes) {
    byId.set(n.id, n);
    for (const c of n.children ?? []) isChild.add(c);
  }
  const rootNode = p.nodes.find((n) => !isChild.has(n.id)) ?? p.nodes[0];
  if (rootNode === undefined) throw new Error('empty profile: no nodes');
  const frames = new Map<string, Frame>();
  const frameOf = (cf: CallFrame): Frame => {
    const f = makeFrame(cf, repoRoot);
    const known = frames.get(f.key);
    if (known !== undefined) return known;
    frames.set(f.key, f);
    return f;
  };
  const root: TreeNode = { frame: frameOf(rootNode.callFrame), self: 0, total: 0, children: [] };
  // Iterative walk (deep recursion in a profiled program must not overflow this one's stack).
  const stack: Array<[ProfileNode, TreeNode]> = [[rootNode, root]];
  while (stack.length > 0) {
    const [pn, tn] = stack.pop()!;
    tn.self += hits.get(pn.id) ?? 0;
    for (const cid of pn.children ?? []) {
      const child = byId.get(cid);
      if (child === undefined) continue;
      const frame = frameOf(child.callFrame);
      let ct = tn.children.find((c) => c.frame === frame);
      if (ct === undefined) {
        ct = { frame, self: 0, total: 0, children: [] };
        tn.children.push(ct);
      }
      stack.push([child, ct]);
    }
  }
  sumTotals(root);
  return root;
}

/** Fills `total` (self + children's totals) bottom-up, and drops subtrees with no samples. */
function sumTotals(root: TreeNode): void {
  const order: TreeNode[] = [];
  const stack = [root];
  while (stack.length > 0) {
    const n = stack.pop()!;
    order.push(n);
    for (const c of n.children) stack.push(c);
  }
  for (let i = order.length - 1; i >= 0; i--) {
    const n = order[i]!;
    n.children = n.children.filter((c) => c.total > 0);
    n.children.sort((a, b) => b.total - a.total || a.frame.name.localeCompare(b.frame.name));
    n.total = n.self;
    for (const c of n.children) n.total += c.total;
  }
}

/** Analyses one profile; see the file comment. */
export function analyzeProfile(p: CpuProfile, opts: AnalyzeOptions = {}): ProfileAnalysis {
  const { hits, samples, spanUs } = countSamples(p, opts);
  const tree = buildTree(p, hits, opts.repoRoot);
  const byKind: Record<FrameKind, number> = { root: 0, idle: 0, program: 0, gc: 0, native: 0, node: 0, deps: 0, app: 0 };
  const stats = new Map<Frame, FunctionStat>();
  const onStack = new Map<Frame, number>();
  // Depth-first with enter/leave events so each function's inclusive count skips nested
  // (recursive) occurrences: only the outermost one on a stack adds its subtree.
  const stack: Array<[TreeNode, boolean]> = [[tree, false]];
  while (stack.length > 0) {
    const [n, leaving] = stack.pop()!;
    const f = n.frame;
    if (leaving) {
      onStack.set(f, onStack.get(f)! - 1);
      continue;
    }
    let s = stats.get(f);
    if (s === undefined) {
      s = { frame: f, self: 0, total: 0 };
      stats.set(f, s);
    }
    s.self += n.self;
    byKind[f.kind] += n.self;
    const depth = onStack.get(f) ?? 0;
    if (depth === 0) s.total += n.total;
    onStack.set(f, depth + 1);
    stack.push([n, true]);
    for (const c of n.children) stack.push([c, false]);
  }
  const functions = [...stats.values()].filter((s) => s.frame.kind !== 'root' && s.total > 0);
  functions.sort((a, b) => b.self - a.self || b.total - a.total || a.frame.name.localeCompare(b.frame.name));
  return { samples, spanUs, usPerSample: samples > 0 ? spanUs / samples : 0, byKind, functions, tree };
}

// ---- markdown ---------------------------------------------------------------------------------

export interface TableOptions {
  /** Rows in the self-time table (default 30). */
  top?: number;
  /** Rows in the inclusive table (default 20). */
  topInclusive?: number;
}

function pct(n: number, of: number): string {
  return of > 0 ? `${((100 * n) / of).toFixed(1)}%` : 'n/a';
}

function ms(samples: number, usPerSample: number): string {
  return ((samples * usPerSample) / 1000).toFixed(1);
}

/** `|` and backticks would break a table cell. */
function cell(s: string): string {
  return s.replace(/\|/g, '\\|').replace(/`/g, "'");
}

/** The location column: native frames say so; V8's pseudo frames have none. */
function where(f: Frame): string {
  if (f.location !== '') return cell(f.location);
  return f.kind === 'native' ? '(native)' : '';
}

function table(headers: string[], rows: string[][]): string[] {
  return [`| ${headers.join(' | ')} |`, `|${headers.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)];
}

/**
 * The totals, the top functions by self time and the top functions by inclusive time, as
 * markdown lines. "busy" is every sample but (idle).
 */
export function formatProfileTables(a: ProfileAnalysis, opts: TableOptions = {}): string[] {
  const top = opts.top ?? 30;
  const topInc = opts.topInclusive ?? 20;
  const all = a.samples;
  const busy = all - a.byKind.idle;
  const out: string[] = [];
  out.push(`${all} samples over ${(a.spanUs / 1e6).toFixed(2)} s (${a.usPerSample.toFixed(0)} µs each); busy (not idle): ${pct(busy, all)}.`, '');
  const kinds: FrameKind[] = ['idle', 'program', 'gc', 'native', 'node', 'deps', 'app'];
  out.push(...table(['share (self time)', 'samples', '% all', '% busy', 'ms'], kinds.map((k) => [KIND_LABELS[k], String(a.byKind[k]), pct(a.byKind[k], all), k === 'idle' ? '' : pct(a.byKind[k], busy), ms(a.byKind[k], a.usPerSample)])), '');
  out.push(`Top ${top} functions by self time:`, '');
  const busyPct = (s: FunctionStat, n: number) => (s.frame.kind === 'idle' ? '' : pct(n, busy));
  const selfRows = a.functions.slice(0, top).map((s, i) => [String(i + 1), pct(s.self, all), busyPct(s, s.self), ms(s.self, a.usPerSample), pct(s.total, all), `\`${cell(s.frame.name)}\``, where(s.frame)]);
  out.push(...table(['#', 'self %', 'self % busy', 'self ms', 'total %', 'function', 'location'], selfRows), '');
  out.push(`Top ${topInc} functions by inclusive time (on the stack; (idle) left out):`, '');
  const inclusive = a.functions.filter((s) => s.frame.kind !== 'idle').sort((x, y) => y.total - x.total || y.self - x.self).slice(0, topInc);
  const incRows = inclusive.map((s, i) => [String(i + 1), pct(s.total, all), busyPct(s, s.total), ms(s.total, a.usPerSample), pct(s.self, all), `\`${cell(s.frame.name)}\``, where(s.frame)]);
  out.push(...table(['#', 'total %', 'total % busy', 'total ms', 'self %', 'function', 'location'], incRows));
  return out;
}
