-- The soak's request mix for wrk (bench/load_bench.py); one JSON line at the end.
--
-- wrk ... -s soak_mix.lua URL -- HELLO_LEN FORM_LEN NOTFOUND_LEN STATIC_LEN PAGE_LEN
--
-- Requests cycle through MIX (20 entries: keep-alive and Connection: close). Each answer is
-- classified by its status and body length, which differ for every kind, so an answer of
-- the wrong kind, status or size counts as "unknown" (a failure). wrk cannot stop after a
-- number of requests (a stopped thread still waits out -d), so the harness runs this
-- repeatedly against the same server until the soak's count is reached.

local FORM = "name=plait&count=3"

-- kind, method, path, close?
local MIX = {
  {"hello", "GET", "/", false}, {"static", "GET", "/static/1k.bin", false},
  {"form", "POST", "/form", false}, {"hello", "GET", "/", false},
  {"page", "GET", "/page", false}, {"hello", "GET", "/", true},
  {"notfound", "GET", "/missing", false}, {"static", "GET", "/static/1k.bin", false},
  {"hello", "GET", "/", false}, {"form", "POST", "/form", true},
  {"static", "GET", "/static/1k.bin", true}, {"hello", "GET", "/", false},
  {"page", "GET", "/page", false}, {"form", "POST", "/form", false},
  {"hello", "GET", "/", true}, {"static", "GET", "/static/1k.bin", false},
  {"notfound", "GET", "/missing", true}, {"hello", "GET", "/", false},
  {"page", "GET", "/page", true}, {"hello", "GET", "/", false},
}
local KINDS = {"hello", "form", "notfound", "static", "page"}

local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  expected = {
    ["200:" .. args[1]] = "hello", ["200:" .. args[2]] = "form",
    ["404:" .. args[3]] = "notfound", ["200:" .. args[4]] = "static",
    ["200:" .. args[5]] = "page",
  }
  prepared = {}
  for i, entry in ipairs(MIX) do
    local headers = {}
    local body = nil
    if entry[4] then headers["Connection"] = "close" end
    if entry[2] == "POST" then
      headers["Content-Type"] = "application/x-www-form-urlencoded"
      body = FORM
    end
    prepared[i] = wrk.format(entry[2], entry[3], headers, body)
  end
  index = 0
  closes = 0
  sent = {unknown = 0}
  got = {unknown = 0}
  for _, kind in ipairs(KINDS) do sent[kind] = 0; got[kind] = 0 end
  first_unknown = ""
end

function request()
  index = index % #MIX + 1
  local entry = MIX[index]
  sent[entry[1]] = sent[entry[1]] + 1
  if entry[4] then closes = closes + 1 end
  return prepared[index]
end

function response(status, headers, body)
  local kind = expected[status .. ":" .. (body and #body or 0)]
  if kind == nil then
    kind = "unknown"
    if first_unknown == "" then
      first_unknown = status .. " " .. string.gsub(string.sub(body or "", 1, 60), '[^%w ]', '.')
    end
  end
  got[kind] = got[kind] + 1
end

function done(summary, latency, requests)
  local totals_sent = {unknown = 0}
  local totals_got = {unknown = 0}
  local total_closes = 0
  local unknown_text = ""
  for _, kind in ipairs(KINDS) do totals_sent[kind] = 0; totals_got[kind] = 0 end
  for _, thread in ipairs(threads) do
    local s, g = thread:get("sent"), thread:get("got")
    for kind, n in pairs(s) do totals_sent[kind] = totals_sent[kind] + n end
    for kind, n in pairs(g) do totals_got[kind] = totals_got[kind] + n end
    total_closes = total_closes + thread:get("closes")
    if unknown_text == "" then unknown_text = thread:get("first_unknown") end
  end
  local function obj(t)
    local parts = {}
    for kind, n in pairs(t) do table.insert(parts, string.format('"%s": %d', kind, n)) end
    return "{" .. table.concat(parts, ", ") .. "}"
  end
  local e = summary.errors
  io.write(string.format(
    '\nSOAK-JSON {"requests": %d, "duration_us": %d, "bytes": %d, "p50_us": %d, ' ..
    '"p99_us": %d, "max_us": %d, "closes_sent": %d, "sent": %s, "got": %s, ' ..
    '"first_unknown": "%s", "errors": {"connect": %d, "read": %d, "write": %d, ' ..
    '"status": %d, "timeout": %d}}\n',
    summary.requests, summary.duration, summary.bytes, latency:percentile(50),
    latency:percentile(99), latency.max, total_closes, obj(totals_sent), obj(totals_got),
    unknown_text, e.connect, e.read, e.write, e.status, e.timeout))
end
