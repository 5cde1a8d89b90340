#!/usr/bin/python3
# caldav_load.py - the load generator of bench/caldav.sh (docs/bench.md,
# "CalDAV"): N processes, each with one keep-alive HTTP/1.1 connection
# (http.client), send one kind of request for a bounded count and time and
# report, as one JSON line: requests, rate, the server's CPU time over the
# run (/proc/PID/stat of --server-pid, all its threads and waited children)
# and the client's own, and what the answers held, so that two servers'
# answers to the same requests can be compared.
#
#   caldav_load.py put      --n 10000            PUT ev00000.ics .. (If-None-Match: *;
#                                                --first F: from evF.ics on)
#   caldav_load.py multiget --n 10000 --hrefs 50 calendar-multiget, random hrefs
#   caldav_load.py query    --range week|day     calendar-query, time-range, getetag
#   caldav_load.py propfind                      PROPFIND Depth 1, getetag
#   caldav_load.py fill --dir DIR --n 10000      write the events not in DIR yet
#
# Common: --url http://ADDR:PORT --coll /PATH/OF/CAL/ --user U --password P
# --conc N --dur S (seconds, at most) --max N (requests, at most)
# --server-pid PID --seed S. Run with /usr/bin/python3 (the standard library
# only). The events are the same for the same --n and --seed whoever asks.
import argparse
import base64
import hashlib
import http.client
import json
import multiprocessing as mp
import os
import random
import re
import sys
import time

# ---- the events

VTZ_BERLIN = """BEGIN:VTIMEZONE\r
TZID:Europe/Berlin\r
BEGIN:DAYLIGHT\r
TZOFFSETFROM:+0100\r
TZOFFSETTO:+0200\r
TZNAME:CEST\r
DTSTART:19700329T020000\r
RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU\r
END:DAYLIGHT\r
BEGIN:STANDARD\r
TZOFFSETFROM:+0200\r
TZOFFSETTO:+0100\r
TZNAME:CET\r
DTSTART:19701025T030000\r
RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU\r
END:STANDARD\r
END:VTIMEZONE\r
"""

YEAR0 = 1767225600  # 2026-01-01T00:00:00Z
DAY = 86400


def fmt_utc(t):
    return time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(t))


def fmt_local(t):
    return time.strftime("%Y%m%dT%H%M%S", time.gmtime(t))


def event(i, seed):
    """Event i: name and text. Spread over 2026, 07:00-19:30, 30/60/90 min;
    30% weekly recurring with COUNT 2..20; 20% in Europe/Berlin (with its
    VTIMEZONE), the others in UTC."""
    r = random.Random(seed * 1000003 + i)
    start = YEAR0 + r.randrange(365) * DAY + (7 * 60 + 30 * r.randrange(26)) * 60
    dur = 1800 * r.randint(1, 3)
    berlin = r.random() < 0.2
    weekly = r.random() < 0.3
    name = "ev%05d.ics" % i
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//rampart//caldav bench//EN"]
    head = "\r\n".join(lines) + "\r\n" + (VTZ_BERLIN if berlin else "")
    ev = ["BEGIN:VEVENT", "UID:ev%05d-%d@bench.example" % (i, seed),
          "DTSTAMP:20260101T000000Z"]
    if berlin:
        ev += ["DTSTART;TZID=Europe/Berlin:" + fmt_local(start),
               "DTEND;TZID=Europe/Berlin:" + fmt_local(start + dur)]
    else:
        ev += ["DTSTART:" + fmt_utc(start), "DTEND:" + fmt_utc(start + dur)]
    if weekly:
        ev.append("RRULE:FREQ=WEEKLY;COUNT=%d" % r.randint(2, 20))
    ev += ["SUMMARY:Event %d" % i, "DESCRIPTION:bench event %d of the CalDAV benchmark" % i,
           "LOCATION:Room %d" % r.randrange(40), "END:VEVENT", "END:VCALENDAR"]
    return name, (head + "\r\n".join(ev) + "\r\n").encode()


# ---- the requests

RANGES = {  # name: (start, end), UTC; the week holds the switch to CEST
    "week": ("20260323T000000Z", "20260330T000000Z"),
    "day": ("20260325T000000Z", "20260326T000000Z"),
}

MULTIGET = """<?xml version="1.0" encoding="utf-8"?>
<C:calendar-multiget xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav">
<D:prop><D:getetag/><C:calendar-data/></D:prop>
%s</C:calendar-multiget>
"""

QUERY = """<?xml version="1.0" encoding="utf-8"?>
<C:calendar-query xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav">
<D:prop><D:getetag/></D:prop>
<C:filter><C:comp-filter name="VCALENDAR"><C:comp-filter name="VEVENT">
<C:time-range start="%s" end="%s"/>
</C:comp-filter></C:comp-filter></C:filter>
</C:calendar-query>
"""

PROPFIND = """<?xml version="1.0" encoding="utf-8"?>
<D:propfind xmlns:D="DAV:"><D:prop><D:getetag/></D:prop></D:propfind>
"""

HREF = re.compile(rb"<(?:[A-Za-z0-9]+:)?href>([^<]*)</(?:[A-Za-z0-9]+:)?href>")
CALDATA = re.compile(rb"<(?:[A-Za-z0-9]+:)?calendar-data[^>/]*>\s*BEGIN:VCALENDAR")


def names_of(body, coll):
    """The object names among body's hrefs (the collection's own left out)."""
    out = []
    for h in HREF.findall(body):
        h = h.decode()
        if "://" in h:
            h = "/" + h.split("://", 1)[1].split("/", 1)[1]
        n = h.rstrip("/").rsplit("/", 1)[-1]
        if h.rstrip("/") != coll.rstrip("/") and n:
            out.append(n)
    return out


def digest(names):
    return hashlib.sha1("\n".join(sorted(names)).encode()).hexdigest()[:16]


def cpu_of(pid):
    """utime+stime+cutime+cstime of pid, seconds."""
    if not pid:
        return 0.0
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return sum(int(x) for x in fields[11:15]) / os.sysconf("SC_CLK_TCK")


def machine_busy():
    """Seconds of CPU time the whole machine has been busy, all cores."""
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:9]]
    return (v[0] + v[1] + v[2] + v[5] + v[6] + v[7]) / os.sysconf("SC_CLK_TCK")


def worker(a, idx, barrier, q):
    res = {"requests": 0, "ok": 0, "bad": {}, "objects": 0, "missing": 0, "results": {},
           "bytes": 0}
    try:
        u = a.url.split("://", 1)[1]
        host, port = u.rsplit(":", 1)
        conn = http.client.HTTPConnection(host, int(port), timeout=150)
        auth = "Basic " + base64.b64encode(("%s:%s" % (a.user, a.password)).encode()).decode()
        rnd = random.Random(a.seed * 7919 + idx)
        hdr = {"Authorization": auth}
        ranges = [a.range] if a.range else []
        # one request to set up the connection (and the server's password
        # cache) before the clock starts
        conn.request("OPTIONS", a.coll, headers=hdr)
        conn.getresponse().read()
        barrier.wait()
        t0 = time.monotonic()
        c0 = os.times()
        deadline = t0 + a.dur
        i = a.first + idx
        while time.monotonic() < deadline and res["requests"] < a.max_per_worker:
            h = dict(hdr)
            if a.cmd == "put":
                if i >= a.first + a.n:
                    break
                name, body = event(i, a.seed)
                i += a.conc
                h["Content-Type"] = "text/calendar; charset=utf-8"
                h["If-None-Match"] = "*"
                method, path = "PUT", a.coll + name
            elif a.cmd == "multiget":
                picks = rnd.sample(range(a.n), a.hrefs)
                body = (MULTIGET % "".join("<D:href>%sev%05d.ics</D:href>\n" % (a.coll, k)
                                           for k in picks)).encode()
                h["Content-Type"] = "application/xml; charset=utf-8"
                h["Depth"] = "0"
                method, path = "REPORT", a.coll
            elif a.cmd == "query":
                s, e = RANGES[a.range]
                body = (QUERY % (s, e)).encode()
                h["Content-Type"] = "application/xml; charset=utf-8"
                h["Depth"] = "1"
                method, path = "REPORT", a.coll
            else:
                body = PROPFIND.encode()
                h["Content-Type"] = "application/xml; charset=utf-8"
                h["Depth"] = "1"
                method, path = "PROPFIND", a.coll
            conn.request(method, path, body=body, headers=h)
            r = conn.getresponse()
            data = r.read()
            res["requests"] += 1
            res["bytes"] += len(data)
            good = r.status in ((201, 204) if a.cmd == "put" else (207,))
            if not good:
                k = str(r.status)
                res["bad"][k] = res["bad"].get(k, 0) + 1
                if not res.get("first_bad"):
                    res["first_bad"] = "%s %s: %d %s" % (method, path, r.status,
                                                        data[:200].decode("utf-8", "replace"))
                if r.getheader("Connection", "").lower() == "close":
                    conn.close()
                continue
            res["ok"] += 1
            if a.cmd == "multiget":
                n = len(CALDATA.findall(data))
                res["objects"] += n
                res["missing"] += a.hrefs - n
            elif a.cmd in ("query", "propfind"):
                # every answer's events counted; the names in the first and
                # every 16th compared (parsing each would make the client
                # the bottleneck of the larger answers)
                n = data.count(b"href>") // 2 - (a.cmd == "propfind")
                if a.cmd == "propfind":
                    res["objects"] += n
                key = a.cmd + ":" + (a.range or "all")
                if res["ok"] % 16 == 1:
                    names = names_of(data, a.coll)
                    d = "%d:%s" % (len(names), digest(names))
                    seen = res["results"].setdefault(key, {})
                    seen[d] = seen.get(d, 0) + 1
                cnt = res.setdefault("counts", {}).setdefault(key, {})
                cnt[str(n)] = cnt.get(str(n), 0) + 1
        c1 = os.times()
        res["seconds"] = time.monotonic() - t0
        res["t_end"] = time.monotonic()
        res["t_start"] = t0
        res["client_cpu_s"] = (c1.user - c0.user) + (c1.system - c0.system)
        conn.close()
    except Exception as e:  # reported, the run goes on
        res["error"] = "%s: %s" % (type(e).__name__, e)
        try:
            barrier.abort()
        except Exception:
            pass
    q.put(res)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("cmd", choices=["put", "multiget", "query", "propfind", "event", "fill"])
    p.add_argument("--dir", help="fill: the calendar's folder on disk")
    p.add_argument("--url", default="http://127.0.0.1:5232")
    p.add_argument("--coll", default="/calendars/bench/cal/")
    p.add_argument("--user", default="bench")
    p.add_argument("--password", default="")
    p.add_argument("--conc", type=int, default=4)
    p.add_argument("--dur", type=float, default=10)
    p.add_argument("--max", type=int, default=1000000)
    p.add_argument("--n", type=int, default=10000)
    p.add_argument("--first", type=int, default=0)
    p.add_argument("--hrefs", type=int, default=50)
    p.add_argument("--range", choices=list(RANGES))
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--server-pid", type=int, default=0)
    a = p.parse_args()
    if a.cmd == "event":  # print event --n (for a look)
        sys.stdout.write(event(a.n, a.seed)[1].decode())
        return
    if a.cmd == "fill":  # write the events not there yet, as a PUT would have stored them
        wrote = 0
        for i in range(a.first, a.first + a.n):
            name, text = event(i, a.seed)
            path = os.path.join(a.dir, name)
            if not os.path.exists(path):
                with open(path + ".tmp", "wb") as f:
                    f.write(text)
                os.rename(path + ".tmp", path)
                wrote += 1
        print(json.dumps({"cmd": "fill", "dir": a.dir, "wrote": wrote}))
        return
    if a.cmd == "query" and not a.range:
        p.error("query needs --range")
    a.max_per_worker = max(1, -(-a.max // a.conc))
    ctx = mp.get_context("fork")
    barrier = ctx.Barrier(a.conc + 1)
    q = ctx.Queue()
    procs = [ctx.Process(target=worker, args=(a, i, barrier, q)) for i in range(a.conc)]
    for pr in procs:
        pr.start()
    try:
        barrier.wait(timeout=30)
    except Exception:
        pass
    cpu0, m0 = cpu_of(a.server_pid), machine_busy()
    t0 = time.monotonic()
    outs = [q.get(timeout=a.dur + 200) for _ in procs]
    t1 = max([o.get("t_end", 0) for o in outs] + [t0])
    cpu1, m1 = cpu_of(a.server_pid), machine_busy()
    for pr in procs:
        pr.join(10)
    out = {"cmd": a.cmd, "range": a.range, "conc": a.conc, "requests": 0, "ok": 0, "bad": {},
           "objects": 0, "missing": 0, "bytes": 0, "client_cpu_s": 0.0, "results": {},
           "errors": []}
    for o in outs:
        for k in ("requests", "ok", "objects", "missing", "bytes"):
            out[k] += o[k]
        out["client_cpu_s"] += o.get("client_cpu_s", 0.0)
        for k, v in o["bad"].items():
            out["bad"][k] = out["bad"].get(k, 0) + v
        for key, seen in o.get("counts", {}).items():
            dst = out.setdefault("counts", {}).setdefault(key, {})
            for d, n in seen.items():
                dst[d] = dst.get(d, 0) + n
        for key, seen in o["results"].items():
            dst = out["results"].setdefault(key, {})
            for d, n in seen.items():
                dst[d] = dst.get(d, 0) + n
        if o.get("error"):
            out["errors"].append(o["error"])
        if o.get("first_bad") and len(out["errors"]) < 3:
            out["errors"].append(o["first_bad"])
    out["seconds"] = max(t1 - t0, 1e-9)
    out["rate"] = out["ok"] / out["seconds"]
    out["server_cpu_s"] = cpu1 - cpu0
    out["server_cpu_per_req_ms"] = (out["server_cpu_s"] / out["ok"] * 1e3) if out["ok"] else None
    out["client_cpu_per_req_ms"] = (out["client_cpu_s"] / out["ok"] * 1e3) if out["ok"] else None
    out["client_busy"] = out["client_cpu_s"] / out["seconds"]  # cores
    out["server_busy"] = out["server_cpu_s"] / out["seconds"]
    # cores busy with anything else: other work on the machine, the kernel's
    # softirqs, this script's parent
    out["other_busy"] = max(0.0, (m1 - m0 - out["server_cpu_s"] - out["client_cpu_s"]) /
                            out["seconds"])
    print(json.dumps(out, sort_keys=True))


if __name__ == "__main__":
    main()
