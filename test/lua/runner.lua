-- Runs the cases of test/lua/cases.ts against the compiled core and prints their results as JSON.
--   lua runner.lua <dir of petrel_core.lua> <cases.json>
-- Each kind does what runCase does in cases.ts, so the results compare one for one. Also reports
-- the globals that loading the module created.
local here = arg[0]:match("^(.*)/[^/]*$") or "."
package.path = arg[1] .. "/?.lua;" .. here .. "/?.lua;" .. package.path
local json = require("json")

local before = {}
for k in pairs(_G) do before[k] = true end
local core = require("petrel_core")
local norFlash = require("nor_flash")
local globals = {}
for k in pairs(_G) do
  if not before[k] then globals[#globals + 1] = k end
end

local function readFile(path)
  local f = assert(io.open(path, "rb"))
  local s = f:read("*a")
  f:close()
  return s
end

local HEX, UNHEX = {}, {}
for i = 0, 255 do
  HEX[i] = string.format("%02x", i)
  UNHEX[HEX[i]] = string.char(i)
end

-- A view's bytes (or a Lua string's) as hex.
local function hex(v)
  local out = {}
  if type(v) == "string" then
    for i = 1, #v do out[i] = HEX[v:byte(i)] end
  else
    for i = 0, v.length - 1 do out[i + 1] = HEX[v[i]] end
  end
  return table.concat(out)
end

local function unhex(h)
  return (h:gsub("%x%x", UNHEX))
end

local function bytes(s)
  local b = core.newBytes(#s)
  for i = 1, #s do b[i - 1] = s:byte(i) end
  return b
end

-- HexFields → Fields: every string inside is hex.
local function unhexAll(v)
  if type(v) == "string" then return unhex(v) end
  if type(v) ~= "table" then return v end
  local t = {}
  for k, x in pairs(v) do t[k] = unhexAll(x) end
  return t
end

-- A decoded packet as JSON: views as hex (as dumpPacket in cases.ts).
local function dump(v)
  if type(v) ~= "table" then return v end
  if v._s ~= nil then return hex(v) end
  local t = {}
  for k, x in pairs(v) do t[k] = dump(x) end
  return t
end

-- As encodeFields in test/fixtures/packets-adapter.ts.
local function encode(f, size, asBytes)
  local function bin(s)
    if asBytes and s ~= nil then return bytes(s) end
    return s
  end
  local b = core.newBytes(size)
  local t, n = f.type, nil
  if t == core.CONNECT then
    local will = nil
    if f.will ~= nil then
      will = { topic = f.will.topic, payload = bin(f.will.payload), qos = f.will.qos, retain = f.will.retain }
    end
    n = core.encodeConnect(b, 0, {
      clientId = f.clientId, clean = f.clean, keepalive = f.keepalive, will = will,
      username = f.username, password = bin(f.password),
    })
  elseif t == core.CONNACK then
    n = core.encodeConnack(b, 0, f.session, f.code)
  elseif t == core.PUBLISH then
    n = core.encodePublish(b, 0, f.topic, bin(f.payload), f.qos, f.retain, f.dup, f.id or 0)
  elseif t == core.SUBSCRIBE then
    n = core.encodeSubscribe(b, 0, f.id, f.topics, f.qosList)
  elseif t == core.SUBACK then
    n = core.encodeSuback(b, 0, f.id, f.codes)
  elseif t == core.UNSUBSCRIBE then
    n = core.encodeUnsubscribe(b, 0, f.id, f.topics)
  else
    n = core.encodeSimple(b, 0, t, f.id or 0)
  end
  if n < 0 then return n end
  return hex(b:subarray(0, n))
end

local function frame(c)
  local s = unhex(c.hex)
  local all = bytes(s)
  local buf = core.newBytes(c.cap)
  local frames, errors = {}, {}
  local feed = core.createFramer(buf, function(ftype, size)
    frames[#frames + 1] = string.format("%d:%d:%s", ftype, size, hex(buf:subarray(0, math.min(size, c.cap))))
  end)
  local k, at = 0, 0
  while at < #s do
    local r
    if c.asString then r = feed(s:sub(at + 1, at + c.chunk)) else r = feed(all:subarray(at, at + c.chunk)) end
    if r ~= 0 then errors[#errors + 1] = string.format("%d:%d", k, r) end
    at = at + c.chunk
    k = k + 1
  end
  return { frames = frames, errors = errors }
end

local function ringTrace(c)
  local r = core.newRing(c.capacity, c.slots, c.policy)
  local dst = core.newBytes(c.capacity)
  local out = {}
  for i, op in ipairs(c.ops) do
    local ret = ""
    if op[1] == "push" then
      local src = core.newBytes(op[2])
      for j = 0, op[2] - 1 do src[j] = (op[4] + j) % 256 end
      ret = tostring(core.ringPush(r, src, op[2], op[3]))
    elseif op[1] == "shift" then core.ringShift(r)
    elseif op[1] == "clear" then core.ringClear(r)
    elseif op[1] == "find" then ret = tostring(core.ringFind(r, op[2]))
    elseif op[1] == "take" then
      ret = hex(core.ringTakeRun(r, op[2], function(b, s, e) return core.bytesToString(b:subarray(s, e)) end))
    elseif r.count > 0 and op[1] == "front" then
      ret = hex(core.ringFrontString(r, function(b, s, e) return core.bytesToString(b:subarray(s, e)) end))
    elseif r.count > 0 and op[1] == "copy" then ret = hex(dst:subarray(0, core.ringCopyFront(r, dst)))
    elseif r.count > 0 and op[1] == "remove" then core.ringRemove(r, op[2] % r.count)
    end
    -- tostring, not %d: a count that became a float on Lua 5.3 shows as "1.0" and fails the comparison.
    out[i] = string.format("%s|%s|%s|%s|%s", ret, tostring(r.count), tostring(r.usedBytes), tostring(r.dropped), tostring(r.rejected))
  end
  return out
end

-- As typedTrace in cases.ts.
local function typedTrace(c)
  local views = { core.newBytes(c.size) }
  local out = {}
  for i, op in ipairs(c.ops) do
    local ret = ""
    local v = views[op[2] % #views + 1]
    if op[1] == "write" then
      v[op[3]] = op[4]
    elseif op[1] == "sub" then
      views[#views + 1] = v:subarray(op[3], op[4])
      ret = tostring(views[#views].length)
    else
      local ok, e = pcall(v.set, v, views[op[3] % #views + 1], op[4])
      ret = ok and "ok" or tostring(e):match("RangeError") or tostring(e)
    end
    out[i] = ret .. "|" .. hex(views[1])
  end
  return out
end

-- As storeTrace in cases.ts. Store methods take self (s:add), FlashArea's too.
local function storeTrace(c)
  local flash, mem = norFlash(core, 512, 128)
  local now = 1000
  local function open()
    if c.log then
      return core.newLogStore(flash, { slots = c.slots, overflow = c.overflow, expiry = c.expiry, now = function() return now end })
    end
    return core.newRamStore(c.slots, 200)
  end
  local s = open()
  local pkt, buf = core.newBytes(64), core.newBytes(64)
  local out = {}
  for i, op in ipairs(c.ops) do
    local ret = ""
    if op[1] == "add" then
      local n
      if op[3] then n = core.encodeSimple(pkt, 0, core.PUBREL, op[2])
      else n = core.encodePublish(pkt, 0, "t/" .. op[4], string.rep("p", op[5]), 1, false, false, op[2]) end
      ret = s:add(op[2], pkt, n)
    elseif op[1] == "remove" then s:remove(op[2])
    elseif op[1] == "has" then ret = s.has(op[2])
    elseif op[1] == "each" then
      local all = {}
      s:each(buf, function(len) all[#all + 1] = hex(buf:subarray(0, len)) end)
      ret = table.concat(all, ",")
    elseif op[1] == "clear" then s:clear()
    elseif op[1] == "next" then ret = hex(buf:subarray(0, s:next(buf)))
    elseif op[1] == "rewind" then ret = s:rewind(op[2])
    elseif op[1] == "reopen" then s = open()
    else now = now + op[2] end
    local fields = { ret, s.count, s.out, s.last, s.dropped, s.expired, s.corrupt }
    for k = 1, 7 do fields[k] = fields[k] == nil and "" or tostring(fields[k]) end
    out[i] = table.concat(fields, "|")
  end
  if c.log then
    local all = {}
    for i = 0, 511 do all[i + 1] = HEX[mem[i]] end
    out[#out + 1] = table.concat(all)
  end
  return out
end

local run = {}
function run.encode(c) return encode(unhexAll(c.fields), c.size, c.asBytes) end
function run.decode(c)
  local b = bytes(unhex(c.hex))
  return dump(core.decodeAny(b, 0, b.length))
end
run.frame = frame
function run.newRing(c)
  local ok, e = pcall(core.newRing, c.capacity, c.slots, core.REJECT_NEW)
  if ok then return "ok" end
  return e.message
end
run.ring = ringTrace
run.typed = typedTrace
run.store = storeTrace
function run.topicMatches(c) return core.topicMatches(unhex(c.filter), unhex(c.topic)) end
function run.checkText(c)
  local b = bytes(unhex(c.hex))
  return core.checkText(b, 0, b.length, c.textKind)
end
function run.keepalive(c) return core.keepaliveAction(c.args[1], c.args[2], c.args[3], c.args[4], c.args[5]) end
function run.connackExpired(c) return core.connackExpired(c.args[1], c.args[2], c.args[3]) end
function run.backoff(c)
  local s = core.newBackoff(c.base, c.cap, c.refused)
  local out = {}
  for i, op in ipairs(c.ops) do
    if op[1] == "next" then out[i] = core.backoffNext(s, op[2])
    elseif op[1] == "refused" then out[i] = core.backoffRefused(s, op[2])
    else core.backoffReset(s); out[i] = -1 end
  end
  return out
end
function run.packetId(c)
  local calls = 0
  local id = core.nextPacketId(c.last, function(n)
    calls = calls + 1
    for _, range in ipairs(c.inUse) do
      if n >= range[1] and n <= range[2] then return true end
    end
    return false
  end)
  return tostring(id) .. "|" .. tostring(calls)
end
function run.errorName(c) return core.errorName(c.code) end

local cases = json.decode(readFile(arg[2]))
local results = {}
for i, c in ipairs(cases) do
  local f = run[c.kind] or error("runner.lua: unknown case kind " .. tostring(c.kind))
  local r = f(c)
  -- JSON has no nil inside an array: a case that returns nothing shows as false.
  if r == nil then r = false end
  results[i] = r
end
io.write(json.encode({ version = _VERSION, globals = globals, results = results }))
