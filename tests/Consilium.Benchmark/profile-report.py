"""Self-time summary of a profile.sh recording: per process, CPU samples by kind of code, then the top frames.
Usage: profile-report.py <output-directory> <top-N>  (reads pids.txt and perf.data there, and /tmp/perf-<pid>.map)."""
import bisect, collections, re, subprocess, sys
out, top = sys.argv[1], int(sys.argv[2])
names = {}
for line in open(f"{out}/pids.txt"):
    n, p = line.split(); names[p] = n
maps = {}
for p in names:
    rows = []
    for line in open(f"/tmp/perf-{p}.map", errors="replace"):
        a, s, sym = line.rstrip("\n").split(" ", 2)
        rows.append((int(a, 16), int(s, 16), sym))
    rows.sort(); maps[p] = ([r[0] for r in rows], rows)
def clean(sym):
    sym = re.sub(r"\[(OptimizedTier1OSR|OptimizedTier1|Tier0|Tier1|QuickJitted|Optimized|PreJIT|Instrumented[^\]]*|OSR)\]", "", sym)
    return re.sub(r"\(.*", "", sym).strip() or "[unknown]"
counts = collections.defaultdict(collections.Counter)
groups = collections.defaultdict(collections.Counter)
def group(sym, dso):
    if "kernel" in dso: return "kernel (sockets, scheduling, syscalls)"
    if sym.startswith("[unknown]"): return "unresolved (runtime native code, stubs, code not in the perf map)"
    m = re.search(r"\[([A-Za-z0-9_.]+)\]", sym)
    if sym.startswith("stub ") : return "runtime stubs"
    if not m: return "native runtime and ReadyToRun code (no symbols)"
    asm = m.group(1)
    if asm.startswith("Consilium"): return "Consilium code"
    if asm.startswith("Yarp"): return "YARP"
    if "Kestrel" in asm or asm.startswith("Microsoft.AspNetCore"): return "ASP.NET Core and Kestrel"
    if asm.startswith("System.Net.Http"): return "HttpClient"
    if asm.startswith("System.Net.ServerSentEvents"): return "SSE parser/formatter"
    if asm.startswith("System.Net.Sockets"): return "sockets (managed)"
    if asm.startswith("System.Text.Json"): return "System.Text.Json"
    return "other framework (CoreLib: tasks, threading, channels…)"
proc = subprocess.run(["perf", "script", "-i", f"{out}/perf.data", "-F", "pid,ip,sym,dso"], capture_output=True, text=True, errors="replace")
for line in proc.stdout.splitlines():
    parts = line.split(None, 2)
    if len(parts) < 3 or parts[0] not in names: continue
    pid, ip, rest = parts[0], int(parts[1], 16), parts[2]
    if rest.startswith("[unknown]"):
        starts, rows = maps[pid]
        i = bisect.bisect_right(starts, ip) - 1
        if i >= 0 and ip < rows[i][0] + rows[i][1]:
            sym = rows[i][2]
        else:
            sym = "[unknown] " + re.sub(r"^\[unknown\]\s*", "", rest)
    else:
        sym = rest
    counts[names[pid]][clean(sym)] += 1
    dso = rest[rest.rfind("("):] if "(" in rest else ""
    groups[names[pid]][group(sym, dso)] += 1
for name in ("agent-vasquez", "orchestrator", "gateway"):
    c = counts.get(name, collections.Counter()); total = sum(c.values())
    print(f"## {name}: {total} samples (self time)")
    for g, n in groups[name].most_common():
        print(f"  {100 * n / max(total, 1):5.1f} %  {g}")
    print("  top frames:")
    for sym, n in c.most_common(top):
        print(f"  {100 * n / max(total, 1):5.1f} %  {sym[:150]}")
    print()
