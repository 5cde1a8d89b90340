#!/usr/bin/env python3
# Seeds for resolve_fuzz: answers for web.lab.example (A, AAAA, a CNAME chain,
# NXDOMAIN with a SOA, compression). Run from this folder: writes resolve/*.
import os
import struct

def name(n):
    return b"".join(bytes([len(l)]) + l.encode() for l in n.split(".")) + b"\0"

def head(an, ns, qtype, rcode=0):
    return struct.pack(">HHHHHH", 0x4242, 0x8180 | rcode, 1, an, ns, 0) + name("web.lab.example") + struct.pack(">HH", qtype, 1)

def rr(owner, typ, ttl, rdata):
    o = b"\xc0\x0c" if owner is None else name(owner)
    return o + struct.pack(">HHIH", typ, 1, ttl, len(rdata)) + rdata

seeds = {
    "a": head(2, 0, 1) + rr(None, 1, 300, bytes([198, 51, 100, 1])) + rr(None, 1, 30, bytes([203, 0, 113, 1])),
    "aaaa": head(1, 0, 28) + rr(None, 28, 60, bytes.fromhex("20010db8010000000000000000000001")),
    "cname": head(2, 0, 1) + rr(None, 5, 60, name("edge.lab.example")) + rr("edge.lab.example", 1, 5, bytes([198, 51, 100, 9])),
    "nxdomain": head(0, 1, 1, 3) + rr("lab.example", 6, 300, name("ns.lab.example") + name("root.lab.example") + struct.pack(">IIIII", 1, 2, 3, 4, 30)),
}
os.makedirs("resolve", exist_ok=True)
for k, v in seeds.items():
    open(os.path.join("resolve", k), "wb").write(v)
