-- A small MQTT client in Lua on the compiled core and lua-socket: connect, subscribe at QoS 1,
-- publish at QoS 1, then wait for the PUBACK and for its own message back from the broker.
--   lua smoke.lua <dir of petrel_core.lua> <host> <port> <client id> <topic prefix>
-- Prints one line per packet received; exits non-zero with a message on any failure.
package.path = arg[1] .. "/?.lua;" .. package.path
local socket = require("socket")
local core = require("petrel_core")
local host, port, clientId, prefix = arg[2], tonumber(arg[3]), arg[4], arg[5]

local function say(...)
  io.write(table.concat({ ... }, " "), "\n")
  io.flush()
end

local sock = assert(socket.tcp())
sock:settimeout(5)
assert(sock:connect(host, port))
sock:settimeout(0.05)

local tx = core.newBytes(256)
local function send(n, what)
  if n < 0 then error(what .. ": " .. core.errorName(n)) end
  assert(sock:send(core.bytesToString(tx:subarray(0, n))))
end

-- Packets received, copied out of rx: its views are valid only until the framer reuses it.
local rx = core.newBytes(512)
local inbox = {}
local feed = core.createFramer(rx, function(_, size)
  if size > rx.length then error("packet of " .. size .. " bytes is larger than rx") end
  local p = core.decode(rx, 0, size)
  if type(p) == "number" then error("decode: " .. core.errorName(p)) end
  local copy = { type = p.type, id = p.id, code = p.code, qos = p.qos }
  if p.topic ~= nil then
    copy.topic = core.bytesToString(p.topic)
    copy.payload = core.bytesToString(p.payload)
  end
  if p.codes ~= nil then copy.codes = core.bytesToString(p.codes) end
  inbox[#inbox + 1] = copy
end)

local deadline = socket.gettime() + 10
-- The next packet of type t, reading the socket until it has come.
local function await(t)
  while true do
    for i, p in ipairs(inbox) do
      if p.type == t then return table.remove(inbox, i) end
    end
    if socket.gettime() > deadline then error("no packet of type " .. t .. " within 10 s") end
    local data, err, partial = sock:receive(512)
    local chunk = data or partial
    if chunk ~= nil and #chunk > 0 then
      local r = feed(chunk)
      if r ~= 0 then error("framer: " .. core.errorName(r)) end
    elseif err == "closed" then
      error("the broker closed the connection")
    end
  end
end

local inFlight = {}
local lastId = 0
local function newId()
  lastId = core.nextPacketId(lastId, function(id) return inFlight[id] == true end)
  inFlight[lastId] = true
  return lastId
end

send(core.encodeConnect(tx, 0, { clientId = clientId, clean = true, keepalive = 30 }), "CONNECT")
local connack = await(core.CONNACK)
say("connack", connack.code)

local filter = prefix .. "/+"
local subId = newId()
send(core.encodeSubscribe(tx, 0, subId, { filter }, { 1 }), "SUBSCRIBE")
local suback = await(core.SUBACK)
say("suback", suback.id == subId and "ok" or "wrong id", suback.codes:byte(1))

local pubId = newId()
local topic = prefix .. "/greeting"
send(core.encodePublish(tx, 0, topic, "hello from " .. _VERSION, 1, false, false, pubId), "PUBLISH")
local puback = await(core.PUBACK)
say("puback", puback.id == pubId and "ok" or "wrong id")
inFlight[pubId] = nil

local msg = await(core.PUBLISH)
say("publish", msg.topic, msg.qos, tostring(core.topicMatches(filter, msg.topic)), msg.payload)
if msg.qos > 0 then send(core.encodeSimple(tx, 0, core.PUBACK, msg.id), "PUBACK") end

send(core.encodeSimple(tx, 0, core.DISCONNECT, 0), "DISCONNECT")
sock:close()
