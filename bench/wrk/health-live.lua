-- GET /health/live: no token, no limiter, no database, so it measures the TLS and HTTP floor of the
-- same process.

dofile(os.getenv("BENCH_WRK_DIR") .. "/report.lua")

function init(args)
  wrk.path = "/health/live"
end
