/** The paper's Table 1 layout as a markdown table, from the rows of the MNIST protocol. @module */

import type { MnistRow } from "./mnist_protocol.ts";

const HEADER = [
  "(m/n, ℓ/n, λ, f)",
  "ℓ",
  "L2 train",
  "L2 test",
  "L1 train",
  "L1 test",
  "L0 train",
  "L0 test",
  "KNN latent",
  "KNN image",
];

/** Markdown table: one row per architecture, means per image, accuracies as fractions. */
export function mnistTable(rows: MnistRow[]): string {
  const lines = [row(HEADER), row(HEADER.map((_, i) => (i === 0 ? ":--" : "--:")))];
  for (const r of rows) {
    lines.push(row([
      r.arch,
      String(r.architecture.ell),
      fixed(r.train.l2, 3),
      fixed(r.test.l2, 3),
      fixed(r.train.l1, 1),
      fixed(r.test.l1, 1),
      fixed(r.train.l0, 1),
      fixed(r.test.l0, 1),
      fixed(r.knnLatent, 4),
      fixed(r.knnImage, 4),
    ]));
  }
  return lines.join("\n");
}

function row(cells: string[]): string {
  return `| ${cells.join(" | ")} |`;
}

function fixed(value: number, digits: number): string {
  return Number.isFinite(value) ? value.toFixed(digits) : "—";
}
