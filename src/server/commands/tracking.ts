/*
 * CLIENT TRACKING, CACHING, GETREDIR, TRACKINGINFO (Redis's networking.c / tracking.c): the
 * commands of client-side caching. The state and the invalidation messages are in
 * src/server/tracking.ts. These are subcommands of CLIENT (client.ts lists them).
 */
import type { Argv } from '../../protocol/argv.ts';
import { SYNTAX } from '../../protocol/errors.ts';
import type { CommandDef } from '../../commands/registry.ts';
import type { Client } from '../client.ts';
import { TRACK_BCAST, TRACK_BROKEN_REDIR, TRACK_CACHING, TRACK_NOLOOP, TRACK_OPTIN, TRACK_OPTOUT } from '../tracking.ts';

/** Whether one prefix is a prefix of the other (stringCheckPrefix). */
function overlaps(a: string, b: string): boolean {
  const n = Math.min(a.length, b.length);
  return a.slice(0, n) === b.slice(0, n);
}

// CLIENT TRACKING ON|OFF [REDIRECT client-id] [PREFIX prefix ...] [BCAST] [OPTIN] [OPTOUT] [NOLOOP]
function clientTrackingCommand(c: Client, argv: Argv): void {
  const tracking = c.srv.ops.tracking;
  let options = 0;
  let redir = 0;
  const prefixes: string[] = [];
  for (let j = 3; j < argv.argc; j++) {
    const more = argv.argc - 1 - j > 0;
    if (argv.is(j, 'redirect') && more) {
      j++;
      if (redir !== 0) {
        c.w.error('ERR A client can only redirect to a single other client');
        return;
      }
      const v = argv.int(j);
      if (Number.isNaN(v)) {
        c.w.error('ERR value is not an integer or out of range');
        return;
      }
      redir = v;
      if (!c.srv.clients.has(redir)) {
        c.w.error('ERR The client ID you want redirect to does not exist');
        return;
      }
    } else if (argv.is(j, 'bcast')) options |= TRACK_BCAST;
    else if (argv.is(j, 'optin')) options |= TRACK_OPTIN;
    else if (argv.is(j, 'optout')) options |= TRACK_OPTOUT;
    else if (argv.is(j, 'noloop')) options |= TRACK_NOLOOP;
    else if (argv.is(j, 'prefix') && more) {
      j++;
      prefixes.push(argv.str(j));
    } else {
      c.w.error(SYNTAX);
      return;
    }
  }
  const st = tracking.stateOf(c);
  if (argv.is(2, 'on')) {
    if ((options & TRACK_BCAST) === 0 && prefixes.length > 0) {
      c.w.error('ERR PREFIX option requires BCAST mode to be enabled');
      return;
    }
    if (st?.on && ((st.flags & TRACK_BCAST) !== 0) !== ((options & TRACK_BCAST) !== 0)) {
      c.w.error(
        "ERR You can't switch BCAST mode on/off before disabling tracking for this client, and then re-enabling it with a different mode.",
      );
      return;
    }
    if ((options & TRACK_BCAST) !== 0 && (options & (TRACK_OPTIN | TRACK_OPTOUT)) !== 0) {
      c.w.error('ERR OPTIN and OPTOUT are not compatible with BCAST');
      return;
    }
    if ((options & TRACK_OPTIN) !== 0 && (options & TRACK_OPTOUT) !== 0) {
      c.w.error("ERR You can't specify both OPTIN mode and OPTOUT mode");
      return;
    }
    const cur = st?.on ? st.flags : 0;
    if (((options & TRACK_OPTIN) !== 0 && (cur & TRACK_OPTOUT) !== 0) || ((options & TRACK_OPTOUT) !== 0 && (cur & TRACK_OPTIN) !== 0)) {
      c.w.error(
        "ERR You can't switch OPTIN/OPTOUT mode before disabling tracking for this client, and then re-enabling it with a different mode.",
      );
      return;
    }
    if ((options & TRACK_BCAST) !== 0) {
      for (let i = 0; i < prefixes.length; i++) {
        for (const existing of st?.prefixes ?? []) {
          if (overlaps(existing, prefixes[i])) {
            c.w.error(`ERR Prefix '${prefixes[i]}' overlaps with an existing prefix '${existing}'. Prefixes for a single client must not overlap.`);
            return;
          }
        }
        for (let k = i + 1; k < prefixes.length; k++) {
          if (overlaps(prefixes[i], prefixes[k])) {
            c.w.error(`ERR Prefix '${prefixes[i]}' overlaps with another provided prefix '${prefixes[k]}'. Prefixes for a single client must not overlap.`);
            return;
          }
        }
      }
    }
    tracking.enable(c, redir, options, prefixes);
  } else if (argv.is(2, 'off')) {
    tracking.disable(c);
  } else {
    c.w.error(SYNTAX);
    return;
  }
  c.w.ok();
}

// CLIENT CACHING YES|NO
function clientCachingCommand(c: Client, argv: Argv): void {
  const st = c.srv.ops.tracking.stateOf(c);
  if (st === undefined || !st.on) {
    c.w.error('ERR CLIENT CACHING can be called only when the client is in tracking mode with OPTIN or OPTOUT mode enabled');
    return;
  }
  if (argv.is(2, 'yes')) {
    if ((st.flags & TRACK_OPTIN) === 0) {
      c.w.error('ERR CLIENT CACHING YES is only valid when tracking is enabled in OPTIN mode.');
      return;
    }
  } else if (argv.is(2, 'no')) {
    if ((st.flags & TRACK_OPTOUT) === 0) {
      c.w.error('ERR CLIENT CACHING NO is only valid when tracking is enabled in OPTOUT mode.');
      return;
    }
  } else {
    c.w.error(SYNTAX);
    return;
  }
  st.flags |= TRACK_CACHING;
  c.w.ok();
}

// CLIENT GETREDIR
function clientGetredirCommand(c: Client): void {
  const st = c.srv.ops.tracking.stateOf(c);
  c.w.integer(st?.on ? st.redirect : -1);
}

// CLIENT TRACKINGINFO
function clientTrackinginfoCommand(c: Client): void {
  const st = c.srv.ops.tracking.stateOf(c);
  const w = c.w;
  const flags: string[] = [st?.on ? 'on' : 'off'];
  if (st?.on) {
    const f = st.flags;
    if ((f & TRACK_BCAST) !== 0) flags.push('bcast');
    if ((f & TRACK_OPTIN) !== 0) {
      flags.push('optin');
      if ((f & TRACK_CACHING) !== 0) flags.push('caching-yes');
    }
    if ((f & TRACK_OPTOUT) !== 0) {
      flags.push('optout');
      if ((f & TRACK_CACHING) !== 0) flags.push('caching-no');
    }
    if ((f & TRACK_NOLOOP) !== 0) flags.push('noloop');
    if ((f & TRACK_BROKEN_REDIR) !== 0) flags.push('broken_redirect');
  }
  w.mapHeader(3);
  w.bulkString('flags');
  w.setHeader(flags.length);
  for (const f of flags) w.bulkString(f);
  w.bulkString('redirect');
  w.integer(st?.on ? st.redirect : -1);
  w.bulkString('prefixes');
  const prefixes = st?.prefixes ?? [];
  w.arrayHeader(prefixes.length);
  for (const p of prefixes) w.bulkString(p);
}

/** CLIENT LIST's tracking flags (t, R, B) and redir field for c. */
export function trackingListFields(c: Client): { flags: string; redir: number } {
  const st = c.srv.ops.tracking.stateOf(c);
  if (st === undefined || !st.on) return { flags: '', redir: -1 };
  let f = 't';
  if ((st.flags & TRACK_BROKEN_REDIR) !== 0) f += 'R';
  if ((st.flags & TRACK_BCAST) !== 0) f += 'B';
  return { flags: f, redir: st.redirect };
}

export const trackingSubcommands: CommandDef<Client>[] = [
  { name: 'tracking', summary: 'Turns client-side caching invalidations on or off for this connection.', handler: clientTrackingCommand },
  { name: 'caching', summary: 'Says whether the next command\'s keys are tracked (OPTIN/OPTOUT).', handler: clientCachingCommand },
  { name: 'getredir', summary: 'Returns the id invalidations are redirected to.', handler: clientGetredirCommand },
  { name: 'trackinginfo', summary: 'Describes this connection\'s tracking state.', handler: clientTrackinginfoCommand },
];
