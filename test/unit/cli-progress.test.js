// The progress bar petrel flash shows: plain lines at each quarter into a pipe, one redrawn line on a terminal.
import { describe, expect, it } from "vitest";
import { createProgress } from "../../tools/cli/progress.js";

function capture(tty) {
  const chunks = [];
  const stream = { write: (text) => chunks.push(text), isTTY: tty };
  return { stream, chunks };
}

describe("progress bar", () => {
  it("without a terminal, prints one line per quarter reached, with the counts", () => {
    const { stream, chunks } = capture(false);
    const bar = createProgress({ label: "upload", total: 1000, stream, width: 10 });
    for (let done = 0; done <= 1000; done += 50) bar.update(done);
    bar.finish("verified");
    expect(chunks).toEqual([
      "upload [----------]   0%  0/1,000 bytes\n",
      "upload [###-------]  25%  250/1,000 bytes\n",
      "upload [#####-----]  50%  500/1,000 bytes\n",
      "upload [########--]  75%  750/1,000 bytes\n",
      "upload [##########] 100%  1,000/1,000 bytes\n",
      "upload [##########] 100%  1,000/1,000 bytes  verified\n",
    ]);
  });

  it("takes a new total, clamps overshoot, and a failed finish keeps the bar where it stopped", () => {
    const { stream, chunks } = capture(false);
    const bar = createProgress({ label: "upload", total: 10, stream, width: 4 });
    bar.update(30, 40);
    bar.update(99);
    expect(chunks).toEqual(["upload [###-]  75%  30/40 bytes\n", "upload [####] 100%  40/40 bytes\n"]);
    const other = capture(false);
    const failed = createProgress({ label: "x", total: 100, stream: other.stream, width: 4, unit: "B" });
    failed.update(40);
    failed.finish("no answer", false);
    failed.update(100); // after finish: ignored
    expect(other.chunks.at(-1)).toBe("x [##--]  40%  40/100 B  no answer\n");
    expect(other.chunks).toEqual(["x [##--]  40%  40/100 B\n", "x [##--]  40%  40/100 B  no answer\n"]);
  });

  it("on a terminal, redraws one line in place and ends it at finish", () => {
    const { stream, chunks } = capture(true);
    const bar = createProgress({ label: "upload", total: 4, stream, width: 4 });
    bar.update(1);
    bar.update(2);
    bar.finish();
    expect(chunks).toEqual([
      "\r\x1b[2Kupload [#---]  25%  1/4 bytes",
      "\r\x1b[2Kupload [##--]  50%  2/4 bytes",
      "\r\x1b[2Kupload [####] 100%  4/4 bytes",
      "\n",
    ]);
  });
});
