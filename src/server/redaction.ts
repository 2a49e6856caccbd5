/*
 * Arguments Redis 7.0 hides from the slow log and MONITOR (redactClientCommandArgument): the
 * secrets of AUTH, HELLO ... AUTH, MIGRATE ... AUTH/AUTH2, ACL SETUSER and CONFIG SET of a
 * sensitive config. Each shows as "(redacted)". The rules are by command and argument position,
 * so both consumers apply them to the argv as it was received.
 */
import type { Argv } from '../protocol/argv.ts';
import type { Config } from './config.ts';

export const REDACTED = Buffer.from('(redacted)', 'latin1');

/** The positions of argv that must be shown as "(redacted)", or null when none. */
export function redactedPositions(fullName: string, argv: Argv, config: Config): number[] | null {
  const argc = argv.argc;
  switch (fullName) {
    case 'auth': {
      const out: number[] = [];
      for (let j = 1; j < argc; j++) out.push(j);
      return out;
    }
    case 'hello': {
      // HELLO [protover [AUTH username password] [SETNAME clientname]]
      for (let j = 2; j < argc; j++) {
        if (argv.is(j, 'auth') && j + 2 < argc) return [j + 1, j + 2];
        if (argv.is(j, 'setname')) j++;
      }
      return null;
    }
    case 'migrate': {
      // MIGRATE host port key|"" db timeout [COPY] [REPLACE] [AUTH pw | AUTH2 user pw] [KEYS ...]
      for (let j = 6; j < argc; j++) {
        if (argv.is(j, 'keys')) return null;
        if (argv.is(j, 'auth') && j + 1 < argc) return [j + 1];
        if (argv.is(j, 'auth2') && j + 2 < argc) return [j + 1, j + 2];
      }
      return null;
    }
    case 'acl|setuser': {
      const out: number[] = [];
      for (let j = 2; j < argc; j++) out.push(j);
      return out;
    }
    case 'config|set': {
      let out: number[] | null = null;
      for (let j = 2; j + 1 < argc; j += 2) {
        if (config.isSensitive(argv.str(j).toLowerCase())) (out ??= []).push(j + 1);
      }
      return out;
    }
    default:
      return null;
  }
}
