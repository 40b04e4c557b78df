/** The few lines `deno task evaluate` prints at the end. @module */
import type { Summary } from "../pipeline/summary_stats.ts";

type Json = Record<string, unknown>;

function stat(s: unknown, digits = 3): string {
  const v = s as Summary | null;
  if (!v) return "–";
  const f = (x: number) => x.toPrecision(digits);
  return `mean ${f(v.mean)} · median ${f(v.median)} · p05 ${f(v.p05)} · p95 ${f(v.p95)} · max ${
    f(v.max)
  }`;
}

/** A short plain-text digest of summary.json. */
export function summaryText(summary: Json, out: string): string {
  const lines = [`evaluated ${summary.n} images → ${out}/index.html`];
  lines.push(`  rel. L2 error      ${stat(summary.rel_l2)}`);
  lines.push(`  RMS pointwise rel. ${stat(summary.rms_rel)}`);
  lines.push(`  max pointwise rel. ${stat(summary.max_pointwise_rel)}`);
  lines.push(`  ‖x‖₀/‖f(z)‖₀       ${stat(summary.nnz_ratio, 4)}`);
  lines.push(`  byte ratio         ${stat(summary.byte_ratio, 4)}`);
  const code = summary.code_size as Json;
  lines.push(
    `  code: ${(code.mean_bytes_per_image as number).toFixed(1)} B/image ` +
      `(values ${(code.mean_value_bytes_per_image as number).toFixed(1)}, gaps ${
        (code.mean_gap_bytes_per_image as number).toFixed(1)
      }, side ${(code.side_bytes as number) / (summary.n as number)}); model weights ${
        (summary.model as Json).weights_bytes
      } B`,
  );
  const knn = summary.knn as Json | undefined;
  if (knn) {
    const pct = (v: unknown) => (typeof v === "number" ? `${(100 * v).toFixed(1)}%` : "–");
    lines.push(
      `  k-NN (k=${knn.k}, ${knn.train} train / ${knn.test} test): latent ${
        pct(knn.latent_accuracy)
      }` +
        ` · image ${pct(knn.image_accuracy)}`,
    );
  }
  const b = summary.baselines as Record<string, Json>;
  const parts = [`gzip ${(b.gzip.byte_ratio as number).toFixed(2)}×`];
  if (b.zfp) {
    parts.push(
      b.zfp.skipped
        ? `zfp skipped (${b.zfp.skipped})`
        : `zfp ${(b.zfp.byte_ratio as number).toFixed(2)}× at mean rel. L2 ${
          (b.zfp.mean_rel_l2 as number).toExponential(2)
        }, max pointwise ${(b.zfp.max_pointwise_rel as number).toExponential(2)}`,
    );
  }
  if (b.hourglass) {
    const h = b.hourglass;
    parts.push(
      `hourglass rel. L2 mean ${(h.rel_l2 as Summary).mean.toExponential(2)}, byte ratio mean ${
        (h.byte_ratio as Summary).mean.toFixed(1)
      }×`,
    );
  }
  lines.push(`  baselines: ${parts.join(" · ")}`);
  const sweep = summary.sweep as Json | undefined;
  if (sweep) {
    lines.push(
      `  rate–distortion: ${
        (sweep.points as unknown[]).length
      } configurations on ${sweep.images} ` +
        `images → ${out}/sweep.json, ${out}/${sweep.figure}`,
    );
  }
  return lines.join("\n");
}
