/**
 * `deno task generate`: randomized SAS images from SasView models hosted in Pyodide, on the
 * default 64×64 grid or a measured file's exact q grid.
 */
import { basename } from "node:path";
import { UsageError } from "../pipeline/errors.ts";
import { Progress } from "../pipeline/progress.ts";
import { readRecords, RecordFileWriter } from "../pipeline/record_stream.ts";
import { encodeHeaderLine, type StreamHeader } from "../pipeline/record_format.ts";
import { readMeasurement } from "../pipeline/measurement_file.ts";
import { measuredGrid } from "../pipeline/measurement.ts";
import {
  generationHeader,
  parseResolution,
  parseShard,
  resolveModels,
  shardRange,
} from "../generators/host/generation_plan.ts";
import type { GenerationSettings } from "../generators/host/image_job.ts";
import { gridShape, type QGrid } from "../generators/host/detector_grid.ts";
import { imageStream } from "../generators/host/image_stream.ts";
import { SasHost } from "../generators/host/pyodide_host.ts";
import { loadPluginNames } from "../generators/host/plugin_loader.ts";
import { runTask, type TaskSpec } from "./_cli.ts";
import { DETECTOR_FLAGS } from "./_detector_flags.ts";
import { pathExists } from "../pipeline/path_check.ts";

const spec = {
  name: "generate",
  usage: "--n N --out FILE [flags]",
  summary: "Randomized SAS detector images: sasmodels' realistic -random recipe in 2D (half the\n" +
    "images polydisperse), point-sampled on qx = qy = linspace(-qmax, qmax, size), or on a\n" +
    "measured file's exact q grid (--grid-from), layout [iy][ix].\n" +
    "Image k uses model k mod len(models) and is reproducible from (seed, k) alone.",
  flags: {
    n: { type: "int", help: "number of images (whole run, all shards)", default: 1000, min: 1 },
    out: {
      type: "string",
      help: "output .ndjson or .ndjson.gz ('-' = stdout)",
      arg: "FILE",
      path: "out-file",
      default: "train.ndjson",
    },
    seed: { type: "int", help: "base seed of the stream", default: 1, min: 0 },
    models: {
      type: "string",
      help: "comma list, 'realistic' (the 12-model recipe mix) or 'all'",
      arg: "LIST",
    },
    ...DETECTOR_FLAGS,
    "grid-from": {
      type: "string",
      help:
        "render on a measured file's exact q grid and size (.h5, .dat) instead of --qmax, --size",
      arg: "FILE",
      conflicts: ["qmax", "size"],
    },
    entry: {
      type: "string",
      help: "NXcanSAS --grid-from: the SASentry group to read (default: the first with 2-D data)",
      arg: "NAME",
    },
    noise: {
      type: "string",
      help: "counting noise",
      default: "none",
      choices: ["none", "poisson"] as const,
    },
    flux: {
      type: "number",
      help: "expected counts at the brightest pixel (--noise poisson)",
      default: 1e6,
      above: 0,
    },
    workers: {
      type: "int",
      help: "Pyodide workers (0 = in this thread)",
      default: navigator.hardwareConcurrency,
      min: 0,
    },
    shard: { type: "string", help: "compute only shard k of N (1 ≤ k ≤ N), e.g. 2/4", arg: "k/N" },
    chunk: { type: "int", help: "images per output line", default: 64, min: 1 },
    "image-timeout": {
      type: "number",
      help:
        "seconds one image (or loading a plugin) may take, with --workers ≥ 1, before generation stops",
      default: 120,
      above: 0,
    },
    plugin: { type: "string", help: "comma list of SasView plugin model .py files", arg: "FILES" },
    resume: {
      type: "boolean",
      help: "continue an interrupted run (same flags) from <out>.partial",
    },
  },
  examples: [
    "deno task generate --n 50000 --out train.ndjson.gz",
    "deno task generate --n 1000 --models sphere,cylinder --noise poisson --flux 1e5 --out s.ndjson",
    "deno task generate --n 1000 --resolution 0.1 --accuracy med --out smeared.ndjson",
    "deno task generate --n 50000 --shard 2/4 --out part2.ndjson   # deno task merge to join",
  ],
} satisfies TaskSpec;

async function readPlugins(
  list: string | undefined,
): Promise<{ source: string; filename: string }[]> {
  if (!list) return [];
  const out = [];
  for (const path of list.split(",").map((s) => s.trim()).filter((s) => s)) {
    try {
      out.push({ source: await Deno.readTextFile(path), filename: basename(path) });
    } catch {
      throw new UsageError(`--plugin: cannot read ${path}`);
    }
  }
  return out;
}

/** A complete output counts as done only if it is this run's: same header, same images. */
async function checkComplete(
  path: string,
  header: StreamHeader,
  first: number,
  end: number,
): Promise<void> {
  const source = await readRecords(path);
  for await (const _ of source.chunks) { /* verifies every line and the trailer */ }
  const { first: got = first, items } = source.extent;
  if (
    encodeHeaderLine(source.header) !== encodeHeaderLine(header) || got !== first ||
    items !== end - first
  ) {
    throw new UsageError(
      `--resume: ${path} is complete but was written with other settings ` +
        `(its header or its images ${got}..${got + items} differ); remove it to regenerate`,
    );
  }
}

/** --qmax and --size, or the exact grid of the measured file named by --grid-from. */
async function gridOf(
  flags: { qmax: number; size: number; "grid-from"?: string; entry?: string; quiet?: boolean },
): Promise<QGrid> {
  const from = flags["grid-from"];
  if (from === undefined) {
    if (flags.entry !== undefined) throw new UsageError("--entry names an entry of --grid-from");
    return { qmax: flags.qmax, size: flags.size };
  }
  const grid = measuredGrid(await readMeasurement(from, { entry: flags.entry }));
  if (!flags.quiet) {
    const [height, width] = gridShape(grid);
    const kind = "height" in grid ? "Qx, Qy per pixel" : "Qx × Qy axes";
    console.error(`generate: ${from}: grid ${height}×${width} (${kind})`);
  }
  return grid;
}

if (import.meta.main) {
  // Deno.exit, not exitCode: a worker stuck in a plugin's kernel must not keep the process alive.
  Deno.exit(
    await runTask(spec, async (flags) => {
      const smearing = parseResolution(flags.resolution, flags.accuracy);
      const plugins = await readPlugins(flags.plugin);
      const catalog = await SasHost.catalog();
      const pluginNames = await loadPluginNames(plugins, flags["image-timeout"]);
      for (const [i, name] of pluginNames.entries()) {
        if (catalog.includes(name)) {
          throw new UsageError(
            `--plugin: ${plugins[i].filename} is named "${name}", a built-in model`,
          );
        }
      }
      const models = resolveModels(flags.models, catalog, pluginNames);
      const settings: GenerationSettings = {
        seed: flags.seed,
        models,
        grid: { ...(await gridOf(flags)), ...smearing },
        noise: flags.noise,
        flux: flags.flux,
        plugins,
      };
      const shard = flags.shard ? parseShard(flags.shard) : { index: 0, count: 1 };
      const [first, end] = shardRange(flags.n, flags.chunk, shard.index, shard.count);
      const header = generationHeader(settings, flags.n);
      if (flags.resume && flags.out !== "-" && await pathExists(flags.out)) {
        await checkComplete(flags.out, header, first, end);
        if (!flags.quiet) console.error(`generate: ${flags.out} is already complete`);
        return;
      }
      const writer = await RecordFileWriter.open(flags.out, header, {
        resume: flags.resume,
        first,
      });
      const start = first + writer.resumedImages;
      const progress = new Progress("generate", end - first, {
        quiet: flags.quiet || flags.out === "-",
      });
      progress.add(writer.resumedImages);
      const onSigint = () => {
        writer.abort().finally(() => {
          console.error(`\ngenerate: interrupted; ${flags.out}.partial kept, rerun with --resume`);
          Deno.exit(130);
        });
      };
      Deno.addSignalListener("SIGINT", onSigint);
      try {
        const stream = imageStream(settings, {
          start,
          end,
          chunkSize: flags.chunk,
          workers: flags.workers,
          imageTimeout: flags["image-timeout"],
        });
        for await (const chunk of stream) {
          await writer.write(chunk);
          progress.add(chunk.count);
        }
      } catch (e) {
        await writer.abort();
        throw e;
      } finally {
        Deno.removeSignalListener("SIGINT", onSigint);
      }
      await writer.commit();
      progress.done(`→ ${flags.out}`);
    }),
  );
}
