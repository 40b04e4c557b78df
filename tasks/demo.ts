/** `deno task demo`: the pipeline end to end on a small default, in a few minutes on 2 cores. */
import { runTask, type TaskSpec } from "./_cli.ts";
import { readRecords } from "../pipeline/record_stream.ts";

const spec = {
  name: "demo",
  usage: "[--dir demo] [--n 96]",
  summary:
    "Run the pipeline on a small default: generate images with sasmodels' realistic random\n" +
    "recipe, then summarize them. Outputs go to --dir.",
  flags: {
    dir: { type: "string", help: "output folder", arg: "DIR", default: "demo" },
    n: { type: "int", help: "images to generate", default: 96, min: 1 },
    seed: { type: "int", help: "base seed", default: 1, min: 0 },
  },
} satisfies TaskSpec;

const TASKS = new URL(".", import.meta.url);

async function stage(name: string, args: string[], quiet: boolean): Promise<void> {
  if (!quiet) console.error(`\n== ${name} ${args.join(" ")}`);
  const { code } = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      new URL(`${name}.ts`, TASKS).pathname,
      ...args,
      ...(quiet ? ["--quiet"] : []),
    ],
    stdout: "inherit",
    stderr: "inherit",
  }).output();
  if (code !== 0) Deno.exit(code);
}

if (import.meta.main) {
  await runTask(spec, async (flags) => {
    await Deno.mkdir(flags.dir, { recursive: true });
    const images = `${flags.dir}/images.ndjson.gz`;
    await stage(
      "generate",
      ["--n", String(flags.n), "--seed", String(flags.seed), "--out", images],
      flags.quiet,
    );
    const { chunks } = await readRecords(images);
    const perModel = new Map<string, { n: number; decades: number }>();
    for await (const c of chunks) {
      const size = c.data.length / c.count;
      c.labels.forEach((label, i) => {
        const img = c.data.subarray(i * size, (i + 1) * size);
        let lo = Infinity, hi = 0;
        for (const v of img) {
          if (v > 0 && v < lo) lo = v;
          if (v > hi) hi = v;
        }
        const s = perModel.get(label.model ?? "?") ?? { n: 0, decades: 0 };
        s.n++;
        s.decades += Math.log10(hi / lo);
        perModel.set(label.model ?? "?", s);
      });
    }
    console.log(`\n${images}: images per model, mean dynamic range (decades)`);
    for (const [model, s] of [...perModel].sort()) {
      console.log(
        `  ${model.padEnd(22)} ${String(s.n).padStart(4)}  ${(s.decades / s.n).toFixed(2)}`,
      );
    }
  });
}
