// Clean-up that must run however the test process ends. Vitest ends its worker processes with SIGTERM,
// which skips "exit" listeners, so the signals are hooked too.
const tasks = new Set();
let installed = false;

function runAll() {
  for (const task of tasks) {
    try {
      task();
    } catch {
      // best effort: the process is going away
    }
  }
  tasks.clear();
}

function onSignal(signal) {
  runAll();
  process.off(signal, onSignal);
  // Keep the default behaviour (die of the signal) unless someone else handles it.
  if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
}

/** Run `task()` (synchronous) when the process exits or gets SIGTERM/SIGINT/SIGHUP. Returns an unregister function. */
export function atProcessEnd(task) {
  if (!installed) {
    installed = true;
    process.on("exit", runAll);
    for (const signal of ["SIGTERM", "SIGINT", "SIGHUP"]) process.on(signal, onSignal);
  }
  tasks.add(task);
  return () => tasks.delete(task);
}
