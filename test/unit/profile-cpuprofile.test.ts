// scripts/profile/: the .cpuprofile analysis (self and inclusive time, kinds of frame, the
// sample window) and the flame graph SVG, on a small synthetic profile (no server, no timing).
import { describe, expect, test } from 'vitest';
import { analyzeProfile, formatProfileTables, shortUrl } from '../../scripts/profile/cpuprofile.ts';
import type { CallFrame, CpuProfile, ProfileNode } from '../../scripts/profile/cpuprofile.ts';
import { fitLabel, flameGraphSvg } from '../../scripts/profile/flamegraph.ts';
import { svgSize } from '../../scripts/profile/png.ts';

const REPO = '/repo';

function cf(functionName: string, url = '', lineNumber = -1, columnNumber = -1): CallFrame {
  return { functionName, scriptId: '0', url, lineNumber, columnNumber };
}

const PARSE = cf('parse', 'file:///repo/src/protocol/parser.ts', 130, 2);
const REC = cf('rec', 'file:///repo/src/r.ts', 0, 0);

// (root)
// ├─ (idle)                         4 samples
// ├─ (garbage collector)            1
// ├─ main  src/main.ts:10           1 self
// │  ├─ parse (node 5)              2 self   ┐ the same function under the same parent:
// │  │  └─ writeBuffer (native)     3        │ merged into one tree node
// │  └─ parse (node 6)              1 self   ┘
// │     └─ rec                      1 self
// │        └─ rec (recursion)       2
// └─ a<b>&c  node:internal/timers   1
const NODES: ProfileNode[] = [
  { id: 1, callFrame: cf('(root)'), children: [2, 3, 4, 9] },
  { id: 2, callFrame: cf('(idle)') },
  { id: 3, callFrame: cf('(garbage collector)') },
  { id: 4, callFrame: cf('main', 'file:///repo/src/main.ts', 9, 0), children: [5, 6] },
  { id: 5, callFrame: PARSE, children: [7] },
  { id: 6, callFrame: PARSE, children: [8] },
  { id: 7, callFrame: cf('writeBuffer') },
  { id: 8, callFrame: REC, children: [10] },
  { id: 9, callFrame: cf('a<b>&c', 'node:internal/timers', 580, 3) },
  { id: 10, callFrame: REC },
];
// Sample i is taken at 1000 + 100 * (i + 1) µs.
const SAMPLES = [2, 2, 2, 2, 3, 4, 5, 5, 6, 7, 7, 7, 8, 10, 10, 9];

function profile(withSamples = true): CpuProfile {
  const hits = new Map<number, number>();
  for (const s of SAMPLES) hits.set(s, (hits.get(s) ?? 0) + 1);
  const nodes = NODES.map((n) => ({ ...n, hitCount: hits.get(n.id) ?? 0 }));
  const p: CpuProfile = { nodes, startTime: 1000, endTime: 1000 + 100 * SAMPLES.length };
  if (withSamples) {
    p.samples = [...SAMPLES];
    p.timeDeltas = SAMPLES.map(() => 100);
  }
  return p;
}

function stat(a: ReturnType<typeof analyzeProfile>, name: string) {
  const s = a.functions.find((f) => f.frame.name === name);
  if (s === undefined) throw new Error(`no function ${name}`);
  return s;
}

describe('cpuprofile analysis', () => {
  test('self and inclusive samples per function, merged and recursion counted once', () => {
    const a = analyzeProfile(profile(), { repoRoot: REPO });
    expect(a.samples).toBe(16);
    expect(a.usPerSample).toBeCloseTo(100, 6);
    expect(a.spanUs).toBeCloseTo(1600, 6);
    expect([stat(a, '(idle)').self, stat(a, 'main').self, stat(a, 'parse').self, stat(a, 'writeBuffer').self, stat(a, 'rec').self]).toEqual([4, 1, 3, 3, 3]);
    expect(stat(a, 'main').total).toBe(10);
    expect(stat(a, 'parse').total).toBe(9);
    expect(stat(a, 'rec').total).toBe(3);
    expect(stat(a, 'parse').frame.location).toBe('src/protocol/parser.ts:131');
    expect(stat(a, 'writeBuffer').frame.location).toBe('');
    expect(stat(a, 'a<b>&c').frame.location).toBe('node:internal/timers:581');
    // Ordered by self time, ties by inclusive time, then by name.
    expect(a.functions.map((f) => f.frame.name)).toEqual(['(idle)', 'parse', 'rec', 'writeBuffer', 'main', '(garbage collector)', 'a<b>&c']);
    expect(a.byKind).toEqual({ root: 0, idle: 4, program: 0, gc: 1, native: 3, node: 1, deps: 0, app: 7 });
  });

  test('the merged tree folds same-function siblings (children by size, then name)', () => {
    const a = analyzeProfile(profile(), { repoRoot: REPO });
    expect(a.tree.total).toBe(16);
    const main = a.tree.children.find((c) => c.frame.name === 'main')!;
    expect(main.children.map((c) => [c.frame.name, c.self, c.total])).toEqual([['parse', 3, 9]]);
    expect(main.children[0]!.children.map((c) => [c.frame.name, c.total])).toEqual([
      ['rec', 3],
      ['writeBuffer', 3],
    ]);
  });

  test('a time window keeps only the samples taken in it', () => {
    const a = analyzeProfile(profile(), { repoRoot: REPO, fromUs: 2000, toUs: 2600 });
    expect(a.samples).toBe(7);
    expect(a.byKind).toEqual({ root: 0, idle: 0, program: 0, gc: 0, native: 3, node: 1, deps: 0, app: 3 });
    expect(stat(a, 'rec').self).toBe(3);
    expect(a.functions.some((f) => f.frame.name === '(idle)')).toBe(false);
  });

  test('without a sample stream, hitCount gives the same counts', () => {
    const a = analyzeProfile(profile(false), { repoRoot: REPO });
    expect(a.samples).toBe(16);
    expect(a.byKind).toEqual(analyzeProfile(profile(), { repoRoot: REPO }).byKind);
    expect(stat(a, 'parse').total).toBe(9);
  });

  test('the markdown tables', () => {
    const lines = formatProfileTables(analyzeProfile(profile(), { repoRoot: REPO }), { top: 3, topInclusive: 2 });
    const text = lines.join('\n');
    expect(lines[0]).toBe('16 samples over 0.00 s (100 µs each); busy (not idle): 75.0%.');
    expect(text).toContain('| (idle) | 4 | 25.0% |  | 0.4 |');
    expect(text).toContain('| native (builtins, no script) | 3 | 18.8% | 25.0% | 0.3 |');
    expect(text).toContain('| repo code | 7 | 43.8% | 58.3% | 0.7 |');
    expect(text).toContain('| 1 | 25.0% |  | 0.4 | 25.0% | `(idle)` |  |');
    expect(text).toContain('| 2 | 18.8% | 25.0% | 0.3 | 56.3% | `parse` | src/protocol/parser.ts:131 |');
    expect(text).toContain('| 3 | 18.8% | 25.0% | 0.3 | 18.8% | `rec` | src/r.ts:1 |');
    expect(text).not.toContain('`writeBuffer`'); // 4th by self time, top is 3
    // Inclusive: (idle) left out, main first.
    expect(text).toContain('| 1 | 62.5% | 83.3% | 1.0 | 6.3% | `main` | src/main.ts:10 |');
    expect(text).toContain('| 2 | 56.3% | 75.0% | 0.9 | 18.8% | `parse` | src/protocol/parser.ts:131 |');
  });

  test('shortUrl', () => {
    expect(shortUrl('file:///repo/src/a.ts', REPO)).toBe('src/a.ts');
    expect(shortUrl('file:///elsewhere/node_modules/x/y.js', REPO)).toBe('node_modules/x/y.js');
    expect(shortUrl('file:///elsewhere/z.js', REPO)).toBe('/elsewhere/z.js');
    expect(shortUrl('node:internal/timers', REPO)).toBe('node:internal/timers');
  });
});

describe('flame graph SVG', () => {
  const tree = analyzeProfile(profile(), { repoRoot: REPO }).tree;

  test('one frame per merged tree node, idle left out, titles with name, location and share', () => {
    const svg = flameGraphSvg(tree, { title: 'test <graph>' });
    expect(svg.startsWith('<?xml')).toBe(true);
    expect(svg.trimEnd().endsWith('</svg>')).toBe(true);
    const titles = [...svg.matchAll(/<title>([^<]*)<\/title>/g)].map((m) => m[1]);
    expect(titles).toHaveLength(8); // all, gc, main, parse, writeBuffer, rec, rec, a<b>&c
    expect(titles).toContain('all: 100.00% (12 samples, self 0)');
    expect(titles).toContain('main (src/main.ts:10): 83.33% (10 samples, self 1)');
    expect(titles).toContain('parse (src/protocol/parser.ts:131): 75.00% (9 samples, self 3)');
    expect(titles).toContain('writeBuffer: 25.00% (3 samples, self 3)');
    expect(titles).toContain('rec (src/r.ts:1): 16.67% (2 samples, self 2)');
    expect(titles).toContain('a&lt;b&gt;&amp;c (node:internal/timers:581): 8.33% (1 samples, self 1)');
    expect(svg).not.toContain('(idle)');
    expect(svg).not.toContain('a<b>');
    expect(svg).toContain('test &lt;graph&gt;');
    expect(svg).toContain('idle left out: 25.0% of samples');
    expect(svg.match(/<rect /g)!.length).toBe(9); // the background and 8 frames
  });

  test('frames are sized by inclusive samples and stacked by depth', () => {
    const svg = flameGraphSvg(tree, { title: 't', width: 1220 });
    const rect = (name: string) => {
      const m = new RegExp(`<title>${name}[ :][^<]*</title><rect x="([\\d.]+)" y="(\\d+)" width="([\\d.]+)"`).exec(svg);
      if (m === null) throw new Error(`no frame ${name}`);
      return { x: Number(m[1]), y: Number(m[2]), w: Number(m[3]) };
    };
    // 1200 px for 12 samples: 100 px each (minus the 0.5 px gap).
    expect(rect('all')).toEqual({ x: 10, y: rect('all').y, w: 1199.5 });
    expect(rect('main').w).toBeCloseTo(999.5, 2);
    expect(rect('parse').w).toBeCloseTo(899.5, 2);
    expect(rect('main').y).toBe(rect('all').y - 17);
    expect(rect('parse').y).toBe(rect('main').y - 17);
    expect(svgSize(svg).width).toBe(1220);
  });

  test('exclude [] keeps (idle); labels are cut to fit', () => {
    expect(flameGraphSvg(tree, { title: 't', exclude: [] })).toContain('<title>(idle): 25.00% (4 samples, self 4)</title>');
    expect(fitLabel('writeBuffer', 1000)).toBe('writeBuffer');
    expect(fitLabel('writeBuffer', 6 + 6.6 * 6 + 0.1)).toBe('writ..');
    expect(fitLabel('writeBuffer', 10)).toBe('');
  });
});
