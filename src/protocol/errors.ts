/*
 * Error reply texts, spelled exactly as Redis 7.0 spells them (without the leading '-').
 * Texts that take arguments are functions.
 */

export const WRONGTYPE = 'WRONGTYPE Operation against a key holding the wrong kind of value';
export const SYNTAX = 'ERR syntax error';
export const NOT_INTEGER = 'ERR value is not an integer or out of range';
export const NOT_FLOAT = 'ERR value is not a valid float';
export const OVERFLOW = 'ERR increment or decrement would overflow';
export const NAN_OR_INF = 'ERR increment would produce NaN or Infinity';
export const NO_SUCH_KEY = 'ERR no such key';
export const DB_INDEX_OUT_OF_RANGE = 'ERR DB index is out of range';
export const OFFSET_OUT_OF_RANGE = 'ERR offset is out of range';
export const STRING_TOO_LONG = 'ERR string exceeds maximum allowed size (proto-max-bulk-len)';
export const NOAUTH = 'NOAUTH Authentication required.';
export const WRONGPASS = 'WRONGPASS invalid username-password pair or user is disabled.';
export const INVALID_CURSOR = 'ERR invalid cursor';
export const SAME_OBJECT = 'ERR source and destination objects are the same';

export function invalidExpireTime(fullName: string): string {
  return `ERR invalid expire time in '${fullName}' command`;
}

export function wrongArity(fullName: string): string {
  return `ERR wrong number of arguments for '${fullName}' command`;
}

export function unknownSubcommand(sub: string, container: string): string {
  return `ERR unknown subcommand '${sub.slice(0, 128)}'. Try ${container.toUpperCase()} HELP.`;
}
