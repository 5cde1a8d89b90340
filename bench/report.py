#!/usr/bin/env python3
"""Assemble bench/report/ from the raw results of bench/run.sh: report.json
(every figure, with the machine it was measured on and the commands that ran),
report.md (a summary, then a table per scenario with ratios to dpdk-testpmd io
forwarding of the same run) and report.png (gnuplot: Mpps per scenario for each
device under test). Python standard library only.

Usage: report.py RAW_DIR OUT_DIR"""
import datetime
import json
import os
import platform
import subprocess
import sys

DUTS = ("testpmd", "rampart")
raw, out = sys.argv[1], sys.argv[2]
top = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def sh(*cmd):
    try:
        return subprocess.run(cmd, capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def load(path):
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def num(v):
    return v if isinstance(v, (int, float)) and not isinstance(v, bool) else None


def dut_stats(name):
    """rampart's counters after the run (rampart stats --json), whatever of
    them is there: cycles per packet from the reply, else busy_cycles/rx_pkts."""
    st = load(os.path.join(raw, name + ".stats.json"))
    if not isinstance(st, dict) or st.get("ok") is False:
        return {}
    totals = st.get("totals") if isinstance(st.get("totals"), dict) else {}
    d = {"dut_counters": {k: v for k, v in totals.items() if v}}
    cpp = num(st.get("cycles_per_packet"))
    busy, rx = num(totals.get("busy_cycles")), num(totals.get("rx_pkts"))
    if cpp is None and busy is not None and rx:
        cpp = busy / rx
    if cpp is not None:
        d["cycles_per_packet"] = cpp
    return d


def one_run(name):
    """The figures of one run of one DUT, or None when it left nothing."""
    na = os.path.join(raw, name + ".na")
    if os.path.exists(na):
        with open(na) as f:
            return {"available": False, "reason": f.read().strip() or "unknown"}
    r = load(os.path.join(raw, name + ".json"))
    if not isinstance(r, dict):
        return None
    rfc = r.get("mode") == "rfc2544" or "zero_loss" in r
    main = r.get("max") if rfc else r.get("run", r)
    d = {"available": True, "mpps": main["rx_mpps"], "tx_mpps": main["tx_mpps"],
         "gbps": main["rx_gbps"], "loss": main["loss"],
         "lost": main.get("lost", main["tx_pkts"] - main["rx_pkts"]),
         "latency_us": main.get("latency_us") if main.get("latency_samples") else None,
         "raw": r}
    if rfc:
        zl = r.get("zero_loss") or {}
        d["zero_loss_mpps"] = r.get("zero_loss_mpps", 0.0)
        d["zero_loss_latency_us"] = zl.get("latency_us") if zl.get("latency_samples") else None
        d["trials"] = len(r.get("trials", []))
    d.update(dut_stats(name))
    try:
        with open(os.path.join(raw, name + ".dut.exit")) as f:
            d["dut_exit"] = f.read().strip()
    except OSError:
        pass
    return d


scenarios = []
with open(os.path.join(raw, "scenarios.tsv")) as f:
    for line in f:
        if "\t" in line:
            cols = line.rstrip("\n").split("\t")
            sid, desc = cols[0], cols[1]
            duts = tuple(cols[2].split()) if len(cols) > 2 and cols[2].strip() else DUTS
            scenarios.append({"id": sid, "description": desc, "duts": {},
                              "dut_list": list(duts)})

for s in scenarios:
    key = "zero_loss_mpps" if s["id"] == "rfc2544" else "mpps"
    for dut in s["dut_list"]:
        runs, rep = [], 1
        while any(os.path.exists(os.path.join(raw, f"{s['id']}.{dut}.{rep}{ext}"))
                  for ext in (".json", ".na", ".log")):
            d = one_run(f"{s['id']}.{dut}.{rep}")
            runs.append(d if d is not None else
                        {"available": False, "reason": "the generator left no result"})
            rep += 1
        ok = sorted((d for d in runs if d["available"]), key=lambda d: d.get(key, 0))
        if ok:
            med = dict(ok[len(ok) // 2])  # the median run
            med["runs_" + key] = [round(d.get(key, 0), 4) for d in ok]
            med["runs_failed"] = [d["reason"] for d in runs if not d["available"]]
            med["dut_exits"] = [f"run {i + 1}: {d['dut_exit']}" for i, d in enumerate(runs)
                                if d.get("dut_exit")]
            s["duts"][dut] = med
        elif runs:
            s["duts"][dut] = runs[0]
    tp, rp = s["duts"].get("testpmd"), s["duts"].get("rampart")
    if tp and rp and tp.get("available") and rp.get("available") and tp.get(key):
        s["ratio_to_testpmd"] = rp.get(key, 0) / tp[key]
        s["ratio_of"] = key
    # the firewall scenario: each rampart-fwN against testpmd and against 1 rule
    one = s["duts"].get("rampart-fw1")
    for dut, d in s["duts"].items():
        if not dut.startswith("rampart-fw") or not d.get("available"):
            continue
        if tp and tp.get("available") and tp.get(key):
            d["ratio_to_testpmd"] = d.get(key, 0) / tp[key]
        if one and one.get("available") and one.get(key):
            d["ratio_to_1_rule"] = d.get(key, 0) / one[key]

env = load(os.path.join(raw, "env.json")) or {}
report = {
    "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
    "machine": {"cpu": cpu_model(), "cores": os.cpu_count(), "kernel": platform.release(),
                "other_busy_cores_before": env.get("other_busy_cores_before"),
                "other_busy_cores_after": env.get("other_busy_cores_after")},
    "dpdk": sh("pkg-config", "--modversion", "libdpdk"),
    "commit": sh("git", "-C", top, "describe", "--always", "--dirty", "--abbrev=12"),
    "setup": "rampart-pktgen on lcore 0 with two net_memif servers; the DUT on lcore 1 as "
             "memif client (--no-huge); baseline dpdk-testpmd --forward-mode=io",
    "run": {k: v for k, v in env.items() if not k.startswith("other_busy")},
    "scenarios": scenarios,
}
os.makedirs(out, exist_ok=True)
with open(os.path.join(out, "report.json"), "w") as f:
    json.dump(report, f, indent=2)
    f.write("\n")


def fmt(v, spec="%.3f"):
    return "-" if v is None else spec % v


def cell(s, dut):
    """(Mpps, zero-loss) of one DUT in one scenario, as text."""
    d = s["duts"].get(dut)
    if not d:
        return "not run"
    if not d["available"]:
        return "not available"
    if "zero_loss_mpps" in d:
        return fmt(d["zero_loss_mpps"]) + " zero-loss" + (" (generator-bound)" if bound(d) else "")
    return fmt(d["mpps"])


def bound(d):
    """No loss even flat out: the search measured the generator, not the DUT."""
    return d.get("trials") == 0 and d.get("zero_loss_mpps", 0) > 0


m = report["machine"]
md = ["# rampart benchmark report", "",
      f"{report['date']}, commit {report['commit']}, DPDK {report['dpdk']}, "
      f"{m['cpu']} ({m['cores']} cores), kernel {m['kernel']}.", "",
      report["setup"] + ".", ""]
if env:
    md += [f"Runs of {env.get('duration_s')} s after {env.get('warmup_s')} s warm-up, "
           f"{env.get('repeat')} per DUT and scenario (median shown)"
           + (", quick mode" if env.get("quick") else "") + ". "
           f"Other load on the machine: {fmt(m['other_busy_cores_before'], '%.2f')} cores busy "
           f"before, {fmt(m['other_busy_cores_after'], '%.2f')} after"
           + (" - figures are disturbed." if max(m["other_busy_cores_before"] or 0,
                                                  m["other_busy_cores_after"] or 0) > 0.2
              else "."), ""]
md += ["Absolute figures on a shared 2-core machine are noisy; the ratio to testpmd, measured "
       "in the same run with the same generator, is the figure to compare. Target (reported, "
       "not asserted): rampart at 64 B >= 0.8x testpmd io.", "",
       "## Summary", "",
       "| scenario | testpmd Mpps | rampart Mpps | rampart / testpmd |",
       "|---|---|---|---|"]
for s in scenarios:
    md.append(f"| {s['id']} | {cell(s, 'testpmd')} | {cell(s, 'rampart')} | "
              f"{fmt(s.get('ratio_to_testpmd'), '%.2fx')} |")
md.append("")
for s in scenarios:
    if not any(d.startswith("rampart-fw") for d in s["dut_list"]):
        continue
    md += ["## Firewall: Mpps with N rules", "",
           "The same 1000-flow 64 B traffic through rampart with the firewall on and N random "
           "rules (rampart-fwbench --seed 1; the rule passing the traffic last, so each flow's "
           "first packet is compared with all N); targets (reported, not asserted): 10 000 "
           "rules >= 0.7x the 1-rule rate. nftables on the same rules: fw.md.", "",
           "| DUT | rules | Mpps | ratio to testpmd | ratio to 1 rule | cycles/pkt | new flows |",
           "|---|---|---|---|---|---|---|"]
    for dut in s["dut_list"]:
        d = s["duts"].get(dut)
        if not d:
            continue
        n = dut[len("rampart-fw"):] if dut.startswith("rampart-fw") else "-"
        if not d["available"]:
            md.append(f"| {dut} | {n} | not available: {d['reason']} | | | | |")
            continue
        ratio = d.get("ratio_to_testpmd") if dut.startswith("rampart-fw") else (
            s.get("ratio_to_testpmd") if dut == "rampart" else 1.0)
        md.append(f"| {dut} | {n} | {d['mpps']:.3f} | {fmt(ratio, '%.2fx')} | "
                  f"{fmt(d.get('ratio_to_1_rule'), '%.2fx')} | "
                  f"{fmt(d.get('cycles_per_packet'), '%.0f')} | "
                  f"{d.get('dut_counters', {}).get('fw_new_flows', '-')} |")
    md.append("")
for s in scenarios:
    md += [f"## {s['id']}: {s['description']}", "",
           "| DUT | Mpps | zero-loss Mpps | Gbit/s | loss | p50 µs | p99 µs | p99.9 µs "
           "| cycles/pkt | ratio to testpmd |",
           "|---|---|---|---|---|---|---|---|---|---|"]
    for dut in s["dut_list"]:
        d = s["duts"].get(dut)
        if not d:
            continue
        if not d["available"]:
            md.append(f"| {dut} | not available: {d['reason']} | | | | | | | | |")
            continue
        lat = d.get("zero_loss_latency_us") if "zero_loss_mpps" in d else d.get("latency_us")
        lat = lat or {}
        ratio = (s.get("ratio_to_testpmd") if dut == "rampart" else
                 d.get("ratio_to_testpmd") if dut.startswith("rampart-fw") else
                 (1.0 if "ratio_to_testpmd" in s else None))
        zl = fmt(d.get("zero_loss_mpps")) + (" (generator-bound)" if bound(d) else "")
        md.append(f"| {dut} | {d['mpps']:.3f} | {zl} | "
                  f"{d['gbps']:.2f} | {d['loss'] * 100:.4f}% | "
                  f"{fmt(lat.get('p50'), '%.1f')} | {fmt(lat.get('p99'), '%.1f')} | "
                  f"{fmt(lat.get('p99_9'), '%.1f')} | {fmt(d.get('cycles_per_packet'), '%.0f')} | "
                  f"{fmt(ratio, '%.2fx')} |")
        for note in d.get("dut_exits", []):
            md.append(f"| {dut} | (note: {note}) | | | | | | | | |")
        if d.get("runs_failed"):
            md.append(f"| {dut} | ({len(d['runs_failed'])} run(s) failed: "
                      f"{d['runs_failed'][0]}) | | | | | | | | |")
    md.append("")
md += ["The firewall against Linux nftables with the same rules, forwarding between "
       "namespaces over veth: fw.md (bench/fw.sh, run after this report, same folder).", ""]
md += ["Mpps: packets received back by the generator per second (for rfc2544, in the "
       "flat-out trial; zero-loss Mpps is the search's result, and its latency columns are "
       "those of the zero-loss trial). Latency is measured on one packet in 1000 (100 in the "
       "latency scenario) and, at full rate, is mostly time spent in full queues. "
       "cycles/pkt: the rampart worker's TSC cycles on non-empty polls per packet received "
       "(busy_cycles / rx_pkts); testpmd has no such counter. Each figure is the median of "
       "the runs listed in report.json (runs_mpps).", ""]
with open(os.path.join(out, "report.md"), "w") as f:
    f.write("\n".join(md))

# the plot: grouped bars of Mpps per scenario (zero-loss Mpps for rfc2544)
dat = os.path.join(out, "report.dat")
with open(dat, "w") as f:
    f.write("# scenario testpmd rampart\n")
    for s in scenarios:
        v = []
        for dut in DUTS:
            d = s["duts"].get(dut) or {}
            v.append(d.get("zero_loss_mpps", d.get("mpps", 0)) if d.get("available") else 0)
        f.write(f"{s['id']} {v[0]:.4f} {v[1]:.4f}\n")
gp = f"""set terminal pngcairo size 1000,450 noenhanced
set output '{os.path.join(out, "report.png")}'
set title 'rampart vs dpdk-testpmd io (same run, memif, one core each; rfc2544: zero-loss)'
set ylabel 'Mpps received'
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.8 border -1
set key outside right top vertical
set yrange [0:*]
set offset 0, 0, graph 0.08, 0
set grid ytics
set xtics rotate by -20
plot '{dat}' using 2:xtic(1) title 'testpmd io', '' using 3 title 'rampart'
"""
try:
    subprocess.run(["gnuplot"], input=gp, text=True, check=True, capture_output=True)
except (OSError, subprocess.CalledProcessError) as e:
    print("report: no plot (gnuplot: %s)" % e, file=sys.stderr)
finally:
    os.unlink(dat)
print(open(os.path.join(out, "report.md")).read())
