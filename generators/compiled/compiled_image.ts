/**
 * The compiled image path: a model's Python kernels translated to JavaScript (in Pyodide, by
 * generators/compiled/_sas_compile.py), checked against Python at ~50 points, then run over the detector
 * by the loops of `_compiled_loops.ts` with a per-image plan computed in Python
 * (generators/engine/_sas_plan.py). Any model, image or grid it cannot handle exactly as Python does
 * returns null, and the caller takes the Python path.
 * @module
 */
import {
  type GridData,
  type Kernel,
  type Loop,
  makeLoop,
  type Plan,
  toImage,
} from "./_compiled_loops.ts";
import type { HostCall } from "../engine/host_api.ts";
import { instantiate, PyFallback, PyRaise } from "./_py_runtime.ts";

/** The pixel × mesh loop builder and its inputs, public for the kernel benchmark. */
export { type GridData, makeLoop, type Plan };

/** Largest relative difference allowed between a compiled and a Python kernel value. */
const KERNEL_TOLERANCE = 1e-12;

interface Kernels {
  plain: Record<string, Kernel>;
  /** The same kernels with call sites that reuse repeated arguments (for dispersity meshes). */
  remembering: Record<string, Kernel>;
  loops: Map<string, Loop>;
}

type Check = [string, number[], number | string | null];

/** Whether one compiled value agrees with Python's (null: Python raised). */
function agrees(fn: Kernel, args: number[], want: number | string | null): boolean {
  let got: number;
  try {
    got = fn(...args);
  } catch (e) {
    if (e instanceof PyFallback) return true; // the image is then rendered in Python
    if (e instanceof PyRaise) return want === null;
    throw e;
  }
  if (typeof got !== "number") return false;
  if (want === null || typeof want === "string") return !Number.isFinite(got);
  if (got === want) return true;
  return Math.abs(got - want) <= KERNEL_TOLERANCE * Math.max(Math.abs(got), Math.abs(want));
}

function debug(line: string): void {
  try {
    if (Deno.env.get("SASQUASH_COMPILE_DEBUG")) console.error(`[compiled kernels] ${line}`);
  } catch { /* no env permission: stay silent */ }
}

/** Per-host cache of compiled kernels and detector grids; renders images through them. */
export class CompiledImages {
  #call: HostCall;
  #kernels = new Map<string, Kernels | null>();
  #reasons = new Map<string, string>();
  #grids = new Map<string, GridData | null>();

  /** `call` reaches host_api.py (model_kernels, grid_data, host_plan, host_random_plan). */
  constructor(call: HostCall) {
    this.#call = call;
  }

  /** Why `model` runs in Python ("" when it is compiled); compiles it on first use. */
  status(model: string): string {
    return this.#get(model) ? "" : this.#reasons.get(model) ?? "not compiled";
  }

  /** The compiled kernels of `model`, plain and remembering, or null (Python path): for benches. */
  kernels(
    model: string,
  ): { plain: Record<string, Kernel>; remembering: Record<string, Kernel> } | null {
    const kernels = this.#get(model);
    return kernels && { plain: kernels.plain, remembering: kernels.remembering };
  }

  /** Drop cached kernels of `name` and of products using it (a plugin replaced it). */
  forget(name: string): void {
    for (const key of [...this.#kernels.keys()]) {
      if (key.split("@").includes(name)) this.#kernels.delete(key);
    }
  }

  /**
   * float32 image and full parameters of `model` at `params` on `grid` (a key of
   * host_define_grid), or null for the Python path.
   */
  render(
    model: string,
    params: Record<string, unknown>,
    grid: string,
  ): { image: Float32Array; params: Record<string, number | string> } | null {
    const kernels = this.#get(model);
    const data = kernels && this.#grid(grid);
    if (!kernels || !data) return null;
    const [plan, full] = this.#call("host_plan", model, model, JSON.stringify(params));
    const image = plan
      ? this.#image(kernels, JSON.parse(plan), data, new Float32Array(data.npix))
      : null;
    return image && full ? { image, params: JSON.parse(full) } : null;
  }

  /** Label JSON and image of random image `index`, or null for the Python path. */
  random(
    model: string,
    seed: number,
    index: number,
    grid: string,
  ): { label: string; image: Float32Array } | null {
    const kernels = this.#get(model);
    const data = kernels && this.#grid(grid);
    if (!kernels || !data) return null;
    const [label, plan] = this.#call("host_random_plan", model, model, seed, index);
    const image = label && plan
      ? this.#image(kernels, JSON.parse(plan), data, new Float32Array(data.npix))
      : null;
    return image && label ? { label, image } : null;
  }

  /** float64 image (before float32 rounding) of `model` at `params`, or null: for tests. */
  renderF64(
    model: string,
    params: Record<string, unknown>,
    grid: string,
  ): Float64Array | null {
    const kernels = this.#get(model);
    const data = kernels && this.#grid(grid);
    if (!kernels || !data) return null;
    const [plan] = this.#call("host_plan", model, model, JSON.stringify(params));
    return plan ? this.#image(kernels, JSON.parse(plan), data, new Float64Array(data.npix)) : null;
  }

  /**
   * Compile the functions of a Python source text and call `calls` both ways: returns
   * [Python value, compiled value] per call (null where it raised), in order on one instance
   * (`remember`: the variant whose call sites reuse repeated arguments). For compiler tests.
   */
  probe(source: string, calls: [string, number[]][], remember = false): [unknown, unknown][] {
    const out = JSON.parse(
      this.#call("compile_probe", "probe", source, JSON.stringify(calls), remember),
    ) as { source: string; python: unknown[] };
    const fns = instantiate(out.source);
    return calls.map(([name, args], i) => {
      let got: unknown;
      try {
        got = fns[name](...args);
      } catch (e) {
        if (!(e instanceof PyRaise || e instanceof PyFallback)) throw e;
        got = null;
      }
      return [out.python[i], got];
    });
  }

  #get(model: string): Kernels | null {
    if (!this.#kernels.has(model)) this.#kernels.set(model, this.#compile(model));
    return this.#kernels.get(model)!;
  }

  #compile(model: string): Kernels | null {
    const { source, remembering, reason, checks } = JSON.parse(
      this.#call("model_kernels", `model "${model}"`, model),
    ) as {
      source: string | null;
      remembering: string | null;
      reason: string | null;
      checks: Check[];
    };
    let why = reason ?? "";
    let fns: Record<string, Kernel> = {};
    let memo: Record<string, Kernel> = {};
    if (source !== null && remembering !== null) {
      try {
        fns = instantiate(source);
        memo = instantiate(remembering);
        // the remembering variant twice: its second pass answers from its tables
        const passes: [string, Record<string, Kernel>][] = [
          ["", fns],
          ["remembering ", memo],
          ["remembering (repeated) ", memo],
        ];
        for (const [variant, kernels] of passes) {
          const bad = checks.find(([entry, args, want]) => !agrees(kernels[entry], args, want));
          if (bad) {
            why = `${variant}${bad[0]}(${bad[1].join(", ")}) differs from Python (${bad[2]})`;
            break;
          }
        }
      } catch (e) {
        why = `compiled code failed: ${(e as Error).message}`;
      }
    }
    if (why) {
      this.#reasons.set(model, why);
      debug(`${model}: Python path (${why})`);
      return null;
    }
    debug(`${model}: compiled, ${checks.length} checks passed`);
    return { plain: fns, remembering: memo, loops: new Map() };
  }

  #grid(key: string): GridData | null {
    if (!this.#grids.has(key)) {
      let grid: GridData | null = null;
      try {
        const g = JSON.parse(this.#call("grid_data", "grid", key));
        grid = {
          unique: Float64Array.from(g.unique),
          index: Int32Array.from(g.index),
          px: Float64Array.from(g.px),
          py: Float64Array.from(g.py),
          npix: g.npix,
        };
      } catch { /* a bad grid: the Python path reports it */ }
      this.#grids.set(key, grid);
    }
    return this.#grids.get(key)!;
  }

  #image<T extends Float32Array | Float64Array>(
    kernels: Kernels,
    plan: Plan,
    grid: GridData,
    image: T,
  ): T | null {
    const sargs = plan.s_args?.length ?? 0;
    // Within a pixel, arguments repeat over a mesh of several points when the image is oriented
    // (the q components are fixed while the mesh varies) or the mesh has two or more axes; an
    // isotropic one-axis mesh seldom repeats one, and the plain kernels are faster there.
    const oriented = plan.kind === "ac" || plan.kind === "abc";
    const remember = plan.weights.length > 1 && (oriented || plan.axes >= 2);
    const key = `${plan.kind}:${plan.nargs}:${sargs}:${remember}`;
    let loop = kernels.loops.get(key);
    if (!loop) {
      const entry = plan.kind === "ac" ? "Iqac" : plan.kind === "abc" ? "Iqabc" : "Iq";
      const fns = remember ? kernels.remembering : kernels.plain;
      loop = makeLoop(plan.kind, plan.nargs, fns[entry], fns.S_Iq, sargs);
      kernels.loops.set(key, loop);
    }
    const isotropic = plan.kind === "iq" || plan.kind === "product";
    const values = new Float64Array(isotropic ? grid.unique.length : grid.px.length);
    try {
      loop(plan, grid, values);
    } catch (e) {
      if (e instanceof PyRaise || e instanceof PyFallback) return null;
      throw e;
    }
    return toImage(plan.kind, grid, values, image) ? image : null;
  }
}
