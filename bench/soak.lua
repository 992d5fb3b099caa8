-- wrk script of bench/soak.sh: mixed traffic, paced, one connection a thread.
--
--   wrk -tN -cN -d60s -s bench/soak.lua URL -- PLAN READER_TOKEN ADMIN_TOKEN
--       RATE LOGINS_PER_MINUTE PASSWORD N
--
-- PLAN has one line per target:
--   get CATEGORY R|A PATH   a read (lists, card, indicators, roadmap), with the
--                           reader's (R) or the admin's (A) token
--   item ID                 a roadmap item of an approved roadmap: PATCH of its
--                           status (planned <-> in_progress) with If-Match, and
--                           POST of a report on it
--   school ID               a school: PATCH of its phone with If-Match
--   login NAME              an account that logs in with PASSWORD
-- RATE: requests/s of all threads together (0: as fast as answered). Logins
-- come at LOGINS_PER_MINUTE whatever RATE is. N: the number of threads (and
-- connections: wrk -tN -cN), so that each thread has one request in flight
-- and knows which request an answer belongs to. Each thread writes only its
-- own items and schools (index mod N), so its If-Match ETags stay exact.
-- Each thread asks its own share of the cards; once a card's ETag is known,
-- half the requests for it carry If-None-Match (304s).
-- done() prints one line "SOAK key=value ..." that bench/soak.sh reads.
local ffi = require("ffi")
ffi.cdef([[
typedef struct { long tv_sec; long tv_nsec; } soak_timespec;
int clock_gettime(int clk, soak_timespec *ts);
]])
local ts = ffi.new("soak_timespec")
local function now()
  ffi.C.clock_gettime(1, ts) -- CLOCK_MONOTONIC
  return tonumber(ts.tv_sec) + tonumber(ts.tv_nsec) / 1e9
end

-- Shares of the requests that are not logins; the rest are reads.
local share = { item_patch = 0.05, school_patch = 0.03, report = 0.04 }
local read_weights = { list = 30, card = 20, indicators = 25, roadmap = 25 }

local threads = {}
local next_tid = 0
function setup(thread)
  thread:set("tid", next_tid)
  next_tid = next_tid + 1
  threads[#threads + 1] = thread
end

local reads, read_pos, read_total = {}, {}, 0
local items, schools, logins = {}, {}, {}
local reader_auth, admin_auth, password
local interval, login_interval, next_at, next_login
local item_etag, item_status, school_etag, card_etag = {}, {}, {}, {}
local item_i, school_i, login_i, report_n, phone_n = 0, 0, 0, 0, 0
local inflight -- { kind =, id =, path = }
-- Counters read by done().
n_ok, n_304, n_409, n_err, n_read, n_write, n_login = 0, 0, 0, 0, 0, 0, 0
err_sample = ""

function init(args)
  local n = tonumber(args[7])
  local i, c = 0, 0
  for line in io.lines(args[1]) do
    local f = {}
    for w in line:gmatch("%S+") do f[#f + 1] = w end
    if f[1] == "get" and f[2] == "card" then
      -- Each thread asks its own cards, each of them again within a minute.
      c = c + 1
      if c % n == tid then
        reads.card = reads.card or {}
        table.insert(reads.card, { tok = f[3], path = f[4] })
      end
    elseif f[1] == "get" then
      reads[f[2]] = reads[f[2]] or {}
      table.insert(reads[f[2]], { tok = f[3], path = f[4] })
    elseif f[1] == "item" or f[1] == "school" then
      i = i + 1
      if i % n == tid then table.insert(f[1] == "item" and items or schools, tonumber(f[2])) end
    elseif f[1] == "login" then
      table.insert(logins, f[2])
    end
  end
  for cat, list in pairs(reads) do
    read_pos[cat] = math.random(#list)
    read_total = read_total + (read_weights[cat] or 10)
  end
  reader_auth = "Bearer " .. args[2]
  admin_auth = "Bearer " .. args[3]
  local rate = tonumber(args[4])
  local per_minute = tonumber(args[5])
  password = args[6]
  local t = now()
  if rate > 0 then
    interval = n / rate
    next_at = t + math.random() * interval
  end
  if per_minute > 0 and #logins > 0 then
    login_interval = n * 60 / per_minute
    next_login = t + (tid + 0.5) / n * login_interval -- spread over the threads
  end
  login_i = tid
  math.randomseed(os.time() + 7919 * tid)
end

-- Paces the thread at RATE / N requests a second; never bursts to make up
-- for more than one second of lag.
function delay()
  if not interval then return 0 end
  local t = now()
  if next_at < t - 1 then next_at = t - 1 end
  local wait = next_at - t
  next_at = next_at + interval
  if wait <= 0 then return 0 end
  return math.floor(wait * 1000)
end

local function req(method, path, auth, body, extra)
  local h = { Authorization = auth }
  if body then h["Content-Type"] = "application/json" end
  if extra then for k, v in pairs(extra) do h[k] = v end end
  return wrk.format(method, path, h, body)
end

local function pick_read()
  local r = math.random() * read_total
  local cat
  for c, _ in pairs(reads) do
    cat = c
    r = r - (read_weights[c] or 10)
    if r <= 0 then break end
  end
  local list = reads[cat]
  read_pos[cat] = read_pos[cat] % #list + 1
  return cat, list[read_pos[cat]]
end

local function read_request()
  local cat, r = pick_read()
  local extra
  -- Half the cards asked again come with the ETag (a page reloaded), half
  -- without (another reader).
  if cat == "card" and card_etag[r.path] and math.random() < 0.5 then
    extra = { ["If-None-Match"] = card_etag[r.path] }
  end
  inflight = { kind = "read", cat = cat, path = r.path }
  return req("GET", r.path, r.tok == "A" and admin_auth or reader_auth, nil, extra)
end

local function item_request(report)
  if #items == 0 then return read_request() end
  item_i = item_i % #items + 1
  local id = items[item_i]
  local path = "/api/v1/roadmap-items/" .. id
  if report then
    report_n = report_n + 1
    inflight = { kind = "report", id = id, path = path .. "/reports" }
    return req("POST", path .. "/reports", admin_auth,
      string.format('{"reported_on": "2025-03-%02d", "text": "Нагрузочный прогон: отчёт %d, поток %d"}',
        report_n % 28 + 1, report_n, tid))
  end
  if not item_etag[id] then
    inflight = { kind = "item_get", id = id, path = path }
    return req("GET", path, admin_auth)
  end
  local to = item_status[id] == "planned" and "in_progress" or "planned"
  inflight = { kind = "item_patch", id = id, path = path }
  return req("PATCH", path, admin_auth, '{"status": "' .. to .. '"}', { ["If-Match"] = item_etag[id] })
end

local function school_request()
  if #schools == 0 then return read_request() end
  school_i = school_i % #schools + 1
  local id = schools[school_i]
  local path = "/api/v1/schools/" .. id
  if not school_etag[id] then
    inflight = { kind = "school_get", id = id, path = path }
    return req("GET", path, admin_auth)
  end
  phone_n = phone_n + 1
  inflight = { kind = "school_patch", id = id, path = path }
  return req("PATCH", path, admin_auth,
    string.format('{"phone": "+7 (4922) %02d-%02d-%02d"}', tid % 100, phone_n % 100, id % 100),
    { ["If-Match"] = school_etag[id] })
end

function request()
  if next_login and now() >= next_login then
    next_login = next_login + login_interval
    login_i = login_i % #logins + 1
    inflight = { kind = "login", path = "/api/v1/auth/login" }
    return wrk.format("POST", "/api/v1/auth/login", { ["Content-Type"] = "application/json" },
      '{"login": "' .. logins[login_i] .. '", "password": "' .. password .. '"}')
  end
  local r = math.random()
  if r < share.item_patch then return item_request(false) end
  r = r - share.item_patch
  if r < share.school_patch then return school_request() end
  r = r - share.school_patch
  if r < share.report then return item_request(true) end
  return read_request()
end

function response(status, headers, body)
  local f = inflight or { kind = "?", path = "?" }
  inflight = nil
  if f.kind == "login" then
    n_login = n_login + 1
  elseif f.kind == "read" or f.kind == "item_get" or f.kind == "school_get" then
    n_read = n_read + 1
  else
    n_write = n_write + 1
  end
  if status == 304 then
    n_304 = n_304 + 1
  elseif status == 409 then
    n_409 = n_409 + 1
  elseif status >= 200 and status < 400 then
    n_ok = n_ok + 1
  else
    n_err = n_err + 1
    if #err_sample < 600 then err_sample = err_sample .. string.format("%d:%s:%s;", status, f.kind, f.path) end
  end
  local ok = status >= 200 and status < 300
  if f.kind == "item_get" or f.kind == "item_patch" then
    item_etag[f.id] = ok and headers["ETag"] or nil
    if ok then item_status[f.id] = body:match('"status":"([%w_]+)"') end
  elseif f.kind == "report" then
    item_etag[f.id] = nil -- a report may change the item: read it again
  elseif f.kind == "school_get" or f.kind == "school_patch" then
    school_etag[f.id] = ok and headers["ETag"] or nil
  elseif f.kind == "read" and f.cat == "card" and ok then
    card_etag[f.path] = headers["ETag"]
  end
end

function done(summary, latency, requests)
  local sum = { ok = 0, n304 = 0, n409 = 0, err = 0, read = 0, write = 0, login = 0 }
  local samples = ""
  for _, t in ipairs(threads) do
    sum.ok = sum.ok + t:get("n_ok")
    sum.n304 = sum.n304 + t:get("n_304")
    sum.n409 = sum.n409 + t:get("n_409")
    sum.err = sum.err + t:get("n_err")
    sum.read = sum.read + t:get("n_read")
    sum.write = sum.write + t:get("n_write")
    sum.login = sum.login + t:get("n_login")
    if #samples < 600 then samples = samples .. t:get("err_sample") end
  end
  local e = summary.errors
  local sock = e.connect + e.read + e.write + e.timeout
  io.write(string.format(
    "SOAK requests=%d seconds=%.1f ok=%d not_modified=%d conflicts=%d http_errors=%d socket_errors=%d "
      .. "reads=%d writes=%d logins=%d p50_ms=%.2f p99_ms=%.2f max_ms=%.2f errors_seen=%s\n",
    summary.requests, summary.duration / 1e6, sum.ok, sum.n304, sum.n409, sum.err, sock,
    sum.read, sum.write, sum.login, latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    latency.max / 1000, samples == "" and "-" or samples))
end
