-- wrk script for the gateway benchmark: POST /v1/messages with an Anthropic-shaped body.
--
-- usage: wrk -t1 -c1 -d10s --latency -s bench/post.lua URL -- <x-api-key> <stream: 0|1> [max_tokens]
--
-- The request is static (built once per thread), so wrk stays cheap. done() prints one machine-readable
-- line with exact microsecond percentiles, which bench/run.sh reads; wrk's own --latency text is kept too.

function init(args)
   local api_key = args[1] or error("post.lua: the x-api-key argument is required")
   local stream = args[2] == "1"
   local max_tokens = tonumber(args[3] or "64")
   wrk.method = "POST"
   wrk.headers["x-api-key"] = api_key
   wrk.headers["anthropic-version"] = "2023-06-01"
   wrk.headers["content-type"] = "application/json"
   wrk.body = string.format(
      '{"model":"claude-sonnet-4-5","max_tokens":%d,%s"messages":[{"role":"user","content":"Hello"}]}',
      max_tokens, stream and '"stream":true,' or "")
end

function done(summary, latency, requests)
   local e = summary.errors
   io.write(string.format(
      "BENCH_RESULT requests=%d duration_us=%d p50_us=%d p90_us=%d p99_us=%d mean_us=%.1f max_us=%d " ..
      "err_connect=%d err_read=%d err_write=%d err_status=%d err_timeout=%d\n",
      summary.requests, summary.duration, latency:percentile(50), latency:percentile(90), latency:percentile(99),
      latency.mean, latency.max, e.connect, e.read, e.write, e.status, e.timeout))
end
