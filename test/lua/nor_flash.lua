-- A NOR flash of `size` bytes in `pageSize` pages, held in a Lua table, in the shape the flash log store
-- takes ({ size, pageSize, read, write, erase }). The store writes erased bytes only, so a write over a
-- programmed byte is an error here. Returns the flash and its byte table (0-based) for dumps.
return function(core, size, pageSize)
  local mem = {}
  for i = 0, size - 1 do mem[i] = 255 end
  local flash = {
    size = size,
    pageSize = pageSize,
    read = function(_, off, len)
      local r = core.newBytes(len)
      for i = 0, len - 1 do r[i] = mem[off + i] end
      return r
    end,
    write = function(_, off, b, len)
      for i = 0, len - 1 do
        if mem[off + i] ~= 255 then error("write over a programmed byte at " .. (off + i)) end
        mem[off + i] = b[i]
      end
    end,
    erase = function(_, off)
      local p = off - off % pageSize
      for i = p, p + pageSize - 1 do mem[i] = 255 end
    end,
  }
  return flash, mem
end
