/** Counts the code bytes of `.sqz` inputs on their way to the writer (the code-only ratio). */

import type { SqzInput } from "./sqz_container.ts";

/** Passes records through, adding up their code bytes (labels and framing excluded). */
export class CodeCountStream extends TransformStream<SqzInput, SqzInput> {
  /** Code bytes seen so far. */
  bytes = 0;
  /** Records seen so far. */
  records = 0;

  constructor() {
    super({
      transform: (input, controller) => {
        this.bytes += input.code.length;
        this.records++;
        controller.enqueue(input);
      },
    });
  }
}
