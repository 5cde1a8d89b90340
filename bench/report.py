#!/usr/bin/env python3
"""Assemble bench/report/ from the raw results of bench/run.sh: report.json
(every figure, with the machine it was measured on and the commands that ran),
report.md (a summary, then a table per scenario with ratios to dpdk-testpmd io
forwarding of the same run) and report.png (gnuplot: Mpps per scenario for each
device under test). Python standard library only.

Usage: report.py RAW_DIR OUT_DIR
       report.py --nat RAW_DIR OUT_DIR   (bench/nat.sh: nat.json and nat.md from
                                          RAW_DIR/nat.figures.tsv)"""
import datetime
import json
import os
import platform
import statistics
import subprocess
import sys

DUTS = ("testpmd", "rampart")
# report.py --nat RAW_DIR OUT_DIR: bench/nat.sh's nat.json and nat.md instead
NAT_MODE = len(sys.argv) > 1 and sys.argv[1] == "--nat"
if NAT_MODE:
    sys.argv.pop(1)
raw, out = sys.argv[1], sys.argv[2]
top = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def sh(*cmd):
    try:
        return subprocess.run(cmd, capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def cpu_hz():
    """The clock of the cores (Hz), for cycles from busy time; None if unknown."""
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("cpu MHz"):
                    return float(line.split(":", 1)[1]) * 1e6
    except (OSError, ValueError):
        pass
    return None


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
    if isinstance(main.get("dns"), dict):
        # --dns: the responses that came back, by rcode
        d["dns"] = main["dns"]
        d["answers_mps"] = main["dns"].get("answers_per_s", 0) / 1e6
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


# ---- NAT: bench/nat.sh (report.py --nat RAW_DIR OUT_DIR) ----

NAT_ROWS = (
    ("kernel", "Linux forwarding, no nft"),
    ("nft_masq", "Linux + nft masquerade"),
    ("rampart_fw", "rampart, firewall only"),
    ("rampart_nat", "rampart, firewall + NAT"),
)


def nat_figures():
    """raw/nat.figures.tsv: KEY<TAB>JSON per line, as nat.sh recorded them."""
    fig = {}
    with open(os.path.join(raw, "nat.figures.tsv")) as f:
        for line in f:
            if "\t" not in line:
                continue
            k, v = line.rstrip("\n").split("\t", 1)
            try:
                fig[k] = json.loads(v)
            except ValueError:
                fig[k] = None
    return fig


def nat_median(vals):
    vals = [v for v in vals if v is not None]
    return statistics.median(vals) if vals else None


def nat_round(fig, rid, r):
    """Round r of new connections of one DUT (0: the warm-up, not counted)."""
    pg = fig.get(f"{rid}.conn.{r}.pktgen") or {}
    d = fig.get(f"{rid}.conn.{r}.dut") or {}
    el = num(pg.get("elapsed_s"))
    # what the DUT says it made: masquerade rule hits (a nat chain sees only
    # a connection's first packet), NAT bindings, firewall flows
    made = {"nft_masq": d.get("bindings_created"),
            "rampart_nat": d.get("nat_mappings_created"),
            "rampart_fw": d.get("fw_new_flows")}.get(rid)
    rd = {"round": r, "available": f"{rid}.conn.{r}.na" not in fig,
          "rx_pkts": pg.get("rx_pkts"), "tx_pkts": pg.get("tx_pkts"), "elapsed_s": el,
          "new_per_s": (pg["rx_pkts"] / el) if el and num(pg.get("rx_pkts")) is not None
          else None,
          "tx_per_s": (pg["tx_pkts"] / el) if el and num(pg.get("tx_pkts")) is not None
          else None,
          "created_by_dut": num(made),
          "created_by_dut_per_s": (made / el) if el and num(made) is not None else None,
          "cycles_per_packet": num(d.get("cycles_per_packet")), "dut": d or None}
    if not rd["available"]:
        rd["reason"] = fig[f"{rid}.conn.{r}.na"]
    for k in ("dst", "flows_flush_failed", "nat_flush_failed", "flows_in_use_at_start",
              "flush_wait_ms", "nat_at_start"):
        if f"{rid}.conn.{r}.{k}" in fig:
            rd[k] = fig[f"{rid}.conn.{r}.{k}"]
    return rd


def nat_row(fig, rid, label):
    """One DUT: the steady run (Mpps for the 1000 flows) and the rounds of new
    connections (each flow sent once: rate of new connections and bindings)."""
    row = {"id": rid, "dut": label, "available": rid + ".na" not in fig
           and rid + ".steady.na" not in fig}
    if rid + ".na" in fig:
        row["reason"] = fig[rid + ".na"]
        return row
    if rid + ".rules" in fig:
        row["rules"] = fig[rid + ".rules"]
    st = fig.get(rid + ".steady.pktgen") or {}
    dut = fig.get(rid + ".steady.dut") or {}
    if rid + ".steady.na" in fig:
        row["reason"] = fig[rid + ".steady.na"]
    row["steady"] = {"mpps": num(st.get("rx_mpps")), "tx_mpps": num(st.get("tx_mpps")),
                     "loss": num(st.get("loss")), "dut": dut or None,
                     "cycles_per_packet": num(dut.get("cycles_per_packet"))}
    # Linux: the DUT core's busy time over warm-up and run, at the run's rate
    cpu = fig.get(rid + ".steady.cpu") or {}
    hz, mpps = cpu_hz(), num(st.get("rx_mpps"))
    if cpu.get("busy_s") and cpu.get("seconds") and hz and mpps:
        row["steady"]["cpu_busy_s"] = cpu["busy_s"]
        row["steady"]["cycles_per_packet"] = cpu["busy_s"] * hz / (mpps * 1e6 * cpu["seconds"])
    rounds = []
    r = 1
    while any(k.startswith(f"{rid}.conn.{r}.") for k in fig):
        rounds.append(nat_round(fig, rid, r))
        r += 1
    if any(k.startswith(f"{rid}.conn.0.") for k in fig):
        row["conn_warmup"] = nat_round(fig, rid, 0)
    row["conn_rounds"] = rounds
    ok = [x for x in rounds if x["available"]]
    row["conn_per_s"] = nat_median([x["new_per_s"] for x in ok])
    row["conn_per_s_min"] = min((x["new_per_s"] for x in ok if x["new_per_s"] is not None),
                                default=None)
    row["conn_per_s_max"] = max((x["new_per_s"] for x in ok if x["new_per_s"] is not None),
                                default=None)
    # all rounds as one run: packets forwarded / time spent sending
    el = sum(x["elapsed_s"] or 0 for x in ok)
    row["conn_per_s_all_rounds"] = (sum(x["rx_pkts"] or 0 for x in ok) / el) if el else None
    row["conn_tx_per_s"] = nat_median([x["tx_per_s"] for x in ok])
    row["conn_created_by_dut_per_s"] = nat_median([x["created_by_dut_per_s"] for x in ok])
    row["conn_cycles_per_packet"] = nat_median([x["cycles_per_packet"] for x in ok])
    if rid == "rampart_nat" and row["available"]:
        # numbers only count as NAT when the dataplane says it translated
        seen = [(x.get("dut") or {}).get("nat_out") for x in ok] + [dut.get("nat_out")]
        row["nat_observed"] = any(isinstance(v, int) and v > 0 for v in seen)
    return row


def nat_fmt(v, spec="%.3f"):
    return "n/a" if v is None else spec % v


def nat_ratio(a, b):
    return a / b if a is not None and b else None


def nat_report():
    fig = nat_figures()
    rows = {rid: nat_row(fig, rid, label) for rid, label in NAT_ROWS}
    nat = rows["rampart_nat"]
    nat_ok = nat["available"] and nat.get("nat_observed")

    def ratio(a, b, key):
        ra, rb = rows[a], rows[b]
        if not ra["available"] or not rb["available"] or (a == "rampart_nat" and not nat_ok):
            return None
        va = ra["steady"]["mpps"] if key == "mpps" else ra["conn_per_s"]
        vb = rb["steady"]["mpps"] if key == "mpps" else rb["conn_per_s"]
        return nat_ratio(va, vb)

    ratios = {}
    for name, a, b in (("rampart_nat_to_nft_masq", "rampart_nat", "nft_masq"),
                       ("rampart_nat_to_rampart_fw", "rampart_nat", "rampart_fw"),
                       ("nft_masq_to_kernel", "nft_masq", "kernel")):
        ratios[name] = {"mpps": ratio(a, b, "mpps"), "conn_per_s": ratio(a, b, "conn")}
    show = fig.get("nat_show")
    if isinstance(show, dict) and isinstance(show.get("list"), list):
        # the mappings themselves stay in raw/nat.rampart_nat.show.json
        show = dict(show)
        show["list_entries"] = len(show.pop("list"))
    memory = None
    if isinstance(show, dict):
        bb = num(show.get("binding_bytes"))
        nb = num(show.get("bindings", show.get("bindings_count")))
        memory = {"binding_bytes": bb, "bindings": nb,
                  "bytes_in_use": bb * nb if bb is not None and nb is not None else None,
                  "pools": show.get("pools")}
    report = {
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "commit": sh("git", "-C", top, "describe", "--always", "--dirty", "--abbrev=12"),
        "quick": fig.get("quick"), "duration_s": fig.get("duration_s"),
        "warmup_s": fig.get("warmup_s"), "flows": fig.get("flows"),
        "conn_flows": fig.get("conn_flows"), "conn_rounds": fig.get("conn_rounds"),
        "machine": {"cpu": cpu_model(), "cores": os.cpu_count(), "kernel": platform.release(),
                    "nft": fig.get("nft_version"),
                    "nf_conntrack_max": fig.get("nft_conntrack_max")},
        "other_busy_cores_before": fig.get("other_busy_cores_before"),
        "other_busy_cores_after": fig.get("other_busy_cores_after"),
        "commands": {k[4:]: v for k, v in fig.items() if k.startswith("cmd.")},
        "nft_ruleset": fig.get("nft_ruleset"),
        "rows": [rows[rid] for rid, _ in NAT_ROWS],
        "ratios": ratios,
        "nat_observed": nat.get("nat_observed"),
        "nat_show": show if isinstance(show, dict) else None,
        "nat_show_error": fig.get("nat_show.na"),
        "memory_per_binding": memory,
    }
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, "nat.json"), "w") as f:
        json.dump(report, f, indent=2)
        f.write("\n")

    def mpps(v):
        return "n/a" if v is None else ("%.3f" % v if v >= 0.01 else "%.5f" % v)

    def rate(v):
        return "n/a" if v is None else "%.0f" % v

    busy = [report["other_busy_cores_before"], report["other_busy_cores_after"]]
    md = ["# NAT44 benchmark", "",
          f"{report['date']}, commit {report['commit']}, {report['machine']['cpu']}, "
          f"{report['machine']['cores']} cores, kernel {report['machine']['kernel']}, "
          f"{report['machine']['nft']}; {report['duration_s']} s runs of {report['flows']} "
          f"flows, 64 B UDP; {report['conn_rounds']} round(s) of {report['conn_flows']} new "
          f"flows" + (" (--quick)" if report["quick"] else "") + ".", "",
          f"Other load: {nat_fmt(busy[0], '%.2f')} cores busy before, {nat_fmt(busy[1], '%.2f')} after"
          + (" - figures are disturbed." if max(b or 0 for b in busy) > 0.2 else
             " (above about 0.2, distrust the run)."), "",
          "The generator (1 lcore) and the DUT (1 core: rampart's worker, or the kernel's "
          "forwarding by RPS) share a small machine over veth and AF_PACKET: absolute rates are "
          "noisy; compare the rows of one run. Mpps: the 1000 flows sent in turn, all known "
          "after the warm-up (translation of known flows). New conn/s: every flow sent once "
          "(median of the rounds), i.e. the rate of packets forwarded when each one opens a "
          "connection and, with NAT, a binding; \"made by DUT\" is what the DUT counted per "
          "round (nft: hits of the masquerade rule, which sees only a connection's first "
          "packet; rampart: nat_mappings_created, or fw_new_flows without NAT). cycles/pkt: "
          "rampart's busy_cycles / rx_pkts over the run. (<1% lost): the DUT took nearly all "
          "that was sent - for rampart the generator was the limit; the generator's "
          "transmit also slows down with the Linux DUT's work, so compare the tx columns. "
          "See docs/bench.md, NAT.", "",
          "cycles/pkt for Linux: its core's busy time (/proc/stat) times the clock over the "
          "packets of the run.", "",
          "| DUT | Mpps | generator tx Mpps | cycles/pkt | new conn/s: median (min-max) | "
          "generator tx/s | made by DUT per round | cycles/pkt (new) |",
          "|---|---:|---:|---:|---:|---:|---:|---:|"]
    notes = []
    for rid, label in NAT_ROWS:
        r = rows[rid]
        if "reason" in r and not r.get("steady"):
            md.append(f"| {label} | not available: {r['reason']} | | | | | | |")
            continue
        st = r["steady"]
        made = [x["created_by_dut"] for x in r["conn_rounds"] if x["available"]]
        made_txt = " / ".join("n/a" if m is None else "%d" % m for m in made) or "n/a"
        if rid == "kernel":
            made_txt = "-"
        cell = mpps(st["mpps"]) if "reason" not in r else "n/a"
        if st["loss"] is not None and st["loss"] < 0.01:
            cell += " (<1% lost)"  # the DUT took nearly all that was sent
        shown = label
        if rid == "rampart_nat" and r["available"] and not r.get("nat_observed"):
            shown += " (NAT not observed)"
            notes.append("rampart + NAT: the dataplane counted no translated packet "
                         "(nat_out absent or 0), so its row is not a NAT figure and no "
                         "ratio is computed from it.")
        md.append(f"| {shown} | {cell} | {mpps(st['tx_mpps'])} | "
                  f"{nat_fmt(st['cycles_per_packet'], '%.0f')} | {rate(r['conn_per_s'])} "
                  f"({rate(r['conn_per_s_min'])}-{rate(r['conn_per_s_max'])}) | "
                  f"{rate(r['conn_tx_per_s'])} | {made_txt} | "
                  f"{nat_fmt(r['conn_cycles_per_packet'], '%.0f')} |")
        if "reason" in r:
            notes.append(f"{label}: steady run not available: {r['reason']}")
        # rampart's drop counters during the runs (the NAT's among them)
        runs = [("steady run", st.get("dut"))] + [
            (f"round {x['round']}", x.get("dut")) for x in r["conn_rounds"]]
        for what, d in runs:
            drops = {k: v for k, v in (d or {}).items() if k.startswith("drop_") and v}
            if drops and rid.startswith("rampart"):
                notes.append(f"{label}, {what}: " + ", ".join(
                    f"{k} {v}" for k, v in sorted(drops.items())))
        for x in r["conn_rounds"]:
            if not x["available"]:
                notes.append(f"{label}: new-connection round {x['round']} not available: "
                             f"{x.get('reason')}")
            if x.get("nat_flush_failed") is not None:
                notes.append(f"{label}: round {x['round']}: rampart nat flush failed "
                             f"({x['nat_flush_failed']}); bindings of earlier runs may have "
                             "been reused")
            if x.get("flows_flush_failed"):
                notes.append(f"{label}: round {x['round']}: rampart flows flush failed")
            left = x.get("flows_in_use_at_start")
            ports = (x.get("nat_at_start") or {}).get("ports_in_use")
            if "flows_in_use_at_start" in x and left != 0:
                notes.append(f"{label}: round {x['round']} started with "
                             f"{'an unknown number of' if left is None else left} flow table "
                             f"entries still in use ({x.get('flush_wait_ms')} ms after the flush)")
            if ports:
                notes.append(f"{label}: round {x['round']} started with {ports} public ports "
                             "still in use")
            at_start = (x.get("dut") or {}).get("conntrack_at_start")
            cmax = report["machine"]["nf_conntrack_max"]
            if rid == "nft_masq" and at_start is not None and cmax and \
                    at_start + (report["conn_flows"] or 0) > cmax:
                notes.append(f"{label}: round {x['round']}: conntrack may have been full "
                             f"({at_start} entries at the start, nf_conntrack_max {cmax})")
    md += ["", "| ratio | Mpps | new conn/s |", "|---|---:|---:|"]
    for name, text in (("rampart_nat_to_nft_masq", "rampart NAT / nft masquerade"),
                       ("rampart_nat_to_rampart_fw", "rampart NAT / rampart without NAT"),
                       ("nft_masq_to_kernel", "nft masquerade / Linux without nft")):
        md.append(f"| {text} | {nat_fmt(ratios[name]['mpps'], '%.2f')} | "
                  f"{nat_fmt(ratios[name]['conn_per_s'], '%.2f')} |")
    md.append("")
    # per core: the clock over cycles per packet, Linux's masquerade (its
    # core's busy time here) against rampart's NAT on memif (nat64_1k, from
    # run.sh's report.json in the same folder, when there is one)
    hz = cpu_hz()
    nft_c = rows["nft_masq"]["steady"]["cycles_per_packet"] if rows["nft_masq"].get("steady") \
        else None
    memif_c = None
    rj = load(os.path.join(out, "report.json")) or {}
    for sc in rj.get("scenarios", []):
        d = sc.get("duts", {}).get("rampart-nat") if sc.get("id") == "nat64_1k" else None
        if d and d.get("available"):
            memif_c = d.get("cycles_per_packet")
    if hz and nft_c:
        line = (f"Per core (clock {hz / 1e9:.2f} GHz / cycles per packet): Linux with nft "
                f"masquerade {hz / nft_c / 1e6:.2f} Mpps ({nft_c:.0f} cycles per packet, its "
                "core's busy time in /proc/stat over the run)")
        if memif_c:
            line += (f"; rampart NAT on memif (nat64_1k in this folder's report.md) "
                     f"{hz / memif_c / 1e6:.2f} Mpps ({memif_c:.0f} cycles): "
                     f"{nft_c / memif_c:.1f}x (target >= 10x)")
        md += [line + ". Linux's figure includes the veth hops and the hand-over of each "
               "forwarded frame to the generator's AF_PACKET socket, which run on the same "
               "core; with NICs its cost per packet would be lower, so the ratio overstates "
               "rampart's lead by that much (see docs/bench.md, NAT).", ""]
        report["per_core"] = {"hz": hz, "nft_masq_cycles_per_packet": nft_c,
                              "rampart_nat_memif_cycles_per_packet": memif_c,
                              "ratio": (nft_c / memif_c) if memif_c else None}
        with open(os.path.join(out, "nat.json"), "w") as f:
            json.dump(report, f, indent=2)
    if memory:
        md.append(f"Memory per binding (rampart nat show): {nat_fmt(memory['binding_bytes'], '%d')} "
                  f"bytes; {nat_fmt(memory['bindings'], '%d')} bindings after the last round, "
                  f"{nat_fmt(memory['bytes_in_use'], '%d')} bytes.")
    else:
        md.append("Memory per binding: not available ("
                  + (report["nat_show_error"] or "rampart NAT row did not run") + ").")
    md.append("")
    if notes:
        md += ["Notes:", ""] + [f"- {n}" for n in notes] + [""]
    with open(os.path.join(out, "nat.md"), "w") as f:
        f.write("\n".join(md))
    print("\n".join(md))


if NAT_MODE:
    nat_report()
    sys.exit(0)

def base_dut(s):
    """The baseline of a scenario: testpmd, or for dns_memif testpmd-loop."""
    return "testpmd-loop" if "testpmd-loop" in s["dut_list"] else "testpmd"


def main_dut(s):
    """rampart as the summary shows it: rampart, or for dns_memif rampart-dns."""
    return "rampart-dns" if "rampart-dns" in s["dut_list"] else "rampart"


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
    tp, rp = s["duts"].get(base_dut(s)), s["duts"].get(main_dut(s))
    if tp and rp and tp.get("available") and rp.get("available") and tp.get(key):
        # DNS: the answers against the queries testpmd returned
        s["ratio_to_testpmd"] = rp.get("answers_mps" if "dns" in rp else key, 0) / tp[key]
        s["ratio_of"] = "answers_mps / mpps" if "dns" in rp else key
    # the firewall and NAT scenarios: each rampart-fwN and rampart-nat against
    # testpmd, and each rampart-fwN against 1 rule
    one = s["duts"].get("rampart-fw1")
    for dut, d in s["duts"].items():
        if not dut.startswith("rampart-") or not d.get("available"):
            continue
        if tp and tp.get("available") and tp.get(key):
            d["ratio_to_testpmd"] = d.get(key, 0) / tp[key]
        if dut.startswith("rampart-fw") and one and one.get("available") and one.get(key):
            d["ratio_to_1_rule"] = d.get(key, 0) / one[key]
    if "ratio_to_testpmd" in s and main_dut(s) != "rampart":
        rp["ratio_to_testpmd"] = s["ratio_to_testpmd"]

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
    if d.get("dns", {}).get("answers"):
        return fmt(d["answers_mps"]) + " M answers/s"
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
    md.append(f"| {s['id']} | {cell(s, base_dut(s))} | {cell(s, main_dut(s))} | "
              f"{fmt(s.get('ratio_to_testpmd'), '%.2fx')} |")
md.append("")
for s in scenarios:
    dn, lp = s["duts"].get("rampart-dns"), s["duts"].get("testpmd-loop")
    if not dn and not lp:
        continue
    hz = cpu_hz()
    md += ["## DNS fast path (memif): queries answered per second", "",
           "rampart-pktgen --dns: 40% A or AAAA of existing names, 20% NXDOMAIN, 10% each "
           "NODATA, CNAME, wildcard, referral, half with EDNS, from 100 sources to the \"in\" "
           "port's address; the worker answers from a zone of 10 000 names, back out of the "
           "port the query came in by, where the generator counts the answers by rcode. "
           "testpmd-loop (io forwarding, --port-topology=loop) returns the same queries out of "
           "the same port: the least a DUT can do with them. Summary cells: Mpps returned "
           "(testpmd), answers in millions a second (rampart). Cycles per query: busy_cycles / "
           "rx_pkts of the worker; per core: the clock over that. NSD and Knot on the same "
           "zone and queries: dns.md (bench/dns.sh, same folder).", "",
           "| DUT | answers/s | returned Mpps | loss | NOERROR | NXDOMAIN | other | "
           "cycles/query | queries/s per core | ratio to testpmd-loop |",
           "|---|---|---|---|---|---|---|---|---|---|"]
    for dut, d in (("testpmd-loop", lp), ("rampart-dns", dn)):
        if not d:
            continue
        if not d["available"]:
            md.append(f"| {dut} | not available: {d['reason']} | | | | | | | | |")
            continue
        q = d.get("dns") or {}
        cpq = d.get("cycles_per_packet")
        ratio = 1.0 if dut == "testpmd-loop" else d.get("ratio_to_testpmd")
        answers = "%.0f" % q["answers_per_s"] if q.get("answers") else "-"
        md.append(f"| {dut} | {answers} | {d['mpps']:.3f} | "
                  f"{d['loss'] * 100:.4f}% | {q.get('noerror', '-')} | "
                  f"{q.get('nxdomain', '-')} | {q.get('other', '-')} | {fmt(cpq, '%.0f')} | "
                  f"{fmt(hz / cpq if hz and cpq else None, '%.0f')} | {fmt(ratio, '%.2fx')} |")
    md.append("")
for s in scenarios:
    nat = s["duts"].get("rampart-nat")
    if not nat:
        continue
    md += ["## NAT44 (memif): Mpps with every flow masqueraded", "",
           "The same 1000 flows as fwd64_1k, each through a NAT mapping (`nat on out from "
           "198.18.0.0/15 -> out`, firewall passing everything). Target (reported, not "
           "asserted): >= 0.6x testpmd io. NAT against nftables masquerade over veth: nat.md.", "",
           "| DUT | Mpps | ratio to testpmd | cycles/pkt | mappings created |",
           "|---|---|---|---|---|"]
    for dut in ("testpmd", "rampart", "rampart-nat"):
        d = s["duts"].get(dut)
        if not d:
            continue
        if not d["available"]:
            md.append(f"| {dut} | not available: {d['reason']} | | | |")
            continue
        ratio = 1.0 if dut == "testpmd" else (
            s.get("ratio_to_testpmd") if dut == "rampart" else d.get("ratio_to_testpmd"))
        md.append(f"| {dut} | {d['mpps']:.3f} | {fmt(ratio, '%.2fx')} | "
                  f"{fmt(d.get('cycles_per_packet'), '%.0f')} | "
                  f"{d.get('dut_counters', {}).get('nat_mappings_created', '-')} |")
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
                 d.get("ratio_to_testpmd") if dut.startswith("rampart-") else
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
        for dut in (base_dut(s), main_dut(s)):
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
