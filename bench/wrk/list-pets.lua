-- GET /v1/pets?limit=20: the first page of the bench user's own pets.

dofile(os.getenv("BENCH_WRK_DIR") .. "/report.lua")

function init(args)
  wrk.path = "/v1/pets?limit=20"
  wrk.headers["Authorization"] = "Bearer " .. os.getenv("BENCH_TOKEN")
end
