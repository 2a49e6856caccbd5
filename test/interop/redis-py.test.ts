/*
 * redis-py (Debian's python3-redis, installed by .ci/run) against Spindle: register_script, the
 * client-side script object that sends EVALSHA and falls back to SCRIPT LOAD on NOSCRIPT, and
 * FCALL through execute_command. Skipped, saying why, when the module or the Lua addon is absent.
 */
import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { scriptingSkipReason } from '../helpers/scripting.ts';
import { startSpindle, type ServerHandle } from '../helpers/servers.ts';

const PYTHON = '/usr/bin/python3';

function redisPyMissing(): string {
  const r = spawnSync(PYTHON, ['-c', 'import redis'], { encoding: 'utf8' });
  return r.status === 0 ? '' : `redis-py not importable by ${PYTHON} (apt-get install python3-redis)`;
}

const skip = scriptingSkipReason() || redisPyMissing();

const SCRIPT = `
import sys, redis
r = redis.Redis(host='127.0.0.1', port=int(sys.argv[1]))
r.flushall()
incr_by = r.register_script("return redis.call('incrby', KEYS[1], ARGV[1])")
out = [incr_by(keys=['n'], args=[5]), incr_by(keys=['n'], args=[2])]
r.script_flush()
out.append(incr_by(keys=['n'], args=[1]))          # NOSCRIPT -> SCRIPT LOAD -> EVALSHA
pair = r.register_script("return {KEYS[1], ARGV[1], redis.call('get', KEYS[1])}")
out.append([x.decode() for x in pair(keys=['n'], args=['a\\x00b'])])
try:
    r.register_script("return redis.error_reply('MY failure')")()
except redis.ResponseError as e:
    out.append('error: ' + str(e))
r.execute_command('FUNCTION', 'LOAD', 'REPLACE', "#!lua name=py\\nredis.register_function('dbl', function(k, a) return tonumber(a[1]) * 2 end)")
out.append(r.execute_command('FCALL', 'dbl', '0', '21'))
print(repr(out))
`;

describe.skipIf(skip !== '')(`redis-py scripts${skip === '' ? '' : ` (skipped: ${skip})`}`, () => {
  let srv: ServerHandle;
  beforeAll(async () => {
    srv = await startSpindle();
  });
  afterAll(async () => {
    await srv?.stop();
  });

  test('register_script, the NOSCRIPT fallback, error replies and FCALL', () => {
    const r = spawnSync(PYTHON, ['-c', SCRIPT, String(srv.port)], { encoding: 'utf8', timeout: 30_000 });
    expect(r.stderr).toBe('');
    expect(r.stdout.trim()).toBe("[5, 7, 8, ['n', 'a\\x00b', '8'], 'error: MY failure', 42]");
  });
});
