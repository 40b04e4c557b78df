/**
 * Randomized SAS images as a `ReadableStream<Chunk>`, computed by a pool of Pyodide workers
 * (or in-process with `workers: 0`). Chunk boundaries depend only on the global image index,
 * so any split into shards concatenates to exactly the one-run output.
 * @module
 */
import {
  FormatError,
  SasModelError,
  type SasquashError,
  UsageError,
} from "../../pipeline/errors.ts";
import type { Chunk } from "../../pipeline/record_format.ts";
import { type GenerationSettings, type JobResult, runJob } from "./image_job.ts";
import { SasHost } from "./pyodide_host.ts";
import { gridShape } from "./detector_grid.ts";

/** Which images to produce and how. */
export interface StreamOptions {
  /** First global image index (inclusive). */
  start: number;
  /** Last global image index (exclusive). */
  end: number;
  /** Images per chunk; chunk c holds indices [c·chunkSize, (c+1)·chunkSize). */
  chunkSize: number;
  /**
   * Pyodide workers; 0 computes in this thread, except with plugins: they always run in (one)
   * worker, so that `imageTimeout` can stop a plugin whose `Iq` never returns.
   */
  workers: number;
  /**
   * Seconds one image may take before generation stops with a SasModelError naming the model
   * and image (a plugin whose `Iq` never returns); enforced with workers ≥ 1. Default 120.
   */
  imageTimeout?: number;
}

const ERRORS: Record<string, new (m: string) => SasquashError> = {
  SasModelError,
  FormatError,
  UsageError,
};

function chunkOf(settings: GenerationSettings, r: JobResult): Chunk {
  return {
    count: r.labels.length,
    shape: gridShape(settings.grid),
    dtype: "float32",
    labels: r.labels,
    data: r.data,
  };
}

function ranges(o: StreamOptions): [number, number][] {
  const out: [number, number][] = [];
  for (let s = o.start; s < o.end;) {
    const e = Math.min(o.end, (Math.floor(s / o.chunkSize) + 1) * o.chunkSize);
    out.push([s, e]);
    s = e;
  }
  return out;
}

/** Stream images [start, end) in index order. */
export function imageStream(
  settings: GenerationSettings,
  options: StreamOptions,
): ReadableStream<Chunk> {
  const jobs = ranges(options);
  if (options.workers === 0 && settings.plugins.length === 0) {
    let host: SasHost | undefined;
    let next = 0;
    return new ReadableStream<Chunk>({
      async pull(controller) {
        if (!host) {
          host = await SasHost.create();
          for (const p of settings.plugins) host.registerPlugin(p.source, p.filename);
        }
        if (next >= jobs.length) return controller.close();
        const [s, e] = jobs[next++];
        controller.enqueue(chunkOf(settings, runJob(host, settings, s, e)));
      },
    });
  }
  const workers = Math.max(1, options.workers);
  return workerStream(settings, jobs, workers, options.imageTimeout ?? 120);
}

function workerStream(
  settings: GenerationSettings,
  jobs: [number, number][],
  count: number,
  imageTimeout: number,
): ReadableStream<Chunk> {
  const workers: Worker[] = [];
  /** The image each busy worker is computing, and since when. */
  const current = new Map<Worker, { index: number; model: string; since: number }>();
  const done = new Map<number, Chunk>();
  let nextJob = 0, nextOut = 0;
  let failure: Error | undefined;
  let wake: (() => void) | undefined;
  const notify = () => {
    wake?.();
    wake = undefined;
  };
  const watchdog = setInterval(() => {
    for (const [, job] of current) {
      if (failure || performance.now() - job.since <= imageTimeout * 1000) continue;
      failure = new SasModelError(
        `model "${job.model}": image ${job.index} took over ${imageTimeout} s ` +
          `(does its Iq ever return?); raise --image-timeout if it is only slow`,
      );
      notify();
    }
  }, Math.min(1000, imageTimeout * 250));
  Deno.unrefTimer(watchdog);
  const stop = () => {
    clearInterval(watchdog);
    workers.forEach((w) => w.terminate());
  };
  const dispatch = (w: Worker) => {
    // Bound the reorder buffer: never run more than 2 jobs per worker ahead of the output.
    if (nextJob < jobs.length && nextJob - nextOut < 2 * count) {
      const id = nextJob++;
      w.postMessage({ type: "job", id, start: jobs[id][0], end: jobs[id][1] });
      return true;
    }
    return false;
  };
  const idle: Worker[] = [];
  const start = () => {
    for (let i = 0; i < Math.min(count, Math.max(jobs.length, 1)); i++) {
      const w = new Worker(new URL("./image_worker.ts", import.meta.url).href, { type: "module" });
      w.onmessage = (ev: MessageEvent) => {
        const m = ev.data;
        if (m.type === "image") {
          current.set(w, { index: m.index, model: m.model, since: performance.now() });
          return;
        }
        if (m.type === "result") current.delete(w);
        if (m.type === "ready" || m.type === "result") {
          if (m.type === "result") done.set(m.id, chunkOf(settings, m.result));
          if (!dispatch(w)) idle.push(w);
        } else if (m.type === "error") {
          const ctor = ERRORS[m.kind];
          failure = ctor ? new ctor(m.message) : new Error(`generator worker failed: ${m.message}`);
        }
        notify();
      };
      w.onerror = (ev) => {
        ev.preventDefault();
        failure = new Error(`generator worker crashed: ${ev.message}`);
        notify();
      };
      w.postMessage({ type: "init", settings });
      workers.push(w);
    }
  };
  return new ReadableStream<Chunk>({
    start,
    async pull(controller) {
      while (true) {
        if (failure) {
          stop();
          throw failure;
        }
        if (nextOut >= jobs.length) {
          stop();
          return controller.close();
        }
        const chunk = done.get(nextOut);
        if (chunk) {
          done.delete(nextOut++);
          while (idle.length && dispatch(idle[0])) idle.shift();
          controller.enqueue(chunk);
          return;
        }
        await new Promise<void>((r) => (wake = r));
      }
    },
    cancel: stop,
  });
}
