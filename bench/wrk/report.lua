-- wrk done() hook shared by the endpoint scripts: writes the totals, error counts and latency
-- percentiles of the run as one JSON object to the file named by BENCH_WRK_RESULT.
-- Latencies are in microseconds. status_errors is wrk's count of responses with a status of 400 or
-- more; wrk does not count 1xx or 3xx responses, and none of the benchmarked routes returns them.

function done(summary, latency, requests)
  local file = assert(io.open(os.getenv("BENCH_WRK_RESULT"), "w"))
  local errors = summary.errors
  file:write(string.format(
    '{"requests":%d,"duration_us":%d,"bytes":%d,' ..
    '"connect_errors":%d,"read_errors":%d,"write_errors":%d,"status_errors":%d,"timeouts":%d,' ..
    '"latency_p50_us":%d,"latency_p90_us":%d,"latency_p99_us":%d,"latency_max_us":%d,"latency_mean_us":%.1f}\n',
    summary.requests, summary.duration, summary.bytes,
    errors.connect, errors.read, errors.write, errors.status, errors.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max, latency.mean))
  file:close()
end
