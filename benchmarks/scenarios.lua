-- The benchmark scenarios for wrk, the independent cross-check of Locust's peak figures.
-- benchmarks/crosscheck.py prepends `scenario`, `first_id` and `last_id`, then runs
--   wrk -t1 -cN -dS --timeout 30s -s SCRIPT http://127.0.0.1:PORT
-- wrk checks only status codes (non-2xx/3xx count as errors), not bodies.

local per_page = 20
local body_type = { ["Content-Type"] = "application/json" }
local keep, spare, flip = {}, {}, false

local function read()
  return wrk.format("GET", "/api/v1/tasks/" .. math.random(first_id, last_id))
end

local function list()
  local pages = math.max(math.floor((last_id - first_id + 1) / per_page), 1)
  return wrk.format("GET", "/api/v1/tasks?page=" .. math.random(1, pages) .. "&per_page=" .. per_page)
end

local function create()
  return wrk.format("POST", "/api/v1/tasks", body_type, '{"title": "wrk task", "done": false}')
end

-- Updates and deletes touch only tasks this thread created, split in two lists so that no
-- task is updated while it is being deleted.
local function update()
  if #keep == 0 then return create() end
  return wrk.format("PATCH", "/api/v1/tasks/" .. keep[math.random(#keep)], body_type, '{"done": true}')
end

local function delete()
  if #spare == 0 then return create() end
  return wrk.format("DELETE", "/api/v1/tasks/" .. table.remove(spare, math.random(#spare)))
end

-- 60% read, 20% list, 10% create, 5% update, 5% delete, as in the Locust scenario.
local function mixed()
  local r = math.random(100)
  if r <= 60 then return read() end
  if r <= 80 then return list() end
  if r <= 90 then return create() end
  if r <= 95 then return update() end
  return delete()
end

local requests = {
  health = function() return wrk.format("GET", "/health") end,
  read = read,
  list = list,
  create = create,
  mixed = mixed,
}

function init(args)
  math.randomseed(os.time())
end

function request()
  return requests[scenario]()
end

-- Only the mixed scenario reads responses (for the ids it created): defining `response` makes
-- wrk parse every header, which would slow the other scenarios down.
if scenario == "mixed" then
  function response(status, headers, body)
    if status ~= 201 then return end
    local location = headers["location"] or headers["Location"]
    local id = location and tonumber(string.match(location, "(%d+)$"))
    if id then
      flip = not flip
      if flip then keep[#keep + 1] = id else spare[#spare + 1] = id end
    end
  end
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'TASKBENCH-WRK {"requests": %d, "duration_us": %d, "errors": {"connect": %d, "read": %d, '
      .. '"write": %d, "status": %d, "timeout": %d}, "latency_us": {"p50": %d, "p90": %d, '
      .. '"p99": %d, "p99_9": %d, "max": %d, "mean": %.1f}}\n',
    summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99),
    latency:percentile(99.9), latency.max, latency.mean))
end
