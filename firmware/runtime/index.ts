// The device runtime on an Espruino board: Wi-Fi first, then the device (device.ts) with Petrel's MQTT
// client, getTime(), E.reboot() and deep sleep. A generated entry (tools/config/entry.js) calls run()
// with the config as constants. Behaviour, topics and markers: docs/runtime.md.
import { connect } from "../client";
import { startDevice } from "./device";
import type { DeviceConfig } from "./device";
import { deepSleep } from "./espruino-power";
import { sntp, wifi } from "./espruino-wifi";

export type { DeviceConfig, SensorConfig } from "./device";

/** A device config plus the Wi-Fi network it joins. */
export interface RuntimeConfig extends DeviceConfig {
  _ssid: string;
  _pass: string;
}

const NTP = "pool.ntp.org";

/** Prints "PETREL boot <id>", joins Wi-Fi, and on the first connection starts SNTP and the device. */
export function run(c: RuntimeConfig): void {
  let started = false;
  print("PETREL boot " + c._id);
  wifi(c._ssid, c._pass, function () {
    sntp(NTP);
    if (started) return; // the client reconnects by itself
    started = true;
    startDevice(c, { _connect: connect, _time: getTime, _reboot: E.reboot, _sleep: deepSleep, _log: print });
  });
}
