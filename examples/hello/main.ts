// The smallest Petrel firmware: proves that one bundle runs the same on a board and in the emulator.
// At boot it prints the record the previous boot left in Storage, connects to the broker named in the
// Storage file "petrel.json" ({"host":"…","port":1883,"id":"…"}), sends a CONNECT encoded as raw
// bytes, and after CONNACK stores a new record and publishes the battery voltage every few seconds.
// Lines starting "PETREL " are markers that its tests look for.
import { CONNACK, createFramer, decode, encodeConnect, encodePublish, PUBLISH, errorName } from "../../firmware/core/codec";

interface HelloConfig {
  host: string;
  port: number;
  id: string;
  interval?: number; // seconds between readings
}

const RECORD = "hello.rec";
const BATTERY_PIN = __BOARD__.pins.analog[0];
const DIVIDER = 2; // the battery reaches the ADC through a 1:1 divider
const storage = require("Storage");
const tx = new Uint8Array(__BOARD__.buffers.txBytes);
const rx = new Uint8Array(__BOARD__.buffers.rxBytes);

function send(sock: NetSocket, len: number) {
  if (len < 0) {
    print("PETREL error encoding: " + errorName(len));
    return;
  }
  sock.write(E.toString(tx.subarray(0, len))); // a Uint8Array given to write() would go out as "16,14,..." text
}

function boots(): number {
  const last = storage.read(RECORD);
  if (last !== undefined) print("PETREL record " + last);
  return last === undefined ? 1 : parseInt(last.split(" ")[0].split("=")[1], 10) + 1;
}

function start() {
  print("PETREL boot " + process.env.BOARD);
  const boot = boots();
  const cfg = storage.readJSON("petrel.json", true) as HelloConfig | undefined;
  if (!cfg || !cfg.host || !cfg.port || !cfg.id) {
    print('PETREL error: Storage file petrel.json must hold {"host":…,"port":…,"id":…}');
    return;
  }
  const topic = "petrel/" + cfg.id + "/battery";
  const sock = require("net").connect({ host: cfg.host, port: cfg.port }, function () {
    send(sock, encodeConnect(tx, 0, { clientId: cfg.id, clean: true, keepalive: 60 }));
  });
  const feed = createFramer(rx, function (type: number, size: number) {
    const pk = decode(rx, 0, size);
    if (typeof pk === "number") return print("PETREL error decoding: " + errorName(pk));
    if (type === CONNACK) {
      print("PETREL connack " + pk.code);
      if (pk.code !== 0) return sock.end();
      storage.write(RECORD, "boot=" + boot + " connack=" + pk.code);
      print("PETREL stored boot=" + boot);
      setInterval(function () {
        const volts = (analogRead(BATTERY_PIN) * 3.3 * DIVIDER).toFixed(2);
        send(sock, encodePublish(tx, 0, topic, '{"battery":' + volts + "}", 0, false, false, 0));
        print("PETREL published " + topic + " " + volts);
      }, (cfg.interval || 5) * 1000);
    } else if (type !== PUBLISH) {
      print("PETREL packet " + type);
    }
  });
  sock.on("data", function (data: string) {
    if (feed(E.toUint8Array(data)) < 0) sock.end();
  });
  sock.on("close", function () {
    print("PETREL closed");
  });
  sock.on("error", function (e: any) {
    print("PETREL socket error " + (e && e.message ? e.message : e));
  });
}

start();
