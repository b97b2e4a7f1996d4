-- wrk script of bench/join.sh.
-- The function key comes from the environment (HM_BENCH_KEY) so it is never on a command line, where
-- `ps` would show it; the result is one machine-readable line, so no figure is scraped from prose.

local key = os.getenv("HM_BENCH_KEY")
if key ~= nil and key ~= "" then
    wrk.headers["x-functions-key"] = key
end

done = function(summary, latency, requests)
    local errors = summary.errors
    io.write(string.format(
        "HM_WRK requests=%d duration_us=%d p50_us=%d p90_us=%d p99_us=%d max_us=%d " ..
        "non2xx=%d connect=%d read=%d write=%d timeout=%d\n",
        summary.requests, summary.duration,
        latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max,
        errors.status, errors.connect, errors.read, errors.write, errors.timeout))
end
