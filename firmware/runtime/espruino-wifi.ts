// Wi-Fi station through Espruino's require("Wifi") (ESP32, ESP8266, Espruino WiFi): joins the access
// point, and joins again after every loss. The ESP32 build retries a few times by itself and then
// gives up (libs/network/esp32/jswrap_esp32_network.c), so the retries here never stop.

const FIRST_MS = 1000; // retry delay after a failed join: doubles up to LAST_MS
const LAST_MS = 60000;

/**
 * Connects to `ssid` and calls `up()` each time the station gets an IP address (the first time and
 * after every reconnect, whether this code or the build's own retries rejoined). Failed joins and
 * losses retry after 1 s, doubling to 60 s; prints "PETREL wifi up" / "PETREL wifi down". Never
 * throws for network trouble.
 */
export function wifi(ssid: string, password: string, up: () => void): void {
  const w = require("Wifi");
  let delay = FIRST_MS;
  let on = false;
  let t: any = null; // the pending retry
  function join() {
    t = null;
    w.connect(ssid, { password: password }, function (err) {
      if (err) again();
      else ok();
    });
  }
  function again() {
    if (t != null) return;
    t = setTimeout(join, delay);
    delay = Math.min(delay * 2, LAST_MS);
  }
  function ok() {
    delay = FIRST_MS;
    if (t != null) clearTimeout(t);
    t = null;
    if (on) return;
    on = true;
    print("PETREL wifi up");
    up();
  }
  w.on("connected", ok);
  // Also fires for a failed join; only a loss of a working link starts a retry here.
  w.on("disconnected", function () {
    if (!on) return;
    on = false;
    print("PETREL wifi down");
    again();
  });
  join();
}

/** Starts SNTP so getTime() becomes Unix time (asynchronously). The ESP32 build wants a TZ string,
 * the ESP8266 build an hour offset; boards without setSNTP keep their clock. */
export function sntp(server: string): void {
  const w: any = require("Wifi");
  if (!w.setSNTP) return;
  try {
    w.setSNTP(server, "UTC0");
  } catch (e) {
    w.setSNTP(server, 0);
  }
}
