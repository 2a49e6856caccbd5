/*
 * Users back as text: ACL LIST / ACL SAVE lines and the pieces of ACL GETUSER.
 *
 * A selector's command bitmap is described as Redis 7.0 does it (ACLDescribeSelectorCommandRules):
 * start from +@all when the selector may run future commands, else from -@all; then, greedily,
 * apply the category that best fits the bits still unexplained (more commands agreeing than
 * disagreeing, fewest disagreements, ties to the most agreeing, then to the earlier category),
 * tracking on a scratch selector what the emitted rules give; finally add or remove single
 * commands (and list first-args) until the scratch bitmap equals the real one. Redis walks its
 * command dict for that last pass, in an order that changes from one process to the next; we
 * walk the command table in its own order, so the single commands may be listed in another order
 * than a given redis-server lists them, with the same meaning.
 */
import { type AclCommand, type AclCommands, CATEGORIES } from './categories.ts';
import { type KeyPattern, PERM_ALL, PERM_READ, SEL_ALLCHANNELS, SEL_ALLKEYS, SEL_ROOT, Selector } from './selector.ts';
import { USER_FLAG_NAMES, type User } from './user.ts';

export function describeCommandRules(commands: AclCommands, sel: Selector): string {
  const fake = new Selector(0);
  const additive = !sel.futureCommands;
  let rules = '';
  if (!additive) {
    rules += '+@all ';
    fake.allCommands(true);
  } else {
    rules += '-@all ';
    fake.allCommands(false);
  }
  const temp = new Selector(0);
  temp.bits.set(sel.bits);
  const applied = new Array<boolean>(CATEGORIES.length).fill(false);
  for (;;) {
    let best = -1;
    let minDiff = Number.MAX_SAFE_INTEGER;
    let maxSame = 0;
    for (let j = 0; j < CATEGORIES.length; j++) {
      if (applied[j]) continue;
      const { on, off } = temp.countCategory(commands, 1 << j);
      const diff = additive ? off : on;
      const same = additive ? on : off;
      if (same > diff && (diff < minDiff || (diff === minDiff && same > maxSame))) {
        best = j;
        minDiff = diff;
        maxSame = same;
      }
    }
    if (best === -1) break;
    fake.setCategory(commands, 1 << best, additive);
    temp.setCategory(commands, 1 << best, !additive);
    rules += `${additive ? '+@' : '-@'}${CATEGORIES[best]} `;
    applied[best] = true;
  }
  for (const cmd of commands.top) rules = singleCommands(sel, fake, rules, cmd);
  return rules.slice(0, -1);
}

function singleCommands(sel: Selector, fake: Selector, rules: string, cmd: AclCommand): string {
  const userBit = sel.getBit(cmd.id);
  if (userBit !== fake.getBit(cmd.id)) {
    rules += `${userBit ? '+' : '-'}${cmd.fullName} `;
    fake.changePerm(cmd, userBit);
  }
  for (const sub of cmd.subs) rules = singleCommands(sel, fake, rules, sub);
  if (!userBit) {
    const args = sel.firstArgs?.get(cmd.id);
    if (args !== undefined) for (const a of args) rules += `+${cmd.fullName}|${a} `;
  }
  return rules;
}

/** A key pattern with its rights prefix: ~p (read and write), %R~p, %W~p. */
export function patternString(p: KeyPattern): string {
  if (p.flags === PERM_ALL) return `~${p.pattern}`;
  if (p.flags === PERM_READ) return `%R~${p.pattern}`;
  return `%W~${p.pattern}`;
}

/** ACLDescribeSelector: keys, channels, then command rules. */
export function describeSelector(commands: AclCommands, sel: Selector): string {
  let res = '';
  if ((sel.flags & SEL_ALLKEYS) !== 0) res += '~* ';
  else for (const p of sel.patterns) res += `${patternString(p)} `;
  if ((sel.flags & SEL_ALLCHANNELS) !== 0) res += '&* ';
  else {
    res += 'resetchannels ';
    for (const ch of sel.channels) res += `&${ch} `;
  }
  return res + describeCommandRules(commands, sel);
}

/** ACLDescribeUser: flags, password hashes, the root selector, then " (selector)" for each other. */
export function describeUser(commands: AclCommands, u: User): string {
  let res = '';
  for (const [bit, name] of USER_FLAG_NAMES) if ((u.flags & bit) !== 0) res += `${name} `;
  for (const p of u.passwords) res += `#${p} `;
  for (const s of u.selectors) {
    const d = describeSelector(commands, s);
    res += (s.flags & SEL_ROOT) !== 0 ? d : ` (${d})`;
  }
  return res;
}

/** GETUSER's "keys" field. */
export function keysField(sel: Selector): string {
  if ((sel.flags & SEL_ALLKEYS) !== 0) return '~*';
  return sel.patterns.map(patternString).join(' ');
}

/** GETUSER's "channels" field. */
export function channelsField(sel: Selector): string {
  if ((sel.flags & SEL_ALLCHANNELS) !== 0) return '&*';
  return sel.channels.map((c) => `&${c}`).join(' ');
}
