// Code evaluated inside each board context before the firmware: the parts of Espruino's runtime that must
// belong to the context's own realm. It runs before the built-ins are cut down (context.js), so it keeps
// what it needs in closures. `hooks` come from the runtime:
//   queue(fn)                      run fn from the event loop (errors reported as uncaught)
//   queueListeners(obj, list, args) run each listener with this=obj from the event loop
//   dataListenerAdded(obj)         a 'data' listener was added (streams deliver what they buffered)
//   nowMs()                        the board clock for Date, ms since 1970
//   zoneMs()                       the time zone set by E.setTimeZone, in ms east of UTC
//   latin1(text)                   the low bytes of text's characters, copied natively
// Promise follows src/jswrap_promise.c: reactions run as queued events, not microtasks, and a rejection
// with no handler throws "Unhandled promise rejection: ..." where the promise is sealed.
export const PRELUDE = String.raw`(function (hooks) {
"use strict";
var defineProperty = Object.defineProperty;
function hide(o, k, v) { defineProperty(o, k, { value: v, writable: true, configurable: true, enumerable: false }); }
function own(o, k) { return Object.prototype.hasOwnProperty.call(o, k) ? o[k] : undefined; }

// ---- events: every object is an event emitter (src/jswrap_object.c)
function checkEmitter(o, event) {
  if (o === null || o === undefined || (typeof o !== "object" && typeof o !== "function"))
    throw new TypeError("Parent must be an object - not a String, Integer, etc");
  if (typeof event !== "string") throw new TypeError("First argument must be String");
}
function addListener(o, event, listener, first) {
  checkEmitter(o, event);
  if (typeof listener !== "function" && typeof listener !== "string")
    throw new TypeError("Second argument must be a function or a String");
  var old = own(o, "#on" + event);
  var list = old ? old.slice() : [];
  if (first) list.unshift(listener); else list.push(listener);
  hide(o, "#on" + event, list);
  if (event === "data") hooks.dataListenerAdded(o);
}
var methods = {
  on: function on(event, listener) { addListener(this, event, listener, false); },
  addListener: function addListener_(event, listener) { addListener(this, event, listener, false); },
  prependListener: function prependListener(event, listener) { addListener(this, event, listener, true); },
  emit: function emit(event) {
    checkEmitter(this, event);
    if (arguments.length > 5) throw new TypeError("Too many arguments (>4)");
    var args = [];
    for (var i = 1; i < arguments.length; i++) args.push(arguments[i]);
    var list = own(this, "#on" + event);
    if (list) hooks.queueListeners(this, list.slice(), args);
  },
  removeListener: function removeListener(event, listener) {
    checkEmitter(this, event);
    var list = own(this, "#on" + event);
    if (list) { var i = list.indexOf(listener); if (i >= 0) list.splice(i, 1); }
  },
  removeAllListeners: function removeAllListeners(event) {
    checkEmitter(this, event === undefined ? "" : event);
    var names = Object.getOwnPropertyNames(this);
    for (var i = 0; i < names.length; i++)
      if (event === undefined ? names[i].indexOf("#on") === 0 : names[i] === "#on" + event) delete this[names[i]];
  }
};
for (var name in methods) hide(Object.prototype, name, methods[name]);

// ---- Promise (src/jswrap_promise.c)
var PENDING = 0, REJECTED = 1, FULFILLED = 2;
function isObject(v) { return v !== null && typeof v === "object" && !Array.isArray(v); }
function newPromise() {
  var p = Object.create(Promise.prototype);
  hide(p, "#state", PENDING);
  return { prom: p, resl: false };
}
function queueSettle(box, data, resolving) { hooks.queue(function () { settle(box, data, resolving); }); }
function settle(box, data, resolving) {
  if (box.resl) return;
  box.resl = true;
  var p = box.prom;
  if (data === p) throw new Error("Illegal resolving to self");
  hide(p, "#val", data);
  if (!resolving || !isObject(data)) return seal(p, data, resolving);
  var isProm = data instanceof Promise, then = own(data, "then");
  if (typeof then !== "function" && !isProm) return seal(p, data, resolving);
  var next = { prom: p, resl: false };
  var res = function (v) { settle(next, v, true); }, rej = function (v) { settle(next, v, false); };
  if (typeof then === "function") {
    try { then.call(data, res, rej); } catch (e) { settle(next, e, false); }
  } else data.then(res, rej);
}
function seal(p, data, resolving) {
  hide(p, "#state", resolving ? FULFILLED : REJECTED);
  var reactions = own(p, resolving ? "#thn" : "#cat");
  if (!reactions) {
    if (!resolving) throw new Error("Unhandled promise rejection: " + String(data));
    return;
  }
  for (var i = 0; i < reactions.length; i++) queueReaction(p, reactions[i], data, resolving);
}
function queueReaction(p, reaction, data, isThen) {
  hooks.queue(function () {
    var threw = false, ret;
    if (reaction.cb) {
      try { ret = reaction.cb.call(p, data); } catch (e) { threw = true; ret = e; }
    } else {
      if (!isThen) threw = true;
      ret = data;
    }
    settle(reaction.next, ret, !threw);
  });
}
function addReaction(p, key, reaction) {
  var list = own(p, key);
  if (list) list.push(reaction); else hide(p, key, [reaction]);
}
function Promise(executor) {
  if (typeof executor !== "function") throw new Error("Function required in promise constructor");
  hide(this, "#state", PENDING);
  var box = { prom: this, resl: false };
  try {
    executor.call(this, function (v) { queueSettle(box, v, true); }, function (v) { queueSettle(box, v, false); });
  } catch (e) { queueSettle(box, e, false); }
}
hide(Promise.prototype, "then", function then(onFulfilled, onRejected) {
  var next = newPromise();
  if (typeof onFulfilled !== "function") onFulfilled = undefined;
  if (typeof onRejected !== "function") onRejected = undefined;
  var state = own(this, "#state");
  if (state === PENDING) {
    addReaction(this, "#thn", { cb: onFulfilled, next: next });
    addReaction(this, "#cat", { cb: onRejected, next: next });
  } else {
    // as in Espruino, a reaction to an already settled promise is queued with isThen=false
    queueReaction(this, { cb: state === FULFILLED ? onFulfilled : onRejected, next: next }, own(this, "#val"), false);
  }
  return next.prom;
});
hide(Promise.prototype, "catch", function (onRejected) { return this.then(undefined, onRejected); });
hide(Promise, "resolve", function resolve(data) {
  if (data instanceof Promise) return data;
  if (isObject(data) && typeof own(data, "then") === "function") return new Promise(own(data, "then"));
  var box = newPromise();
  queueSettle(box, data, true);
  return box.prom;
});
hide(Promise, "reject", function reject(data) {
  var box = newPromise();
  queueSettle(box, data, false);
  return box.prom;
});
hide(Promise, "all", function all(list) {
  if (!Array.isArray(list)) throw new TypeError("Expecting something iterable, got " + typeof list);
  var box = newPromise(), results = [], remaining = 0;
  var rejected = false;
  list.forEach(function (p, i) {
    if (!(p instanceof Promise)) { results[i] = p; return; }
    remaining++;
    p.then(function (v) {
      results[i] = v;
      if (--remaining === 0) queueSettle(box, results, true);
    }, function (e) {
      if (!rejected) { rejected = true; queueSettle(box, e, false); }
    });
  });
  if (remaining === 0) return Promise.resolve(results);
  return box.prom;
});

// ---- Date: the board's clock; local time is UTC shifted by E.setTimeZone() (0 until it is called)
var NativeDate = Date, DP = Date.prototype, UTC = Date.UTC;
var FIELDS = ["Hours", "Minutes", "Seconds", "Milliseconds", "Date", "Month", "FullYear"];
var utc = {};
FIELDS.concat(["Day"]).forEach(function (k) { utc["get" + k] = DP["getUTC" + k]; utc["set" + k] = DP["setUTC" + k]; });
class BoardDate extends NativeDate {
  constructor(a, b, c, d, e, f, g) {
    var n = arguments.length;
    if (n === 0) super(hooks.nowMs());
    else if (n === 1) super(a);
    else super(UTC(a, b, c === undefined ? 1 : c, d || 0, e || 0, f || 0, g || 0) - hooks.zoneMs());
  }
  static now() { return hooks.nowMs(); }
}
defineProperty(BoardDate, "name", { value: "Date" });
var BDP = BoardDate.prototype;
function local(d) { return new NativeDate(d.getTime() + hooks.zoneMs()); }
FIELDS.concat(["Day"]).forEach(function (k) {
  hide(BDP, "get" + k, function () { return utc["get" + k].call(local(this)); });
  if (k !== "Day") hide(BDP, "set" + k, function () {
    var shifted = local(this);
    utc["set" + k].apply(shifted, arguments);
    return this.setTime(shifted.getTime() - hooks.zoneMs());
  });
});
hide(BDP, "getTimezoneOffset", function getTimezoneOffset() { return -hooks.zoneMs() / 60000; });
function zone() {
  var m = hooks.zoneMs() / 60000, a = m < 0 ? -m : m;
  return (m < 0 ? "-" : "+") + two((a / 60) | 0) + two(a % 60);
}
var DAYS = "Sun Mon Tue Wed Thu Fri Sat".split(" "), MONTHS = "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split(" ");
function two(n) { return n < 10 ? "0" + n : "" + n; }
// Day, date, month, year and clock of d shifted by shiftMs, read through the UTC getters.
function fields(d, shiftMs) {
  var u = new NativeDate(d.getTime() + shiftMs), g = function (k) { return utc["get" + k].call(u); };
  return { day: DAYS[g("Day")], date: g("Date"), month: MONTHS[g("Month")], year: g("FullYear"),
    clock: two(g("Hours")) + ":" + two(g("Minutes")) + ":" + two(g("Seconds")) };
}
// src/jswrap_date.c: "%s %s %d %d %02d:%02d:%02d GMT%c%04d" and "%s, %d %s %d %02d:%02d:%02d GMT"
hide(BDP, "toString", function toString() {
  var f = fields(this, hooks.zoneMs());
  return f.day + " " + f.month + " " + f.date + " " + f.year + " " + f.clock + " GMT" + zone();
});
hide(BDP, "toUTCString", function toUTCString() {
  var f = fields(this, 0);
  return f.day + ", " + f.date + " " + f.month + " " + f.year + " " + f.clock + " GMT";
});

// ---- Number: V8's Number.EPSILON and MAX_SAFE_INTEGER cannot be deleted, so Number is replaced
var NativeNumber = Number;
function EspruinoNumber(value) {
  var v = arguments.length ? NativeNumber(value) : 0;
  return new.target ? new NativeNumber(v) : v;
}
EspruinoNumber.prototype = NativeNumber.prototype;
["NaN", "MAX_VALUE", "MIN_VALUE", "NEGATIVE_INFINITY", "POSITIVE_INFINITY"].forEach(function (k) {
  defineProperty(EspruinoNumber, k, { value: NativeNumber[k] });
});
defineProperty(EspruinoNumber, "name", { value: "Number" });
hide(NativeNumber.prototype, "constructor", EspruinoNumber);

// ---- TypedArray set() takes a string as well (src/jswrap_arraybuffer.c iterates over any value): each
// character as a signed char, and what does not fit is left out (seen on 2v29). The client copies
// received and queued binary strings this way on the board, so the emulator must run that path.
var typedSet = Object.getPrototypeOf(Uint8Array.prototype).set;
hide(Object.getPrototypeOf(Uint8Array.prototype), "set", function set(source, offset) {
  if (typeof source !== "string") return typedSet.call(this, source, offset);
  var at = offset | 0, n = Math.min(source.length, this.length - at);
  if (n <= 0) return;
  if (this instanceof Uint8Array) return typedSet.call(this, hooks.latin1(source.length > n ? source.substring(0, n) : source), at);
  for (var i = 0; i < n; i++) { var c = source.charCodeAt(i) & 255; this[at + i] = c > 127 ? c - 256 : c; }
});

// ---- InternalError (Espruino has it; V8 does not)
function InternalError(message) {
  var e = new Error(message);
  Object.setPrototypeOf(e, InternalError.prototype);
  return e;
}
InternalError.prototype = Object.create(Error.prototype);
hide(InternalError.prototype, "constructor", InternalError);
hide(InternalError.prototype, "name", "InternalError");

return { Promise: Promise, Date: BoardDate, Number: EspruinoNumber, InternalError: InternalError };
})`;
