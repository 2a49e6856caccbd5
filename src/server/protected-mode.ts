/*
 * protected-mode (Redis 7.0's clientAcceptHandler): while it is on and the default user has no
 * password, a connection from anywhere but the loopback addresses 127.0.0.1 and ::1 or a unix
 * socket gets the DENIED text below and is closed at once. 7.0 no longer looks at `bind` for
 * this (6.x did): only the password decides.
 */
import type { Socket } from 'node:net';

/** Redis 7.0.15's reply to a refused connection, byte for byte. */
export const PROTECTED_MODE_DENIED =
  "-DENIED Redis is running in protected mode because protected mode is enabled and no password is set for the default user. In this mode connections are only accepted from the loopback interface. If you want to connect from external computers to Redis you may adopt one of the following solutions: 1) Just disable protected mode sending the command 'CONFIG SET protected-mode no' from the loopback interface by connecting to Redis from the same host the server is running, however MAKE SURE Redis is not publicly accessible from internet if you do so. Use CONFIG REWRITE to make this change permanent. 2) Alternatively you can just disable the protected mode by editing the Redis configuration file, and setting the protected mode option to 'no', and then restarting the server. 3) If you started the server manually just for testing, restart it with the '--protected-mode no' option. 4) Setup a an authentication password for the default user. NOTE: You only need to do one of the above things in order for the server to start accepting connections from the outside.\r\n";

/** Whether a connection from `sock` is refused (protected-mode is known to be on). */
export function protectedModeRefuses(srv: { authRequired(): boolean }, sock: Socket): boolean {
  if (srv.authRequired()) return false;
  const ip = sock.remoteAddress;
  return !(ip === undefined || ip === '127.0.0.1' || ip === '::1' || ip === '::ffff:127.0.0.1');
}
