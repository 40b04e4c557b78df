/**
 * NXcanSAS 2-D data (HDF5) through npm `h5wasm`: the first `SASentry` holding a 2-D `SASdata`
 * group (`I`, its uncertainty `Idev`, `Qx`/`Qy` or `Q`, `mask`) becomes a {@link Measurement};
 * every other group, dataset and attribute of the file is kept as a JSON tree so that
 * {@link writeNXcanSAS} gives the same groups, attributes, units and mask back.
 * @module
 */

// First: its forwarders must be in place of console.log/error before h5wasm binds them.
import { captureHdf5Output, hdf5Failure, releaseConsole, unreadableHdf5 } from "./_hdf5_errors.ts";
import h5wasm from "h5wasm/node";
import { FormatError, UsageError } from "./errors.ts";
import { checkMeasurement, gridAxes, type Measurement } from "./measurement.ts";

h5wasm.ready.then(releaseConsole);

/** An attribute as kept: its JSON value, HDF5 dtype and shape. */
interface KeptAttribute {
  value: unknown;
  dtype: string;
  shape: number[] | null;
}

/** One node of the kept HDF5 tree; `field` marks a dataset rebuilt from the measurement. */
export interface KeptNode {
  path: string;
  kind: "group" | "dataset";
  attrs: Record<string, KeptAttribute>;
  dtype?: string;
  shape?: number[] | null;
  value?: unknown;
  field?: "intensity" | "sigma" | "qx" | "qy" | "q" | "mask";
}

// deno-lint-ignore no-explicit-any
type H5 = any;

/** The h5wasm API and its Emscripten file system, once the module is ready. */
async function h5(): Promise<{ h5wasm: H5; fs: H5 }> {
  const module = await h5wasm.ready;
  return { h5wasm, fs: module.FS };
}

const isClass = (node: H5, canSAS: string, nx: string) => {
  const a = node.attrs ?? {};
  return a.canSAS_class?.json_value === canSAS || a.NX_class?.json_value === nx;
};

function keptAttrs(node: H5): Record<string, KeptAttribute> {
  const out: Record<string, KeptAttribute> = {};
  for (const [name, a] of Object.entries(node.attrs ?? {}) as [string, H5][]) {
    out[name] = { value: a.json_value, dtype: String(a.dtype), shape: a.shape ?? null };
  }
  return out;
}

/**
 * Reads the first NXcanSAS 2-D entry of an HDF5 file (or the entry named `entry`). Every failure
 * of the HDF5 library, a dataset it could not read included, is one FormatError
 * (`FILE: not a readable HDF5/NXcanSAS file (reason)`) and prints nothing; a warning of the
 * library on a file it reads is one line naming the file.
 */
export async function readNXcanSAS(path: string, entry?: string): Promise<Measurement> {
  const lib = await h5();
  try {
    await Deno.stat(path);
  } catch (e) {
    throw new UsageError(`cannot read ${path}: ${(e as Error).message}`);
  }
  const read = captureHdf5Output(lib.fs, () => {
    const file = new lib.h5wasm.File(path, "r");
    try {
      return measurementOf(file, path, entry);
    } finally {
      file.close();
    }
  });
  const failure = hdf5Failure(read.output);
  if (failure === null && read.value !== undefined) {
    // the library's warnings (a name that is not UTF-8, …): printed once, naming the file
    for (const line of new Set(read.output.split("\n").filter((l) => l.trim()))) {
      console.error(`${path}: ${line.trim()}`);
    }
    return read.value;
  }
  if (failure === null && read.error instanceof FormatError) throw read.error;
  throw unreadableHdf5(path, failure ?? String((read.error as Error)?.message ?? read.error));
}

function measurementOf(file: H5, path: string, wanted?: string): Measurement {
  const entries = (file.keys() as string[]).filter((k) =>
    file.get(k)?.type === "Group" && isClass(file.get(k), "SASentry", "NXentry")
  );
  const entryName = wanted ?? entries.find((k) => dataGroup(file.get(k)) !== undefined);
  if (entryName === undefined || !entries.includes(entryName)) {
    const found = entries.length
      ? `entries found: ${entries.join(", ")}`
      : `no SASentry; root groups ${file.keys().join(", ") || "none"}`;
    throw new FormatError(
      wanted === undefined
        ? `${path}: no NXcanSAS SASentry with 2-D SASdata (${found})`
        : `${path}: no SASentry named "${wanted}" (${found})`,
    );
  }
  const entryGroup = file.get(entryName);
  const dataName = dataGroup(entryGroup);
  if (dataName === undefined) throw new FormatError(`${path}: /${entryName} has no SASdata group`);
  const data = entryGroup.get(dataName);
  const where = (name: string) => `${path}: /${entryName}/${dataName}/${name}`;
  const signal = String(data.attrs.signal?.json_value ?? "I");
  const I = data.get(signal);
  if (I?.type !== "Dataset") throw new FormatError(`${where(signal)}: missing`);
  if (I.shape.length !== 2) {
    throw new FormatError(`${where(signal)}: shape [${I.shape}], expected 2-D data`);
  }
  const [height, width] = I.shape as number[];
  const n = height * width;
  const sigmaName = String(
    I.attrs.uncertainty?.json_value ?? data.attrs.I_uncertainty?.json_value ?? "Idev",
  );
  const fields = new Map<string, KeptNode["field"]>([[signal, "intensity"]]);
  const floats = (name: string) => {
    const d = data.get(name);
    const v = d.value;
    if (!ArrayBuffer.isView(v) || (v as Float64Array).length === undefined) {
      throw new FormatError(`${where(name)}: not a numeric array`);
    }
    return Float64Array.from(v as unknown as ArrayLike<number>, Number);
  };
  const intensity = floats(signal);
  const sigma = data.get(sigmaName)?.type === "Dataset" ? floats(sigmaName) : null;
  if (sigma) fields.set(sigmaName, "sigma");
  let qx: Float64Array, qy: Float64Array;
  if (data.get("Qx")?.type === "Dataset" && data.get("Qy")?.type === "Dataset") {
    qx = expandAxis(floats("Qx"), height, width, "x", where("Qx"));
    qy = expandAxis(floats("Qy"), height, width, "y", where("Qy"));
    fields.set("Qx", "qx").set("Qy", "qy");
  } else if (data.get("Q")?.type === "Dataset" && data.get("Q").shape.length === 3) {
    const q = floats("Q");
    if (q.length !== 2 * n) {
      throw new FormatError(`${where("Q")}: expected shape [2, ${height}, ${width}]`);
    }
    [qx, qy] = [q.slice(0, n), q.slice(n)];
    fields.set("Q", "q");
  } else {
    throw new FormatError(
      `${where("Qx")}: no Qx/Qy datasets and no Q of shape [2, ${height}, ${width}]`,
    );
  }
  let mask: Uint8Array | null = null;
  if (data.get("mask")?.type === "Dataset") {
    mask = Uint8Array.from(floats("mask"), (v) => (v === 0 ? 0 : 1));
    fields.set("mask", "mask");
  }
  const tree: KeptNode[] = [];
  keepTree(file, "", tree, `/${entryName}/${dataName}`, fields);
  const titleNode = entryGroup.get("title");
  const title = titleNode?.type === "Dataset" ? String(flat(titleNode.json_value)) : "";
  const m: Measurement = {
    height,
    width,
    intensity,
    sigma,
    mask,
    qx,
    qy,
    separable: false,
    extra: [],
    units: {
      q: String((data.get("Qx") ?? data.get("Q")).attrs.units?.json_value ?? ""),
      intensity: String(I.attrs.units?.json_value ?? ""),
    },
    title,
    provenance: { file: path, format: "nxcansas", entry: entryName, data: dataName },
    attributes: { tree },
  };
  m.separable = gridAxes(m) !== null;
  checkMeasurement(m, path);
  return m;
}

const flat = (v: unknown): unknown => Array.isArray(v) && v.length === 1 ? v[0] : v;

/** The first SASdata child holding 2-D data. */
function dataGroup(entry: H5): string | undefined {
  return (entry.keys() as string[]).find((k) => {
    const g = entry.get(k);
    return g?.type === "Group" && isClass(g, "SASdata", "NXdata") &&
      g.get(String(g.attrs.signal?.json_value ?? "I"))?.shape?.length === 2;
  });
}

/** Qx or Qy per pixel from a 2-D array or a 1-D axis. */
function expandAxis(
  a: Float64Array,
  height: number,
  width: number,
  axis: "x" | "y",
  where: string,
): Float64Array {
  const n = height * width;
  if (a.length === n) return a;
  const len = axis === "x" ? width : height;
  if (a.length !== len) {
    throw new FormatError(`${where}: ${a.length} values, expected ${n} or ${len}`);
  }
  return Float64Array.from(
    { length: n },
    (_, i) => a[axis === "x" ? i % width : Math.floor(i / width)],
  );
}

/** Appends every node below `node` (datasets of the data group marked by field, not copied). */
function keepTree(
  node: H5,
  path: string,
  out: KeptNode[],
  dataPath: string,
  fields: Map<string, KeptNode["field"]>,
) {
  for (const key of node.keys() as string[]) {
    const child = node.get(key);
    const p = `${path}/${key}`;
    if (child?.type === "Group") {
      out.push({ path: p, kind: "group", attrs: keptAttrs(child) });
      keepTree(child, p, out, dataPath, fields);
    } else if (child?.type === "Dataset") {
      const field = path === dataPath ? fields.get(key) : undefined;
      const kept: KeptNode = {
        path: p,
        kind: "dataset",
        attrs: keptAttrs(child),
        dtype: String(child.dtype),
        shape: child.shape,
      };
      if (field) kept.field = field;
      else kept.value = child.json_value;
      out.push(kept);
    }
  }
}

/** Writes `m` as NXcanSAS to `path` atomically (a temporary name, then a rename). */
export async function writeNXcanSAS(path: string, m: Measurement): Promise<void> {
  const lib = (await h5()).h5wasm;
  const temp = `${path}.partial`;
  let file: H5;
  try {
    file = new lib.File(temp, "w");
  } catch (e) {
    throw new UsageError(`cannot write ${temp}: ${(e as Error).message}`);
  }
  try {
    const tree = (m.attributes.tree as KeptNode[] | undefined) ?? defaultTree(m);
    for (const node of tree) writeNode(file, node, m);
  } catch (e) {
    file.close();
    await Deno.remove(temp).catch(() => {});
    throw e;
  }
  file.close();
  await Deno.rename(temp, path);
}

function writeNode(file: H5, node: KeptNode, m: Measurement) {
  const slash = node.path.lastIndexOf("/");
  const parent = slash === 0 ? file : file.get(node.path.slice(0, slash));
  const name = node.path.slice(slash + 1);
  const target = node.kind === "group"
    ? parent.create_group(name)
    : parent.create_dataset(datasetArgs(name, node, m));
  for (const [key, a] of Object.entries(node.attrs)) {
    const isString = typeof flat(a.value) === "string" ||
      (Array.isArray(a.value) && typeof a.value[0] === "string");
    target.create_attribute(
      key,
      flat(a.value),
      isString ? null : a.shape,
      isString ? null : a.dtype,
    );
  }
}

function datasetArgs(name: string, node: KeptNode, m: Measurement) {
  const shape2 = [m.height, m.width];
  const n = m.height * m.width;
  switch (node.field) {
    case "intensity":
      return { name, data: m.intensity, shape: shape2, dtype: "<d" };
    case "sigma":
      return { name, data: m.sigma!, shape: shape2, dtype: "<d" };
    case "qx":
      return {
        name,
        data: node.shape?.length === 1 ? m.qx.slice(0, m.width) : m.qx,
        shape: node.shape?.length === 1 ? [m.width] : shape2,
        dtype: "<d",
      };
    case "qy":
      return node.shape?.length === 1
        ? {
          name,
          data: Float64Array.from({ length: m.height }, (_, r) => m.qy[r * m.width]),
          shape: [m.height],
          dtype: "<d",
        }
        : { name, data: m.qy, shape: shape2, dtype: "<d" };
    case "q": {
      const q = new Float64Array(2 * n);
      q.set(m.qx);
      q.set(m.qy, n);
      return { name, data: q, shape: [2, ...shape2], dtype: "<d" };
    }
    case "mask":
      return { name, data: Int8Array.from(m.mask!), shape: shape2, dtype: "|i1" };
  }
  const v = node.value;
  const strings = typeof flat(v) === "string" || (Array.isArray(v) && typeof v[0] === "string");
  if (strings) return { name, data: v, shape: node.shape };
  return { name, data: Array.isArray(v) ? v.flat(8) : v, shape: node.shape, dtype: node.dtype };
}

/** The NXcanSAS layout for a measurement read from another format. */
function defaultTree(m: Measurement): KeptNode[] {
  const str = (value: string): KeptAttribute => ({ value, dtype: "S", shape: null });
  const units = (u: string): Record<string, KeptAttribute> => (u === "" ? {} : { units: str(u) });
  const tree: KeptNode[] = [
    {
      path: "/sasentry01",
      kind: "group",
      attrs: { NX_class: str("NXentry"), canSAS_class: str("SASentry"), version: str("1.0") },
    },
    { path: "/sasentry01/definition", kind: "dataset", attrs: {}, value: "NXcanSAS" },
    { path: "/sasentry01/title", kind: "dataset", attrs: {}, value: m.title },
    {
      path: "/sasentry01/sasdata01",
      kind: "group",
      attrs: {
        NX_class: str("NXdata"),
        canSAS_class: str("SASdata"),
        signal: str("I"),
        I_axes: str("Qx,Qy"),
        ...(m.sigma ? { I_uncertainty: str("Idev") } : {}),
        ...(m.mask ? { mask: str("mask") } : {}),
      },
    },
    {
      path: "/sasentry01/sasdata01/I",
      kind: "dataset",
      field: "intensity",
      attrs: { ...units(m.units.intensity), ...(m.sigma ? { uncertainty: str("Idev") } : {}) },
    },
  ];
  if (m.sigma) {
    tree.push({
      path: "/sasentry01/sasdata01/Idev",
      kind: "dataset",
      field: "sigma",
      attrs: units(m.units.intensity),
    });
  }
  tree.push(
    { path: "/sasentry01/sasdata01/Qx", kind: "dataset", field: "qx", attrs: units(m.units.q) },
    { path: "/sasentry01/sasdata01/Qy", kind: "dataset", field: "qy", attrs: units(m.units.q) },
  );
  if (m.mask) {
    tree.push({ path: "/sasentry01/sasdata01/mask", kind: "dataset", field: "mask", attrs: {} });
  }
  return tree;
}
