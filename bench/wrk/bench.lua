-- One wrk script for every figure in bench/run.py, set through the environment:
--   BENCH_METHOD    GET (default) or POST
--   BENCH_COOKIE    a Cookie header sent with every request
--   BENCH_HEADERS   more headers, "Name: value" separated by "|"
--   BENCH_BODY      the body of a POST (form-encoded)
--   BENCH_SESSIONS  a file of session keys, one per line: each request uses the next one
--                   (one submit per teacher); BENCH_CSRF is added as the csrftoken cookie
--   BENCH_THREADS   wrk's -t, so that each thread takes its own share of the sessions
-- At the end it prints one line of JSON that bench/run.py reads.

local method = os.getenv("BENCH_METHOD") or "GET"
local cookie = os.getenv("BENCH_COOKIE")
local extra = os.getenv("BENCH_HEADERS")
local body = os.getenv("BENCH_BODY")
local sessions_file = os.getenv("BENCH_SESSIONS")
local csrf = os.getenv("BENCH_CSRF") or ""
local threads = tonumber(os.getenv("BENCH_THREADS") or "1")

local counter = 0
function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
end

local sessions = nil
local next_session = 0

function init(args)
  if sessions_file then
    sessions = {}
    local n = 0
    for line in io.lines(sessions_file) do
      if n % threads == id then
        table.insert(sessions, line)
      end
      n = n + 1
    end
  end
end

function request()
  local headers = {}
  if extra then
    for pair in string.gmatch(extra, "[^|]+") do
      local name, value = string.match(pair, "^%s*([^:]+):%s*(.*)$")
      headers[name] = value
    end
  end
  if cookie then
    headers["Cookie"] = cookie
  end
  if sessions then
    next_session = next_session + 1
    -- Past the end a request has no session and is refused: it shows up as an error.
    local key = sessions[next_session] or "used-up"
    headers["Cookie"] = "sessionid=" .. key .. "; csrftoken=" .. csrf
  end
  if body then
    headers["Content-Type"] = "application/x-www-form-urlencoded"
  end
  return wrk.format(method, nil, headers, body)
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '{"requests": %d, "duration_us": %d, "errors": %d, "status_errors": %d, ' ..
    '"p50_us": %d, "p95_us": %d, "p99_us": %d}\n',
    summary.requests, summary.duration, e.connect + e.read + e.write + e.timeout,
    e.status, latency:percentile(50), latency:percentile(95), latency:percentile(99)))
end
