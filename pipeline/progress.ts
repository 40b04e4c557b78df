/** Progress reporting on stderr for long jobs. @module */

/** Options for {@linkcode Progress}. */
export interface ProgressOptions {
  /** Print nothing at all. */
  quiet?: boolean;
  /** Unit name shown after the rate ("img"). */
  unit?: string;
  /** Minimum milliseconds between redraws. */
  intervalMs?: number;
}

function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return "?";
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), r = s % 60;
  return h > 0
    ? `${h}h${String(m).padStart(2, "0")}m`
    : m > 0
    ? `${m}m${String(r).padStart(2, "0")}s`
    : `${r}s`;
}

/**
 * A progress line on stderr with count, rate and ETA, redrawn in place on a TTY. When stderr is
 * not a TTY only the final line is printed, unless `SASQUASH_PROGRESS=1` asks for a plain line
 * at most every 30 s (for logs of long jobs); `quiet` silences everything.
 */
export class Progress {
  #label: string;
  #total: number | undefined;
  #done = 0;
  #start = performance.now();
  #last = 0;
  #quiet: boolean;
  #tty: boolean;
  #logLines: boolean;
  #unit: string;
  #interval: number;
  #encoder = new TextEncoder();

  constructor(label: string, total?: number, options: ProgressOptions = {}) {
    this.#label = label;
    this.#total = total;
    this.#quiet = options.quiet ?? false;
    this.#tty = Deno.stderr.isTerminal();
    this.#logLines = !this.#tty && Deno.env.get("SASQUASH_PROGRESS") === "1";
    this.#unit = options.unit ?? "img";
    this.#interval = options.intervalMs ?? (this.#tty ? 200 : 30_000);
  }

  /** Items done so far. */
  get count(): number {
    return this.#done;
  }

  /** Record `n` more items done and redraw if it is time. */
  add(n: number): void {
    this.#done += n;
    const now = performance.now();
    if (now - this.#last >= this.#interval) {
      this.#last = now;
      this.#draw(false);
    }
  }

  /** Seconds since the start. */
  elapsed(): number {
    return (performance.now() - this.#start) / 1000;
  }

  /** Items per second so far. */
  rate(): number {
    return this.#done / Math.max(this.elapsed(), 1e-9);
  }

  /** Print the final line (with an optional note such as "written to x"). */
  done(note = ""): void {
    this.#draw(true, note);
  }

  #draw(final: boolean, note = ""): void {
    if (this.#quiet || (!final && !this.#tty && (!this.#logLines || this.#done === 0))) return;
    const rate = this.rate();
    const total = this.#total;
    let text = `${this.#label}: ${this.#done}${
      total !== undefined ? `/${total}` : ""
    } ${this.#unit}`;
    text += ` · ${rate >= 100 ? rate.toFixed(0) : rate.toPrecision(3)} ${this.#unit}/s`;
    if (total !== undefined && !final) {
      const pct = total > 0 ? (100 * this.#done) / total : 100;
      text += ` · ${pct.toFixed(1)}% · ETA ${formatDuration((total - this.#done) / rate)}`;
    } else text += ` · ${formatDuration(this.elapsed())}`;
    if (note) text += ` · ${note}`;
    const line = this.#tty ? `\r\x1b[2K${text}${final ? "\n" : ""}` : `${text}\n`;
    Deno.stderr.writeSync(this.#encoder.encode(line));
  }
}

/**
 * Passes chunks through unchanged while adding each chunk's `count` to `progress` and its
 * payload size to `bytes` (the raw bytes a compressor is measured against).
 */
export class ProgressCountStream<T extends { count: number; data: ArrayBufferView }>
  extends TransformStream<T, T> {
  /** Payload bytes seen so far. */
  bytes = 0;

  constructor(progress: Progress) {
    super({
      transform: (chunk, controller) => {
        this.bytes += chunk.data.byteLength;
        progress.add(chunk.count);
        controller.enqueue(chunk);
      },
    });
  }
}
