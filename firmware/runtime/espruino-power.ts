// Deep sleep and restart on Espruino boards.

declare var global: any;

/**
 * Sleeps `seconds` and starts again from the saved code (.bootcde): ESP32.deepSleep or
 * ESP8266.deepSleep. Boards without one (the emulator, Espruino WiFi) wait awake for the same time,
 * then reboot, so the broker sees the same cycle.
 */
export function deepSleep(seconds: number): void {
  const chip = global.ESP32 || global.ESP8266;
  if (chip && chip.deepSleep) chip.deepSleep(seconds * 1e6);
  else
    setTimeout(function () {
      E.reboot();
    }, seconds * 1000);
}
