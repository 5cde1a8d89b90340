#!/usr/bin/env python3
"""Assemble bench/report/ from the raw results of bench/run.sh: report.json
(every figure, with the machine it was measured on), report.md (a table per
scenario, ratios to dpdk-testpmd io forwarding of the same run) and report.png
(gnuplot: Mpps per scenario for each device under test).

Usage: report.py RAW_DIR OUT_DIR"""
import datetime
import json
import os
import platform
import subprocess
import sys

raw, out = sys.argv[1], sys.argv[2]


def sh(*cmd):
    try:
        return subprocess.run(cmd, capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def cpu_model():
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown"


def load(path):
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


scenarios = []
with open(os.path.join(raw, "scenarios.tsv")) as f:
    for line in f:
        sid, desc = line.rstrip("\n").split("\t", 1)
        scenarios.append({"id": sid, "description": desc, "duts": {}})

def one_run(name):
    """The figures of one run of one DUT, or None."""
    na = os.path.join(raw, name + ".na")
    if os.path.exists(na):
        return {"available": False, "reason": open(na).read().strip()}
    r = load(os.path.join(raw, name + ".json"))
    if r is None:
        return None
    main = r.get("zero_loss") if "zero_loss" in r else r.get("run")
    d = {"available": True, "mpps": main["rx_mpps"], "gbps": main["rx_gbps"],
         "loss": main["loss"], "latency_us": main["latency_us"] if main["latency_samples"] else None,
         "raw": r}
    if "zero_loss_mpps" in r:
        d["zero_loss_mpps"] = r["zero_loss_mpps"]
        d["max_mpps"] = r["max"]["rx_mpps"]
    st = load(os.path.join(raw, name + ".stats.json"))
    if st and st.get("ok"):
        d["cycles_per_packet"] = st.get("cycles_per_packet")
        d["dut_counters"] = {k: v for k, v in st.get("totals", {}).items() if v}
    return d


for s in scenarios:
    for dut in ("testpmd", "rampart"):
        runs = []
        rep = 1
        while True:
            name = f"{s['id']}.{dut}.{rep}"
            if not any(os.path.exists(os.path.join(raw, name + ext)) for ext in (".json", ".na", ".log")):
                break
            d = one_run(name)
            if d is not None:
                runs.append(d)
            rep += 1
        ok = sorted((d for d in runs if d["available"]), key=lambda d: d["mpps"])
        if ok:
            med = dict(ok[len(ok) // 2])  # the median run, by Mpps
            med["runs_mpps"] = [round(d["mpps"], 4) for d in runs if d["available"]]
            s["duts"][dut] = med
        elif runs:
            s["duts"][dut] = runs[0]
    tp, rp = s["duts"].get("testpmd"), s["duts"].get("rampart")
    if tp and rp and tp.get("available") and rp.get("available") and tp["mpps"] > 0:
        s["ratio_to_testpmd"] = rp["mpps"] / tp["mpps"]

report = {
    "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
    "machine": {"cpu": cpu_model(), "cores": os.cpu_count(), "kernel": platform.release()},
    "dpdk": sh("pkg-config", "--modversion", "libdpdk"),
    "commit": sh("git", "-C", os.path.dirname(os.path.abspath(__file__)), "rev-parse", "--short", "HEAD"),
    "setup": "rampart-pktgen on lcore 0 with two net_memif servers; DUT on lcore 1 as memif client "
             "(--no-huge); baseline dpdk-testpmd --forward-mode=io",
    "scenarios": scenarios,
}
os.makedirs(out, exist_ok=True)
with open(os.path.join(out, "report.json"), "w") as f:
    json.dump(report, f, indent=2)


def fmt(v, spec="%.3f"):
    return "-" if v is None else spec % v


md = [f"# rampart benchmark report", "",
      f"{report['date']}, commit {report['commit']}, DPDK {report['dpdk']}, "
      f"{report['machine']['cpu']} ({report['machine']['cores']} cores), kernel {report['machine']['kernel']}.", "",
      report["setup"] + ".", "",
      "Absolute figures on a shared 2-core machine are noisy; the ratio to testpmd, measured "
      "in the same run with the same generator, is the figure to compare. Target: rampart at "
      "64 B >= 0.8x testpmd io.", ""]
for s in scenarios:
    md += [f"## {s['id']}: {s['description']}", "",
           "| DUT | Mpps | Gbit/s | loss | p50 us | p99 us | p99.9 us | cycles/pkt | ratio to testpmd |",
           "|---|---|---|---|---|---|---|---|---|"]
    for dut in ("testpmd", "rampart"):
        d = s["duts"].get(dut)
        if not d:
            continue
        if not d["available"]:
            md.append(f"| {dut} | not available: {d['reason']} | | | | | | | |")
            continue
        lat = d["latency_us"] or {}
        ratio = s.get("ratio_to_testpmd") if dut == "rampart" else 1.0
        mpps = d["mpps"]
        if "zero_loss_mpps" in d:
            mpps_s = f"{mpps:.3f} zero-loss (max {d['max_mpps']:.3f})"
        else:
            mpps_s = f"{mpps:.3f}"
        md.append(f"| {dut} | {mpps_s} | {d['gbps']:.2f} | {d['loss']*100:.4f}% | "
                  f"{fmt(lat.get('p50'), '%.1f')} | {fmt(lat.get('p99'), '%.1f')} | "
                  f"{fmt(lat.get('p99_9'), '%.1f')} | {fmt(d.get('cycles_per_packet'), '%.0f')} | "
                  f"{fmt(ratio, '%.2fx')} |")
    md.append("")
md += ["Each figure is the median of the runs listed in report.json (runs_mpps). "
       "cycles/pkt: the rampart worker's TSC cycles spent on non-empty polls divided by packets "
       "received (dataplane counters busy_cycles / rx_pkts); testpmd exposes no such counter.", ""]
with open(os.path.join(out, "report.md"), "w") as f:
    f.write("\n".join(md))

# the plot: grouped bars of Mpps per scenario
dat = os.path.join(out, "report.dat")
with open(dat, "w") as f:
    f.write("scenario testpmd rampart\n")
    for s in scenarios:
        v = [s["duts"].get(d, {}).get("mpps", 0) if s["duts"].get(d, {}).get("available") else 0
             for d in ("testpmd", "rampart")]
        f.write(f"{s['id']} {v[0]:.4f} {v[1]:.4f}\n")
gp = f"""set terminal pngcairo size 900,450 noenhanced
set output '{os.path.join(out, "report.png")}'
set title 'rampart vs dpdk-testpmd io (same run, memif, 1 core each)'
set ylabel 'Mpps received'
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.8 border -1
set key top right
set yrange [0:*]
set xtics rotate by -20
plot '{dat}' using 2:xtic(1) title 'testpmd io', '' using 3 title 'rampart'
"""
try:
    subprocess.run(["gnuplot"], input=gp, text=True, check=True, capture_output=True)
except (OSError, subprocess.CalledProcessError) as e:
    print("report: no plot (gnuplot: %s)" % e, file=sys.stderr)
print(open(os.path.join(out, "report.md")).read())
