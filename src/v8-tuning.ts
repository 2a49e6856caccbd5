/*
 * V8 compiler settings for the command path, applied before any command runs.
 *
 * Why: a command's path is a chain of small functions (parse -> execute -> call -> handler ->
 * keyspace lookup -> record access -> reply writer), and TurboFan stops inlining into one
 * optimized function once the inlined bytecode adds up to --max-inlined-bytecode-size-cumulative
 * (920 bytes by default). Past that budget every remaining step is a real call with its frame
 * and argument checks. A larger budget lets the whole path of INCR, HSET or ZADD compile into one
 * function: in-process (bench/hotpath.ts) INCR went from 409-435 to 341-346 ns and ZADD from
 * 452-485 to 407-417 (docs/benchmarks.md, "Arena views and the inlining budget"). The flags are
 * process-wide, so the I/O workers get them too.
 *
 * Imported first by main.ts: the flags are read when a function is optimized, which happens only
 * once it is hot, after start-up. SPINDLE_V8_TUNING=0 leaves V8's defaults (for side-by-side
 * benchmarks).
 */
import { setFlagsFromString } from 'node:v8';

const V8_TUNING_FLAGS = ['--max-inlined-bytecode-size=1000', '--max-inlined-bytecode-size-cumulative=6000'];

if (process.env.SPINDLE_V8_TUNING !== '0') for (const f of V8_TUNING_FLAGS) setFlagsFromString(f);
