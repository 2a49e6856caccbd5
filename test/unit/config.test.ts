import { mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  CONFIG_TABLE,
  Config,
  NOTIFY_EXPIRED,
  NOTIFY_KEYEVENT,
  NOTIFY_KEYSPACE,
  formatConfigError,
  loadServerConfig,
  lookupConfig,
  parseCommandLine,
  parseConfigFile,
  parseMemory,
  splitArgs,
} from '../../src/server/config.ts';

// Every expected error text below was checked against redis-server 7.0.15 (Debian's build).

const REF: Record<string, string> = JSON.parse(
  readFileSync(new URL('../fixtures/redis-7.0-config-defaults.json', import.meta.url), 'utf8'),
);

const SET_FAILED = (name: string, why: string): string => `ERR CONFIG SET failed (possibly related to argument '${name}') - ${why}`;

/** CONFIG SET one pair; 'OK' or the error. */
function set(c: Config, name: string, value: string): string {
  return c.setMany([[name, value]]) ?? 'OK';
}

/** Loads config-file text as redis-server would (file only). */
function loadText(c: Config, text: string): string | null {
  return c.load(text).error;
}

/** Loads a command line (program name omitted) with file contents supplied in memory. */
function loadArgs(c: Config, argv: string[], files: Record<string, string> = {}): string | null {
  const cmd = parseCommandLine(argv);
  return loadServerConfig(c, cmd, {
    readFile: (p) => {
      const name = p.slice(p.lastIndexOf('/') + 1);
      if (!(name in files)) throw Object.assign(new Error('nope'), { code: 'ENOENT' });
      return files[name];
    },
  }).error;
}

describe('defaults', () => {
  it('CONFIG GET * lists exactly the reference names', () => {
    const names = new Config().getMatching(['*']).map(([n]) => n).sort();
    expect(names).toEqual(Object.keys(REF).sort());
  });

  it('every default equals a fresh redis-server 7.0.15', () => {
    const got = Object.fromEntries(new Config().getMatching(['*']));
    for (const name of Object.keys(REF)) {
      if (name === 'dir') continue; // the working directory
      // The reference was read off a server started with --save '' --daemonize yes.
      if (name === 'save') expect(got[name]).toBe('3600 1 300 100 60 10000');
      else if (name === 'daemonize') expect(got[name]).toBe('no');
      else expect(got[name], name).toBe(REF[name]);
    }
  });

  it('started like the reference server, it matches the reference exactly', () => {
    const c = new Config();
    expect(loadArgs(c, ['--save', '', '--daemonize', 'yes'])).toBeNull();
    const got = Object.fromEntries(c.getMatching(['*']));
    for (const name of Object.keys(REF)) if (name !== 'dir') expect(got[name], name).toBe(REF[name]);
    expect(got.dir).toBe(process.cwd());
  });

  it('hidden configs answer an exact name only', () => {
    const c = new Config();
    expect(c.getMatching(['watchdog-period', 'use-exit-on-panic', 'loading-process-events-interval-bytes'])).toEqual([
      ['watchdog-period', '0'],
      ['use-exit-on-panic', 'no'],
      ['loading-process-events-interval-bytes', '2097152'],
    ]);
    expect(c.getMatching(['watchdog*', 'key-load-*'])).toEqual([]);
  });

  it('typed values are ready to read', () => {
    const v = new Config().values;
    expect(v.hz).toBe(10);
    expect(v.maxmemory).toBe(0);
    expect(v['maxmemory-policy']).toBe('noeviction');
    expect(v.appendonly).toBe(false);
    expect(v.save).toEqual([{ seconds: 3600, changes: 1 }, { seconds: 300, changes: 100 }, { seconds: 60, changes: 10000 }]);
    expect(v['client-output-buffer-limit']).toEqual({
      normal: { hard: 0, soft: 0, softSeconds: 0 },
      replica: { hard: 268435456, soft: 67108864, softSeconds: 60 },
      pubsub: { hard: 33554432, soft: 8388608, softSeconds: 60 },
    });
    expect(v.bind).toEqual(['*', '-::*']);
    expect(v.replicaof).toBeNull();
    expect(v['notify-keyspace-events']).toBe(0);
    expect(v['oom-score-adj-values']).toEqual([0, 200, 800]);
    expect(v['latency-tracking-info-percentiles']).toEqual([50, 99, 99.9]);
  });

  it('every row has a distinct name and alias', () => {
    const all = CONFIG_TABLE.flatMap((r) => ('alias' in r && r.alias ? [r.name, r.alias] : [r.name]));
    expect(new Set(all).size).toBe(all.length);
  });
});

describe('CONFIG GET', () => {
  it('echoes exact names as spelled and matches patterns without case', () => {
    const c = new Config();
    expect(c.getMatching(['MAXMEMORY'])).toEqual([['MAXMEMORY', '0']]);
    expect(c.getMatching(['maxmemory', 'maxmemory', 'MAXMEMORY'])).toEqual([['maxmemory', '0']]);
    expect(new Map(c.getMatching(['MaxMem*']))).toEqual(
      new Map([['maxmemory', '0'], ['maxmemory-clients', '0'], ['maxmemory-policy', 'noeviction'], ['maxmemory-samples', '5'], ['maxmemory-eviction-tenacity', '10']]),
    );
    expect(c.getMatching(['max*', 'maxmemory']).filter(([n]) => n === 'maxmemory')).toHaveLength(1);
    expect(c.getMatching(['h?'])).toEqual([['hz', '10']]);
    expect(c.getMatching(['nosuch'])).toEqual([]);
    expect(c.get('nosuch')).toBeUndefined();
  });

  it('lists aliases under their own names', () => {
    const c = new Config();
    expect(new Map(c.getMatching(['slave-p*']))).toEqual(new Map([['slave-priority', '100']]));
    expect(c.getMatching(['*-ziplist-*']).map(([n]) => n).sort()).toEqual([
      'hash-max-ziplist-entries', 'hash-max-ziplist-value', 'list-max-ziplist-size', 'zset-max-ziplist-entries', 'zset-max-ziplist-value',
    ]);
    expect(c.get('SLAVEOF')).toBe('');
    expect(c.get('lua-time-limit')).toBe('5000');
  });
});

describe('CONFIG SET round trips', () => {
  it('bool', () => {
    const c = new Config();
    expect(set(c, 'appendfsync', 'always')).toBe('OK');
    expect(set(c, 'activerehashing', 'NO')).toBe('OK');
    expect(c.get('activerehashing')).toBe('no');
    expect(c.values.activerehashing).toBe(false);
    expect(set(c, 'activerehashing', 'true')).toBe(SET_FAILED('activerehashing', "argument must be 'yes' or 'no'"));
  });

  it('integers: string2ll syntax and bounds', () => {
    const c = new Config();
    expect(set(c, 'slowlog-log-slower-than', '-1')).toBe('OK');
    expect(c.values['slowlog-log-slower-than']).toBe(-1);
    for (const bad of ['010', '-0', '+5', ' 5', '5.0', '', '1e3', '9223372036854775808']) {
      expect(set(c, 'hz', bad), bad).toBe(SET_FAILED('hz', "argument couldn't be parsed into an integer"));
    }
    expect(set(c, 'hz', '2147483648')).toBe(SET_FAILED('hz', 'argument must be between 0 and 2147483647 inclusive'));
    expect(set(c, 'maxclients', '-5')).toBe(SET_FAILED('maxclients', 'argument must be between 1 and 4294967295 inclusive'));
    expect(set(c, 'acllog-max-len', '-5')).toBe(SET_FAILED('acllog-max-len', 'argument must be between 0 and 9223372036854775807 inclusive'));
    expect(set(c, 'slowlog-log-slower-than', '-5')).toBe(SET_FAILED('slowlog-log-slower-than', 'argument must be between -1 and 9223372036854775807 inclusive'));
    expect(set(c, 'list-max-listpack-size', '-2147483649')).toBe(SET_FAILED('list-max-listpack-size', 'argument must be between -2147483648 and 2147483647 inclusive'));
    expect(set(c, 'active-expire-effort', '11')).toBe(SET_FAILED('active-expire-effort', 'argument must be between 1 and 10 inclusive'));
  });

  it('hz is clamped to 1..500', () => {
    const c = new Config();
    expect(set(c, 'hz', '0')).toBe('OK');
    expect(c.get('hz')).toBe('1');
    expect(set(c, 'hz', '100000')).toBe('OK');
    expect(c.values.hz).toBe(500);
  });

  it('repl-backlog-size set below 16kb is raised to 16kb', () => {
    const c = new Config();
    expect(set(c, 'repl-backlog-size', '1')).toBe('OK');
    expect(c.get('repl-backlog-size')).toBe('16384');
    expect(loadText(c, 'repl-backlog-size 1')).toBeNull(); // not when loading
    expect(c.get('repl-backlog-size')).toBe('1');
  });

  it('memory units', () => {
    const c = new Config();
    const cases: Array<[string, string]> = [
      ['', '0'], ['k', '0'], ['1b', '1'], ['1B', '1'], ['1k', '1000'], ['1K', '1000'], ['1kb', '1024'], ['1KB', '1024'], ['1kB', '1024'],
      ['1m', '1000000'], ['1mb', '1048576'], ['1g', '1000000000'], ['1gb', '1073741824'], ['010', '10'],
      ['99999999999999999999', '18446744073709551615'], ['18446744073709551616', '18446744073709551615'],
      ['99999999999gb', '15140462030378500096'], ['17179869184gb', '0'],
    ];
    for (const [input, out] of cases) {
      expect(set(c, 'maxmemory', input), input).toBe('OK');
      expect(c.get('maxmemory'), input).toBe(out);
    }
    expect(c.values.maxmemory).toBe(0);
    for (const bad of [' 1', '+1', '0x10', '1.5mb', '1tb', '1 kb', '-1', 'garbage']) {
      expect(set(c, 'maxmemory', bad), bad).toBe(SET_FAILED('maxmemory', 'argument must be a memory value'));
    }
    expect(set(c, 'proto-max-bulk-len', '1k')).toBe(SET_FAILED('proto-max-bulk-len', 'argument must be between 1048576 and 9223372036854775807 inclusive'));
    expect(set(c, 'proto-max-bulk-len', '18446744073709551615')).toBe(SET_FAILED('proto-max-bulk-len', 'argument must be between 1048576 and 9223372036854775807 inclusive'));
    expect(set(c, 'client-query-buffer-limit', '99999999999999999999')).toBe(SET_FAILED('client-query-buffer-limit', 'argument must be between 1048576 and 9223372036854775807 inclusive'));
    expect(parseMemory('2gb')).toBe(2147483648);
    expect(parseMemory('2tb')).toBeNull();
  });

  it('percentages (maxmemory-clients)', () => {
    const c = new Config();
    expect(set(c, 'maxmemory-clients', '50%')).toBe('OK');
    expect(c.get('maxmemory-clients')).toBe('50%');
    expect(c.values['maxmemory-clients']).toBe(-50);
    expect(set(c, 'maxmemory-clients', '0%')).toBe('OK');
    expect(c.get('maxmemory-clients')).toBe('0');
    expect(set(c, 'maxmemory-clients', '1kb')).toBe('OK');
    expect(c.values['maxmemory-clients']).toBe(1024);
    expect(set(c, 'maxmemory-clients', '101%')).toBe(SET_FAILED('maxmemory-clients', 'percentage argument must be less or equal to 100'));
    for (const bad of ['-1%', '%', '5%%', '50 %']) {
      expect(set(c, 'maxmemory-clients', bad), bad).toBe(SET_FAILED('maxmemory-clients', 'argument must be a memory or percent value'));
    }
  });

  it('enums', () => {
    const c = new Config();
    expect(set(c, 'maxmemory-policy', 'ALLKEYS-LRU')).toBe('OK');
    expect(c.get('maxmemory-policy')).toBe('allkeys-lru');
    expect(set(c, 'maxmemory-policy', 'allkeys-lru allkeys-lfu')).toBe(
      SET_FAILED('maxmemory-policy', 'argument(s) must be one of the following: volatile-lru, volatile-lfu, volatile-random, volatile-ttl, allkeys-lru, allkeys-lfu, allkeys-random, noeviction'),
    );
    expect(set(c, 'oom-score-adj', 'relative')).toBe('OK');
    expect(c.get('oom-score-adj')).toBe('yes');
    expect(set(c, 'loglevel', 'nothing')).toBe(SET_FAILED('loglevel', 'argument(s) must be one of the following: debug, verbose, notice, warning'));
  });

  it('bit-flag enums (shutdown-on-sigint)', () => {
    const c = new Config();
    expect(set(c, 'shutdown-on-sigint', 'NOW nosave')).toBe('OK');
    expect(c.get('shutdown-on-sigint')).toBe('nosave now');
    expect(set(c, 'shutdown-on-sigint', 'now force default')).toBe('OK');
    expect(c.get('shutdown-on-sigint')).toBe('now force');
    expect(set(c, 'shutdown-on-sigint', 'save nosave')).toBe(SET_FAILED('shutdown-on-sigint', "shutdown options SAVE and NOSAVE can't be used simultaneously"));
    expect(set(c, 'shutdown-on-sigint', '')).toBe(SET_FAILED('shutdown-on-sigint', 'argument(s) must be one of the following: default, save, nosave, now, force'));
    expect(c.get('shutdown-on-sigint')).toBe('now force');
  });

  it('strings and their validators', () => {
    const c = new Config();
    expect(set(c, 'masterauth', 'a b "c"')).toBe('OK');
    expect(c.values.masterauth).toBe('a b "c"');
    expect(c.isSensitive('masterauth') && c.isSensitive('REQUIREPASS') && c.isSensitive('masteruser')).toBe(true);
    expect(c.isSensitive('tls-key-file-pass')).toBe(false);
    expect(set(c, 'cluster-announce-hostname', 'a_b')).toBe(SET_FAILED('cluster-announce-hostname', 'Hostnames may only contain alphanumeric characters, hyphens or dots'));
    expect(set(c, 'cluster-announce-hostname', 'x'.repeat(256))).toBe(SET_FAILED('cluster-announce-hostname', 'Hostnames must be less than 256 characters'));
    expect(set(c, 'cluster-announce-hostname', 'ab.c-d')).toBe('OK');
    for (const ok of ['{{', 'a{{b', '}}', '{port}', '{config-file}x', '{unixsocket}{tls-port}']) expect(set(c, 'proc-title-template', ok), ok).toBe('OK');
    for (const bad of ['{title}', '   ', '{', 'x{title', '{nope}']) {
      expect(set(c, 'proc-title-template', bad), bad).toBe(SET_FAILED('proc-title-template', 'template format is invalid or contains unknown variables'));
    }
    expect(set(c, 'activedefrag', 'yes')).toBe(
      SET_FAILED('activedefrag', 'Active defragmentation cannot be enabled: it requires a Redis server compiled with a modified Jemalloc like the one shipped by default with the Redis source distribution'),
    );
    expect(loadText(c, 'dbfilename a/b')).toBe(formatConfigError("dbfilename can't be a path, just a filename", 1, 'dbfilename a/b'));
    expect(loadText(c, 'appendfilename ""')).toBe(formatConfigError("appendfilename can't be empty", 1, 'appendfilename ""'));
    expect(loadText(c, 'appenddirname a/b')).toBe(formatConfigError("appenddirname can't be a path, just a dirname", 1, 'appenddirname a/b'));
  });

  it('save', () => {
    const c = new Config();
    expect(set(c, 'save', '900 1 300 10')).toBe('OK');
    expect(c.get('save')).toBe('900 1 300 10');
    expect(c.values.save).toEqual([{ seconds: 900, changes: 1 }, { seconds: 300, changes: 10 }]);
    expect(set(c, 'save', '+5 1')).toBe('OK');
    expect(set(c, 'save', '05 1')).toBe('OK');
    expect(c.get('save')).toBe('5 1');
    for (const bad of ['900  1', ' 900 1', '900 1 ', '0 1', '1 -1', '5 1x', '5']) {
      expect(set(c, 'save', bad), bad).toBe(SET_FAILED('save', 'Invalid save parameters'));
    }
    expect(set(c, 'save', '')).toBe('OK');
    expect(c.get('save')).toBe('');
    expect(c.values.save).toEqual([]);
  });

  it('client-output-buffer-limit', () => {
    const c = new Config();
    expect(set(c, 'client-output-buffer-limit', 'pubsub 1mb 2k 5')).toBe('OK');
    expect(c.get('client-output-buffer-limit')).toBe('normal 0 0 0 slave 268435456 67108864 60 pubsub 1048576 2000 5');
    expect(set(c, 'client-output-buffer-limit', 'REPLICA 1 1 1')).toBe('OK');
    expect(c.values['client-output-buffer-limit'].replica).toEqual({ hard: 1, soft: 1, softSeconds: 1 });
    expect(set(c, 'client-output-buffer-limit', 'master 1 1 1')).toBe(SET_FAILED('client-output-buffer-limit', 'Invalid client class specified in buffer limit configuration.'));
    expect(set(c, 'client-output-buffer-limit', 'normal 1 1')).toBe(SET_FAILED('client-output-buffer-limit', 'Wrong number of arguments in buffer limit configuration.'));
    for (const bad of ['normal 1 1 -1', 'normal 1 1 1x', 'normal x 1 1', 'normal 1 1 4294967295', 'normal 1 1 1 slave x 1 1']) {
      expect(set(c, 'client-output-buffer-limit', bad), bad).toBe(
        SET_FAILED('client-output-buffer-limit', 'Error in hard, soft or soft_seconds setting in buffer limit configuration.'),
      );
    }
    expect(c.get('client-output-buffer-limit')).toBe('normal 0 0 0 slave 1 1 1 pubsub 1048576 2000 5');
    expect(set(c, 'client-output-buffer-limit', '')).toBe('OK');
    expect(set(c, 'client-output-buffer-limit', 'pubsub 99999999999999999999 1gb 4294967297')).toBe('OK');
    expect(c.get('client-output-buffer-limit')).toBe('normal 0 0 0 slave 1 1 1 pubsub 18446744073709551615 1073741824 1');
  });

  it('notify-keyspace-events', () => {
    const c = new Config();
    const cases: Array<[string, string]> = [
      ['A', 'A'], ['KEA', 'AKE'], ['g$lshzxetd', 'A'], ['Ex', 'xE'], ['n', 'n'], ['An', 'A'], ['xg', 'gx'], ['m', 'm'], ['Kg', 'gK'],
      ['ndtexzhsl$gmEK', 'AKEm'], ['tt', 't'], ['', ''],
    ];
    for (const [input, out] of cases) {
      expect(set(c, 'notify-keyspace-events', input), input).toBe('OK');
      expect(c.get('notify-keyspace-events'), input).toBe(out);
    }
    expect(set(c, 'notify-keyspace-events', 'Ex')).toBe('OK');
    expect(c.values['notify-keyspace-events']).toBe(NOTIFY_KEYEVENT | NOTIFY_EXPIRED);
    expect(c.values['notify-keyspace-events'] & NOTIFY_KEYSPACE).toBe(0);
    expect(set(c, 'notify-keyspace-events', 'Aq')).toBe(SET_FAILED('notify-keyspace-events', "Invalid event class character. Use 'Ag$lshzxeKEtmdn'."));
  });

  it('oom-score-adj-values', () => {
    const c = new Config();
    expect(set(c, 'oom-score-adj-values', '-5 +2 03')).toBe('OK');
    expect(c.get('oom-score-adj-values')).toBe('-5 2 3');
    expect(set(c, 'oom-score-adj-values', '1 2')).toBe(SET_FAILED('oom-score-adj-values', 'wrong number of arguments'));
    for (const bad of ['1 2 x', '1 2 3000', '1 2 99999999999999999999']) {
      expect(set(c, 'oom-score-adj-values', bad)).toBe(SET_FAILED('oom-score-adj-values', 'Invalid oom-score-adj-values, elements must be between -2000 and 2000.'));
    }
  });

  it('bind', () => {
    const c = new Config();
    expect(set(c, 'bind', '127.0.0.1 -::1')).toBe('OK');
    expect(c.values.bind).toEqual(['127.0.0.1', '-::1']);
    expect(set(c, 'bind', '')).toBe('OK');
    expect(c.get('bind')).toBe('');
    expect(set(c, 'bind', Array.from({ length: 17 }, (_, i) => String(i)).join(' '))).toBe(SET_FAILED('bind', 'Too many bind addresses specified.'));
  });

  it('latency-tracking-info-percentiles', () => {
    const c = new Config();
    const cases: Array<[string, string]> = [['99.99999', '99.99999'], ['1e1', '10'], ['0.000001', '0.000001'], ['0.0000001', '0'], ['100.0 0', '100 0'], ['-0 .5 5.', '-0 0.5 5'], ['', '']];
    for (const [input, out] of cases) {
      expect(set(c, 'latency-tracking-info-percentiles', input), input).toBe('OK');
      expect(c.get('latency-tracking-info-percentiles'), input).toBe(out);
    }
    for (const bad of ['1,5', '50  99', 'nan', 'x']) {
      expect(set(c, 'latency-tracking-info-percentiles', bad), bad).toBe(SET_FAILED('latency-tracking-info-percentiles', 'Invalid latency-tracking-info-percentiles parameters'));
    }
    expect(set(c, 'latency-tracking-info-percentiles', '50 101')).toBe(
      SET_FAILED('latency-tracking-info-percentiles', 'latency-tracking-info-percentiles parameters should sit between [0.0,100.0]'),
    );
  });

  it('aliases set the same value', () => {
    const c = new Config();
    expect(set(c, 'slave-read-only', 'no')).toBe('OK');
    expect(c.get('replica-read-only')).toBe('no');
    expect(c.values['replica-read-only']).toBe(false);
    expect(set(c, 'hash-max-ziplist-entries', '7')).toBe('OK');
    expect(c.values['hash-max-listpack-entries']).toBe(7);
    expect(set(c, 'list-max-ziplist-size', '-2147483648')).toBe('OK');
    expect(c.get('list-max-listpack-size')).toBe('-2147483648');
    expect(set(c, 'slave-priority', 'abc')).toBe(SET_FAILED('slave-priority', "argument couldn't be parsed into an integer"));
    expect(lookupConfig('SLAVEOF')?.row.name).toBe('replicaof');
  });
});

describe('CONFIG SET errors and atomicity', () => {
  it('reports unknown, immutable, protected and duplicate names as Redis does', () => {
    const c = new Config();
    expect(c.setMany([['foo', '1']])).toBe("ERR Unknown option or number of arguments for CONFIG SET - 'foo'");
    expect(c.setMany([['FOO', '1'], ['bar', '2']])).toBe("ERR Unknown option or number of arguments for CONFIG SET - 'FOO'");
    expect(c.setMany([['foo', '1'], ['daemonize', 'yes']])).toBe("ERR Unknown option or number of arguments for CONFIG SET - 'foo'");
    expect(c.setMany([['daemonize', 'yes'], ['foo', '1']])).toBe(SET_FAILED('daemonize', "can't set immutable config"));
    expect(c.setMany([['maxmemory', '1'], ['foo', '1']])).toBe("ERR Unknown option or number of arguments for CONFIG SET - 'foo'");
    expect(c.setMany([['daemonize', 'yes'], ['dir', '/tmp']])).toBe(SET_FAILED('daemonize', "can't set immutable config"));
    expect(c.setMany([['dir', '/tmp'], ['daemonize', 'yes']])).toBe(SET_FAILED('dir', "can't set protected config"));
    expect(c.setMany([['hz', 'abc'], ['daemonize', 'yes']])).toBe(SET_FAILED('daemonize', "can't set immutable config"));
    expect(set(c, 'dbfilename', 'x.rdb')).toBe(SET_FAILED('dbfilename', "can't set protected config"));
    expect(set(c, 'slaveof', 'no one')).toBe(SET_FAILED('slaveof', "can't set immutable config"));
    expect(c.setMany([['maxmemory', '1'], ['maxmemory', '2']])).toBe(SET_FAILED('maxmemory', 'duplicate parameter'));
    expect(c.setMany([['maxmemory', '1'], ['MAXMEMORY', '2']])).toBe(SET_FAILED('MAXMEMORY', 'duplicate parameter'));
    expect(c.setMany([['maxmemory', '5'], ['maxmemory', 'abc']])).toBe(SET_FAILED('maxmemory', 'duplicate parameter'));
    expect(c.setMany([['MAXMEMORY', 'abc']])).toBe(SET_FAILED('maxmemory', 'argument must be a memory value'));
    // An alias is a separate entry: not a duplicate, the later one wins.
    expect(c.setMany([['slave-read-only', 'yes'], ['replica-read-only', 'no']])).toBeNull();
    expect(c.get('slave-read-only')).toBe('no');
    expect(c.values.maxmemory).toBe(0);
  });

  it('LOADING and protected configs depend on the context', () => {
    const c = new Config();
    expect(c.setMany([['appendonly', 'yes']], { loading: true })).toBe('LOADING Redis is loading the dataset in memory');
    expect(c.setMany([['hz', '20']], { loading: true })).toBeNull();
    expect(loadText(c, 'enable-protected-configs local')).toBeNull();
    expect(c.setMany([['dbfilename', 'a.rdb']])).toBe(SET_FAILED('dbfilename', "can't set protected config"));
    expect(c.setMany([['dbfilename', 'a.rdb']], { localClient: true })).toBeNull();
    expect(c.setMany([['dbfilename', 'a/b.rdb']], { localClient: true })).toBe(SET_FAILED('dbfilename', "dbfilename can't be a path, just a filename"));
  });

  it('is all or nothing', () => {
    const c = new Config();
    expect(c.setMany([['hz', '20'], ['maxmemory', 'abc']])).toBe(SET_FAILED('maxmemory', 'argument must be a memory value'));
    expect(c.get('hz')).toBe('10');
    expect(c.setMany([['hz', '15'], ['maxmemory', '10'], ['save', '1 2 3']])).toBe(SET_FAILED('save', 'Invalid save parameters'));
    expect(c.getMatching(['hz', 'maxmemory', 'save'])).toEqual([['hz', '10'], ['maxmemory', '0'], ['save', '3600 1 300 100 60 10000']]);
    expect(c.setMany([['hz', '15'], ['maxmemory', '10mb']])).toBeNull();
    expect(c.values.hz).toBe(15);
    expect(c.values.maxmemory).toBe(10485760);
  });

  it('runs hooks after every value is set, once per function, only on change', () => {
    const c = new Config();
    const calls: string[] = [];
    const shared = (name: string, cfg: Config): void => {
      calls.push(`shared:${name}:${cfg.values['tls-cluster']}:${cfg.values['tls-replication']}`);
    };
    c.onChange('tls-cluster', shared);
    c.onChange('tls-replication', shared);
    c.onChange('hz', (_n, cfg) => {
      calls.push(`hz:${cfg.values.hz}:${cfg.values.maxmemory}`);
    });
    expect(c.setMany([['hz', '20'], ['maxmemory', '1k'], ['tls-cluster', 'yes'], ['tls-replication', 'yes']])).toBeNull();
    expect(calls).toEqual(['hz:20:1000', 'shared:tls-cluster:true:true']);
    calls.length = 0;
    expect(set(c, 'hz', '20')).toBe('OK');
    expect(calls).toEqual([]);
    expect(set(c, 'slave-read-only', 'no')).toBe('OK'); // no hook registered
  });

  it('rolls everything back when a hook fails, and re-applies the old values', () => {
    const c = new Config();
    const seen: number[] = [];
    c.onChange('port', (_n, cfg) => (cfg.values.port === 22 ? 'Unable to listen on this port. Check server logs.' : null));
    const off = c.onChange('maxmemory', (_n, cfg) => {
      seen.push(cfg.values.maxmemory);
    });
    expect(c.setMany([['maxmemory', '100'], ['port', '22']])).toBe(SET_FAILED('port', 'Unable to listen on this port. Check server logs.'));
    expect(c.values.port).toBe(6379);
    expect(c.values.maxmemory).toBe(0);
    expect(seen).toEqual([100, 0]);
    off();
    expect(set(c, 'maxmemory', '5')).toBe('OK');
    expect(seen).toEqual([100, 0]);
    expect(() => c.onChange('nosuch', () => null)).toThrow();
  });

  it('a listener-like hook: every pair and every effect rolled back, Redis warnings logged', () => {
    // A fake network: ports in use by someone else, and what "we" listen on. The hook works as
    // the server's port/bind hook must: bind the new addresses first, close the old ones only
    // once all succeeded, and treat "already listening there" as success.
    const busy = new Set([7000]);
    let listening = { port: 6379, bind: ['*', '-::*'] };
    const warnings: string[] = [];
    const c = new Config();
    c.warn = (m) => warnings.push(m);
    const rebind = (_n: string, cfg: Config): string | null => {
      const want = { port: cfg.values.port, bind: [...(cfg.values.bind as readonly string[])] };
      if (want.port === listening.port && want.bind.join(' ') === listening.bind.join(' ')) return null;
      if (busy.has(want.port)) return 'Unable to listen on this port. Check server logs.';
      if (want.bind.includes('10.9.9.9')) throw new Error('Failed to bind to specified addresses.');
      listening = want;
      return null;
    };
    c.onChange('port', rebind);
    c.onChange('bind', rebind);
    const hz: number[] = [];
    c.onChange('hz', (_n, cfg) => {
      hz.push(cfg.values.hz);
    });

    expect(c.setMany([['hz', '50'], ['port', '7000'], ['maxmemory', '1mb']])).toBe(
      SET_FAILED('port', 'Unable to listen on this port. Check server logs.'),
    );
    expect(c.getMatching(['hz', 'port', 'maxmemory'])).toEqual([['hz', '10'], ['port', '6379'], ['maxmemory', '0']]);
    expect(hz).toEqual([50, 10]); // applied, then re-applied with the old value
    expect(listening).toEqual({ port: 6379, bind: ['*', '-::*'] });
    expect(warnings).toEqual(['Failed applying new configuration. Possibly related to new port setting. Restoring previous settings.']);

    // A hook that throws fails the call the same way; the name is the config of the hook that failed.
    warnings.length = 0;
    expect(c.setMany([['bind', '127.0.0.1 10.9.9.9'], ['port', '7001']])).toBe(
      SET_FAILED('bind', 'Failed to bind to specified addresses.'),
    );
    expect(c.get('bind')).toBe('* -::*');
    expect(c.values.port).toBe(6379);
    expect(listening).toEqual({ port: 6379, bind: ['*', '-::*'] });
    expect(warnings).toEqual(['Failed applying new configuration. Possibly related to new bind setting. Restoring previous settings.']);

    // Success moves the listener; one function registered for both runs once.
    expect(c.setMany([['port', '7002'], ['bind', '127.0.0.1']])).toBeNull();
    expect(listening).toEqual({ port: 7002, bind: ['127.0.0.1'] });
  });

  it('a hook failing again during the rollback is logged, and the call still fails cleanly', () => {
    const c = new Config();
    const warnings: string[] = [];
    c.warn = (m) => warnings.push(m);
    let calls = 0;
    c.onChange('port', () => {
      calls++;
      throw new Error(calls === 1 ? 'first' : 'again');
    });
    expect(set(c, 'port', '7003')).toBe(SET_FAILED('port', 'first'));
    expect(c.values.port).toBe(6379);
    expect(warnings).toEqual([
      'Failed applying new configuration. Possibly related to new port setting. Restoring previous settings.',
      'Failed applying restored failed CONFIG SET command: again',
    ]);
  });

  it('an asynchronous hook is refused: CONFIG SET cannot wait for it', () => {
    const c = new Config();
    c.onChange('port', (async () => 'too late') as unknown as () => null);
    expect(set(c, 'port', '7004')).toBe(SET_FAILED('port', "internal error: the apply hook of 'port' is asynchronous"));
    expect(c.values.port).toBe(6379);
  });

  it('setInternal bypasses immutability (REPLICAOF)', () => {
    const c = new Config();
    expect(c.setInternal('replicaof', ['10.0.0.1', '6380'])).toBeNull();
    expect(c.get('slaveof')).toBe('10.0.0.1 6380');
    expect(c.values.replicaof).toEqual({ host: '10.0.0.1', port: 6380 });
    expect(c.setInternal('replicaof', ['NO', 'ONE'])).toBeNull();
    expect(c.values.replicaof).toBeNull();
    expect(c.setInternal('replicaof', ['h', '65536'])).toBe('Invalid master port');
  });
});

describe('dir', () => {
  let home = '';
  let tmp = '';
  beforeEach(() => {
    home = process.cwd();
    tmp = realpathSync(mkdtempSync(join(tmpdir(), 'spindle-config-')));
  });
  afterEach(() => {
    process.chdir(home);
    rmSync(tmp, { recursive: true, force: true });
  });

  it('changes the working directory and reports it', () => {
    const c = new Config();
    expect(loadText(c, `dir ${tmp}`)).toBeNull();
    expect(process.cwd()).toBe(tmp);
    expect(c.get('dir')).toBe(tmp);
    expect(c.values.dir).toBe(tmp);
    expect(loadText(c, 'dir /nonexistent/x')).toBe(formatConfigError('No such file or directory', 1, 'dir /nonexistent/x'));
    expect(process.cwd()).toBe(tmp);
  });

  it('can be set at runtime when protected configs are enabled', () => {
    const c = new Config();
    mkdirSync(join(tmp, 'sub'));
    expect(loadText(c, `enable-protected-configs yes\ndir ${tmp}`)).toBeNull();
    expect(set(c, 'dir', 'sub')).toBe('OK');
    expect(c.get('dir')).toBe(join(tmp, 'sub'));
    expect(set(c, 'dir', '/nonexistent/x')).toBe(SET_FAILED('dir', 'No such file or directory'));
    writeFileSync(join(tmp, 'file'), '');
    expect(set(c, 'dir', join(tmp, 'file'))).toBe(SET_FAILED('dir', 'Not a directory'));
    // A failing hook sends the process back where it was.
    c.onChange('hz', () => 'nope');
    expect(c.setMany([['dir', tmp], ['hz', '20']])).toBe(SET_FAILED('hz', 'nope'));
    expect(process.cwd()).toBe(join(tmp, 'sub'));
  });
});

describe('config file syntax', () => {
  it('splits arguments like sdssplitargs', () => {
    expect(splitArgs('  set  a   b ')).toEqual(['set', 'a', 'b']);
    expect(splitArgs('"a b" \'c d\'')).toEqual(['a b', 'c d']);
    expect(splitArgs('"\\n\\r\\t\\b\\a\\\\\\"\\x41\\q"')).toEqual(['\n\r\t\b\x07\\"Aq']);
    expect(splitArgs("'it\\'s' '\\n'")).toEqual(["it's", '\\n']);
    expect(splitArgs('foo"bar"')).toEqual(['foobar']);
    expect(splitArgs('""')).toEqual(['']);
    expect(splitArgs('"\\xzz"')).toEqual(['xzz']);
    expect(splitArgs('"abc"x')).toBeNull();
    expect(splitArgs('"abc')).toBeNull();
    expect(splitArgs("'abc")).toBeNull();
    expect(splitArgs('')).toEqual([]);
  });

  it('parses lines, comments and line numbers', () => {
    const lines = parseConfigFile('# comment\n\n  MaxMemory   "1 gb"  \r\n\t# indented comment\nsave 900 1\nbad "quote\n');
    expect(lines).toEqual([
      { name: 'maxmemory', args: ['1 gb'], line: 3, text: 'MaxMemory   "1 gb"' },
      { name: 'save', args: ['900', '1'], line: 5, text: 'save 900 1' },
      { name: '', args: [], line: 6, text: 'bad "quote', error: 'Unbalanced quotes in configuration line' },
    ]);
  });

  it('reports the first bad line in Redis format', () => {
    const c = new Config();
    expect(loadText(c, 'port 7702\nfoo bar\n')).toBe(
      "\n*** FATAL CONFIG FILE ERROR (Redis 7.0.15) ***\nReading the configuration file, at line 2\n>>> 'foo bar'\nBad directive or wrong number of arguments\n",
    );
    const cases: Array<[string, number, string, string]> = [
      ['# c\n\nmaxmemory abc\n', 3, 'maxmemory abc', 'argument must be a memory value'],
      ['maxmemory\n', 1, 'maxmemory', 'wrong number of arguments'],
      ['maxmemory 1 2\n', 1, 'maxmemory 1 2', 'wrong number of arguments'],
      ['dir "/tmp\n', 1, 'dir "/tmp', 'Unbalanced quotes in configuration line'],
      ['  MAXMEMORY   "ab c"  \n', 1, 'MAXMEMORY   "ab c"', 'argument must be a memory value'],
      ['unixsocketperm 999\n', 1, 'unixsocketperm 999', "argument couldn't be parsed as an octal number"],
      ['unixsocketperm 1777\n', 1, 'unixsocketperm 1777', 'argument must be between 0 and 777 inclusive'],
      ['rename-command get\n', 1, 'rename-command get', 'Bad directive or wrong number of arguments'],
      ['foo.bar\n', 1, 'foo.bar', 'Module config specified without value'],
      ['replicaof 127.0.0.1 abc\n', 1, 'replicaof 127.0.0.1 abc', 'Invalid master port'],
      ['replicaof 127.0.0.1\n', 1, 'replicaof 127.0.0.1', 'wrong number of arguments'],
      ['sentinel monitor x\n', 1, 'sentinel monitor x', 'sentinel directive while not in sentinel mode'],
      ['user\n', 1, 'user', 'Bad directive or wrong number of arguments'],
      ['save 5\n', 1, 'save 5', 'Invalid save parameters'],
      ['client-output-buffer-limit normal 1 1\n', 1, 'client-output-buffer-limit normal 1 1', 'Wrong number of arguments in buffer limit configuration.'],
      ['hz "abc"x\n', 1, 'hz "abc"x', 'Unbalanced quotes in configuration line'],
      ["hz 'ab\n", 1, "hz 'ab", 'Unbalanced quotes in configuration line'],
      ['notify-keyspace-events\n', 1, 'notify-keyspace-events', 'wrong number of arguments'],
      ['notify-keyspace-events a b\n', 1, 'notify-keyspace-events a b', 'wrong number of arguments'],
      ['list-max-ziplist-entries\n', 1, 'list-max-ziplist-entries', 'Bad directive or wrong number of arguments'],
      ['maxmemory-policy "allkeys-lru allkeys-lfu"\n', 1, 'maxmemory-policy "allkeys-lru allkeys-lfu"',
        'argument(s) must be one of the following: volatile-lru, volatile-lfu, volatile-random, volatile-ttl, allkeys-lru, allkeys-lfu, allkeys-random, noeviction'],
      ['shutdown-on-sigint ""\n', 1, 'shutdown-on-sigint ""', 'argument(s) must be one of the following: default, save, nosave, now, force'],
      ['databases 0\n', 1, 'databases 0', 'argument must be between 1 and 2147483647 inclusive'],
      ['io-threads 129\n', 1, 'io-threads 129', 'argument must be between 1 and 128 inclusive'],
      ['socket-mark-id -1\n', 1, 'socket-mark-id -1', 'argument must be between 0 and 4294967295 inclusive'],
      ['enable-protected-configs maybe\n', 1, 'enable-protected-configs maybe', 'argument(s) must be one of the following: no, yes, local'],
    ];
    for (const [text, line, shown, why] of cases) {
      expect(loadText(new Config(), text), text).toBe(formatConfigError(why, line, shown));
    }
  });

  it('reports whole-file checks without a line', () => {
    expect(loadText(new Config(), 'cluster-enabled yes\nreplicaof 127.0.0.1 6379\n')).toBe(
      '\n*** FATAL CONFIG FILE ERROR (Redis 7.0.15) ***\nreplicaof directive not allowed in cluster mode\n',
    );
    expect(loadText(new Config(), 'logfile /nonexistent/x.log\n')).toBe(formatConfigError("Can't open the log file: No such file or directory"));
  });

  it('applies settings, aliases, multi-argument lines and ignores removed configs', () => {
    const c = new Config();
    const text = [
      'slaveof 10.0.0.1 6380', 'unixsocketperm 0777', 'list-max-ziplist-entries 5', 'lua-replicate-commands yes', 'hz 0',
      'save "900  1 \\t 300 10"', 'oom-score-adj-values "1  2 3"', 'bind 127.0.0.1 ::1', 'client-output-buffer-limit normal 1mb 1kb 3 replica 0 0 0',
      'shutdown-on-sigterm now force', 'maxmemory 2GB', 'notify-keyspace-events KEA',
    ].join('\n');
    expect(loadText(c, text)).toBeNull();
    expect(c.getMatching(['replicaof', 'unixsocketperm', 'hz', 'save', 'oom-score-adj-values', 'bind', 'client-output-buffer-limit', 'shutdown-on-sigterm', 'maxmemory', 'notify-keyspace-events'])).toEqual([
      ['replicaof', '10.0.0.1 6380'], ['unixsocketperm', '777'], ['hz', '1'], ['save', '900 1 300 10'], ['oom-score-adj-values', '1 2 3'],
      ['bind', '127.0.0.1 ::1'], ['client-output-buffer-limit', 'normal 1048576 1024 3 slave 0 0 0 pubsub 33554432 8388608 60'],
      ['shutdown-on-sigterm', 'now force'], ['maxmemory', '2147483648'], ['notify-keyspace-events', 'AKE'],
    ]);
    expect(c.values.unixsocketperm).toBe(0o777);
  });

  it('accumulates save lines; the first replaces the defaults and save "" clears', () => {
    const get = (text: string, argv: string[] = []): string => {
      const c = new Config();
      expect(loadArgs(c, text === '' ? argv : ['t.conf', ...argv], { 't.conf': text })).toBeNull();
      return c.get('save')!;
    };
    expect(get('save 900 1\nsave 300 10\n')).toBe('900 1 300 10');
    expect(get('save 900 1\nsave ""\nsave 300 10\n')).toBe('300 10');
    expect(get('save 900 1\nsave ""\n')).toBe('');
    expect(get('save 900 1\nsave 300 10\n', ['--save', ''])).toBe('');
    expect(get('save 900 1\nsave 300 10\n', ['--save', '60', '5'])).toBe('900 1 300 10 60 5');
    expect(get('', ['--save', '60 5', '--save', '10 1'])).toBe('60 5 10 1');
    expect(get('save "900 1 300 10"\n')).toBe('900 1 300 10');
    expect(get('save "900 \\"1"\n')).toBe('');
    expect(get('hz 5\n')).toBe('3600 1 300 100 60 10000');
  });

  it('records rename-command, user, loadmodule and module configs for the server', () => {
    const c = new Config();
    const r = c.load('rename-command get fetch\nrename-command flushall ""\nuser bob on >pw ~* +@all\nloadmodule /x.so a b\nmymod.opt 5\nsentinel\n');
    expect(r.error).toBeNull();
    expect(r.renameCommands).toEqual([['get', 'fetch'], ['flushall', '']]);
    expect(r.users).toEqual([['bob', 'on', '>pw', '~*', '+@all']]);
    expect(r.loadModules).toEqual([{ path: '/x.so', args: ['a', 'b'] }]);
    expect(r.moduleConfigs).toEqual([['mymod.opt', '5']]);
    const known = new Set(['get', 'set']);
    const opts = { commandExists: (n: string) => known.has(n.toLowerCase()) };
    expect(c.load('rename-command nosuchcmd foo', opts).error).toBe(formatConfigError('No such command in rename-command', 1, 'rename-command nosuchcmd foo'));
    expect(c.load('rename-command get set', opts).error).toBe(formatConfigError('Target command name already exists', 1, 'rename-command get set'));
    expect(c.load('rename-command get x\nrename-command x y', opts).error).toBeNull();
  });

  it('includes other files', () => {
    const files: Record<string, string> = { 'a.conf': 'hz 20\ninclude /etc/b.conf\n', 'b.conf': 'maxmemory 1mb\n', 'bad.conf': 'hz\n' };
    const c = new Config();
    const read = (p: string): string => {
      const f = files[p.slice(p.lastIndexOf('/') + 1)];
      if (f === undefined) throw Object.assign(new Error('x'), { code: 'ENOENT' });
      return f;
    };
    expect(c.load('include /etc/a.conf\ntimeout 5', { readFile: read }).error).toBeNull();
    expect(c.getMatching(['hz', 'maxmemory', 'timeout'])).toEqual([['hz', '20'], ['maxmemory', '1048576'], ['timeout', '5']]);
    expect(c.load('\ninclude /etc/bad.conf', { readFile: read }).error).toBe(formatConfigError('wrong number of arguments', 1, 'hz'));
    const missing = c.load('include /nonexistent.conf', { readFile: read });
    expect(missing.error).toBe("Fatal error, can't open config file '/nonexistent.conf': No such file or directory");
    expect(missing.errorIsLog).toBe(true);
  });
});

describe('command line', () => {
  it('turns options into config lines like redis-server', () => {
    expect(parseCommandLine(['--port', '6380', '--save', '--loglevel', 'verbose']).options).toBe('port "6380" \nsave ""\nloglevel "verbose" ');
    expect(parseCommandLine(['--save']).options).toBe('save ""');
    expect(parseCommandLine(['--maxmemory', '--hz', '5']).options).toBe('maxmemory "--hz" "5" ');
    expect(parseCommandLine(['--hz 5 6']).options).toBe('hz 5 6 ');
    expect(parseCommandLine(['--hz', '1\t2é']).options).toBe('hz "1\\t2\\xc3\\xa9" ');
    const cmd = parseCommandLine(['/etc/redis.conf', '--port', '7000', '--bind', '127.0.0.1', '::1']);
    expect(cmd.configFile).toBe('/etc/redis.conf');
    expect(cmd.directives.map((d) => [d.name, d.args])).toEqual([['port', ['7000']], ['bind', ['127.0.0.1', '::1']]]);
  });

  it('recognises the special arguments', () => {
    expect(parseCommandLine(['--version']).version).toBe(true);
    expect(parseCommandLine(['-v']).version).toBe(true);
    expect(parseCommandLine(['-h']).help).toBe(true);
    expect(parseCommandLine(['--help']).help).toBe(true);
    expect(parseCommandLine(['--port', '1', '--version']).version).toBe(false);
    expect(parseCommandLine(['-']).configFromStdin).toBe(true);
    expect(parseCommandLine(['--port', '1', '-']).configFromStdin).toBe(true);
    expect(parseCommandLine(['--sentinel']).sentinel).toBe(true);
    expect(parseCommandLine([]).hasArgs).toBe(false);
    expect(parseCommandLine(['redis.conf']).configFile).toBe(`${process.cwd()}/redis.conf`);
    expect(parseCommandLine(['../redis.conf']).configFile).toBe(`${process.cwd().replace(/\/[^/]+$/, '')}/redis.conf`);
  });

  it('numbers lines across the file and the options', () => {
    const err = (argv: string[], files: Record<string, string> = {}): string | null => loadArgs(new Config(), argv, files);
    expect(err(['--maxmemory', 'abc'])).toBe(formatConfigError('argument must be a memory value', 2, 'maxmemory "abc"'));
    expect(err(['t.conf', '--maxmemory', 'abc'], { 't.conf': 'port 7702\n' })).toBe(formatConfigError('argument must be a memory value', 3, 'maxmemory "abc"'));
    expect(err(['t.conf', '--maxmemory', 'abc'], { 't.conf': 'port 7702' })).toBe(formatConfigError('argument must be a memory value', 2, 'maxmemory "abc"'));
    expect(err(['t.conf', '--port', '7702'], { 't.conf': '# c\n\nmaxmemory abc\n' })).toBe(formatConfigError('argument must be a memory value', 3, 'maxmemory abc'));
    expect(err(['t.conf', '--port', '7703', '--maxmemory', '1 2', 'x'], { 't.conf': 'port 7702\n' })).toBe(formatConfigError('wrong number of arguments', 4, 'maxmemory "1 2" "x"'));
    expect(err(['--port'])).toBe(formatConfigError('wrong number of arguments', 2, 'port'));
    expect(err(['--hz', 'abc', '--port', '7703'])).toBe(formatConfigError("argument couldn't be parsed into an integer", 2, 'hz "abc"'));
    expect(err(['--maxmemory', '--hz', '5'])).toBe(formatConfigError('wrong number of arguments', 2, 'maxmemory "--hz" "5"'));
    expect(err(['--requirepass', 'a"b\\c', '--hz', 'x'])).toBe(formatConfigError("argument couldn't be parsed into an integer", 3, 'hz "x"'));
    expect(err(['--hz', '1\t2é'])).toBe(formatConfigError("argument couldn't be parsed into an integer", 2, 'hz "1\\t2\\xc3\\xa9"'));
    expect(err(['t.conf', '--hz', '1', '--save', '--maxmemory', 'x'], { 't.conf': 'port 7702\n' })).toBe(formatConfigError('argument must be a memory value', 5, 'maxmemory "x"'));
    expect(err(['--hz', '3', 'extra'])).toBe(formatConfigError('wrong number of arguments', 2, 'hz "3" "extra"'));
    expect(err(['-x'])).toBe(formatConfigError('Bad directive or wrong number of arguments', 2, '"-x"'));
    expect(err(['--port', '7000', '--version'])).toBe(formatConfigError('Bad directive or wrong number of arguments', 3, 'version'));
  });

  it('later settings win and a missing file is a logged error', () => {
    const c = new Config();
    expect(loadArgs(c, ['t.conf', '--hz', '30'], { 't.conf': 'hz 20\nmaxmemory 5\n' })).toBeNull();
    expect(c.values.hz).toBe(30);
    expect(c.values.maxmemory).toBe(5);
    expect(c.configFile).toBe(`${process.cwd()}/t.conf`);
    const r = loadServerConfig(new Config(), parseCommandLine(['/nonexistent.conf']));
    expect(r.error).toBe("Fatal error, can't open config file '/nonexistent.conf': No such file or directory");
    expect(r.errorIsLog).toBe(true);
  });

  it('reads stdin after the file', () => {
    const c = new Config();
    const r = loadServerConfig(c, parseCommandLine(['--hz', '40', '-']), { readStdin: () => 'hz 30\ntimeout 7\n' });
    expect(r.error).toBeNull();
    expect(c.values.hz).toBe(40);
    expect(c.values.timeout).toBe(7);
  });
});
