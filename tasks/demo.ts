/** `deno task demo`: the whole pipeline on a small default, in a few minutes on 2 cores. */
import { type Parsed, runTask, type TaskSpec } from "./_cli.ts";

const spec = {
  name: "demo",
  usage: "[--dir demo] [--n 2000] [--epochs 8]",
  summary: "Run the pipeline end to end on a small default: generate training and test images\n" +
    "with sasmodels' realistic random recipe, train the `cpu` preset sparse autoencoder,\n" +
    "compress the test images to .sqz, decompress them, and evaluate (report in DIR/report).",
  flags: {
    dir: { type: "string", help: "output folder", arg: "DIR", path: "out-dir", default: "demo" },
    n: { type: "int", help: "training images to generate", default: 2000, min: 16 },
    test: { type: "int", help: "test images to generate", default: 256, min: 8 },
    epochs: { type: "int", help: "training epochs", default: 8, min: 1 },
    seed: { type: "int", help: "base seed (test images use seed + 1)", default: 1, min: 0 },
  },
} satisfies TaskSpec;

const TASKS = new URL(".", import.meta.url);

/** A stage's failure: the demo stops with the stage's exit code. */
class StageFailed extends Error {
  constructor(readonly code: number) {
    super(`stage failed (exit ${code})`);
  }
}

/** Runs `deno task NAME --flag value …` (flags in order; `true` is a bare flag); throws StageFailed. */
async function stage(
  name: string,
  flags: Record<string, string | number | true>,
  quiet: boolean,
): Promise<void> {
  const args = Object.entries(flags).flatMap(([k, v]) =>
    v === true ? [`--${k}`] : [`--${k}`, `${v}`]
  );
  if (!quiet) console.error(`\n== deno task ${name} ${args.join(" ")}`);
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
  if (code !== 0) {
    console.error(`demo: stage "${name}" failed (exit ${code})`);
    throw new StageFailed(code);
  }
}

if (import.meta.main) {
  Deno.exitCode = await runTask(spec, async (flags) => {
    try {
      await demo(flags);
    } catch (e) {
      if (e instanceof StageFailed) return e.code;
      throw e;
    }
  });
}

/** The six stages in order, each in its own process. */
async function demo(flags: Parsed<typeof spec>): Promise<void> {
  const d = flags.dir, q = flags.quiet;
  await Deno.mkdir(d, { recursive: true });
  const train = `${d}/train.ndjson.gz`, test = `${d}/test.ndjson.gz`, model = `${d}/model`;
  await stage("generate", { n: flags.n, seed: flags.seed, out: train }, q);
  await stage("generate", { n: flags.test, seed: flags.seed + 1, out: test }, q);
  await stage("train", {
    data: train,
    out: model,
    preset: "cpu",
    epochs: flags.epochs,
    batch: 64,
    seed: flags.seed,
  }, q);
  await stage("compress", { model, in: test, out: `${d}/test.sqz` }, q);
  await stage("decompress", { model, in: `${d}/test.sqz`, out: `${d}/test.recon.ndjson.gz` }, q);
  await stage("evaluate", {
    model,
    data: test,
    out: `${d}/report`,
    knn: true,
    "knn-train": Math.floor(flags.test / 2),
    "knn-test": Math.ceil(flags.test / 2),
  }, q);
  console.log(`\ndemo: done. Open ${d}/report/index.html; compressed test set: ${d}/test.sqz`);
}
