/*
 * ACL across connections (src/acl/, src/server/acl-guard.ts): a user without rights can't read,
 * write, subscribe, publish or run a denied command from a plain client, inside MULTI (refused
 * when queued, and again at EXEC when the rules changed meanwhile) or from EVAL / FCALL; clients
 * of a deleted user are disconnected, subscribers lose their connection when their channels are
 * revoked, ACL LOAD drops the clients of replaced users; the aclfile round-trips through ACL SAVE
 * and ACL LOAD and is read at start-up; `user` directives and requirepass set the users.
 * One-connection replies are compared byte for byte with redis-server 7.0.15 in
 * test/golden/cases/acl.txt; what is asserted here was checked against redis-server too
 * (INTEGRATION_SERVER=redis runs this file against it). Runs in both io-thread modes.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { scriptingSkipReason } from '../helpers/scripting.ts';
import { rawClient, startRedis, startSpindle, type RawClient, type ServerHandle } from '../helpers/servers.ts';

const onRedis = process.env.INTEGRATION_SERVER === 'redis';
const start = (args: string[] = []): Promise<ServerHandle> => (onRedis ? startRedis(args) : startSpindle(args));
const s = (b: Buffer): string => b.toString('latin1');
const noScripting = scriptingSkipReason() !== '';

let srv: ServerHandle;
let admin: RawClient;
const opened: RawClient[] = [];

async function client(user?: string, pass = 'pw'): Promise<RawClient> {
  const c = await rawClient(srv.port);
  opened.push(c);
  if (user !== undefined) expect(s(await c.send(['AUTH', user, pass]))).toBe('+OK\r\n');
  return c;
}

beforeAll(async () => {
  srv = await start();
  admin = await rawClient(srv.port);
});

afterAll(async () => {
  for (const c of opened) c.close();
  admin?.close();
  await srv?.stop();
});

beforeEach(async () => {
  for (const c of opened.splice(0)) c.close();
  await admin.send(['FLUSHALL']);
  await admin.send(['ACL', 'LOG', 'RESET']);
  const users = s(await admin.send(['ACL', 'USERS'])).split('\r\n').filter((l) => l !== '' && !/^[*$]/.test(l));
  const others = users.filter((u) => u !== 'default');
  if (others.length > 0) await admin.send(['ACL', 'DELUSER', ...others]);
});

const NOPERM_CMD = (name: string): string => `-NOPERM this user has no permissions to run the '${name}' command\r\n`;
const NOPERM_KEY = '-NOPERM this user has no permissions to access one of the keys used as arguments\r\n';
const NOPERM_CHANNEL = '-NOPERM this user has no permissions to access one of the channels used as arguments\r\n';

describe('a user without rights', () => {
  beforeEach(async () => {
    await admin.send(['ACL', 'SETUSER', 'app', 'on', '>pw', '-@all', '+get', '+set', '+multi', '+exec', '+subscribe', '+publish',
      '+psubscribe', '+eval', '+fcall', '+ping', '~app:*', '%R~ro:*', '&news.*']);
    await admin.send(['SET', 'app:1', 'v1']);
    await admin.send(['SET', 'ro:1', 'r1']);
    await admin.send(['SET', 'secret', 's']);
  });

  test('plain client: reads, writes and commands as the rules say', async () => {
    const c = await client('app');
    expect(s(await c.send(['GET', 'app:1']))).toBe('$2\r\nv1\r\n');
    expect(s(await c.send(['SET', 'app:2', 'x']))).toBe('+OK\r\n');
    expect(s(await c.send(['GET', 'secret']))).toBe(NOPERM_KEY);
    expect(s(await c.send(['SET', 'secret', 'overwritten']))).toBe(NOPERM_KEY);
    expect(s(await c.send(['GET', 'ro:1']))).toBe('$2\r\nr1\r\n');
    expect(s(await c.send(['SET', 'ro:1', 'x']))).toBe(NOPERM_KEY);
    expect(s(await c.send(['DEL', 'app:1']))).toBe(NOPERM_CMD('del'));
    expect(s(await c.send(['CONFIG', 'SET', 'maxmemory', '1']))).toBe(NOPERM_CMD('config|set'));
    expect(s(await c.send(['FLUSHALL']))).toBe(NOPERM_CMD('flushall'));
    // Nothing denied happened.
    expect(s(await admin.send(['GET', 'secret']))).toBe('$1\r\ns\r\n');
    expect(s(await admin.send(['GET', 'ro:1']))).toBe('$2\r\nr1\r\n');
    expect(s(await admin.send(['EXISTS', 'app:1']))).toBe(':1\r\n');
    expect(s(await admin.send(['CONFIG', 'GET', 'maxmemory']))).toBe('*2\r\n$9\r\nmaxmemory\r\n$1\r\n0\r\n');
  });

  test('subscribe and publish only on allowed channels', async () => {
    const c = await client('app');
    expect(s(await c.send(['SUBSCRIBE', 'secret']))).toBe(NOPERM_CHANNEL);
    expect(s(await c.send(['PSUBSCRIBE', 'news.*x']))).toBe(NOPERM_CHANNEL);
    expect(s(await c.send(['PUBLISH', 'secret', 'm']))).toBe(NOPERM_CHANNEL);
    expect(s(await c.send(['PUBLISH', 'news.a', 'm']))).toBe(':0\r\n');
    const sub = await client('app');
    expect(s(await sub.send(['SUBSCRIBE', 'news.a']))).toBe('*3\r\n$9\r\nsubscribe\r\n$6\r\nnews.a\r\n:1\r\n');
    expect(s(await sub.send(['PSUBSCRIBE', 'news.*']))).toBe('*3\r\n$10\r\npsubscribe\r\n$6\r\nnews.*\r\n:2\r\n');
    expect(s(await c.send(['PUBLISH', 'news.a', 'hello']))).toBe(':2\r\n');
    expect(s(await sub.readReply())).toBe('*3\r\n$7\r\nmessage\r\n$6\r\nnews.a\r\n$5\r\nhello\r\n');
    expect(s(await sub.readReply())).toBe('*4\r\n$8\r\npmessage\r\n$6\r\nnews.*\r\n$6\r\nnews.a\r\n$5\r\nhello\r\n');
  });

  test('inside MULTI: refused when queued, the transaction is discarded', async () => {
    const c = await client('app');
    expect(s(await c.send(['MULTI']))).toBe('+OK\r\n');
    expect(s(await c.send(['SET', 'app:3', 'x']))).toBe('+QUEUED\r\n');
    expect(s(await c.send(['SET', 'secret', 'x']))).toBe(NOPERM_KEY);
    expect(s(await c.send(['DEL', 'app:1']))).toBe(NOPERM_CMD('del'));
    expect(s(await c.send(['EXEC']))).toBe('-EXECABORT Transaction discarded because of previous errors.\r\n');
    expect(s(await admin.send(['EXISTS', 'app:3']))).toBe(':0\r\n');
    expect(s(await admin.send(['GET', 'secret']))).toBe('$1\r\ns\r\n');
  });

  test('inside MULTI: rules changed before EXEC refuse the queued command then', async () => {
    const c = await client('app');
    expect(s(await c.send(['MULTI']))).toBe('+OK\r\n');
    expect(s(await c.send(['SET', 'app:3', 'x']))).toBe('+QUEUED\r\n');
    expect(s(await c.send(['GET', 'app:1']))).toBe('+QUEUED\r\n');
    expect(s(await admin.send(['ACL', 'SETUSER', 'app', '-set']))).toBe('+OK\r\n');
    expect(s(await c.send(['EXEC']))).toBe(
      '*2\r\n-NOPERM ACLs rules changed between the moment the transaction was accumulated and the EXEC call. This command is no longer allowed for the following reason: no permission to execute the command or subcommand\r\n$2\r\nv1\r\n',
    );
    expect(s(await admin.send(['EXISTS', 'app:3']))).toBe(':0\r\n');
    const log = s(await admin.send(['ACL', 'LOG', '1']));
    expect(log).toContain('\r\ncontext\r\n$5\r\nmulti\r\n');
    expect(log).toContain('\r\nobject\r\n$3\r\nset\r\n');
  });

  test.skipIf(noScripting)('from EVAL and FCALL: denied commands and keys fail inside the script', async () => {
    const c = await client('app');
    expect(s(await c.send(['EVAL', "return redis.call('get', 'app:1')", '0']))).toBe('$2\r\nv1\r\n');
    const del = s(await c.send(['EVAL', "return redis.call('del', 'app:1')", '0']));
    expect(del).toMatch(/^-ERR The user executing the script can't run this command or subcommand script: [0-9a-f]{40}, on @user_script:1\.\r\n$/);
    const key = s(await c.send(['EVAL', "return redis.call('get', 'secret')", '0']));
    expect(key).toMatch(/^-ERR The user executing the script can't access at least one of the keys mentioned in the command arguments script: /);
    expect(s(await c.send(['EVAL', "return redis.pcall('set', 'secret', 'x')", '0']))).toBe(
      "-ERR The user executing the script can't access at least one of the keys mentioned in the command arguments\r\n",
    );
    expect(s(await c.send(['EVAL', 'return 1', '1', 'secret']))).toBe(NOPERM_KEY);
    expect(s(await admin.send(['FUNCTION', 'LOAD', 'REPLACE',
      "#!lua name=acltest\nredis.register_function('wipe', function(k, a) return redis.call('set', k[1], 'x') end)"]))).toBe('$7\r\nacltest\r\n');
    expect(s(await c.send(['FCALL', 'wipe', '1', 'app:9']))).toBe('+OK\r\n');
    expect(s(await c.send(['FCALL', 'wipe', '1', 'secret']))).toBe(NOPERM_KEY);
    await admin.send(['ACL', 'SETUSER', 'app', '-set']);
    expect(s(await c.send(['FCALL', 'wipe', '1', 'app:9']))).toMatch(/^-ERR The user executing the script can't run this command or subcommand script: wipe, on @user_function:2\.\r\n$/);
    expect(s(await admin.send(['GET', 'secret']))).toBe('$1\r\ns\r\n');
    expect(s(await admin.send(['EXISTS', 'app:1']))).toBe(':1\r\n');
    const log = s(await admin.send(['ACL', 'LOG']));
    expect(log).toContain('\r\ncontext\r\n$3\r\nlua\r\n');
    // The client info of a script's refusal is the caller's.
    expect(log).toMatch(/cmd=fcall user=app/);
    await admin.send(['FUNCTION', 'DELETE', 'acltest']);
  });
});

describe('disconnections', () => {
  test("ACL DELUSER closes the user's connections; the caller's own after its reply", async () => {
    await admin.send(['ACL', 'SETUSER', 'gone', 'on', '>pw', '+@all', '~*', '&*']);
    const a = await client('gone');
    const b = await client('gone');
    const other = await client();
    expect(s(await a.send(['ACL', 'WHOAMI']))).toBe('$4\r\ngone\r\n');
    expect(s(await admin.send(['ACL', 'DELUSER', 'gone']))).toBe(':1\r\n');
    expect(await a.waitClosed(3000)).toBe(true);
    expect(await b.waitClosed(3000)).toBe(true);
    expect(s(await other.send(['PING']))).toBe('+PONG\r\n');
    await admin.send(['ACL', 'SETUSER', 'self', 'on', '>pw', '+@all', '~*']);
    const me = await client('self');
    expect(s(await me.send(['ACL', 'DELUSER', 'self']))).toBe(':1\r\n');
    expect(await me.waitClosed(3000)).toBe(true);
  });

  test('SETUSER revoking channels closes subscribers that lost theirs', async () => {
    await admin.send(['ACL', 'SETUSER', 'sub', 'on', '>pw', '+@all', '~*', 'resetchannels', '&a', '&b']);
    const onA = await client('sub');
    const onB = await client('sub');
    expect(s(await onA.send(['SUBSCRIBE', 'a']))).toContain('subscribe');
    expect(s(await onB.send(['SUBSCRIBE', 'b']))).toContain('subscribe');
    // Adding a channel keeps everyone.
    await admin.send(['ACL', 'SETUSER', 'sub', '&c']);
    expect(s(await admin.send(['PUBLISH', 'a', 'm']))).toBe(':1\r\n');
    expect(s(await onA.readReply())).toContain('message');
    await admin.send(['ACL', 'SETUSER', 'sub', 'resetchannels', '&a']);
    expect(await onB.waitClosed(3000)).toBe(true);
    expect(s(await admin.send(['PUBLISH', 'a', 'm2']))).toBe(':1\r\n');
    expect(s(await onA.readReply())).toContain('m2');
  });

  test('ACL SETUSER off keeps existing connections (7.0)', async () => {
    await admin.send(['ACL', 'SETUSER', 'off1', 'on', '>pw', '+@all', '~*']);
    const c = await client('off1');
    await admin.send(['ACL', 'SETUSER', 'off1', 'off']);
    expect(s(await c.send(['PING']))).toBe('+PONG\r\n');
    const d = await rawClient(srv.port);
    opened.push(d);
    expect(s(await d.send(['AUTH', 'off1', 'pw']))).toBe('-WRONGPASS invalid username-password pair or user is disabled.\r\n');
  });

  test('CLIENT LIST shows the user; CLIENT KILL USER', async () => {
    await admin.send(['ACL', 'SETUSER', 'lister', 'on', '>pw', '+@all', '~*']);
    const c = await client('lister');
    expect(s(await c.send(['CLIENT', 'INFO']))).toMatch(/ user=lister /);
    expect(s(await admin.send(['CLIENT', 'KILL', 'USER', 'lister']))).toBe(':1\r\n');
    expect(await c.waitClosed(3000)).toBe(true);
  });
});

describe('requirepass is the default user password', () => {
  test('CONFIG SET requirepass, AUTH, then back to nopass', async () => {
    expect(s(await admin.send(['CONFIG', 'SET', 'requirepass', 'sekret']))).toBe('+OK\r\n');
    try {
      const c = await rawClient(srv.port);
      opened.push(c);
      expect(s(await c.send(['GET', 'x']))).toBe('-NOAUTH Authentication required.\r\n');
      expect(s(await c.send(['AUTH', 'wrong']))).toBe('-WRONGPASS invalid username-password pair or user is disabled.\r\n');
      expect(s(await c.send(['AUTH', 'sekret']))).toBe('+OK\r\n');
      expect(s(await admin.send(['ACL', 'LIST']))).toContain('user default on #');
    } finally {
      expect(s(await admin.send(['CONFIG', 'SET', 'requirepass', '']))).toBe('+OK\r\n');
    }
    expect(s(await admin.send(['ACL', 'LIST']))).toBe('*1\r\n$34\r\nuser default on nopass ~* &* +@all\r\n');
  });
});

describe('aclfile and user directives', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'spindle-acl-'));

  test('start-up load, ACL SAVE and ACL LOAD round trip, LOAD errors change nothing', async () => {
    const file = path.join(dir, 'users.acl');
    writeFileSync(file, 'user alice on #5e884898da28047151d0e56f8dc6292773603d0d6aabbdd62a11ef721d1542d8 ~a:* &* -@all +get +set\n\nuser default on nopass ~* &* +@all\n');
    const other = await start(['--aclfile', file]);
    const c = await rawClient(other.port);
    try {
      expect(s(await c.send(['ACL', 'USERS']))).toBe('*2\r\n$5\r\nalice\r\n$7\r\ndefault\r\n');
      expect(s(await c.send(['AUTH', 'alice', 'password']))).toBe('+OK\r\n');
      expect(s(await c.send(['GET', 'b']))).toBe(NOPERM_KEY);
      expect(s(await c.send(['AUTH', 'default', 'x']))).toBe('+OK\r\n');
      await c.send(['ACL', 'SETUSER', 'bob', 'on', '>pw', '~*', '+@read', '(+set ~s*)']);
      expect(s(await c.send(['ACL', 'SAVE']))).toBe('+OK\r\n');
      const saved = readFileSync(file, 'latin1');
      const lines = saved.split('\n');
      expect(lines).toHaveLength(4);
      // Two single commands: Redis lists them in its dict's order, which varies.
      expect(lines[0]).toMatch(/^user alice on #5e884898da28047151d0e56f8dc6292773603d0d6aabbdd62a11ef721d1542d8 ~a:\* &\* -@all (\+set \+get|\+get \+set)$/);
      expect(lines[1]).toMatch(/^user bob on #[0-9a-f]{64} ~\* resetchannels -@all \+@read \(~s\* resetchannels -@all \+set\)$/);
      expect(lines[2]).toBe('user default on nopass ~* &* +@all');
      expect(lines[3]).toBe('');
      const before = s(await c.send(['ACL', 'LIST']));
      // A broken file is refused whole.
      writeFileSync(file, `${saved}user carol on +nosuch\nnot a user line\n`);
      const err = s(await c.send(['ACL', 'LOAD']));
      expect(err).toBe(
        `-ERR ${file}:4: Error in applying operation '+nosuch': Unknown command or category name in ACL. ${file}:5 should start with user keyword followed by the username. WARNING: ACL errors detected, no change to the previously active ACL rules was performed\r\n`,
      );
      expect(s(await c.send(['ACL', 'LIST']))).toBe(before);
      // A good one replaces the users and drops the clients of the old ones.
      const bobConn = await rawClient(other.port);
      expect(s(await bobConn.send(['AUTH', 'bob', 'pw']))).toBe('+OK\r\n');
      writeFileSync(file, saved.replace(/^user alice.*\n/, ''));
      expect(s(await c.send(['ACL', 'LOAD']))).toBe('+OK\r\n');
      expect(await bobConn.waitClosed(3000)).toBe(true);
      expect(s(await c.send(['ACL', 'USERS']))).toBe('*2\r\n$3\r\nbob\r\n$7\r\ndefault\r\n');
      expect(s(await c.send(['PING']))).toBe('+PONG\r\n');
    } finally {
      c.close();
      await other.stop();
    }
  });

  test('user directives from the command line; both ways at once is refused', async () => {
    const other = await start(['--user', 'carol', 'on', '>pw', '+@all', '~*', '--user', 'default', 'on', '>adminpw', '+@all', '~*', '&*']);
    const c = await rawClient(other.port);
    try {
      expect(s(await c.send(['PING']))).toBe('-NOAUTH Authentication required.\r\n');
      expect(s(await c.send(['AUTH', 'carol', 'pw']))).toBe('+OK\r\n');
      expect(s(await c.send(['ACL', 'WHOAMI']))).toBe('$5\r\ncarol\r\n');
      expect(s(await c.send(['ACL', 'SAVE']))).toMatch(/^-ERR This Redis instance is not configured to use an ACL file/);
    } finally {
      c.close();
      await other.stop();
    }
    const file = path.join(dir, 'both.acl');
    writeFileSync(file, '');
    await expect(start(['--aclfile', file, '--user', 'dave', 'on'])).rejects.toThrow();
  });
});
