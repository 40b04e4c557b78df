/**
 * A worker of the portable sgemm (`portable_sgemm.ts`): it instantiates the sgemm module on the
 * shared memory, says it is ready, then sleeps on the control block and takes pieces of each
 * job it is given. Private to `models/`.
 * @module
 */

import { parentPort, workerData } from "node:worker_threads";
import { CONTROL, runPieces, type SgemmExports } from "./_sgemm_job.ts";

const { module, memory, id } = workerData as {
  module: WebAssembly.Module;
  memory: WebAssembly.Memory;
  id: number;
};
const exports = new WebAssembly.Instance(module, { env: { memory } })
  .exports as unknown as SgemmExports;
const control = new Int32Array(memory.buffer, 0, CONTROL.length);
let seen = Atomics.load(control, CONTROL.generation);
parentPort!.postMessage("ready");
for (;;) {
  Atomics.wait(control, CONTROL.generation, seen);
  seen = Atomics.load(control, CONTROL.generation);
  if (seen < 0) break;
  const slot = Atomics.load(control, CONTROL.slots + id);
  if (slot < 0) continue;
  try {
    runPieces(exports, memory, slot);
  } catch (error) {
    Atomics.store(control, CONTROL.failed, 1);
    parentPort!.postMessage({ error: String(error) });
  } finally {
    // the caller waits for every worker it gave a slot, whatever happened
    if (Atomics.add(control, CONTROL.done, 1) + 1 === Atomics.load(control, CONTROL.workers)) {
      Atomics.notify(control, CONTROL.done);
    }
  }
}
