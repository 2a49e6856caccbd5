/*
 * Rule-list plumbing shared by ACL SETUSER, `user` config lines and the ACL file: the error
 * texts of ACLSetUserStringError, selectors given over several arguments merged back into one
 * "(...)" rule (ACLMergeSelectorArguments), and the split of a selector's inside.
 */
import { splitArgs } from '../protocol/parser.ts';
import type { AclError } from './selector.ts';

/** What ACL SETUSER and the loaders say about a refused rule. */
export function ruleErrorText(err: AclError): string {
  switch (err) {
    case 'ENOENT':
      return 'Unknown command or category name in ACL';
    case 'EINVAL':
      return 'Syntax error';
    case 'EEXIST':
      return "Adding a pattern after the * pattern (or the 'allkeys' flag) is not valid and does not have any effect. Try 'resetkeys' to start with an empty list of patterns";
    case 'EISDIR':
      return "Adding a pattern after the * pattern (or the 'allchannels' flag) is not valid and does not have any effect. Try 'resetchannels' to start with an empty list of channels";
    case 'ENODEV':
      return 'The password you are trying to remove from the user does not exist';
    case 'EBADMSG':
      return 'The password hash must be exactly 64 characters and contain only lowercase hexadecimal characters';
    case 'EALREADY':
      return 'Duplicate user found. A user can only be defined once in config files';
    case 'ECHILD':
      return 'Allowing first-arg of a subcommand is not supported';
  }
  return 'Wrong format';
}

/**
 * Joins a selector spread over arguments ("(+get", "~k*)") into one rule. Returns the merged
 * list, or the index of the argument that opened a parenthesis never closed.
 */
export function mergeSelectorArgs(args: readonly string[]): string[] | number {
  const out: string[] = [];
  let open = -1;
  let selector = '';
  for (let j = 0; j < args.length; j++) {
    const op = args[j];
    if (op[0] === '(' && op[op.length - 1] !== ')') {
      selector = op;
      open = j;
      continue;
    }
    if (open !== -1) {
      selector += ` ${op}`;
      if (op[op.length - 1] === ')') {
        open = -1;
        out.push(selector);
      }
      continue;
    }
    out.push(op);
  }
  return open !== -1 ? open : out;
}

/** The rules inside "(...)", split with config-line quoting; unbalanced quotes give none (as sdssplitargs' NULL). */
export function splitSelectorArgs(inner: string): string[] {
  const b = Buffer.from(inner, 'latin1');
  const parts = splitArgs(b, 0, b.length);
  if (parts === null) return [];
  return parts.map((p) => Buffer.from(p).toString('latin1'));
}
