#!/usr/bin/env bash
# A/B benchmark: bench/run.sh against two commits of this repository, alternating A, B, A, B… on this machine, then
# each cell's figures side by side (medians over the rounds) with B's ratio to A. A change that should not move
# performance (a restructuring) is within noise when the ratios straddle 1.0 by about the spread between rounds.
#   bench/ab.sh <commit-a> [commit-b (default: the working tree)] [rounds (default 2)]
# The other knobs are run.sh's (BENCH_CONCS, BENCH_MODES, BENCH_TARGETS, BENCH_DURATION, …), the same for both.
set -Eeuo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
TREES=()

log() { printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

cleanup() {
  local tree
  for tree in "${TREES[@]}"; do
    git -C "$ROOT" worktree remove --force "$tree" >/dev/null 2>&1 || true
  done
}
trap cleanup EXIT

# A commit checked out in a worktree of its own; the working tree itself for "" (B's default).
tree_of() {
  local rev=$1 tree
  if [[ -z "$rev" ]]; then
    echo "$ROOT"
    return
  fi
  tree="$OUT/tree-$(git -C "$ROOT" rev-parse --short "$rev")"
  git -C "$ROOT" worktree add --detach -q "$tree" "$rev" >&2
  TREES+=("$tree")
  echo "$tree"
}

# Runs the rounds: A, B, A, B…, each report kept as $OUT/<a|b>-<round>.txt.
measure() {
  local round side tree
  A_TREE=$(tree_of "$A_REV")
  B_TREE=$(tree_of "$B_REV")
  A_NAME=$(git -C "$A_TREE" rev-parse --short HEAD)
  B_NAME=$(git -C "$B_TREE" rev-parse --short HEAD)$(git -C "$B_TREE" status --porcelain -- src | grep -q . && echo '+' || true)
  for round in $(seq 1 "$ROUNDS"); do
    for side in a b; do
      tree=$A_TREE
      [[ $side == b ]] && tree=$B_TREE
      log "round $round/$ROUNDS: $side ($([[ $side == a ]] && echo "$A_NAME" || echo "$B_NAME"))"
      # Each tree is built (Release) on its first run only.
      BENCH_SKIP_BUILD=$((round > 1 ? 1 : 0)) BENCH_OUT="$OUT/$side-$round.txt" "$tree/bench/run.sh" >"$OUT/$side-$round.log" 2>&1 \
        || { tail -n 30 "$OUT/$side-$round.log" >&2; log "run failed; logs in $OUT"; exit 1; }
    done
  done
}

if [[ "${1:-}" == --report ]]; then
  # `bench/ab.sh --report <folder>` compares an earlier run's reports again.
  OUT=${2:?usage: bench/ab.sh --report <folder>}
  ROUNDS=$(find "$OUT" -maxdepth 1 -name 'a-*.txt' | wc -l)
  A_NAME=$(awk '/^Gateway benchmark/ {print $NF; exit}' "$OUT/a-1.txt")
  B_NAME=$(awk '/^Gateway benchmark/ {print $NF; exit}' "$OUT/b-1.txt")
else
  A_REV=${1:?usage: bench/ab.sh <commit-a> [commit-b] [rounds] | --report <folder>}
  B_REV=${2:-}
  ROUNDS=${3:-2}
  OUT=$(mktemp -d /tmp/gateway-ab.XXXXXX)
  measure
fi

# The per-cell rows of run.sh's report: mode conc target req/s p50_ms p99_ms …
# (the CPU table's rows start alike but have 8 columns, the figures' 10).
rows() { awk '$1 ~ /^(non-stream|stream)$/ && $2 ~ /^[0-9]+$/ && NF == 10 {print $1, $2, $3, $4, $5, $6}' "$OUT/$1"-*.txt; }

median_of() { # side mode conc target column(4=req/s 5=p50 6=p99)
  rows "$1" | awk -v m="$2" -v c="$3" -v t="$4" -v k="$5" '$1 == m && $2 == c && $3 == t {print $k}' | sort -g \
    | awk '{a[NR] = $1} END {if (NR == 0) print "-"; else printf "%.3f", (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}'
}

ratio() { awk -v a="$1" -v b="$2" 'BEGIN {if (a == "-" || b == "-" || a == 0) print "-"; else printf "%.3f", b / a}'; }

{
  echo "A/B benchmark — $(date -u +%Y-%m-%dT%H:%M:%SZ); A = $A_NAME, B = $B_NAME; $ROUNDS round(s), alternating A, B; medians"
  echo "machine: $(nproc) cores; each run is bench/run.sh with the same settings (reports in $OUT)"
  echo
  printf '%-10s %4s  %-8s %10s %10s %6s  %8s %8s %6s  %8s %8s %6s\n' \
    mode conc target "A req/s" "B req/s" "B/A" "A p50" "B p50" "B/A" "A p99" "B p99" "B/A"
  rows a | awk '{print $1, $2, $3}' | awk '!seen[$0]++' | while read -r mode conc target; do
    ar=$(median_of a "$mode" "$conc" "$target" 4); br=$(median_of b "$mode" "$conc" "$target" 4)
    a50=$(median_of a "$mode" "$conc" "$target" 5); b50=$(median_of b "$mode" "$conc" "$target" 5)
    a99=$(median_of a "$mode" "$conc" "$target" 6); b99=$(median_of b "$mode" "$conc" "$target" 6)
    printf '%-10s %4s  %-8s %10s %10s %6s  %8s %8s %6s  %8s %8s %6s\n' "$mode" "$conc" "$target" \
      "$ar" "$br" "$(ratio "$ar" "$br")" "$a50" "$b50" "$(ratio "$a50" "$b50")" "$a99" "$b99" "$(ratio "$a99" "$b99")"
  done
} | tee "$OUT/ab.txt"
