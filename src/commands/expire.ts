/*
 * Expiry commands (expire.c): EXPIRE PEXPIRE EXPIREAT PEXPIREAT with NX/XX/GT/LT, TTL PTTL
 * EXPIRETIME PEXPIRETIME, PERSIST.
 *
 * Expiry times are absolute unix milliseconds kept as doubles in the keyspace's expiry arrays, so
 * times beyond 2^53 ms (year 287396) are rounded to the nearest double; replies clamp to int64
 * (a PEXPIREAT of 2^63-1 reads back as 2^63-1, as in Redis). Arithmetic on arguments that could
 * leave the safe-integer range is done in BigInt with Redis's exact overflow checks.
 *
 * A time at or before now deletes the key and replies 1 (without counting an expired key, as
 * Redis 7.0 does); for GT and LT a key without a TTL counts as an infinite TTL.
 *
 * A change touches the key's WATCHers, publishes a generic "expire", "del" (time in the past) or
 * "persist" event and counts once in the dirty counter; a condition (NX/XX/GT/LT) that stops the
 * change, a missing key or a PERSIST of a key without a TTL reports nothing.
 */
import type { Argv } from '../protocol/argv.ts';
import { invalidExpireTime } from '../protocol/errors.ts';
import type { CommandClient } from './context.ts';
import { NOTIFY_GENERIC } from '../store/events.ts';
import type { CommandDef } from './registry.ts';
import { INT64_MAX, INT64_MIN, argInt64 } from './util.ts';
import { lookupNoTouch } from './keys.ts';

const NX_XX_GT_LT = 'ERR NX and XX, GT or LT options at the same time are not compatible';
const GT_AND_LT = 'ERR GT and LT options at the same time are not compatible';
const UNSUPPORTED_OPTION = 'ERR Unsupported option ';

const EXPIRE_NX = 1;
const EXPIRE_XX = 2;
const EXPIRE_GT = 4;
const EXPIRE_LT = 8;

/** Arguments up to this magnitude keep `arg * 1000 + now` a safe integer. */
const FAST_LIMIT = 1e12;
const TWO_63 = 2 ** 63;

/** An option argument as Redis's %s prints it (C strings stop at a NUL byte). */
function cString(argv: Argv, i: number): string {
  const s = argv.str(i);
  const z = s.indexOf('\0');
  return z < 0 ? s : s.slice(0, z);
}

/** parseExtendedExpireArgumentsOrReply: the option flags, or -1 after replying an error. */
function parseFlags(c: CommandClient, argv: Argv): number {
  let flags = 0;
  for (let j = 3; j < argv.argc; j++) {
    if (argv.is(j, 'nx')) flags |= EXPIRE_NX;
    else if (argv.is(j, 'xx')) flags |= EXPIRE_XX;
    else if (argv.is(j, 'gt')) flags |= EXPIRE_GT;
    else if (argv.is(j, 'lt')) flags |= EXPIRE_LT;
    else {
      c.w.error(UNSUPPORTED_OPTION + cString(argv, j));
      return -1;
    }
  }
  if ((flags & EXPIRE_NX) !== 0 && (flags & (EXPIRE_XX | EXPIRE_GT | EXPIRE_LT)) !== 0) {
    c.w.error(NX_XX_GT_LT);
    return -1;
  }
  if ((flags & EXPIRE_GT) !== 0 && (flags & EXPIRE_LT) !== 0) {
    c.w.error(GT_AND_LT);
    return -1;
  }
  return flags;
}

/**
 * expireGenericCommand. `relative`: the argument is added to the current time (EXPIRE, PEXPIRE);
 * `seconds`: the argument is in seconds.
 */
function expireGeneric(c: CommandClient, argv: Argv, relative: boolean, seconds: boolean, fullName: string): void {
  const flags = parseFlags(c, argv);
  if (flags < 0) return;
  const raw = argInt64(c, argv, 2);
  if (raw === null) return;
  const now = Date.now();
  const base = relative ? now : 0;
  let when: number;
  if (typeof raw === 'number' && raw >= -FAST_LIMIT && raw <= FAST_LIMIT) {
    when = (seconds ? raw * 1000 : raw) + base;
  } else {
    let v = BigInt(raw);
    if (seconds) {
      // C division truncates toward zero, as BigInt division does.
      if (v > INT64_MAX / 1000n || v < INT64_MIN / 1000n) {
        c.w.error(invalidExpireTime(fullName));
        return;
      }
      v *= 1000n;
    }
    const b = BigInt(base);
    if (v > INT64_MAX - b) {
      c.w.error(invalidExpireTime(fullName));
      return;
    }
    when = Number(v + b);
  }

  const srv = c.srv;
  const db = c.db;
  const e = c.db.writeArg(argv, 1);
  if (e < 0) {
    c.w.integer(0);
    return;
  }
  if (flags !== 0) {
    const current = db.getExpire(e);
    if ((flags & EXPIRE_NX) !== 0 && current !== -1) {
      c.w.integer(0);
      return;
    }
    if ((flags & EXPIRE_XX) !== 0 && current === -1) {
      c.w.integer(0);
      return;
    }
    // No TTL counts as an infinite one: GT always fails, LT always passes.
    if ((flags & EXPIRE_GT) !== 0 && (current === -1 || when <= current)) {
      c.w.integer(0);
      return;
    }
    if ((flags & EXPIRE_LT) !== 0 && current !== -1 && when >= current) {
      c.w.integer(0);
      return;
    }
  }
  if (when <= now) {
    db.deleteImplicit(e);
    srv.dirty++;
    c.db.changed(argv, 1, NOTIFY_GENERIC, 'del');
    if (srv.propagating) srv.rewriteCommand(['DEL', argv.view(1)]);
    c.w.integer(1);
    return;
  }
  db.setExpire(e, when);
  // Propagated as PEXPIREAT key <ms> with the options kept (expireGenericCommand's rewrite).
  if (srv.propagating) {
    const args: (Uint8Array | string)[] = ['PEXPIREAT', argv.view(1), String(when)];
    for (let i = 3; i < argv.argc; i++) args.push(argv.view(i));
    srv.rewriteCommand(args);
  }
  // Redis replies before it reports this change (a RESP3 subscriber on this connection sees the
  // reply first), but after reporting the delete above.
  c.w.integer(1);
  c.db.changed(argv, 1, NOTIFY_GENERIC, 'expire');
  srv.dirty++;
}

// EXPIRE key seconds [NX | XX | GT | LT]
function expireCommand(c: CommandClient, argv: Argv): void {
  expireGeneric(c, argv, true, true, 'expire');
}

// PEXPIRE key milliseconds [NX | XX | GT | LT]
function pexpireCommand(c: CommandClient, argv: Argv): void {
  expireGeneric(c, argv, true, false, 'pexpire');
}

// EXPIREAT key unix-time-seconds [NX | XX | GT | LT]
function expireatCommand(c: CommandClient, argv: Argv): void {
  expireGeneric(c, argv, false, true, 'expireat');
}

// PEXPIREAT key unix-time-milliseconds [NX | XX | GT | LT]
function pexpireatCommand(c: CommandClient, argv: Argv): void {
  expireGeneric(c, argv, false, false, 'pexpireat');
}

/** ttlGenericCommand: -2 missing, -1 no TTL, else the TTL or the absolute time, ms or s. */
function ttlGeneric(c: CommandClient, argv: Argv, ms: boolean, absolute: boolean): void {
  const db = c.db;
  const e = lookupNoTouch(c.srv, db, argv.buf, argv.off[1], argv.len[1]);
  if (e < 0) {
    c.w.integer(-2);
    return;
  }
  const at = db.getExpire(e);
  if (at === -1) {
    c.w.integer(-1);
    return;
  }
  let ttl = absolute ? at : at - Date.now();
  if (ttl < 0) ttl = 0;
  if (ttl <= Number.MAX_SAFE_INTEGER - 500) {
    c.w.integer(ms ? ttl : Math.floor((ttl + 500) / 1000));
    return;
  }
  // Beyond 2^53: exact integer arithmetic on the stored double, clamped to int64.
  let v = ttl >= TWO_63 ? INT64_MAX : BigInt(ttl);
  if (!ms) v = (v + 500n) / 1000n;
  c.w.bigInteger(v);
}

// TTL key
function ttlCommand(c: CommandClient, argv: Argv): void {
  ttlGeneric(c, argv, false, false);
}

// PTTL key
function pttlCommand(c: CommandClient, argv: Argv): void {
  ttlGeneric(c, argv, true, false);
}

// EXPIRETIME key
function expiretimeCommand(c: CommandClient, argv: Argv): void {
  ttlGeneric(c, argv, false, true);
}

// PEXPIRETIME key
function pexpiretimeCommand(c: CommandClient, argv: Argv): void {
  ttlGeneric(c, argv, true, true);
}

// PERSIST key
function persistCommand(c: CommandClient, argv: Argv): void {
  const srv = c.srv;
  const e = c.db.writeArg(argv, 1);
  if (e < 0 || !c.db.persist(e)) {
    c.w.integer(0);
    return;
  }
  c.db.changed(argv, 1, NOTIFY_GENERIC, 'persist');
  srv.dirty++;
  c.w.integer(1);
}

export const expireCommands: CommandDef[] = [
  { name: 'expire', summary: 'Sets a key to expire in a number of seconds.', handler: expireCommand },
  { name: 'pexpire', summary: 'Sets a key to expire in a number of milliseconds.', handler: pexpireCommand },
  { name: 'expireat', summary: 'Sets a key to expire at a unix time in seconds.', handler: expireatCommand },
  { name: 'pexpireat', summary: 'Sets a key to expire at a unix time in milliseconds.', handler: pexpireatCommand },
  { name: 'ttl', summary: 'Returns the remaining time to live of a key, in seconds.', handler: ttlCommand },
  { name: 'pttl', summary: 'Returns the remaining time to live of a key, in milliseconds.', handler: pttlCommand },
  { name: 'expiretime', summary: 'Returns the unix time in seconds at which a key expires.', handler: expiretimeCommand },
  { name: 'pexpiretime', summary: 'Returns the unix time in milliseconds at which a key expires.', handler: pexpiretimeCommand },
  { name: 'persist', summary: 'Removes the expiry of a key.', handler: persistCommand },
];
