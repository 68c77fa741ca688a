-- wrk script for bench_service_wrk.py: one request shape per run, chosen by the arguments.
--
--   wrk ... -s load.lua URL -- MODE TAG RATE [TOKEN] [FILE]
--
-- MODE   lookup   POST /v1/lookup, JSON {"content_id", "pdq", "quality"} (Shieldwall, the floor)
--        batch    POST /v1/lookup/batch, {"items": [1,000 lookup bodies]} (Shieldwall)
--        raw      GET /m/raw_lookup?signal_type=pdq&signal=HEX (HMA)
--        scan     POST /v1/scan?content_id=ID, body = FILE as image/jpeg (Shieldwall)
--        photo    POST /m/lookup, multipart "photo" = FILE (HMA)
--        hmaraw   GET /hma/m/raw_lookup?... (HMA's shape, on Shieldwall's HMA-compatible API)
--        hmaphoto POST /hma/m/lookup, multipart "photo" = FILE (the same, for photos)
-- TAG    makes every content_id of this run unique (each lookup stores an item)
-- RATE   0 = closed loop; otherwise the requests/s each wrk thread paces at (open loop, see
--        below; the benchmark runs one thread, so it is the total)
-- TOKEN  bearer token ("-" for none); FILE: a JPEG, or for lookup/raw a file of "near" PDQ
--        hashes (one a line) of which every 20th request sends one, so 5% of lookups match.
--
-- Pacing: wrk 4.x has no open-loop mode (wrk2 is not packaged), so each thread keeps a fixed
-- schedule of send slots (1/RATE apart) and delay() hands the next slot to whichever
-- connection asks; a connection that is free waits for its slot, a late one sends at once.
-- Latency is timed from the actual send, so when the server falls behind the achieved rate
-- drops below RATE (reported) rather than latency growing with the backlog.
local ffi = require("ffi")
ffi.cdef [[
typedef struct { long tv_sec; long tv_nsec; } sw_timespec;
int clock_gettime(int clk_id, sw_timespec *tp);
]]
local ts = ffi.new("sw_timespec")
local function now_ms()
  ffi.C.clock_gettime(1, ts)
  return tonumber(ts.tv_sec) * 1000 + tonumber(ts.tv_nsec) / 1e6
end

local threads = {}
local BATCH = 1000 -- lookups per batch request (the API's maximum)
local counter = 0

function setup(thread)
  thread:set("tid", #threads + 1)
  table.insert(threads, thread)
end

local mode, tag, rate, token, file
local near = {}
local interval, next_slot = 0, nil
local static_body = nil
local boundary = "swbenchboundary7e3a"

local function read_all(path)
  local f = assert(io.open(path, "rb"))
  local data = f:read("*a")
  f:close()
  return data
end

function init(args)
  mode, tag, rate, token, file = args[1], args[2], tonumber(args[3] or "0"), args[4], args[5]
  math.randomseed((tid or 1) * 7919 + os.time())
  if rate > 0 then
    -- RATE is per wrk thread: init runs in each thread's own Lua state, where the main
    -- state's `threads` table is empty (reading its length here gave 0, so every "paced"
    -- run before 2026-12-04 was in fact closed-loop). bench_service_wrk.py runs -t1.
    interval = 1000.0 / rate
  end
  if file and file ~= "-" then
    if mode == "lookup" or mode == "batch" or mode == "raw" or mode == "hmaraw" then
      for line in io.lines(file) do
        if #line == 64 then table.insert(near, line) end
      end
    else
      static_body = read_all(file)
    end
  end
  wrk.headers["Connection"] = "keep-alive"
  if token and token ~= "-" then
    wrk.headers["Authorization"] = "Bearer " .. token
  end
  if mode == "photo" or mode == "hmaphoto" then
    wrk.headers["Content-Type"] = "multipart/form-data; boundary=" .. boundary
    wrk.body = "--" .. boundary .. "\r\n"
      .. 'Content-Disposition: form-data; name="photo"; filename="photo.jpg"\r\n'
      .. "Content-Type: image/jpeg\r\n\r\n" .. static_body .. "\r\n--" .. boundary .. "--\r\n"
  elseif mode == "scan" then
    wrk.headers["Content-Type"] = "image/jpeg"
    wrk.body = static_body
  else
    wrk.headers["Content-Type"] = "application/json"
  end
end

local function random_pdq()
  local parts = {}
  for i = 1, 16 do parts[i] = string.format("%04x", math.random(0, 65535)) end
  return table.concat(parts)
end

local function next_pdq()
  if #near > 0 and counter % 20 == 0 then
    return near[(counter / 20) % #near + 1]
  end
  return random_pdq()
end

function delay()
  if interval <= 0 then return 0 end
  local now = now_ms()
  if next_slot == nil then next_slot = now end
  next_slot = next_slot + interval
  local wait = next_slot - now
  if wait < 0 then return 0 end
  return wait
end

function request()
  counter = counter + 1
  local cid = tag .. "-" .. (tid or 1) .. "-" .. counter
  if mode == "lookup" then
    local body = '{"content_id":"' .. cid .. '","pdq":"' .. next_pdq() .. '","quality":100}'
    return wrk.format("POST", "/v1/lookup", nil, body)
  elseif mode == "batch" then
    local items = {}
    for i = 1, BATCH do
      counter = counter + 1
      items[i] = '{"content_id":"' .. cid .. "-" .. i .. '","pdq":"' .. next_pdq()
        .. '","quality":100}'
    end
    return wrk.format("POST", "/v1/lookup/batch", nil, '{"items":[' .. table.concat(items, ",") .. "]}")
  elseif mode == "raw" then
    return wrk.format("GET", "/m/raw_lookup?signal_type=pdq&signal=" .. next_pdq())
  elseif mode == "hmaraw" then
    return wrk.format("GET", "/hma/m/raw_lookup?signal_type=pdq&signal=" .. next_pdq())
  elseif mode == "scan" then
    return wrk.format("POST", "/v1/scan?content_id=" .. cid)
  elseif mode == "hmaphoto" then
    return wrk.format("POST", "/hma/m/lookup")
  else
    return wrk.format("POST", "/m/lookup")
  end
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRKJSON {"requests": %d, "duration_us": %d, "connect_errors": %d, "read_errors": %d, '
      .. '"write_errors": %d, "status_errors": %d, "timeouts": %d, "p50_us": %d, "p90_us": %d, '
      .. '"p99_us": %d, "max_us": %d, "mean_us": %.1f}\n',
    summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max,
    latency.mean))
end
