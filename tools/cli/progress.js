// A progress bar for long CLI steps (petrel flash). On a terminal it redraws one line in place; into a
// pipe or file it prints a plain line at 0%, every 25% and 100%, so logs stay short and tests can read it.

/**
 * Creates a bar for `total` units (e.g. bytes) written to `stream` (default stdout). `tty` defaults to
 * `stream.isTTY`. Returns `{ update(done, total?), finish(note?, complete = true) }`: `update` moves the
 * bar (a new `total` replaces the old one), `finish` draws the bar (at 100% when `complete`) with an
 * optional note and ends the line. Calls
 * after `finish` do nothing.
 */
export function createProgress({ label, total, unit = "bytes", stream = process.stdout, tty = Boolean(stream.isTTY), width = 30 }) {
  let done = 0;
  let lastStep = -1;
  let finished = false;
  const n = (x) => Math.round(x).toLocaleString("en-US");
  const line = (note) => {
    const share = total > 0 ? Math.min(1, done / total) : 0;
    const filled = Math.round(share * width);
    const bar = `[${"#".repeat(filled)}${"-".repeat(width - filled)}]`;
    return `${label} ${bar} ${String(Math.floor(share * 100)).padStart(3)}%  ${n(done)}/${n(total)} ${unit}${note ? `  ${note}` : ""}`;
  };
  const draw = (note) => {
    if (tty) stream.write(`\r\x1b[2K${line(note)}`);
    else {
      const step = total > 0 ? Math.floor((Math.min(1, done / total) * 100) / 25) : 0;
      if (step === lastStep && !note) return;
      lastStep = step;
      stream.write(`${line(note)}\n`);
    }
  };
  return {
    update(value, newTotal) {
      if (finished) return;
      if (newTotal !== undefined) total = newTotal;
      done = Math.max(0, Math.min(value, total));
      draw();
    },
    finish(note, complete = true) {
      if (finished) return;
      finished = true;
      if (complete) done = total;
      if (!tty) lastStep = -1; // always print the final line
      draw(note);
      if (tty) stream.write("\n");
    },
  };
}
