-- Prelude of dist/lua/petrel_core.lua (prepended by tools/lua/build.js): what the compiled core
-- expects from JavaScript and Lua lacks. Everything here is local to the module; no globals are set.

-- Bit operations. typescript-to-lua's LuaJIT target turns >>>, <<, &, | into bit.rshift, bit.lshift,
-- bit.band, bit.bor. Lua 5.1 and LuaJIT get them from the bit library (lua-bitop, NodeMCU's bit);
-- Lua 5.3+ from its own operators, loaded from text so a 5.1 parser never sees them. For integers
-- both give lua-bitop's signed 32-bit results (the core only shifts and masks values 0..65535).
local bit
if _VERSION == "Lua 5.1" then
  bit = require("bit")
else
  local ops = load([[
    local function s32(x)
      x = x & 0xFFFFFFFF
      return x >= 0x80000000 and x - 0x100000000 or x
    end
    return {
      band = function(a, b) return s32(a & b) end,
      bor = function(a, b) return s32(a | b) end,
      lshift = function(a, n) return s32(a << (n & 31)) end,
      rshift = function(a, n) return s32((a & 0xFFFFFFFF) >> (n & 31)) end,
    }
  ]])
  if ops == nil then error("petrel_core needs Lua 5.1 with the bit library, or Lua 5.3 or later (this is " .. _VERSION .. ")") end
  bit = ops()
end

-- `.length` of a value typed string | Uint8Array: the build emits this call where it cannot know
-- at compile time which one it has (#s for a string, the field for a typed array).
local function __PT__Length(x)
  if type(x) == "string" then return #x end
  return x.length
end

-- Typed arrays: what the core uses of Uint8Array, Uint16Array and Uint32Array (docs/codec.md and
-- docs/rings.md, Portability): new T(length | array of numbers), index read and write,
-- .length, subarray(start, end), set(typedArray, offset). A value is a view
-- { length, _s = storage (a Lua array shared by the views of one buffer), _o = offset }; element k
-- is _s[_o + k + 1]. Integers written wrap modulo 2^bits as in JavaScript (non-integers are floored,
-- where JavaScript truncates: the core writes integers only); out-of-range writes are ignored and
-- out-of-range reads give nil, as JavaScript ignores them and reads undefined.
local floor = math.floor
local function typedArray(modulus)
  local proto = {}
  proto.__index = function(v, k)
    if type(k) == "number" then return v._s[v._o + k + 1] end
    return proto[k]
  end
  proto.__newindex = function(v, k, x)
    if type(k) ~= "number" then
      rawset(v, k, x)
    elseif k >= 0 and k < v.length then
      v._s[v._o + k + 1] = floor(x) % modulus
    end
  end
  -- __TS__New(T, a) calls this on a fresh table whose metatable is proto.
  function proto.____constructor(v, a)
    local s, n = {}, a
    if type(a) == "number" then
      for i = 1, n do s[i] = 0 end
    else
      n = #a -- a Lua sequence: a TypeScript array of numbers
      for i = 1, n do s[i] = floor(a[i]) % modulus end
    end
    rawset(v, "length", n)
    rawset(v, "_s", s)
    rawset(v, "_o", 0)
  end
  -- A view of elements [from, to) sharing this array's storage; negative indices count from the end.
  function proto.subarray(v, from, to)
    local n = v.length
    from = from or 0
    to = to or n
    if from < 0 then from = math.max(n + from, 0) elseif from > n then from = n end
    if to < 0 then to = math.max(n + to, 0) elseif to > n then to = n end
    if to < from then to = from end
    return setmetatable({ length = to - from, _s = v._s, _o = v._o + from }, proto)
  end
  -- Copies typed array src into this one from offset on; overlapping views copy as if through a temporary.
  function proto.set(v, src, offset)
    offset = offset or 0
    local n = src.length
    if offset < 0 or offset + n > v.length then error("RangeError: offset is out of bounds", 2) end
    local s, so, d, o = src._s, src._o, v._s, v._o + offset
    if s == d and so < o then
      for i = n, 1, -1 do d[o + i] = s[so + i] % modulus end
    else
      for i = 1, n do d[o + i] = s[so + i] % modulus end
    end
  end
  return { prototype = proto }
end

local Uint8Array = typedArray(256)
local Uint16Array = typedArray(65536)
local Uint32Array = typedArray(4294967296)
