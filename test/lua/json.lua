-- Minimal JSON for the Lua test runners (Lua 5.1 and 5.3): decode objects, arrays, strings (the
-- escapes JSON.stringify writes, \u up to 0xFF), numbers, booleans; null becomes nil. encode writes
-- tables (a table with [1] or no keys is an array), strings, numbers (integers without ".0"), booleans.
local json = {}

local ESCAPES = { ['"'] = '"', ["\\"] = "\\", ["/"] = "/", b = "\b", f = "\f", n = "\n", r = "\r", t = "\t" }

local function fail(s, i, what)
  error(string.format("json: %s at byte %d near %q", what, i, s:sub(i, i + 20)), 0)
end

local function skip(s, i)
  return s:find("[^ \t\r\n]", i) or #s + 1
end

local value

local function str(s, i)
  local out, j = {}, i + 1
  while true do
    local k = s:find('["\\]', j)
    if not k then fail(s, i, "unterminated string") end
    out[#out + 1] = s:sub(j, k - 1)
    if s:sub(k, k) == '"' then return table.concat(out), k + 1 end
    local c = s:sub(k + 1, k + 1)
    if c == "u" then
      local code = tonumber(s:sub(k + 2, k + 5), 16)
      if not code or code > 255 then fail(s, k, "\\u escape above 0xFF") end
      out[#out + 1] = string.char(code)
      j = k + 6
    else
      out[#out + 1] = ESCAPES[c] or fail(s, k, "bad escape")
      j = k + 2
    end
  end
end

local function list(s, i, close, item)
  i = skip(s, i + 1)
  if s:sub(i, i) == close then return i + 1 end
  while true do
    i = skip(s, item(s, i))
    local c = s:sub(i, i)
    if c == close then return i + 1 end
    if c ~= "," then fail(s, i, "expected , or " .. close) end
    i = skip(s, i + 1)
  end
end

function value(s, i)
  local c = s:sub(i, i)
  if c == "{" then
    local t = {}
    return t, list(s, i, "}", function(_, j)
      if s:sub(j, j) ~= '"' then fail(s, j, "expected a key") end
      local k, v
      k, j = str(s, j)
      j = skip(s, j)
      if s:sub(j, j) ~= ":" then fail(s, j, "expected :") end
      v, j = value(s, skip(s, j + 1))
      t[k] = v
      return j
    end)
  elseif c == "[" then
    local t = {}
    return t, list(s, i, "]", function(_, j)
      local v
      v, j = value(s, j)
      t[#t + 1] = v
      return j
    end)
  elseif c == '"' then
    return str(s, i)
  end
  for word, v in pairs({ ["true"] = true, ["false"] = false, null = json }) do
    if s:sub(i, i + #word - 1) == word then
      if v == json then return nil, i + #word end
      return v, i + #word
    end
  end
  local num = s:match("^-?%d+%.?%d*[eE]?[-+]?%d*", i)
  if not num or num == "" then fail(s, i, "unexpected character") end
  return tonumber(num), i + #num
end

--- Decodes a JSON text (one value).
function json.decode(s)
  local v, i = value(s, skip(s, 1))
  if skip(s, i) <= #s then fail(s, i, "trailing characters") end
  return v
end

local function quote(s)
  return '"' .. s:gsub('[%c"\\\128-\255]', function(c)
    return string.format("\\u%04x", c:byte())
  end) .. '"'
end

--- Encodes a value as JSON.
function json.encode(v)
  local t = type(v)
  if t == "string" then return quote(v) end
  if t == "boolean" then return tostring(v) end
  if t == "nil" then return "null" end
  if t == "number" then
    if v == math.floor(v) and v > -2^53 and v < 2^53 then return string.format("%d", v) end
    return string.format("%.17g", v)
  end
  local parts = {}
  if v[1] ~= nil or next(v) == nil then
    for i = 1, #v do parts[i] = json.encode(v[i]) end
    return "[" .. table.concat(parts, ",") .. "]"
  end
  for k, x in pairs(v) do parts[#parts + 1] = quote(tostring(k)) .. ":" .. json.encode(x) end
  return "{" .. table.concat(parts, ",") .. "}"
end

return json
