/*
 * A static flame graph of a merged call tree (cpuprofile.ts's TreeNode) as an SVG string.
 *
 * Classic layout: the root ("all") is the bottom row, each caller sits under its callees'
 * row, a frame's width is its inclusive sample count, children are laid out left to right by
 * size. Each frame is a <g> with a <title> (full name, location, % of the drawn samples and the
 * sample count) so a browser shows the details on hover, a <rect>, and a label cut to fit the
 * rect (monospace, so the cut is exact). Frames narrower than minWidth px are left out (their
 * time still counts in the parent). No script: the file is a picture, rendered to PNG as is.
 *
 * (idle) is left out by default (a server mostly waits, which would squeeze everything else);
 * the subtitle says how much was left out. Colours: warm for the repo's code, yellow for
 * node: internals, green for node_modules, grey-blue for native code, purple for GC.
 */
import type { FrameKind, TreeNode } from './cpuprofile.ts';

export interface FlameGraphOptions {
  title: string;
  subtitle?: string;
  /** Image width in px (default 1200). */
  width?: number;
  /** Kinds of frame left out below the root (default ['idle']). */
  exclude?: FrameKind[];
  /** Frames narrower than this are not drawn (default 0.3 px). */
  minWidth?: number;
}

const FRAME_H = 17;
const FONT_SIZE = 11;
/** Advance of one monospace character at FONT_SIZE (0.6 em is what DejaVu Sans Mono uses). */
const CHAR_W = FONT_SIZE * 0.6;
const PAD = 10;
const HEADER_H = 52;

/** Escapes text for an SVG text node or attribute. */
export function xmlEscape(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** A label that fits `px` pixels: the whole name, or its start with '..', or '' if nothing fits. */
export function fitLabel(name: string, px: number): string {
  const chars = Math.floor((px - 6) / CHAR_W);
  if (chars >= name.length) return name;
  if (chars < 3) return '';
  return `${name.slice(0, chars - 2)}..`;
}

/** Small deterministic hash of a name: keeps a function's colour the same across graphs. */
function hash(s: string): number {
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619);
  return (h >>> 0) / 4294967296;
}

function colour(kind: FrameKind, name: string): string {
  const v = hash(name);
  switch (kind) {
    case 'app':
      return `hsl(${Math.round(8 + 30 * v)}, 85%, ${Math.round(56 + 10 * v)}%)`;
    case 'node':
      return `hsl(${Math.round(48 + 10 * v)}, 80%, ${Math.round(55 + 10 * v)}%)`;
    case 'deps':
      return `hsl(${Math.round(95 + 30 * v)}, 55%, ${Math.round(52 + 10 * v)}%)`;
    case 'gc':
      return `hsl(${Math.round(275 + 15 * v)}, 55%, 65%)`;
    case 'native':
      return `hsl(${Math.round(200 + 20 * v)}, 30%, ${Math.round(66 + 8 * v)}%)`;
    default:
      return 'hsl(0, 0%, 78%)';
  }
}

function maxDepth(n: TreeNode, minSamples: number): number {
  let d = 0;
  const stack: Array<[TreeNode, number]> = [[n, 0]];
  while (stack.length > 0) {
    const [t, depth] = stack.pop()!;
    if (depth > d) d = depth;
    for (const c of t.children) if (c.total >= minSamples) stack.push([c, depth + 1]);
  }
  return d;
}

/** The flame graph of `tree` as a standalone SVG document. */
export function flameGraphSvg(tree: TreeNode, opts: FlameGraphOptions): string {
  const width = opts.width ?? 1200;
  const exclude = new Set(opts.exclude ?? ['idle']);
  const minWidth = opts.minWidth ?? 0.3;
  const kept = tree.children.filter((c) => !exclude.has(c.frame.kind));
  const dropped = tree.total - tree.self - kept.reduce((s, c) => s + c.total, 0);
  const root: TreeNode = { frame: { ...tree.frame, name: 'all' }, self: tree.self, total: tree.self + kept.reduce((s, c) => s + c.total, 0), children: kept };
  const drawW = width - 2 * PAD;
  const scale = root.total > 0 ? drawW / root.total : 0;
  const minSamples = scale > 0 ? minWidth / scale : Infinity;
  const depth = root.total > 0 ? maxDepth(root, minSamples) : 0;
  const height = HEADER_H + (depth + 1) * FRAME_H + PAD * 2;
  const bottom = height - PAD;
  const parts: string[] = [];
  parts.push(
    `<?xml version="1.0" encoding="UTF-8"?>`,
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="DejaVu Sans Mono, Menlo, Consolas, monospace" font-size="${FONT_SIZE}">`,
    `<rect x="0" y="0" width="${width}" height="${height}" fill="#fdfdf8"/>`,
    `<text x="${width / 2}" y="20" text-anchor="middle" font-size="15" font-weight="bold">${xmlEscape(opts.title)}</text>`,
  );
  const excludedNote = dropped > 0 && tree.total > 0 ? ` · ${[...exclude].join(', ')} left out: ${((100 * dropped) / tree.total).toFixed(1)}% of samples` : '';
  const sub = `${opts.subtitle ?? ''}${opts.subtitle ? ' · ' : ''}${root.total} samples drawn${excludedNote} · width = inclusive samples, hover for details`;
  parts.push(`<text x="${width / 2}" y="38" text-anchor="middle" fill="#555">${xmlEscape(sub)}</text>`);
  if (root.total === 0) {
    parts.push(`<text x="${width / 2}" y="${bottom - 4}" text-anchor="middle">no samples</text>`, '</svg>');
    return parts.join('\n');
  }
  const stack: Array<[TreeNode, number, number]> = [[root, PAD, 0]];
  while (stack.length > 0) {
    const [n, x, d] = stack.pop()!;
    const w = n.total * scale;
    if (w < minWidth) continue;
    const y = bottom - (d + 1) * FRAME_H;
    const share = ((100 * n.total) / root.total).toFixed(2);
    const where = n.frame.location !== '' ? ` (${n.frame.location})` : '';
    const title = `${n.frame.name}${where}: ${share}% (${n.total} samples, self ${n.self})`;
    const label = fitLabel(n.frame.name, w);
    parts.push(
      `<g><title>${xmlEscape(title)}</title><rect x="${x.toFixed(2)}" y="${y}" width="${Math.max(0, w - 0.5).toFixed(2)}" height="${FRAME_H - 1}" rx="2" fill="${n === root ? 'hsl(0, 0%, 80%)' : colour(n.frame.kind, n.frame.name)}"/>` +
        (label !== '' ? `<text x="${(x + 3).toFixed(2)}" y="${y + FRAME_H - 5}">${xmlEscape(label)}</text>` : '') +
        '</g>',
    );
    let cx = x;
    for (const c of n.children) {
      stack.push([c, cx, d + 1]);
      cx += c.total * scale;
    }
  }
  parts.push('</svg>');
  return parts.join('\n');
}
