// The board's one event loop: timers, queued jobs (event callbacks, socket work) and the clock.
// clock "virtual": time moves only through advance()/runUntil(), so tests are fast and deterministic.
// clock "real": time is the host's monotonic clock and timers fire from Node timers.
// The loop runs plain functions; the runtime wraps firmware callbacks so their errors never reach here.
import { performance } from "node:perf_hooks";

const MIN_INTERVAL_MS = 0.1; // TIMER_MIN_INTERVAL in src/jsinteractive.h
const MAX_JOBS_PER_TURN = 100000;
const POLL_MS = 5; // runUntil looks at its predicate at least this often while waiting for I/O

/** Error for an emulator bug met while running the loop (never a firmware error). */
export class LoopError extends Error {}

export class Loop {
  /**
   * `clock`: "virtual" | "real". `settleMs`/`busySettleMs`: in virtual runUntil, how long (real ms) to wait for
   * socket I/O before jumping to the next timer, when sockets are idle / when one is connecting or awaits a reply.
   */
  constructor({ clock = "virtual", settleMs = 10, busySettleMs = 250 } = {}) {
    if (clock !== "virtual" && clock !== "real") throw new Error(`clock: expected "virtual" or "real", got ${JSON.stringify(clock)}`);
    this.clock = clock;
    this.settleMs = settleMs;
    this.busySettleMs = busySettleMs;
    this.virtualNow = 0;
    this.realStart = performance.now();
    this.timers = new Map(); // id -> { id, at, interval, run, internal, seq }
    this.jobs = [];
    this.seq = 0;
    this.refs = 0; // open sockets and other things that may still produce jobs
    this.ioBusy = () => false;
    this.listeners = new Set(); // called after each turn (runUntil predicates)
    this.immediate = null;
    this.nodeTimer = null;
    this.wakers = new Set(); // runUntil callers waiting for a job
    this.failure = null;
  }

  /** Milliseconds since the loop was created (board power-on of the first boot), on the chosen clock. */
  now() {
    return this.clock === "virtual" ? this.virtualNow : performance.now() - this.realStart;
  }

  /**
   * Adds a timer running `run()` after `ms` (an interval when `interval` is true); returns its id: one more
   * than the newest timer's id, or 1, as Espruino numbers them. `internal` timers (watch debounce, Wi-Fi
   * simulation) survive clearAll(false) like Espruino's watch timers survive clearTimeout(). `roots`: the
   * firmware values the timer holds (callback, arguments), for the memory estimate.
   */
  addTimer(run, ms, { interval = false, internal = false, roots = [] } = {}) {
    const delay = Number.isNaN(ms) || !(ms >= MIN_INTERVAL_MS) ? MIN_INTERVAL_MS : ms;
    let id = 1;
    for (const t of this.timers.values()) if (!t.internal) id = t.id + 1;
    const key = internal ? `i${++this.seq}` : id;
    this.timers.set(key, { id: key, at: this.now() + delay, interval: interval ? delay : 0, run, internal, roots, seq: ++this.seq });
    this.schedule();
    return key;
  }

  /** Removes a timer; returns false when there is no such timer. */
  clearTimer(id) {
    const had = this.timers.delete(id);
    if (had) this.schedule();
    return had;
  }

  /** clearTimeout(): removes every timer except internal ones (or those too when `all`). */
  clearAll(all = false) {
    for (const [id, t] of this.timers) if (all || !t.internal) this.timers.delete(id);
    this.schedule();
  }

  /** changeInterval: the timer next fires `ms` from now, then every `ms`. Returns false when unknown. */
  changeInterval(id, ms) {
    const t = this.timers.get(id);
    if (!t) return false;
    const delay = !(ms >= MIN_INTERVAL_MS) ? MIN_INTERVAL_MS : ms;
    t.interval = delay;
    t.at = this.now() + delay;
    this.schedule();
    return true;
  }

  /** Queues a job for the next turn of the loop (after the jobs already queued). */
  post(job) {
    if (this.stopped) return;
    this.jobs.push(job);
    for (const wake of [...this.wakers]) wake();
    this.schedule();
  }

  /** True when nothing is left that could run: no timers, no queued jobs, no open sockets. */
  get idle() {
    return this.timers.size === 0 && this.jobs.length === 0 && this.refs === 0;
  }

  /** Virtual clock only: runs, in time order, every timer due in the next `ms` ms, with the jobs they queue. */
  advance(ms) {
    if (this.clock !== "virtual") throw new Error("advance() needs clock: \"virtual\"; use runUntil() with the real clock");
    if (!(ms >= 0)) throw new Error(`advance(ms): ms must be a number >= 0, got ${ms}`);
    const target = this.virtualNow + ms;
    this.turn(target);
    this.virtualNow = Math.max(this.virtualNow, target);
    this.runJobs();
    this.notify();
    this.throwIfFailed();
  }

  /**
   * Runs the loop until `predicate()` is true; resolves true. Rejects with an Error naming the time when it
   * is still false after `timeoutMs` (virtual ms on the virtual clock, and also real ms while waiting for I/O),
   * or at once when nothing is left to run on the virtual clock.
   */
  runUntil(predicate, { timeoutMs = 10000 } = {}) {
    return this.clock === "virtual" ? this.runUntilVirtual(predicate, timeoutMs) : this.runUntilReal(predicate, timeoutMs);
  }

  /** Stops the loop for good: timers, jobs and Node handles are dropped; runUntil callers see their predicate. */
  stop() {
    this.stopped = true;
    this.timers.clear();
    this.jobs.length = 0;
    if (this.immediate) clearImmediate(this.immediate);
    if (this.nodeTimer) clearTimeout(this.nodeTimer);
    this.immediate = this.nodeTimer = null;
    this.notify();
  }

  /** Drops every timer and job (a new boot starts); the clock keeps running. */
  reset() {
    this.timers.clear();
    this.jobs.length = 0;
    this.refs = 0;
    this.stopped = false;
    this.failure = null;
    this.schedule();
  }

  // ---- internals

  /** One or more turns: jobs, then timers due up to `until`, in time order, each followed by its jobs. */
  turn(until) {
    this.runJobs();
    for (;;) {
      const t = this.nextTimer();
      if (!t || t.at > until || this.stopped) break;
      if (this.clock === "virtual") this.virtualNow = Math.max(this.virtualNow, t.at);
      if (t.interval) t.at += t.interval;
      else this.timers.delete(t.id);
      this.guard(t.run);
      this.runJobs();
    }
  }

  runJobs() {
    let n = 0;
    while (this.jobs.length && !this.stopped) {
      if (++n > MAX_JOBS_PER_TURN) {
        this.failure = new LoopError("more than 100000 queued callbacks in one turn: an emit() loop?");
        this.stop();
        return;
      }
      this.guard(this.jobs.shift());
    }
  }

  guard(fn) {
    try {
      fn();
    } catch (e) {
      // Firmware errors are handled by the runtime; anything here is an emulator bug. Surface it to runUntil.
      this.failure = e;
      this.stop();
    }
  }

  // The earliest timer; at the same time, the one made first (Espruino's timer array order).
  nextTimer() {
    let best = null;
    for (const t of this.timers.values()) if (!best || t.at < best.at || (t.at === best.at && t.seq < best.seq)) best = t;
    return best;
  }

  notify() {
    for (const fn of [...this.listeners]) fn();
  }

  /**
   * Arranges for Node to run us: an immediate for queued jobs, a timer for the next due timer (real clock).
   * Node's timers count whole milliseconds, so a real-clock timer due within 1 ms (setTimeout(f, 0) is due
   * in 0.1 ms on the board) is met by turns of Node's loop instead, which still lets I/O in between.
   */
  schedule() {
    if (this.stopped) return;
    const next = this.clock === "real" ? this.nextTimer() : null;
    const soon = next !== null && next.at - this.now() < 1;
    if ((this.jobs.length || soon) && !this.immediate) {
      this.immediate = setImmediate(() => {
        this.immediate = null;
        this.turn(this.now());
        this.notify();
        this.schedule();
      });
      // Only ref'd immediates keep Node's poll phase from blocking (for I/O or a timer, milliseconds).
      // Timers alone do not keep the process up (open sockets do, and jobs are finite work).
      if (!this.jobs.length && this.refs === 0) this.immediate.unref();
    }
    if (this.clock !== "real") return;
    if (this.nodeTimer) clearTimeout(this.nodeTimer);
    this.nodeTimer = null;
    if (!next || soon) return;
    this.nodeTimer = setTimeout(() => {
      this.nodeTimer = null;
      this.turn(this.now());
      this.notify();
      this.schedule();
    }, Math.ceil(next.at - this.now()));
    this.nodeTimer.unref();
  }

  async runUntilVirtual(predicate, timeoutMs) {
    const deadline = this.virtualNow + timeoutMs;
    const realDeadline = performance.now() + timeoutMs;
    let turns = 0;
    for (;;) {
      this.turn(this.virtualNow);
      this.notify();
      this.throwIfFailed();
      if (predicate()) return true;
      if (this.stopped) throw new Error("runUntil: the board stopped before the condition was met");
      if (this.refs > 0) {
        // Sockets are open: give their I/O time to arrive before jumping to the next timer, looking at the
        // predicate now and then, as it may depend on the peer (a test server) rather than on the loop.
        const settle = this.ioBusy() ? this.busySettleMs : this.settleMs;
        let woken = false;
        for (let waited = 0; waited < settle && !woken; waited += POLL_MS) {
          woken = await this.waitForJob(Math.min(POLL_MS, settle - waited));
          if (!woken && predicate()) return true;
        }
        if (woken) continue;
      } else if (++turns % 1000 === 0) {
        await new Promise((r) => setImmediate(r)); // let in-process peers and the test run
      }
      const next = this.nextTimer();
      if (next && next.at <= deadline) {
        this.virtualNow = Math.max(this.virtualNow, next.at);
        continue;
      }
      if (this.refs > 0 && performance.now() < realDeadline) continue;
      if (!next && this.refs === 0 && this.jobs.length === 0) {
        throw new Error(`runUntil: condition not met and nothing is left to run (at ${formatMs(this.virtualNow)})`);
      }
      this.virtualNow = Math.max(this.virtualNow, deadline);
      throw new Error(`runUntil: condition not met within ${timeoutMs} ms`);
    }
  }

  runUntilReal(predicate, timeoutMs) {
    return new Promise((resolve, reject) => {
      const done = (err) => {
        this.listeners.delete(check);
        clearTimeout(timer);
        clearInterval(poll);
        if (err) reject(err);
        else resolve(true);
      };
      const check = () => {
        try {
          if (this.failure) return done(this.failure);
          if (predicate()) return done();
          if (this.stopped) done(new Error("runUntil: the board stopped before the condition was met"));
        } catch (e) {
          done(e);
        }
      };
      const timer = setTimeout(() => done(new Error(`runUntil: condition not met within ${timeoutMs} ms`)), timeoutMs);
      const poll = setInterval(check, 10); // the predicate may depend on things outside the loop
      this.listeners.add(check);
      check();
    });
  }

  // Resolves true as soon as a job is posted, false after `ms` without one.
  waitForJob(ms) {
    if (this.jobs.length) return Promise.resolve(true);
    return new Promise((resolve) => {
      const done = (posted) => {
        clearTimeout(timer);
        this.wakers.delete(wake);
        resolve(posted);
      };
      const wake = () => done(true);
      const timer = setTimeout(() => done(false), ms);
      this.wakers.add(wake);
    });
  }

  throwIfFailed() {
    if (this.failure) throw this.failure;
  }
}

function formatMs(ms) {
  return `${Math.round(ms)} ms`;
}
