/**
 * The training run behind a model, as the report shows it: the epoch log (`log.ndjson` of the
 * run folder, which is the model folder or, for a `best/` model, its parent) and its curves.
 * @module
 */
import { linePlot, type LineSeries } from "./svg_plot.ts";

/** One epoch line of `log.ndjson`, the fields the report reads. */
export interface EpochLine {
  epoch: number;
  loss: number;
  val_rel_l2: number | null;
  val_rms_rel?: number | null;
  val_max_rel?: number | null;
  /** Medians over validation images (logs written before they were recorded lack them). */
  val_rel_l2_median?: number | null;
  val_rms_rel_median?: number | null;
  lambda: number;
  seconds: number;
}

/** The epoch log of the run that produced the model in `dir`, or null when there is none. */
export async function readTrainingLog(dir: string): Promise<EpochLine[] | null> {
  for (const path of [`${dir}/log.ndjson`, `${dir}/../log.ndjson`]) {
    let text: string;
    try {
      text = await Deno.readTextFile(path);
    } catch {
      continue;
    }
    const lines = text.split("\n").filter((l) => l.trim() !== "");
    try {
      return lines.map((l) => JSON.parse(l) as EpochLine).filter((l) =>
        typeof l.epoch === "number"
      );
    } catch {
      return null; // a damaged log leaves the report without curves, not without a report
    }
  }
  return null;
}

/** Training loss and validation errors (means, and medians where logged) per epoch, on a log scale. */
export function trainingCurveFigure(log: EpochLine[]): string {
  const epochs = log.map((l) => l.epoch);
  const curve = (
    name: string,
    color: string,
    pick: (l: EpochLine) => number | null | undefined,
  ) => {
    const points = log.filter((l) => typeof pick(l) === "number" && pick(l)! > 0);
    return { name, color, x: points.map((l) => l.epoch), y: points.map((l) => pick(l)!) };
  };
  const series: LineSeries[] = [
    curve("training loss", "#1f77b4", (l) => l.loss),
    curve("validation rel. L2", "#d62728", (l) => l.val_rel_l2),
    curve("validation RMS pointwise rel.", "#2ca02c", (l) => l.val_rms_rel),
    curve("validation rel. L2, median", "#ff9896", (l) => l.val_rel_l2_median),
    curve("validation RMS pointwise rel., median", "#98df8a", (l) => l.val_rms_rel_median),
  ].filter((s) => s.x.length > 0);
  const last = epochs.at(-1) ?? 0;
  return linePlot(series, {
    title: `Training curves (${last} epoch${last === 1 ? "" : "s"})`,
    xLabel: "epoch",
    yLabel: "loss / error",
    logY: true,
  });
}

/** The report's summary of a training log: epochs, seconds, first/last/best validation error. */
export function trainingSummary(log: EpochLine[]): Record<string, unknown> {
  const withVal = log.filter((l) => typeof l.val_rel_l2 === "number");
  const best = withVal.reduce<EpochLine | null>(
    (b, l) => (b === null || l.val_rel_l2! < b.val_rel_l2! ? l : b),
    null,
  );
  return {
    epochs: log.length,
    train_seconds: log.reduce((s, l) => s + (l.seconds ?? 0), 0),
    first: log[0] ?? null,
    last: log.at(-1) ?? null,
    best_val_rel_l2_epoch: best?.epoch ?? null,
  };
}
