#!/usr/bin/env bash
# Where the CPU of the per-delta path goes: runs the benchmark's cpu scenario with the runtime's perf maps on
# (DOTNET_PerfMapEnabled=1: perf can name JIT-compiled frames, and every hot method is JIT-compiled at tier 1), samples
# every CPU with `perf record` (cpu-clock, no call graphs: self time) while the measured rounds run, and prints the top
# frames of one agent, the orchestrator and the gateway. Needs perf (Debian: apt-get install -y linux-perf) and a
# Release build of the benchmark. See docs/benchmarks.md.
#   tests/Consilium.Benchmark/profile.sh [output-directory]
set -euo pipefail
out=${1:-/tmp/consilium-profile}
seconds=${PROFILE_SECONDS:-25}
top=${PROFILE_TOP:-12}
command -v perf >/dev/null || { echo "perf is missing: apt-get install -y linux-perf" >&2; exit 2; }
mkdir -p "$out"
root=$(cd "$(dirname "$0")/../.." && pwd)
DOTNET_PerfMapEnabled=1 dotnet run --project "$root/tests/Consilium.Benchmark" -c Release --no-build -- --scenario cpu --no-redis \
  --cpu-rounds 8 --markdown "$out/bench.md" >/dev/null 2>"$out/bench.log" &
bench=$!
until grep -q "cpu: round 2/" "$out/bench.log" 2>/dev/null; do
  kill -0 $bench 2>/dev/null || { echo "the benchmark stopped early; see $out/bench.log" >&2; exit 1; }
  sleep 1
done
descends() { local p=$1; while [ "$p" -gt 1 ]; do [ "$p" = "$bench" ] && return 0; p=$(awk '{print $4}' /proc/$p/stat 2>/dev/null || echo 1); done; return 1; }
: > "$out/pids.txt"
for pid in $(pgrep -f 'Consilium\.(Agent|Orchestrator|Gateway)\.dll'); do
  descends "$pid" || continue
  args=$(tr '\0' ' ' < /proc/$pid/cmdline 2>/dev/null || true)
  case "$args" in
    *Consilium.Orchestrator.dll*) echo "orchestrator $pid" >> "$out/pids.txt" ;;
    *Consilium.Gateway.dll*) echo "gateway $pid" >> "$out/pids.txt" ;;
    *Consilium.Agent.dll*) if tr '\0' '\n' < /proc/$pid/environ 2>/dev/null | grep -qx 'AGENT_ID=vasquez'; then echo "agent-vasquez $pid" >> "$out/pids.txt"; fi ;;
  esac
done
perf record -F 999 -e cpu-clock -a -o "$out/perf.data" -- sleep "$seconds" 2>"$out/perf.log"
wait $bench || true
# JIT-compiled code runs from the runtime's W^X double mapping (memfd:doublemapper), which perf does not match with
# the perf map, so the script resolves those addresses against /tmp/perf-<pid>.map itself.
python3 "$(dirname "$0")/profile-report.py" "$out" "$top" | tee "$out/top-frames.txt"
