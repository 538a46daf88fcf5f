#!/usr/bin/env bash
# publish-r2r.sh DIR: the four services published as the container images build them (deploy/docker/Dockerfile:
# framework-dependent, ReadyToRun, Release), for this machine's platform, into DIR/<Service>/ with its apphost
# DIR/<Service>/<Service>. The benchmark runs them with --r2r DIR (docs/benchmarks.md, "Cold start").
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
out="${1:?usage: publish-r2r.sh DIR}"
for service in Consilium.ModelSimulator Consilium.Agent Consilium.Orchestrator Consilium.Gateway; do
    echo "publish-r2r: $service" >&2
    dotnet publish "$root/services/$service/$service.csproj" --configuration Release --use-current-runtime --self-contained false \
        -p:PublishReadyToRun=true -p:NuGetAudit=false --output "$out/$service" --nologo --verbosity quiet </dev/null >&2
done
