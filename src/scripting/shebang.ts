/*
 * Script shebang lines (`#!lua flags=no-writes,allow-oom`), as Redis 7.0's
 * evalExtractShebangFlags reads them. A script without one runs in compatibility mode (the
 * flags of the EVAL command itself apply, writes are checked command by command).
 */

export const SCRIPT_FLAG_NO_WRITES = 1 << 0;
export const SCRIPT_FLAG_ALLOW_OOM = 1 << 1;
export const SCRIPT_FLAG_ALLOW_STALE = 1 << 2;
export const SCRIPT_FLAG_NO_CLUSTER = 1 << 3;
/** No shebang: 6.x-compatible behaviour. */
export const SCRIPT_FLAG_EVAL_COMPAT_MODE = 1 << 4;
export const SCRIPT_FLAG_ALLOW_CROSS_SLOT = 1 << 5;

const FLAG_NAMES: Record<string, number> = {
  'no-writes': SCRIPT_FLAG_NO_WRITES,
  'allow-oom': SCRIPT_FLAG_ALLOW_OOM,
  'allow-stale': SCRIPT_FLAG_ALLOW_STALE,
  'no-cluster': SCRIPT_FLAG_NO_CLUSTER,
  'allow-cross-slot-keys': SCRIPT_FLAG_ALLOW_CROSS_SLOT,
};

export type ShebangResult = { flags: number; shebangLen: number } | { error: string };

function isSpace(c: number): boolean {
  return c === 32 || (c >= 9 && c <= 13);
}

/** Parses the shebang of body; errors are reply texts (with their ERR code). */
export function parseShebang(body: Uint8Array): ShebangResult {
  if (body.length < 2 || body[0] !== 0x23 || body[1] !== 0x21) return { flags: SCRIPT_FLAG_EVAL_COMPAT_MODE, shebangLen: 0 };
  const nl = body.indexOf(10);
  if (nl < 0) return { error: 'ERR Invalid script shebang' };
  // sdssplitargs on the line (quotes do not occur in valid shebangs; split on whitespace).
  const parts: string[] = [];
  let i = 0;
  while (i < nl) {
    while (i < nl && isSpace(body[i])) i++;
    if (i >= nl) break;
    const start = i;
    while (i < nl && !isSpace(body[i])) i++;
    parts.push(Buffer.from(body.subarray(start, i)).toString('latin1'));
  }
  if (parts.length === 0) return { error: 'ERR Invalid engine in script shebang' };
  if (parts[0] !== '#!lua') return { error: `ERR Unexpected engine in script shebang: ${parts[0]}` };
  let flags = 0;
  for (const part of parts.slice(1)) {
    if (!part.startsWith('flags=')) return { error: `ERR Unknown lua shebang option: ${part}` };
    const list = part.slice(6);
    if (list === '') continue;
    for (const name of list.split(',')) {
      const f = FLAG_NAMES[name];
      if (f === undefined) return { error: `ERR Unexpected flag in script shebang: ${name}` };
      flags |= f;
    }
  }
  return { flags, shebangLen: nl };
}
