/*
 * What operators watch the command stream with: the slow log, the latency monitor, MONITOR and
 * client tracking, behind one threshold. Server.callHandler compares each call's duration with
 * `opsThresholdUs` (the smallest duration any of them wants: Infinity when all are off, -Infinity
 * while a MONITOR or a tracking client exists) and calls afterCall only past it, so the hot path
 * pays one comparison when nothing watches.
 */
import type { Argv } from '../protocol/argv.ts';
import { CMD_ADMIN, CMD_FAST, CMD_READONLY, CMD_SKIP_MONITOR, CMD_SKIP_SLOWLOG, type Command } from '../commands/registry.ts';
import { scriptingOf } from './commands/scripting.ts';
import type { Client } from './client.ts';
import { LatencyMonitor } from './latency-monitor.ts';
import { monitorLine } from './monitor.ts';
import type { Server } from './server.ts';
import { Slowlog } from './slowlog.ts';
import { Tracking } from './tracking.ts';

export class Ops {
  private readonly srv: Server;
  readonly slowlog = new Slowlog();
  readonly latency = new LatencyMonitor();
  readonly tracking: Tracking;
  readonly monitors = new Set<Client>();
  /** slowlog-log-slower-than in µs (Infinity: off). */
  private slowlogUs = Infinity;
  private slowlogMaxLen = 128;

  constructor(srv: Server) {
    this.srv = srv;
    this.tracking = new Tracking(srv);
    const cfg = srv.config;
    const read = (): void => {
      const s = cfg.num('slowlog-log-slower-than');
      this.slowlogUs = s < 0 ? Infinity : s;
      this.slowlogMaxLen = cfg.num('slowlog-max-len');
      this.latency.threshold = cfg.num('latency-monitor-threshold');
      this.recompute();
    };
    for (const name of ['slowlog-log-slower-than', 'slowlog-max-len', 'latency-monitor-threshold']) cfg.onChange(name, read);
    read();
  }

  /** Re-derives the server's threshold and MONITOR flag after any of the inputs changed. */
  recompute(): void {
    const srv = this.srv;
    srv.monitoring = this.monitors.size !== 0;
    if (srv.monitoring || this.tracking.clients !== 0) {
      srv.opsThresholdUs = -Infinity;
      return;
    }
    const lat = this.latency.threshold === 0 ? Infinity : this.latency.threshold * 1000;
    srv.opsThresholdUs = Math.min(this.slowlogUs, lat);
  }

  /** A call ran for `usec` µs, at least opsThresholdUs (Redis's call(): slowlog, latency, monitors, tracking). */
  afterCall(c: Client, cmd: Command, argv: Argv, usec: number): void {
    // A socketless client running on its own (AOF loading: Server.runCommand), not inside a
    // connection's script: 7.0 neither logs nor monitors it (isAOFLoadingContext).
    if (c.socketless && this.srv.currentClient === c) return;
    // A command that blocked is logged when it is served (Redis logs it on unblock), not when it
    // blocks, nor when a re-run finds nothing and it stays blocked.
    const rerun = c.blockState !== null && c.postponed === null;
    if (c.blockState === null || (rerun && !this.srv.stillBlocked)) {
      if (usec >= this.slowlogUs && (cmd.flags & CMD_SKIP_SLOWLOG) === 0) {
        this.slowlog.push(c, cmd.fullName, argv, usec, this.slowlogMaxLen);
      }
      const ms = Math.trunc(usec / 1000);
      if (this.latency.threshold !== 0 && ms >= this.latency.threshold) {
        this.latency.add((cmd.flags & CMD_FAST) !== 0 ? 'fast-command' : 'command', ms);
      }
    }
    if (this.monitors.size !== 0 && !rerun && (cmd.flags & (CMD_SKIP_MONITOR | CMD_ADMIN)) === 0) this.feedMonitors(c, cmd, argv);
    const tracking = this.tracking;
    if (tracking.clients !== 0) {
      if (!c.socketless) {
        const st = tracking.stateOf(c);
        if (st !== undefined) tracking.afterCommand(c, st, cmd, argv);
      } else if ((cmd.flags & CMD_READONLY) !== 0) this.trackScriptRead();
      tracking.flushPending(c);
    }
  }

  /**
   * A script's read-only call, for a tracking caller: 7.0.15 remembers the keys of the caller's
   * own command (EVAL's KEYS), not those of the call, and keeps CLIENT CACHING for the whole run.
   */
  private trackScriptRead(): void {
    const caller = this.srv.currentClient;
    const st = caller === null ? undefined : this.tracking.stateOf(caller);
    const argv = scriptingOf(this.srv).callerArgv;
    const cmd = caller === null ? undefined : this.srv.registry.find(caller.lastCmd);
    if (st === undefined || argv === null || cmd === undefined) return;
    this.tracking.afterCommand(caller as Client, st, cmd, argv, true);
  }

  /** EVAL / FCALL (skip-monitor): shown before the script's own commands, as 7.0 does. */
  feedMonitorsEarly(c: Client, cmd: Command, argv: Argv): void {
    const n = cmd.fullName;
    if (n === 'eval' || n === 'evalsha' || n === 'eval_ro' || n === 'evalsha_ro' || n === 'fcall' || n === 'fcall_ro') {
      if (c.blockState === null) this.feedMonitors(c, cmd, argv);
    }
  }

  private feedMonitors(c: Client, cmd: Command, argv: Argv): void {
    const line = monitorLine(c, cmd.fullName, argv);
    for (const m of this.monitors) this.srv.push(m, line);
  }

  /** MONITOR: c receives every command from now on. */
  addMonitor(c: Client): void {
    this.monitors.add(c);
    this.recompute();
  }

  /** A client is closed or RESET: it stops monitoring and tracking. */
  forget(c: Client): void {
    if (this.monitors.delete(c)) this.recompute();
    this.tracking.forget(c);
  }
}
