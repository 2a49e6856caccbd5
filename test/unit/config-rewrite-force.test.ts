// DEBUG CONFIG-REWRITE-FORCE-ALL's rewrite (src/server/config-rewrite.ts forceAll): every config
// is written, defaults included, and the user's comments and lines keep their places.
import { expect, test } from 'vitest';
import { Config } from '../../src/server/config.ts';
import { rewriteConfigText } from '../../src/server/config-rewrite.ts';

test('force-all writes defaults too and keeps the old file in place', () => {
  const old = '# my comment\nport 7732\n\n# second comment\nhz 15\n';
  const c = new Config();
  expect(c.load(old).error).toBeNull();
  const normal = rewriteConfigText(c, old).split('\n');
  const all = rewriteConfigText(c, old, undefined, true).split('\n');
  expect(all.slice(0, 5)).toEqual(['# my comment', 'port 7732', '', '# second comment', 'hz 15']);
  expect(normal).not.toContain('maxmemory-policy noeviction');
  expect(all).toContain('maxmemory-policy noeviction');
  expect(all).toContain('slowlog-max-len 128');
  expect(all.length).toBeGreaterThan(normal.length + 50);
});
