/*
 * Log lines in Redis's format: `pid:role dd Mon yyyy HH:MM:SS.mmm <level> message`, where level
 * is `.` debug, `-` verbose, `*` notice, `#` warning. Written to stdout or to `logfile`.
 */
import { appendFileSync } from 'node:fs';

const LEVELS = { debug: 0, verbose: 1, notice: 2, warning: 3, nothing: 4 } as const;
const MARKS = ['.', '-', '*', '#'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

function pad(n: number, w = 2): string {
  return String(n).padStart(w, '0');
}

export class Logger {
  level = 2;
  file = '';
  role = 'M';

  setLevel(name: string): void {
    this.level = LEVELS[name as keyof typeof LEVELS] ?? 2;
  }

  private write(level: number, msg: string): void {
    if (level < this.level) return;
    const d = new Date();
    const ts = `${pad(d.getDate())} ${MONTHS[d.getMonth()]} ${d.getFullYear()} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`;
    const line = `${process.pid}:${this.role} ${ts} ${MARKS[level]} ${msg}\n`;
    if (this.file === '') process.stdout.write(line);
    else {
      try {
        appendFileSync(this.file, line);
      } catch {
        process.stdout.write(line);
      }
    }
  }

  debug(msg: string): void {
    this.write(0, msg);
  }

  verbose(msg: string): void {
    this.write(1, msg);
  }

  notice(msg: string): void {
    this.write(2, msg);
  }

  warning(msg: string): void {
    this.write(3, msg);
  }

  /** Raw text without the prefix (the start-up banner). */
  raw(text: string): void {
    if (this.level > 2) return;
    if (this.file === '') process.stdout.write(text);
    else appendFileSync(this.file, text);
  }
}
