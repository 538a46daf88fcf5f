#!/usr/bin/env bash
# One agent in front of one simulator, alone: its start time, RSS/PSS idle, then after two rounds of N concurrent
# /v1/ask streams (200 tokens at 50/s), and the CPU time per delta of each (10 ms ticks, /proc/<pid>/stat).
# docs/benchmarks.md, "Memory". Usage:
#   tests/Consilium.Benchmark/agent-memory.sh LABEL "SIMULATOR COMMAND" "AGENT COMMAND" [STREAMS]
# e.g. LABEL=jit with "dotnet services/Consilium.ModelSimulator/bin/Release/net10.0/Consilium.ModelSimulator.dll"
# and "dotnet services/Consilium.Agent/bin/Release/net10.0/Consilium.Agent.dll", or the Native AOT executables.
# DOTNET_* variables set for the script reach both processes.
set -euo pipefail
label=$1 sim=$2 agent=$3 streams=${4:-100}
sim_port=${SIM_PORT:-18201} agent_port=${AGENT_PORT:-18202}
out=$(mktemp -d)
trap 'kill $agent_pid $sim_pid 2>/dev/null || true; rm -rf "$out"' EXIT
ASPNETCORE_URLS=http://127.0.0.1:$sim_port Logging__LogLevel__Default=Warning $sim >"$out/sim.log" 2>&1 &
sim_pid=$!
started=$(date +%s%N)
AGENT_ID=vasquez INTERNAL_KEY=bench MODEL_SIMULATOR_URL=http://127.0.0.1:$sim_port ASPNETCORE_URLS=http://127.0.0.1:$agent_port \
    Logging__LogLevel__Default=Warning $agent >"$out/agent.log" 2>&1 &
agent_pid=$!
until curl -sf "http://127.0.0.1:$agent_port/health" >/dev/null; do
    kill -0 $agent_pid 2>/dev/null || { echo "$label: the agent exited:"; tail "$out/agent.log"; exit 1; }
    sleep 0.05
done
ready=$(date +%s%N)
until curl -sf "http://127.0.0.1:$sim_port/health" >/dev/null; do sleep 0.05; done
sleep 2
memory() { awk '/^Rss:/{r=$2} /^Pss:/{p=$2} END{printf "RSS %.1f MiB, PSS %.1f MiB", r/1024, p/1024}' "/proc/$1/smaps_rollup"; printf ", %d threads" "$(ls "/proc/$1/task" | wc -l)"; }
ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
echo "$label: agent healthy $(( (ready - started) / 1000000 )) ms after start; idle: agent $(memory $agent_pid); simulator $(memory $sim_pid)"
agent_ticks=$(ticks $agent_pid) sim_ticks=$(ticks $sim_pid) deltas=0
for round in 1 2; do
    for i in $(seq 1 "$streams"); do
        curl -s -N -X POST "http://127.0.0.1:$agent_port/v1/ask" -H 'Authorization: Bearer bench' -H 'Content-Type: application/json' \
            -d "{\"message\":\"[[sim ttft=100 rate=50 tokens=200]] Should we buy the building on Main Street? ($round-$i)\"}" -o "$out/$i.sse" &
    done
    wait $(jobs -p | grep -vx -e $agent_pid -e $sim_pid)
    deltas=$(( deltas + $(cat "$out"/*.sse | grep -c '^event: content_block_delta') ))
done
agent_used=$(( $(ticks $agent_pid) - agent_ticks )) sim_used=$(( $(ticks $sim_pid) - sim_ticks ))
sleep 2
echo "$label: after 2 x $streams streams ($deltas deltas): agent $(memory $agent_pid); simulator $(memory $sim_pid)"
echo "$label: CPU per delta: agent $(( agent_used * 10000 / deltas )) us, simulator $(( sim_used * 10000 / deltas )) us (10 ms ticks; load average $(cut -d' ' -f1-3 /proc/loadavg))"
