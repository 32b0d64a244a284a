-- POST /v1/pets with a valid body: every request inserts one pet for the bench user.

dofile(os.getenv("BENCH_WRK_DIR") .. "/report.lua")

function init(args)
  wrk.method = "POST"
  wrk.path = "/v1/pets"
  wrk.headers["Authorization"] = "Bearer " .. os.getenv("BENCH_TOKEN")
  wrk.headers["Content-Type"] = "application/json"
  wrk.body = '{"name":"Bench pet","species":"DOG","breed":"Beagle","age":3,"weight":12.5,"isPublic":false}'
end
