// The child process `petrel flash` runs EspruinoTools (the espruino npm package) in: its init replaces
// Node globals (require, $, navigator) and prints freely, so it never runs in the CLI's own process.
// Protocol, over the IPC channel only (stdout is EspruinoTools' noise):
//   parent -> child: { port, code, baud, throttle }                    once, to start
//   child -> parent: { type: "progress", sent, total }                 upload progress (EspruinoTools' status API)
//                    { type: "data", text }                            what the device printed (latin1)
//                    { type: "sent" }                                  EspruinoTools finished writing
//                    { type: "error", message } | { type: "closed" }   the port failed to open or closed
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const send = (message) => process.connected && process.send(message);

process.once("message", ({ port, code, baud, throttle }) => {
  require("espruino").init(() => {
    const { Config, Core } = globalThis.Espruino;
    // What the espruino CLI's --no-ble does: without it, listing ports loads noble and fails where there is no Bluetooth.
    Config.BLUETOOTH_LOW_ENERGY = false;
    Config.BLUETOOTH_LOW_ENERGY_DBUS = false;
    Config.SET_TIME_ON_WRITE = false;
    Config.BAUD_RATE = baud;
    // Uploads shorter than one 512-byte block never report completion unless writes are throttled.
    if (throttle) Config.SERIAL_THROTTLE_SEND = 1;
    if (port.startsWith("tcp://")) Config.SERIAL_TCPIP = [port];
    let sent = 0;
    let total = 0;
    Core.Status = {
      setStatus(text, max) {
        if (max) [sent, total] = [0, max];
      },
      hasProgress: () => total > 0,
      incrementProgress(n) {
        sent += n;
        send({ type: "progress", sent, total });
      },
    };
    Core.Serial.startListening((data) => send({ type: "data", text: Buffer.from(data).toString("latin1") }));
    Core.Serial.open(
      port,
      (status) => {
        if (status === undefined) {
          send({ type: "error", message: `cannot open ${port}` });
          return;
        }
        globalThis.Espruino.callProcessor("transformForEspruino", code, (prepared) => {
          Core.CodeWriter.writeToEspruino(prepared, () => send({ type: "sent" }));
        });
      },
      () => send({ type: "closed" }),
    );
  });
});
