// require("Wifi") on a simulated access point (board.wifiAp.up, switched by board.wifi.drop()/restore()).
// The host's own network stands in for the AP: sockets work whenever the AP is up, as the ESP32 build's
// network layer is always "online"; Wifi.connect() only changes the station state and its events.
// Station states follow the ESP32 build (libs/network/esp32/jswrap_esp32_network.c): connect → 'associated'
// and 'connected' events then callback(null); no AP → 'disconnected' and callback("NO_AP_FOUND"); losing the
// AP → 'disconnected' (BEACON_TIMEOUT), open sockets close, and the station reconnects when the AP returns.
import { lookup } from "node:dns";

const CONNECT_MS = 100; // simulated association + DHCP time
const IP = { ip: "192.168.4.2", netmask: "255.255.255.0", gw: "192.168.4.1", mac: "30:ae:a4:00:00:01" };
const AP_MAC = "30:ae:a4:00:00:ff";

/** Registers the `Wifi` module on `rt`; `rt.wifi` gets { apDown(), apUp(), connected } for the board. */
export function installWifi(rt) {
  const R = rt.realm;
  const ap = rt.board.wifiAp;
  const station = { status: "off", ssid: "", wanted: false, callback: null, timer: null, hostname: "espruino" };
  let wifi = null; // the module object, once required

  const emit = (event, details) => wifi && rt.emit(wifi, event, details === undefined ? [] : [R.object(details)]);
  const later = (cb, args) => typeof cb === "function" && rt.post(cb, undefined, args);

  function attempt() {
    station.timer = null;
    const cb = station.callback;
    station.callback = null;
    if (!rt.alive || !station.wanted) return;
    if (ap.up) {
      station.status = "connected";
      emit("associated", { ssid: station.ssid, mac: AP_MAC, channel: "1" });
      emit("connected", { ip: IP.ip, netmask: IP.netmask, gw: IP.gw });
      later(cb, [null]);
    } else {
      station.status = "off";
      emit("disconnected", { ssid: station.ssid, mac: AP_MAC, reason: "201", msg: "NO_AP_FOUND" });
      later(cb, ["NO_AP_FOUND"]);
    }
  }
  function schedule() {
    if (station.timer) rt.loop.clearTimer(station.timer);
    station.status = "connecting";
    station.timer = rt.loop.addTimer(attempt, CONNECT_MS, { internal: true });
  }
  const ipInfo = () => R.object(station.status === "connected" ? IP : { ...IP, ip: "0.0.0.0", netmask: "0.0.0.0", gw: "0.0.0.0" });
  const status = () => R.object({ station: station.status, ap: "disabled", mode: station.wanted ? "sta" : "off",
    phy: "11n", powersave: "none", savedMode: "off" });

  rt.defineModule("Wifi", () => {
    wifi = R.object({
      connect(ssid, options, callback) {
        if (typeof options === "function") callback = options;
        station.ssid = String(ssid);
        station.wanted = true;
        station.callback = callback;
        schedule();
      },
      disconnect(callback) {
        station.wanted = false;
        if (station.timer) rt.loop.clearTimer(station.timer);
        station.timer = null;
        if (station.status === "connected") emit("disconnected", { ssid: station.ssid, mac: AP_MAC, reason: "8", msg: "ASSOC_LEAVE" });
        station.status = "off";
        later(callback, []);
      },
      getIP(callback) {
        later(callback, [null, ipInfo()]);
        return ipInfo();
      },
      getStatus(callback) {
        later(callback, [status()]);
        return status();
      },
      getDetails(callback) {
        const d = R.object({ status: station.status, ssid: station.ssid, rssi: station.status === "connected" ? -50 : 0 });
        later(callback, [d]);
        return d;
      },
      scan(callback) {
        later(callback, [null, R.array(ap.up ? [R.object({ ssid: station.ssid || "petrel-ap", mac: AP_MAC, authMode: "wpa2", rssi: -50, channel: 1 })] : [])]);
      },
      getHostname(callback) {
        later(callback, [station.hostname]);
        return station.hostname;
      },
      setHostname(name, callback) {
        station.hostname = String(name);
        later(callback, []);
      },
      getHostByName(host, callback) {
        lookup(String(host), { family: 4 }, (err, address) => later(callback, [err ? null : address]));
      },
      /** SNTP: the board clock jumps to the host's wall clock (plus tz hours). */
      setSNTP(server, tz) {
        rt.clockOffsetMs += Date.now() + (Number(tz) || 0) * 3600000 - rt.timeMs();
      },
      save() {},
      restore() {},
      startAP(ssid, options, callback) {
        later(typeof options === "function" ? options : callback, [null]);
      },
      stopAP(callback) {
        later(callback, []);
      },
    });
    return wifi;
  });

  rt.wifi = {
    get connected() {
      return station.status === "connected";
    },
    apDown() {
      if (station.status === "connected") {
        station.status = "connecting";
        emit("disconnected", { ssid: station.ssid, mac: AP_MAC, reason: "200", msg: "BEACON_TIMEOUT" });
      }
      rt.net.dropAll(-9);
    },
    apUp() {
      if (station.wanted && station.status !== "connected") schedule();
    },
  };
}
