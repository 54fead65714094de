-- wrk script for benches/load.sh: the mixed workload of issue 8, chosen per request at random.
-- 70 % search and page views (API search 35 %, pages 35 %), 20 % question reads, 10 % writes
-- (new questions; LOAD_MIX=search|pages|reads|writes sends one kind only, nowrites all but
-- the writes).
local token = os.getenv("ESKALERA_TOKEN")
local cookie = os.getenv("ESKALERA_COOKIE")
local max_id = tonumber(os.getenv("ESKALERA_MAX_ID") or "50")
-- LOAD_MIX=search|pages|reads|writes sends only that kind (to see where time goes).
local only = os.getenv("LOAD_MIX")

local queries = {
  "konvertit", "dopintyg", "trovärdighet", "språkanalys", "nätverk", "fraga", "provning",
  "%22muntlig+utredning%22", "uppehållstillstånd", "Afghanistan", "kvinnor", "ensamkommande",
  "identitet", "säkerhetsläget", "rättsligt+ställningstagande", "landinformation",
}
-- Page views as the agency's users make them: caseworkers and forum members (start page,
-- search, queue, a question) far outnumber the legal department, whose overview is one page
-- view in twenty.
local pages = { "/", "/sok?q=", "/ko", "/fragor/" }
local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  errors = 0
  statuses = ""
  writes = 0
  math.randomseed(os.time() + math.floor(os.clock() * 1000000))
end

-- Percent-encodes a query (UTF-8 bytes and spaces), as a browser does.
local function encode(q)
  return (string.gsub(q, "[^%w%-%._~%%+]", function(c)
    return string.format("%%%02X", string.byte(c))
  end))
end

local function bearer(method, path, body)
  local h = { ["Authorization"] = "Bearer " .. token }
  if body then h["Content-Type"] = "application/json" end
  return wrk.format(method, path, h, body)
end

function request()
  local r = math.random(100)
  if only == "search" then r = 1 elseif only == "pages" then r = 50
  elseif only == "reads" then r = 80 elseif only == "writes" then r = 100
  elseif only == "nowrites" then r = math.random(90) end
  local q = encode(queries[math.random(#queries)])
  if r <= 35 then
    return bearer("GET", "/api/v1/search?q=" .. q)
  elseif r <= 70 then
    local p = pages[math.random(#pages)]
    if math.random(20) == 1 then p = "/oversikt" end
    if p == "/sok?q=" then p = p .. q end
    if p == "/fragor/" then p = p .. math.random(max_id) end
    return wrk.format("GET", p, { ["Cookie"] = cookie })
  elseif r <= 90 then
    return bearer("GET", "/api/v1/questions/" .. math.random(max_id))
  else
    writes = writes + 1
    local body = string.format(
      '{"title":"Lasttest: hur bedöms ett intyg %d?","body":"Frågan gäller trovärdighetsbedömningen när intyget saknar stämpel.","process":"asyl_forstagang","tags":["lasttest"]}',
      math.random(1000000))
    return bearer("POST", "/api/v1/questions", body)
  end
end

function response(status, headers, body)
  if status >= 400 then
    errors = errors + 1
    -- The first few failures, for the report: status and the start of the body.
    if errors <= 3 then
      statuses = statuses .. status .. " " .. string.sub(body or "", 1, 120) .. "\n"
    end
  end
end

function done(summary, latency, requests)
  local e, w = 0, 0
  for _, t in ipairs(threads) do
    e = e + t:get("errors")
    w = w + t:get("writes")
    io.write(t:get("statuses"))
  end
  io.write(string.format("LOAD requests=%d seconds=%.1f rps=%.0f p50_ms=%.2f p90_ms=%.2f p99_ms=%.2f max_ms=%.2f http_errors=%d socket_errors=%d writes=%d\n",
    summary.requests, summary.duration / 1e6, summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(99) / 1000,
    latency.max / 1000, e,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout + summary.errors.status,
    w))
end
