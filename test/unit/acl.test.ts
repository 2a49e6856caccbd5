// The ACL modules alone (src/acl/): rule application and its errors, descriptions, the permission
// check over key specs and channels, log grouping, the ACL file format, and CONFIG REWRITE's user
// lines. Behaviour over a socket, compared with redis-server, is in test/golden/cases/acl.txt,
// test/interop/acl.test.ts and test/integration/acl.test.ts.
import { describe, expect, test } from 'vitest';
import { Argv } from '../../src/protocol/argv.ts';
import { Acl } from '../../src/acl/acl.ts';
import { ACL_DENIED_CHANNEL, ACL_DENIED_CMD, ACL_DENIED_KEY, ACL_OK, checkCommand, channelPermitted, deniedPos } from '../../src/acl/check.ts';
import { describeUser } from '../../src/acl/describe.ts';
import { AclLog, CTX_TOPLEVEL } from '../../src/acl/log.ts';
import { mergeSelectorArgs } from '../../src/acl/rules.ts';
import type { User } from '../../src/acl/user.ts';
import { createRegistry } from '../../src/server/command-table.ts';
import { Config } from '../../src/server/config.ts';
import { rewriteConfigText } from '../../src/server/config-rewrite.ts';

const registry = createRegistry();
const acl = new Acl(registry.metaTable);
for (const cmd of registry.all()) cmd.aclId = acl.commands.lookup(cmd.fullName)?.id ?? -1;

function user(...rules: string[]): User {
  const u = acl.stageSetUser('t', rules);
  if (typeof u === 'string') throw new Error(u);
  return u;
}

function check(u: User, ...args: string[]): number {
  const argv = new Argv().setFrom(args);
  let cmd = registry.lookup(argv, 0);
  if (cmd?.hasSubcommands && argv.argc > 1) cmd = cmd.subcommand(argv.lower(1)) ?? null;
  if (cmd === null) throw new Error(`no command ${args[0]}`);
  return checkCommand(u, acl.commands.byId[cmd.aclId], cmd, argv);
}

describe('rules', () => {
  test('the default user is unrestricted; a new user has nothing', () => {
    expect(acl.defaultUser.unrestricted).toBe(true);
    expect(describeUser(acl.commands, acl.defaultUser)).toBe('on nopass ~* &* +@all');
    const u = user();
    expect(u.unrestricted).toBe(false);
    expect(describeUser(acl.commands, u)).toBe('off resetchannels -@all');
  });

  test('errors name the rule', () => {
    expect(acl.stageSetUser('t', ['+nosuch'])).toBe("ERR Error in ACL SETUSER modifier '+nosuch': Unknown command or category name in ACL");
    expect(acl.stageSetUser('t', ['~*', '~a'])).toMatch(/'~a': Adding a pattern after the \* pattern \(or the 'allkeys' flag\)/);
    expect(acl.stageSetUser('t', ['+config|get|x'])).toMatch(/Allowing first-arg of a subcommand is not supported$/);
    expect(acl.stageSetUser('t', ['#abc'])).toMatch(/The password hash must be exactly 64 characters/);
    expect(acl.stageSetUser('t', ['(+get', '~a'])).toBe("ERR Unmatched parenthesis in acl selector starting at '(+get'.");
  });

  test('selectors merge across arguments', () => {
    expect(mergeSelectorArgs(['on', '(+get', '~a)', 'off'])).toEqual(['on', '(+get ~a)', 'off']);
    expect(mergeSelectorArgs(['(+get', '~a'])).toBe(0);
  });

  test('descriptions: categories fitted greedily, first-args, key rights', () => {
    expect(describeUser(acl.commands, user('+@all', '-@dangerous'))).toBe('off resetchannels +@all -@dangerous');
    expect(describeUser(acl.commands, user('-@all', '+select|0', '%R~r*', '%W~w*', '%RW~x*'))).toBe('off %R~r* %W~w* ~x* resetchannels -@all +select|0');
    expect(describeUser(acl.commands, user('on', '>p', '(+get ~k)'))).toBe(
      'on #148de9c5a7a44d19e56cd9ae1a554bf67847afb0c58f6e12fa29ac7ddfca9940 resetchannels -@all (~k resetchannels -@all +get)',
    );
  });
});

describe('the check', () => {
  test('commands, first args, keys with rights, selectors', () => {
    const u = user('-@all', '+get', '+set', '+select|0', '+config|get', '~k*', '%R~r*', '(+del ~d*)');
    expect(check(u, 'get', 'k1')).toBe(ACL_OK);
    expect(check(u, 'get', 'x')).toBe(ACL_DENIED_KEY);
    expect(deniedPos).toBe(1);
    expect(check(u, 'get', 'r1')).toBe(ACL_OK);
    expect(check(u, 'set', 'r1', 'v')).toBe(ACL_DENIED_KEY);
    expect(check(u, 'del', 'd1')).toBe(ACL_OK);
    expect(check(u, 'del', 'k1')).toBe(ACL_DENIED_KEY);
    expect(check(u, 'hget', 'k1', 'f')).toBe(ACL_DENIED_CMD);
    expect(check(u, 'select', '0')).toBe(ACL_OK);
    expect(check(u, 'select', '1')).toBe(ACL_DENIED_CMD);
    expect(check(u, 'config', 'get', 'x')).toBe(ACL_OK);
    expect(check(u, 'config', 'set', 'x', 'y')).toBe(ACL_DENIED_CMD);
    // SET ... GET reads the key too (the native key finder's RW flags).
    expect(check(user('-@all', '+set', '%W~w*'), 'set', 'w1', 'v')).toBe(ACL_OK);
    expect(check(user('-@all', '+set', '%W~w*'), 'set', 'w1', 'v', 'GET')).toBe(ACL_DENIED_KEY);
  });

  test('channels: globs for names, literal for PSUBSCRIBE patterns', () => {
    const u = user('+@all', '~*', 'resetchannels', '&news.*');
    expect(check(u, 'publish', 'news.a', 'm')).toBe(ACL_OK);
    expect(check(u, 'publish', 'other', 'm')).toBe(ACL_DENIED_CHANNEL);
    expect(check(u, 'subscribe', 'news.a', 'other')).toBe(ACL_DENIED_CHANNEL);
    expect(deniedPos).toBe(2);
    expect(check(u, 'psubscribe', 'news.*')).toBe(ACL_OK);
    expect(check(u, 'psubscribe', 'news.a*')).toBe(ACL_DENIED_CHANNEL);
    expect(check(u, 'unsubscribe', 'other')).toBe(ACL_OK);
    expect(channelPermitted(u, Buffer.from('news.x'), false)).toBe(true);
    expect(channelPermitted(u, Buffer.from('news.x'), true)).toBe(false);
  });
});

test('log entries group within 60 s and the list is cut', () => {
  const log = new AclLog();
  const e = { reason: ACL_DENIED_CMD, context: CTX_TOPLEVEL, object: 'get', username: 'u', ctime: 1000, clientInfo: 'a' };
  log.add(e, 3);
  log.add({ ...e, ctime: 2000, clientInfo: 'b' }, 3);
  expect(log.entries).toHaveLength(1);
  expect(log.entries[0]).toMatchObject({ count: 2, ctime: 2000, clientInfo: 'b' });
  log.add({ ...e, ctime: 70000 }, 3);
  expect(log.entries).toHaveLength(2);
  for (const o of ['a', 'b', 'c']) log.add({ ...e, object: o, ctime: 70000 }, 3);
  expect(log.entries.map((x) => x.object)).toEqual(['c', 'b', 'a']);
});

test('ACL file text: all or nothing, and back', () => {
  const a = new Acl(registry.metaTable);
  const bad = a.loadFileText('user x on +get\n# comment\nuser x off\n', 'f.acl');
  expect(bad).toEqual({
    errors: "f.acl:2 should start with user keyword followed by the username. WARNING: Duplicate user 'x' found on line 3. WARNING: ACL errors detected, no change to the previously active ACL rules was performed",
  });
  expect([...a.users.keys()]).toEqual(['default']);
  const ok = a.loadFileText('user x on nopass ~* +get\r\n\n  user default on nopass ~* &* +@all  \n', 'f.acl');
  expect(ok).toEqual({ removed: [] });
  expect(a.saveText()).toBe('user default on nopass ~* &* +@all\nuser x on nopass ~* resetchannels -@all +get\n');
});

test('CONFIG REWRITE writes every user, or none with an aclfile', () => {
  const config = new Config();
  const text = rewriteConfigText(config, 'user old on\n', ['default on nopass ~* &* +@all', 'x off resetchannels -@all']);
  expect(text.startsWith('user default on nopass ~* &* +@all\n')).toBe(true);
  expect(text).toContain('\nuser x off resetchannels -@all\n');
  expect(text).not.toContain('user old');
  expect(rewriteConfigText(config, 'port 6379\nuser old on\n', null)).not.toContain('user ');
});
