#!/usr/bin/env bash
# shellcheck disable=SC2317 # the cleanup helpers are reached through traps
# Gateway benchmark: direct-to-upstream vs through-the-gateway, at concurrency 1 and 32, streaming and
# non-streaming, measured with wrk in one run against the same fake upstream. Prints req/s and p50/p99
# latency, the gateway's ratios against the direct baseline, and PASS/FAIL for the targets:
#   - added p50 latency at c=1 (gateway p50 - direct p50) <= 0.5 ms, non-streaming and streaming;
#   - gateway throughput at c=32 >= 25% of direct, non-streaming and streaming;
#   - with a budget and rate limits on the key and its workspace ("budget" target): added p50 at c=1 <= 1 ms and
#     throughput at c=32 >= 70% of the same gateway with a key that has neither ("gateway" target).
# Every gateway request is recorded in the usage ledger (there is no way to turn it off).
# See bench/README.md for the knobs (BENCH_DURATION, BENCH_WARMUP, ...).
set -Eeuo pipefail

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$BENCH_DIR/.." && pwd)

DURATION=${BENCH_DURATION:-10}          # seconds measured per cell
WARMUP=${BENCH_WARMUP:-3}               # seconds of discarded load before each cell
PREWARM_MIN=${BENCH_PREWARM_MIN:-6}     # pre-warm per target and mode, until the JIT is quiet (see below)
PREWARM_MAX=${BENCH_PREWARM_MAX:-60}
HIGH_CONC=${BENCH_HIGH_CONC:-32}        # the "high" concurrency (the low one is always 1)
CONCS=${BENCH_CONCS:-"1 $HIGH_CONC"}    # which of the two to measure (e.g. "1" for latency A/B runs)
THREADS=${BENCH_THREADS:-2}             # wrk threads at the high concurrency (1 at c=1)
MAX_TOKENS=${BENCH_MAX_TOKENS:-64}
MODES=${BENCH_MODES:-"non-stream stream"}
TARGETS=${BENCH_TARGETS:-"direct gateway budget"}
ROUNDS=${BENCH_ROUNDS:-1}               # rounds over all cells; the report shows each cell's median
LOGGING=${BENCH_LOGGING:-full}           # the bench workspaces' request-log mode: full, metadata_only (no bodies) or redacted
GATEWAY_ENV=${BENCH_GATEWAY_ENV:-}      # extra VAR=value words for the gateway's environment (e.g. DOTNET_gcServer=0)
COMMIT_PROBE=${BENCH_COMMIT_PROBE:-5}   # seconds per commit probe (0: none); see "The ledger's commit, alone" below
READY_TIMEOUT=${BENCH_READY_TIMEOUT:-90}
SKIP_BUILD=${BENCH_SKIP_BUILD:-0}
KEEP_LOGS=${BENCH_KEEP_LOGS:-0}
STRICT=${BENCH_STRICT:-0}
OUT=${BENCH_OUT:-$BENCH_DIR/results/latest.txt}

TARGET_ADDED_P50_MS=0.5
TARGET_THROUGHPUT_PCT=25
TARGET_BUDGET_ADDED_P50_MS=1
TARGET_BUDGET_THROUGHPUT_PCT=70

FAKE_KEY=sk-ant-fake-provider-key
ADMIN_TOKEN="bench-admin-$RANDOM$RANDOM$RANDOM"
LUA="$BENCH_DIR/post.lua"
FAKE_DLL="$ROOT/bench/Gateway.Bench/bin/Release/net10.0/Gateway.Bench.dll"
SILO_DLL="$ROOT/src/Silo/bin/Release/net10.0/Gateway.Silo.dll"

START_SECONDS=$SECONDS
WORK=""
FAKE_PID=""
GATEWAY_PID=""
POSTMASTER_PID=""
PG_PORT=""
PROBE_DURABLE=""
PROBE_NO_FLUSH=""
CLK_TCK=$(getconf CLK_TCK)

log() { printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

is_alive() { [[ -n "$1" ]] && kill -0 "$1" 2>/dev/null; }

# Waits up to $2 seconds for process $1 to exit; returns non-zero if it is still running.
wait_exit() {
  local pid=$1 deadline=$((SECONDS + $2))
  while is_alive "$pid"; do
    ((SECONDS < deadline)) || return 1
    sleep 0.2
  done
  wait "$pid" 2>/dev/null || true
}

# Asks a process to stop with SIGINT, then escalates to SIGTERM and SIGKILL.
stop_process() {
  local pid=$1 name=$2 grace=$3
  is_alive "$pid" || return 0
  kill -INT "$pid" 2>/dev/null || true
  wait_exit "$pid" "$grace" && return 0
  log "$name ($pid) did not stop on SIGINT within ${grace}s; sending SIGTERM"
  kill -TERM "$pid" 2>/dev/null || true
  wait_exit "$pid" 10 && return 0
  log "$name ($pid) still running; sending SIGKILL"
  kill -KILL "$pid" 2>/dev/null || true
  wait_exit "$pid" 5 || true
}

cleanup() {
  local status=$?
  trap - EXIT INT TERM
  set +e
  if is_alive "$GATEWAY_PID"; then
    log "stopping the gateway ($GATEWAY_PID) and its PostgreSQL"
    # The gateway stops its embedded PostgreSQL itself (up to 30 s, then it escalates).
    stop_process "$GATEWAY_PID" gateway 45
  fi
  if is_alive "$POSTMASTER_PID"; then
    log "PostgreSQL ($POSTMASTER_PID) outlived the gateway; stopping it"
    stop_process "$POSTMASTER_PID" postgres 30
  fi
  if is_alive "$FAKE_PID"; then
    stop_process "$FAKE_PID" fake-upstream 10
  fi
  if [[ -n "$WORK" && -d "$WORK" ]]; then
    if [[ $status -ne 0 || "$KEEP_LOGS" == 1 ]]; then
      rm -rf "$WORK/data"
      if [[ "$KEEP_LOGS" != 1 && -f "$WORK/gateway.log" ]]; then
        # One usage line per request makes the full log large; its end is what explains a failure.
        tail -n 2000 "$WORK/gateway.log" >"$WORK/gateway.log.tail" && mv "$WORK/gateway.log.tail" "$WORK/gateway.log"
      fi
      log "logs kept in $WORK (gateway.log, fake.log, wrk/)"
    else
      rm -rf "$WORK"
    fi
  fi
  exit "$status"
}
trap cleanup EXIT
trap 'log "interrupted"; exit 130' INT TERM

# Starts "$@" in the background with SIGINT deliverable: a non-interactive shell starts background jobs
# with SIGINT ignored, unless job control is on (then each job gets its own process group, which also
# keeps a terminal's Ctrl+C away from the servers, so the trap above can stop them in order). If this
# script itself was started with SIGINT ignored, the shell cannot undo that, so perl restores it before exec.
spawn() {
  local out=$1
  shift
  set -m
  perl -e '$SIG{INT} = "DEFAULT"; exec @ARGV or die $!' "$@" >"$out" 2>&1 &
  SPAWNED_PID=$!
  set +m
}

# utime+stime of one process, in clock ticks (0 once it is gone).
cpu_ticks() {
  local stat
  stat=$(cat "/proc/$1/stat" 2>/dev/null) || { echo 0; return; }
  stat=${stat##*) }
  awk '{print $12 + $13}' <<<"$stat"
}

# utime+stime of a process plus those of its children that have exited (and been waited for).
cpu_ticks_with_exited_children() {
  local stat
  stat=$(cat "/proc/$1/stat" 2>/dev/null) || { echo 0; return; }
  stat=${stat##*) }
  awk '{print $12 + $13 + $14 + $15}' <<<"$stat"
}

# CPU ticks of the PostgreSQL server: the postmaster, its live children (backends, writers) and those that
# ended (a backend or autovacuum worker that exits mid-cell must not take its ticks out of the sum).
pg_ticks() {
  [[ -n "$POSTMASTER_PID" ]] || { echo 0; return; }
  local total pid
  total=$(cpu_ticks_with_exited_children "$POSTMASTER_PID")
  for pid in $(ps -o pid= --ppid "$POSTMASTER_PID" 2>/dev/null); do
    total=$((total + $(cpu_ticks "$pid")))
  done
  echo "$total"
}

# ---------------------------------------------------------------------------------------------------
# Tools and builds

if ! command -v wrk >/dev/null 2>&1; then
  log "installing wrk"
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -qq wrk >/dev/null 2>&1 \
    || { apt-get update -qq >/dev/null 2>&1 && apt-get install -y -qq wrk >/dev/null 2>&1; } \
    || die "could not install wrk (apt-get install -y wrk)"
fi
for mode in $MODES; do
  [[ $mode == stream || $mode == non-stream ]] || die "unknown mode '$mode' in BENCH_MODES (non-stream, stream)"
done
for tool in dotnet curl jq awk; do
  command -v "$tool" >/dev/null 2>&1 || die "$tool is required"
done

WORK=$(mktemp -d /tmp/gateway-bench.XXXXXX)
# The embedded PostgreSQL runs as the postgres user when we are root: it must reach its folder.
chmod 755 "$WORK"
mkdir -p "$WORK/wrk"

if [[ "$SKIP_BUILD" != 1 ]]; then
  for project in bench/Gateway.Bench/Gateway.Bench.csproj src/Silo/Gateway.Silo.csproj; do
    log "building $project (Release)"
    if ! (cd "$ROOT" && dotnet build -c Release -nologo -v q "$project") >"$WORK/build.log" 2>&1; then
      tail -n 40 "$WORK/build.log" >&2
      die "build of $project failed"
    fi
  done
fi
[[ -f "$FAKE_DLL" ]] || die "$FAKE_DLL not found (build bench/Gateway.Bench in Release)"
[[ -f "$SILO_DLL" ]] || die "$SILO_DLL not found (build src/Silo in Release)"

# ---------------------------------------------------------------------------------------------------
# Processes: fake upstream, gateway (with its own throwaway PostgreSQL)

log "starting the fake upstream"
spawn "$WORK/fake.log" dotnet "$FAKE_DLL" fake-upstream --port 0
FAKE_PID=$SPAWNED_PID
FAKE_URL=""
for _ in $(seq 1 150); do
  FAKE_URL=$(sed -n 's#^fake-upstream listening on \(http://[^/ ]*\).*#\1#p' "$WORK/fake.log" | head -n 1)
  [[ -n "$FAKE_URL" ]] && break
  is_alive "$FAKE_PID" || { cat "$WORK/fake.log" >&2; die "the fake upstream exited"; }
  sleep 0.2
done
[[ -n "$FAKE_URL" ]] || die "the fake upstream did not start within 30 s"
log "fake upstream: $FAKE_URL (pid $FAKE_PID)"

log "starting the gateway (embedded PostgreSQL under $WORK/data)"
# shellcheck disable=SC2086 # GATEWAY_ENV is a list of VAR=value words
spawn "$WORK/gateway.log" env -u ConnectionStrings__Gateway -u GATEWAY_ENCRYPTION_KEY \
  GATEWAY_DATA_DIR="$WORK/data" GATEWAY_ADMIN_TOKEN="$ADMIN_TOKEN" $GATEWAY_ENV \
  dotnet "$SILO_DLL" --urls http://127.0.0.1:0
GATEWAY_PID=$SPAWNED_PID
GATEWAY_STARTED=$SECONDS
GATEWAY_URL=""
deadline=$((SECONDS + READY_TIMEOUT))
while ((SECONDS < deadline)); do
  is_alive "$GATEWAY_PID" || { tail -n 40 "$WORK/gateway.log" >&2; die "the gateway exited during start-up"; }
  [[ -n "$POSTMASTER_PID" ]] \
    || POSTMASTER_PID=$(sed -n 's/.*Embedded PostgreSQL \([0-9][0-9]*\) serves.*/\1/p' "$WORK/gateway.log" | head -n 1)
  [[ -n "$PG_PORT" ]] \
    || PG_PORT=$(sed -n 's/.*Embedded PostgreSQL [0-9]* serves .* on 127\.0\.0\.1:\([0-9][0-9]*\).*/\1/p' "$WORK/gateway.log" | head -n 1)
  [[ -n "$GATEWAY_URL" ]] \
    || GATEWAY_URL=$(sed -n 's#.*Now listening on: \(http://[^ ]*\).*#\1#p' "$WORK/gateway.log" | head -n 1 | tr -d '\r')
  if [[ -n "$GATEWAY_URL" ]] && [[ $(curl -s -o /dev/null -w '%{http_code}' "$GATEWAY_URL/readyz") == 200 ]]; then
    break
  fi
  sleep 0.5
done
if ((SECONDS >= deadline)); then
  tail -n 40 "$WORK/gateway.log" >&2
  die "the gateway was not ready within ${READY_TIMEOUT}s"
fi
log "gateway: $GATEWAY_URL (pid $GATEWAY_PID, postgres pid ${POSTMASTER_PID:-?}), ready after $((SECONDS - GATEWAY_STARTED))s"

admin() {
  local path=$1 body=$2 response code
  response=$(curl -sS -w '\n%{http_code}' -X POST "$GATEWAY_URL$path" \
    -H "authorization: Bearer $ADMIN_TOKEN" -H 'content-type: application/json' -d "$body") \
    || die "POST $path failed"
  code=${response##*$'\n'}
  response=${response%$'\n'*}
  [[ "$code" == 2* ]] || die "POST $path answered $code: $response"
  printf '%s' "$response"
}
admin /admin/v1/workspaces "{\"id\":\"bench\",\"name\":\"Bench\",\"logging\":{\"mode\":\"$LOGGING\"}}" >/dev/null
admin /admin/v1/providers "$(jq -cn --arg url "$FAKE_URL" --arg key "$FAKE_KEY" \
  '{slug:"fake",kind:"anthropic",base_url:$url,credentials:{api_key:$key}}')" >/dev/null
GATEWAY_KEY=$(admin /admin/v1/keys '{"workspace":"bench","name":"bench"}' | jq -r '.key // empty')
[[ -n "$GATEWAY_KEY" ]] || die "the key API answered no key"
# Budgets and rate limits on both scopes, far above what the run can spend: every request is reserved and
# settled in two budget grains and checked against three limits, none refuses.
LIMITS='"rate_limits":{"rpm":100000000,"tpm":1000000000000,"concurrency":10000}'
admin /admin/v1/workspaces "{\"id\":\"bench-budget\",\"logging\":{\"mode\":\"$LOGGING\"},\"budget\":{\"limit_usd\":1000000,\"period\":\"monthly\"},$LIMITS}" >/dev/null
BUDGET_KEY=$(admin /admin/v1/keys "{\"workspace\":\"bench-budget\",\"name\":\"bench\",\"budget\":{\"limit_usd\":1000000,\"period\":\"monthly\"},$LIMITS}" \
  | jq -r '.key // empty')
[[ -n "$BUDGET_KEY" ]] || die "the key API answered no budgeted key"

# One request per target and mode, checked by hand, before any load.
preflight() {
  local url=$1 key=$2 stream=$3 body out code
  body=$(printf '{"model":"claude-sonnet-4-5","max_tokens":%d,%s"messages":[{"role":"user","content":"Hello"}]}' \
    "$MAX_TOKENS" "$([[ $stream == 1 ]] && echo '"stream":true,')")
  out=$(curl -sS -w '\n%{http_code}' -X POST "$url/v1/messages" -H "x-api-key: $key" \
    -H 'anthropic-version: 2023-06-01' -H 'content-type: application/json' -d "$body") || die "preflight to $url failed"
  code=${out##*$'\n'}
  out=${out%$'\n'*}
  [[ "$code" == 200 ]] || die "preflight to $url (stream=$stream) answered $code: $out"
  if [[ $stream == 1 ]]; then
    grep -q 'event: message_stop' <<<"$out" || die "preflight stream from $url has no message_stop: $out"
  else
    jq -e '.type == "message" and (.content | length > 0)' >/dev/null <<<"$out" \
      || die "preflight from $url is not a message: $out"
  fi
}
for stream in 0 1; do
  preflight "$FAKE_URL" "$FAKE_KEY" "$stream"
  preflight "$GATEWAY_URL" "$GATEWAY_KEY" "$stream"
  preflight "$GATEWAY_URL" "$BUDGET_KEY" "$stream"
done
log "preflight OK (direct and gateway, JSON and SSE)"

# ---------------------------------------------------------------------------------------------------
# Measurements

# Per cell ("mode,conc,target"): one value per round in the R_ lists, then the medians.
declare -A R_RPS R_P50 R_P99 R_CPU_FAKE R_CPU_GW R_CPU_PG R_CPU_WRK
declare -A RPS P50 P99 ERRORS CPU_FAKE CPU_GW CPU_PG CPU_WRK
CELLS=()

median() { # "v1 v2 ..." printf-format
  tr ' ' '\n' <<<"$1" | grep -v '^$' | sort -g | awk -v f="$2\n" \
    '{a[NR] = $1} END {printf f, (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}'
}

# Converts wrk's latency text (e.g. 412.00us, 1.23ms, 2.01s, 1.50m) to milliseconds.
to_ms() {
  awk -v v="$1" 'BEGIN {
    n = v; sub(/[a-z]+$/, "", n); u = v; sub(/^[0-9.]+/, "", u)
    f = (u == "us") ? 0.001 : (u == "ms") ? 1 : (u == "s") ? 1000 : (u == "m") ? 60000 : (u == "h") ? 3600000 : -1
    if (f < 0) { print "nan"; exit }
    printf "%.3f", n * f }'
}

run_wrk() { # conc threads seconds url key stream output
  wrk -t "$2" -c "$1" -d "${3}s" --timeout 10s --latency -s "$LUA" "$4/v1/messages" -- "$5" "$6" "$MAX_TOKENS" >"$7" 2>&1
}

measure() {
  local mode=$1 conc=$2 target=$3 stream=0 url key threads=1 cell file
  [[ $mode == stream ]] && stream=1
  case $target in
    direct) url=$FAKE_URL key=$FAKE_KEY ;;
    gateway) url=$GATEWAY_URL key=$GATEWAY_KEY ;;
    *) url=$GATEWAY_URL key=$BUDGET_KEY ;;
  esac
  ((conc > 1)) && threads=$THREADS
  ((threads > conc)) && threads=$conc
  cell="$mode,$conc,$target"
  file="$WORK/wrk/${mode}-c${conc}-${target}.txt"

  if ((WARMUP > 0)); then
    run_wrk "$conc" "$threads" "$WARMUP" "$url" "$key" "$stream" "$file.warmup" || die "wrk warm-up failed: $(cat "$file.warmup")"
  fi

  local f0 g0 p0 f1 g1 p1 t0 t1 wrk_cpu
  f0=$(cpu_ticks "$FAKE_PID"); g0=$(cpu_ticks "$GATEWAY_PID"); p0=$(pg_ticks); t0=$(date +%s%N)
  local TIMEFORMAT='%U %S'
  { time run_wrk "$conc" "$threads" "$DURATION" "$url" "$key" "$stream" "$file"; } 2>"$file.time" \
    || die "wrk failed: $(cat "$file")"
  t1=$(date +%s%N); f1=$(cpu_ticks "$FAKE_PID"); g1=$(cpu_ticks "$GATEWAY_PID"); p1=$(pg_ticks)
  wrk_cpu=$(awk '{print $1 + $2}' "$file.time")

  local line requests duration_us p50 p99 errors
  line=$(grep '^BENCH_RESULT ' "$file" | tail -n 1 || true)
  if [[ -n "$line" ]]; then
    field() { sed -n "s/.* $1=\([0-9.]*\).*/\1/p" <<<"$line"; }
    requests=$(field requests); duration_us=$(field duration_us)
    p50=$(awk -v u="$(field p50_us)" 'BEGIN{printf "%.3f", u/1000}')
    p99=$(awk -v u="$(field p99_us)" 'BEGIN{printf "%.3f", u/1000}')
    errors=$(( $(field err_connect) + $(field err_read) + $(field err_write) + $(field err_status) + $(field err_timeout) ))
  else
    # Fall back to wrk's own text (the Lua done() hook did not run).
    requests=$(awk '/requests in/ {print $1; exit}' "$file")
    duration_us=$((DURATION * 1000000))
    p50=$(to_ms "$(awk '$1 == "50%" {print $2; exit}' "$file")")
    p99=$(to_ms "$(awk '$1 == "99%" {print $2; exit}' "$file")")
    errors=$(awk '/Non-2xx or 3xx responses:/ {n += $NF} /Socket errors:/ {gsub(/,/, ""); n += $4 + $6 + $8 + $10} END {print n + 0}' "$file")
  fi
  [[ -n "$requests" && "$requests" -gt 0 ]] || die "no requests completed in $cell: $(cat "$file")"

  local rps
  rps=$(awk -v r="$requests" -v d="$duration_us" 'BEGIN{printf "%.1f", r * 1e6 / d}')
  R_RPS[$cell]+="$rps "
  R_P50[$cell]+="$p50 "
  R_P99[$cell]+="$p99 "
  ERRORS[$cell]=$(( ${ERRORS[$cell]:-0} + errors ))
  local wall_s
  wall_s=$(awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.3f", (b - a) / 1e9}')
  R_CPU_FAKE[$cell]+=$(awk -v d=$((f1 - f0)) -v t="$CLK_TCK" -v w="$wall_s" 'BEGIN{printf "%.2f ", d / t / w}')
  R_CPU_GW[$cell]+=$(awk -v d=$((g1 - g0)) -v t="$CLK_TCK" -v w="$wall_s" 'BEGIN{printf "%.2f ", d / t / w}')
  R_CPU_PG[$cell]+=$(awk -v d=$((p1 - p0)) -v t="$CLK_TCK" -v w="$wall_s" 'BEGIN{printf "%.2f ", d / t / w}')
  R_CPU_WRK[$cell]+=$(awk -v c="$wrk_cpu" -v w="$wall_s" 'BEGIN{printf "%.2f ", c / w}')
  [[ " ${CELLS[*]} " == *" $cell "* ]] || CELLS+=("$cell")
  log "$(printf '%-10s c=%-3s %-8s %10s req/s  p50 %8s ms  p99 %8s ms  errors %s' \
    "$mode" "$conc" "$target" "$rps" "$p50" "$p99" "$errors")$( ((ROUNDS > 1)) && echo "  (round $ROUND/$ROUNDS)")"
}

# ---------------------------------------------------------------------------------------------------
# The ledger's commit, alone: what one durable commit of a usage event costs on this machine's disk, measured
# with pgbench (one client, nothing else running) on the gateway's own PostgreSQL, with the ledger's statement
# and a usage event the preflight just recorded, into a scratch copy of the event table (same columns, indexes
# and foreign key; dropped afterwards). Once waiting for the flush (synchronous_commit on, as the ledger does)
# and once not: the difference is the disk's flush. At c=1 every gateway request waits for one such commit.

commit_probe() {
  local pg_bin secret json sql p50_on p50_off quote="'"
  pg_bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
  if [[ -z "$pg_bin" || ! -x "$pg_bin/pgbench" || -z "$PG_PORT" || ! -f "$WORK/data/postgres.secret" ]]; then
    log "commit probe skipped (no pgbench, or not the embedded PostgreSQL)"
    return 0
  fi
  secret=$(cat "$WORK/data/postgres.secret")
  psql_probe() { PGOPTIONS="-c client_min_messages=warning" PGPASSWORD=$secret "$pg_bin/psql" -h 127.0.0.1 -p "$PG_PORT" -U gateway -d gateway -qAtX -v ON_ERROR_STOP=1 "$@"; }
  json=$(psql_probe -c "SELECT data::text FROM gateway.mt_events WHERE type = 'usage_recorded' ORDER BY seq_id DESC LIMIT 1")
  [[ -n "$json" ]] || { log "commit probe skipped (no usage event found)"; return 0; }
  psql_probe >/dev/null <<SQL || die "could not prepare the commit probe's tables"
SET search_path = pg_catalog; -- the foreign key's definition below then names its table with its schema
DROP SCHEMA IF EXISTS bench_probe CASCADE;
CREATE SCHEMA bench_probe;
CREATE TABLE bench_probe.mt_streams (LIKE gateway.mt_streams INCLUDING ALL);
CREATE TABLE bench_probe.mt_events (LIKE gateway.mt_events INCLUDING ALL);
CREATE SEQUENCE bench_probe.mt_events_sequence;
INSERT INTO bench_probe.mt_streams (id, type, version, timestamp, created, tenant_id, is_archived) VALUES ('probe', NULL, 0, now(), now(), '*DEFAULT*', false);
DO \$\$ BEGIN
  EXECUTE (SELECT 'ALTER TABLE bench_probe.mt_events ADD ' || replace(pg_get_constraintdef(oid), 'gateway.mt_streams', 'bench_probe.mt_streams')
           FROM pg_constraint WHERE conrelid = 'gateway.mt_events'::regclass AND contype = 'f' LIMIT 1);
END \$\$;
SQL
  # The ledger's statement (EventStreamWriter), one event per transaction, each with a new version.
  sql="$WORK/commit-probe.sql"
  {
    echo '\set version random(1, 9000000000000000)'
    printf '%s\n' "INSERT INTO bench_probe.mt_events (seq_id, id, stream_id, version, data, type, timestamp, tenant_id, mt_dotnet_type, is_archived) SELECT nextval('bench_probe.mt_events_sequence'), u.id, 'probe', u.version, u.data::jsonb, 'usage_recorded', now(), '*DEFAULT*', 'Gateway.Projections.Usage.UsageRecorded, Gateway.Projections', false FROM unnest(ARRAY[gen_random_uuid()], ARRAY[:version::bigint], ARRAY['${json//$quote/$quote$quote}']) AS u(id, version, data);"
  } >"$sql"
  probe_p50() { # extra PGOPTIONS; prints the median latency in ms
    rm -f "$WORK"/commit-probe-log*
    PGPASSWORD=$secret PGOPTIONS="$1" "$pg_bin/pgbench" -h 127.0.0.1 -p "$PG_PORT" -U gateway -n -M prepared -c 1 \
      -T "$COMMIT_PROBE" -f "$sql" -l --log-prefix="$WORK/commit-probe-log" gateway >"$WORK/commit-probe.out" 2>&1 \
      || die "pgbench failed: $(tail -n 5 "$WORK/commit-probe.out")"
    median "$(awk '{printf "%s ", $3 / 1000}' "$WORK"/commit-probe-log*)" %.3f
  }
  p50_on=$(probe_p50 "")
  p50_off=$(probe_p50 "-c synchronous_commit=off")
  psql_probe -c "DROP SCHEMA bench_probe CASCADE" >/dev/null || die "could not drop the commit probe's tables"
  PROBE_DURABLE=$p50_on PROBE_NO_FLUSH=$p50_off
  log "the ledger's commit alone (pgbench, one client, p50): ${p50_on} ms durable, ${p50_off} ms without waiting for the flush"
}

# .NET code runs unoptimised until tiered compilation has caught up with the hot paths: on this 2-core
# machine the gateway needs some 20-30 s of load before it reaches its steady state (the fake needs less).
# Each target is loaded in 2 s slices until its JIT thread has been quiet for two slices in a row
# (at least BENCH_PREWARM_MIN, at most BENCH_PREWARM_MAX seconds per target and mode).
jit_ticks() { # CPU ticks of the tiered-compilation worker thread of process $1 (0 when it is idle and gone)
  local task total=0
  for task in /proc/"$1"/task/*; do
    [[ "$(cat "$task/comm" 2>/dev/null)" == ".NET Tiered Com"* ]] || continue
    total=$((total + $(cpu_ticks "${task#/proc/}")))
  done
  echo "$total"
}
prewarm() {
  local mode=$1 target=$2 url key pid stream=0 elapsed=0 quiet=0 j0 j1 file
  [[ $mode == stream ]] && stream=1
  case $target in
    direct) url=$FAKE_URL key=$FAKE_KEY pid=$FAKE_PID ;;
    gateway) url=$GATEWAY_URL key=$GATEWAY_KEY pid=$GATEWAY_PID ;;
    *) url=$GATEWAY_URL key=$BUDGET_KEY pid=$GATEWAY_PID ;;
  esac
  file="$WORK/wrk/prewarm-$mode-$target.txt"
  while ((elapsed < PREWARM_MAX)); do
    j0=$(jit_ticks "$pid")
    run_wrk "$HIGH_CONC" "$THREADS" 2 "$url" "$key" "$stream" "$file" || die "wrk pre-warm failed: $(cat "$file")"
    j1=$(jit_ticks "$pid")
    elapsed=$((elapsed + 2))
    # Quiet: the JIT thread used under 2% of one core during the slice.
    if ((j1 - j0 >= 0 && (j1 - j0) * 100 < 4 * CLK_TCK)); then quiet=$((quiet + 1)); else quiet=0; fi
    ((quiet >= 2 && elapsed >= PREWARM_MIN)) && break
  done
  log "pre-warmed $mode/$target for ${elapsed}s$( ((quiet >= 2)) || echo " (JIT still busy at BENCH_PREWARM_MAX)")"
}
if ((PREWARM_MAX > 0)); then
  for mode in $MODES; do
    for target in $TARGETS; do
      prewarm "$mode" "$target"
    done
  done
fi

if ((COMMIT_PROBE > 0)); then commit_probe; fi
log "measuring: ${WARMUP}s warm-up + ${DURATION}s per cell, modes: $MODES, concurrency $CONCS, $ROUNDS round(s)"
for ((ROUND = 1; ROUND <= ROUNDS; ROUND++)); do
  for mode in $MODES; do
    for conc in $CONCS; do
      for target in $TARGETS; do
        measure "$mode" "$conc" "$target"
      done
    done
  done
done
for cell in "${CELLS[@]}"; do
  RPS[$cell]=$(median "${R_RPS[$cell]}" %.1f)
  P50[$cell]=$(median "${R_P50[$cell]}" %.3f)
  P99[$cell]=$(median "${R_P99[$cell]}" %.3f)
  CPU_FAKE[$cell]=$(median "${R_CPU_FAKE[$cell]}" %.2f)
  CPU_GW[$cell]=$(median "${R_CPU_GW[$cell]}" %.2f)
  CPU_PG[$cell]=$(median "${R_CPU_PG[$cell]}" %.2f)
  CPU_WRK[$cell]=$(median "${R_CPU_WRK[$cell]}" %.2f)
done

# ---------------------------------------------------------------------------------------------------
# Report

# PASS/FAIL per mode: p50 of <target> minus p50 of <base> at c=1 is at most <limit> ms. Sets FAILED on a FAIL.
check_added_p50() { # target base limit label
  local target=$1 base=$2 limit=$3 label=$4 mode t b value verdict
  for mode in non-stream stream; do
    t="$mode,1,$target" b="$mode,1,$base"
    if [[ -z "${P50[$t]:-}" || -z "${P50[$b]:-}" ]]; then
      printf '  SKIP  %s, %-10s (not measured)\n' "$label" "$mode"
      continue
    fi
    value=$(awk -v g="${P50[$t]}" -v b="${P50[$b]}" 'BEGIN{printf "%.3f", g - b}')
    verdict=$(awk -v v="$value" -v l="$limit" 'BEGIN{print (v <= l) ? "PASS" : "FAIL"}')
    [[ "${ERRORS[$t]}" == 0 && "${ERRORS[$b]}" == 0 ]] || verdict=FAIL
    [[ $verdict == PASS ]] || FAILED=1
    printf '  %s  %s, %-10s %8s ms  (%s %s - %s %s ms; target <= %s ms%s)\n' \
      "$verdict" "$label" "$mode:" "$value" "$target" "${P50[$t]}" "$base" "${P50[$b]}" "$limit" \
      "$(awk -v v="$value" -v l="$limit" 'BEGIN{if (v > l) printf "; over by %.3f ms", v - l}')"
  done
}

# PASS/FAIL per mode: req/s of <target> at the high concurrency is at least <min> % of <base>'s. Sets FAILED on a FAIL.
check_throughput() { # target base min label
  local target=$1 base=$2 min=$3 label=$4 mode t b value verdict
  for mode in non-stream stream; do
    t="$mode,$HIGH_CONC,$target" b="$mode,$HIGH_CONC,$base"
    if [[ -z "${RPS[$t]:-}" || -z "${RPS[$b]:-}" ]]; then
      printf '  SKIP  %s, %-10s (not measured)\n' "$label" "$mode"
      continue
    fi
    value=$(awk -v g="${RPS[$t]}" -v b="${RPS[$b]}" 'BEGIN{printf "%.1f", 100 * g / b}')
    verdict=$(awk -v v="$value" -v m="$min" 'BEGIN{print (v >= m) ? "PASS" : "FAIL"}')
    [[ "${ERRORS[$t]}" == 0 && "${ERRORS[$b]}" == 0 ]] || verdict=FAIL
    [[ $verdict == PASS ]] || FAILED=1
    printf '  %s  %s, %-10s %7s%% of %s  (%s %s / %s %s req/s; target >= %s%%%s)\n' \
      "$verdict" "$label" "$mode:" "$value" "$base" "$target" "${RPS[$t]}" "$base" "${RPS[$b]}" "$min" \
      "$(awk -v v="$value" -v m="$min" 'BEGIN{if (v < m) printf "; short by %.1f points", m - v}')"
  done
}

report() {
  local cell mode conc target d rel_rps add50 add99
  echo "Gateway benchmark — $(date -u +%Y-%m-%dT%H:%M:%SZ), commit $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo '?')$(
    [[ -n "$(git -C "$ROOT" status --porcelain -- src 2>/dev/null)" ]] && echo ' (src has uncommitted changes)')"
  echo "machine: $(nproc) cores; fake upstream, gateway (+ its PostgreSQL) and wrk share them"
  echo "wrk: ${DURATION}s measured per cell after a pre-warm until the JIT is quiet (${PREWARM_MIN}-${PREWARM_MAX}s per target and mode) and ${WARMUP}s warm-up per cell; 1 thread at c=1, $THREADS at c=$HIGH_CONC; latency = time to the full response"
  ((ROUNDS == 1)) || echo "each figure is the median of $ROUNDS rounds (errors are summed)"
  [[ -z "$GATEWAY_ENV" ]] || echo "gateway environment extras: $GATEWAY_ENV"
  [[ -z "$PROBE_DURABLE" ]] || echo "the ledger's commit alone (pgbench, one client, no load running, p50): $PROBE_DURABLE ms durable, $PROBE_NO_FLUSH ms without waiting for the flush — every request at c=1 waits for one durable commit"
  echo
  printf '%-10s %4s  %-8s %10s %9s %9s %10s %9s %9s %7s\n' \
    mode conc target req/s p50_ms p99_ms rps_vs_dir +p50_ms +p99_ms errors
  for cell in "${CELLS[@]}"; do
    IFS=, read -r mode conc target <<<"$cell"
    d="$mode,$conc,direct"
    if [[ $target == direct ]]; then
      rel_rps="100.0%" add50="-" add99="-"
    elif [[ -z "${RPS[$d]:-}" ]]; then
      rel_rps="-" add50="-" add99="-"   # direct was not measured (BENCH_TARGETS without it)
    else
      rel_rps=$(awk -v g="${RPS[$cell]}" -v b="${RPS[$d]}" 'BEGIN{printf "%.1f%%", 100 * g / b}')
      add50=$(awk -v g="${P50[$cell]}" -v b="${P50[$d]}" 'BEGIN{printf "%+.3f", g - b}')
      add99=$(awk -v g="${P99[$cell]}" -v b="${P99[$d]}" 'BEGIN{printf "%+.3f", g - b}')
    fi
    printf '%-10s %4s  %-8s %10s %9s %9s %10s %9s %9s %7s\n' \
      "$mode" "$conc" "$target" "${RPS[$cell]}" "${P50[$cell]}" "${P99[$cell]}" "$rel_rps" "$add50" "$add99" "${ERRORS[$cell]}"
  done
  echo
  echo "CPU during each measured cell (cores; 1.00 = one core busy the whole time, $(nproc) available):"
  printf '%-10s %4s  %-8s %7s %8s %9s %7s %7s\n' mode conc target fake gateway postgres wrk total
  for cell in "${CELLS[@]}"; do
    IFS=, read -r mode conc target <<<"$cell"
    printf '%-10s %4s  %-8s %7s %8s %9s %7s %7s\n' "$mode" "$conc" "$target" \
      "${CPU_FAKE[$cell]}" "${CPU_GW[$cell]}" "${CPU_PG[$cell]}" "${CPU_WRK[$cell]}" \
      "$(awk -v a="${CPU_FAKE[$cell]}" -v b="${CPU_GW[$cell]}" -v c="${CPU_PG[$cell]}" -v d="${CPU_WRK[$cell]}" 'BEGIN{printf "%.2f", a + b + c + d}')"
  done
  echo
  echo "Targets:"
  FAILED=0
  check_added_p50 gateway direct "$TARGET_ADDED_P50_MS" "added p50 at c=1"
  check_throughput gateway direct "$TARGET_THROUGHPUT_PCT" "throughput at c=$HIGH_CONC"
  check_added_p50 budget direct "$TARGET_BUDGET_ADDED_P50_MS" "added p50 at c=1 with budgets and rate limits"
  check_throughput budget gateway "$TARGET_BUDGET_THROUGHPUT_PCT" "throughput at c=$HIGH_CONC with budgets and rate limits"
  for cell in "${CELLS[@]}"; do
    [[ "${ERRORS[$cell]}" == 0 ]] || echo "  note: $cell had ${ERRORS[$cell]} wrk errors (non-2xx, socket errors or timeouts); its targets count as FAIL"
  done
}

mkdir -p "$(dirname "$OUT")"
FAILED=0
report >"$WORK/report.txt"   # runs in this shell: sets FAILED
echo "  total run time: $((SECONDS - START_SECONDS))s ($( [[ "$SKIP_BUILD" == 1 ]] || echo "build, ")start-up, pre-warm, ${#CELLS[@]} cells x $ROUNDS round(s); stopping the gateway adds a few seconds)" >>"$WORK/report.txt"
cp "$WORK/report.txt" "$OUT"
echo
cat "$WORK/report.txt"
echo
log "table written to ${OUT#"$ROOT"/}"

if [[ "$FAILED" == 1 && "$STRICT" == 1 ]]; then
  exit 3
fi
exit 0
