-- GET /v1/pets/{id}: the full chain (TLS, JWT, ownership, limiter, database) on one pet, with the id
-- drawn at random from the bench user's seeded pets (one id a line in the file BENCH_PET_IDS).

dofile(os.getenv("BENCH_WRK_DIR") .. "/report.lua")

local thread_count = 0
local requests = {}

function setup(thread)
  thread_count = thread_count + 1
  thread:set("thread_number", thread_count)
end

function init(args)
  local headers = { ["Authorization"] = "Bearer " .. os.getenv("BENCH_TOKEN") }
  for id in io.lines(os.getenv("BENCH_PET_IDS")) do
    requests[#requests + 1] = wrk.format("GET", "/v1/pets/" .. id, headers)
  end
  assert(#requests > 0, "BENCH_PET_IDS names an empty file")
  math.randomseed(os.time() * 1000 + thread_number)
end

function request()
  return requests[math.random(#requests)]
end
