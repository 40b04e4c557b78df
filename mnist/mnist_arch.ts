/**
 * The `--arch` list of the MNIST protocol: architectures written (m/n, ℓ/n, λ, f) as in the
 * paper's Table 1, separated by ";", e.g. "1/2,1/4,0,z;4,8,3200,z".
 * @module
 */

import { type Architecture, resolveArchitecture } from "../models/mod.ts";
import { UsageError } from "../pipeline/errors.ts";

/** One requested architecture, as written and as ratios. */
export interface ArchSpec {
  /** The paper's notation, "(1/2, 1/4, 0, z)". */
  label: string;
  mRatio: number;
  ellRatio: number;
  lambda: number;
  f: "z" | "grad";
}

/** Parses "m/n,ℓ/n,λ,f;…" (ratios may be fractions such as 1/2); UsageError names the entry. */
export function parseArchList(text: string): ArchSpec[] {
  const entries = text.split(";").map((s) => s.trim()).filter((s) => s !== "");
  if (entries.length === 0) throw new UsageError(`--arch: no architecture in "${text}"`);
  return entries.map((entry) => {
    const parts = entry.replace(/^\(|\)$/g, "").split(",").map((s) => s.trim());
    const bad = (why: string) =>
      new UsageError(`--arch: "${entry}": ${why} (expected "m/n,l/n,lambda,z|grad")`);
    if (parts.length !== 4) throw bad(`${parts.length} fields`);
    const [mRatio, ellRatio, lambda] = parts.slice(0, 3).map(parseRatio);
    if (!(mRatio > 0) || !(ellRatio > 0)) throw bad("m/n and l/n must be positive numbers");
    if (!(lambda >= 0) || !Number.isFinite(lambda)) throw bad("lambda must be a number ≥ 0");
    const f = parts[3];
    if (f !== "z" && f !== "grad") throw bad(`f must be z or grad, got "${f}"`);
    return { label: `(${parts.join(", ")})`, mRatio, ellRatio, lambda, f };
  });
}

/** The layer widths of `spec` for images of n pixels. */
export function resolveSpec(spec: ArchSpec, n: number): Architecture {
  return resolveArchitecture(n, {
    arch: `${spec.mRatio},${spec.ellRatio}`,
    lambda: spec.lambda,
    f: spec.f,
  });
}

/** "0.5" or "1/2" → 0.5; NaN when neither. */
function parseRatio(text: string): number {
  const [a, b, ...rest] = text.split("/");
  if (rest.length > 0 || a.trim() === "") return NaN;
  const value = Number(a);
  return b === undefined ? value : b.trim() === "" ? NaN : value / Number(b);
}
