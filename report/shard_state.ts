/**
 * Evaluation shards: what one shard writes besides its images.ndjson (`shard.json`), and the exact
 * merge of shards into what one pass over all their images would have collected.
 * @module
 */
import { FormatError } from "../pipeline/errors.ts";
import { atomicWritable, writeFileAtomic } from "../pipeline/atomic_file.ts";
import type { ModelCodec } from "../codec/model_codec.ts";
import type { RefineSettings } from "../codec/refine.ts";
import type { ImageMetrics } from "../evaluate/image_metrics.ts";
import type { ReportState } from "../evaluate/metrics_report.ts";
import { Collected } from "./report_sink.ts";
import type { Example } from "./figures.ts";

/** The `format` field of shard.json. */
export const SHARD_FORMAT = "sasquash-evaluate-shard";

/** How a shard was made: the settings every shard of one evaluation must share. */
export interface ShardSettings {
  model: string;
  quant: string;
  threshold: number;
  /** Code refinement (absent: none, and in shards written before it existed). */
  refine?: RefineSettings;
  /** Codes flag isotropic images (absent: not, and in shards written before it existed). */
  isotropy?: boolean;
  batch: number;
  examples: number;
  /** Images of the whole evaluation. */
  total: number;
  source: Record<string, unknown>;
}

/** Contents of shard.json. */
export interface ShardState {
  format: typeof SHARD_FORMAT;
  version: 1;
  /** 1-based shard k of count N, and the global indices [first, end) it evaluated. */
  shard: { k: number; count: number; first: number; end: number };
  settings: ShardSettings;
  report: ReportState;
  gzip: { raw_bytes: number; gzip_bytes: number };
  /** Example candidates (typed arrays as plain number lists; JSON keeps float32 exactly). */
  examples: {
    index: number;
    label: Example["label"];
    rel_l2: number;
    image: number[];
    reconstruction: number[];
    latent: number[];
  }[];
}

/** Writes `${dir}/shard.json` for a shard that collected `c`. */
export async function writeShardState(
  dir: string,
  c: Collected,
  shard: ShardState["shard"],
  settings: ShardSettings,
): Promise<void> {
  const state: ShardState = {
    format: SHARD_FORMAT,
    version: 1,
    shard,
    settings,
    report: c.model.state(),
    gzip: { raw_bytes: c.gzip.rawBytes, gzip_bytes: c.gzip.gzipBytes },
    examples: c.examples.map((e) => ({
      index: e.index,
      label: e.label,
      rel_l2: e.relL2,
      image: [...e.image],
      reconstruction: [...e.reconstruction],
      latent: [...e.latent],
    })),
  };
  await writeFileAtomic(`${dir}/shard.json`, JSON.stringify(state) + "\n");
}

/** Reads and checks `${dir}/shard.json`. */
export async function readShardState(dir: string): Promise<ShardState> {
  const path = `${dir}/shard.json`;
  let state: ShardState;
  try {
    state = JSON.parse(await Deno.readTextFile(path));
  } catch (e) {
    throw new FormatError(`${path}: not a readable evaluate shard (${(e as Error).message})`);
  }
  if (state?.format !== SHARD_FORMAT || state.version !== 1) {
    throw new FormatError(`${path}: expected format ${SHARD_FORMAT} version 1`);
  }
  return state;
}

/** A shard's state and the folder it came from. */
export interface ShardFolder {
  dir: string;
  state: ShardState;
}

/**
 * Checks that `shards` (in any order) are shards 1..N of one evaluation, each image once;
 * returns them in shard order.
 */
export function orderShards(shards: ShardFolder[]): ShardFolder[] {
  const order = [...shards].sort((a, b) => a.state.shard.k - b.state.shard.k);
  const settings = JSON.stringify(order[0].state.settings);
  let next = 0;
  order.forEach(({ state: s, dir }, i) => {
    if (s.shard.count !== order.length || s.shard.k !== i + 1) {
      throw new FormatError(
        `${dir}: shard ${s.shard.k}/${s.shard.count}, but ${order.length} shards were given ` +
          `(need each of 1..${s.shard.count} once)`,
      );
    }
    if (JSON.stringify(s.settings) !== settings) {
      throw new FormatError(`${dir}: evaluated with other settings than ${order[0].dir}`);
    }
    if (s.shard.first !== next) {
      throw new FormatError(`${dir}: starts at image ${s.shard.first}, expected ${next}`);
    }
    next = s.shard.end;
  });
  const total = order[0].state.settings.total;
  if (next !== total) throw new FormatError(`the shards end at image ${next} of ${total}`);
  return order;
}

const LINE_KEYS = new Set(["i", "model", "index", "baseline", "isotropic"]);

/**
 * Merges shard folders `dirs` into what one evaluation of all their images collects, and writes
 * their images.ndjson lines, in order, to `${out}/images.ndjson`.
 */
export async function mergeShards(
  dirs: string[],
  codec: ModelCodec,
  out: string,
): Promise<{ collected: Collected; settings: ShardSettings }> {
  const shards = orderShards(
    await Promise.all(dirs.map(async (dir) => ({ dir, state: await readShardState(dir) }))),
  );
  const settings = shards[0].state.settings;
  const c = new Collected(codec, undefined, { zfpSample: 0, examples: settings.examples });
  const file = atomicWritable(`${out}/images.ndjson`).getWriter();
  const encoder = new TextEncoder();
  try {
    for (const { dir, state } of shards) {
      const text = await addLines(`${dir}/images.ndjson`, state, c, codec);
      await file.write(encoder.encode(text));
      c.model.mergeState(state.report);
      c.gzip.rawBytes += state.gzip.raw_bytes;
      c.gzip.gzipBytes += state.gzip.gzip_bytes;
    }
  } catch (e) {
    await file.abort(e);
    throw e;
  }
  await file.close();
  c.examples.push(...replayExamples(shards.map((s) => s.state), settings.examples));
  return { collected: c, settings };
}

/** Adds a shard's per-image lines to `c`; returns the text to copy into the merged file. */
async function addLines(
  path: string,
  s: ShardState,
  c: Collected,
  codec: ModelCodec,
): Promise<string> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (e) {
    throw new FormatError(`${path}: cannot read (${(e as Error).message})`);
  }
  const lines = text.split("\n").filter((l) => l !== "");
  if (lines.length !== s.shard.end - s.shard.first) {
    throw new FormatError(
      `${path}: ${lines.length} lines, shard.json says ${s.shard.end - s.shard.first} images`,
    );
  }
  lines.forEach((line, k) => {
    const parsed = JSON.parse(line) as Record<string, unknown>;
    if (parsed.i !== s.shard.first + k) {
      throw new FormatError(`${path}:${k + 1}: image ${parsed.i}, expected ${s.shard.first + k}`);
    }
    const metrics: Record<string, unknown> = {};
    for (const [key, v] of Object.entries(parsed)) if (!LINE_KEYS.has(key)) metrics[key] = v;
    c.model.addImage(String(parsed.model), metrics as unknown as ImageMetrics);
    if (parsed.isotropic === true) codec.isotropicImages++;
  });
  return lines.map((l) => l + "\n").join("");
}

/**
 * The examples one pass would keep: the first `limit` images, then the first image of each new
 * family, replayed over the shards' own candidates in order (exact when the first shard holds at
 * least `limit` images, as a shard keeps at most `limit` candidates).
 */
function replayExamples(states: ShardState[], limit: number): Example[] {
  const seen = new Set<string>();
  const out: Example[] = [];
  for (const s of states) {
    for (const e of s.examples) {
      if (out.length >= limit) return out;
      const family = String(e.label.model ?? "unknown");
      if (seen.has(family) && e.index >= limit) continue;
      seen.add(family);
      out.push({
        index: e.index,
        label: e.label,
        relL2: e.rel_l2,
        image: Float32Array.from(e.image),
        reconstruction: Float32Array.from(e.reconstruction),
        latent: Float32Array.from(e.latent),
      });
    }
  }
  return out;
}
