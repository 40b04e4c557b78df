/** Splits a byte stream at "\n" into lines (without the newline); an unterminated tail is kept. */
export class LineSplitStream extends TransformStream<Uint8Array, Uint8Array> {
  constructor() {
    let pieces: Uint8Array[] = [];
    let pending = 0;
    const join = (last: Uint8Array): Uint8Array => {
      if (pieces.length === 0) return last;
      const out = new Uint8Array(pending + last.length);
      let at = 0;
      for (const p of pieces) {
        out.set(p, at);
        at += p.length;
      }
      out.set(last, at);
      pieces = [];
      pending = 0;
      return out;
    };
    super({
      transform(bytes, controller) {
        let start = 0;
        for (let nl = bytes.indexOf(10); nl !== -1; nl = bytes.indexOf(10, start)) {
          controller.enqueue(join(bytes.subarray(start, nl)));
          start = nl + 1;
        }
        if (start < bytes.length) {
          pieces.push(bytes.slice(start));
          pending += bytes.length - start;
        }
      },
      flush(controller) {
        if (pending > 0) controller.enqueue(join(new Uint8Array(0)));
      },
    });
  }
}
