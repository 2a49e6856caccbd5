/*
 * spindle-sentinel sentinel.conf [--option value ...]: the sentinel entry point without main.ts's
 * command-line handling (bin/spindle-sentinel). `spindle-server sentinel.conf --sentinel`
 * reaches the same runSentinel through src/main.ts.
 */
import { runSentinel } from './mode.ts';

await runSentinel(process.argv.slice(2));
