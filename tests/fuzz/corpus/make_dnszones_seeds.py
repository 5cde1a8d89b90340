#!/usr/bin/env python3
"""Write the seed corpus of dnszones_fuzz: zone sets as ctrl sends them to the
dataplane (dns/zone.h: "DZS1", zone count, per zone its apex and records) -
one small zone, and two zones of which one is the other's child. Writes
dnszones/ next to this script.
Usage: python3 tests/fuzz/corpus/make_dnszones_seeds.py"""
import os
import struct


def name(text):
    out = b""
    for label in text.split("."):
        if label:
            out += bytes([len(label)]) + label.encode()
    return out + b"\0"


def rr(owner, rtype, rdata, ttl=300):
    o = name(owner)
    return bytes([len(o)]) + o + struct.pack(">HIH", rtype, ttl, len(rdata)) + rdata


def zone(apex, records):
    a = name(apex)
    return bytes([len(a)]) + a + struct.pack(">I", len(records)) + b"".join(records)


def soa(apex):
    return name("ns1." + apex) + name("hostmaster." + apex) + struct.pack(">5I", 1, 2, 3, 4, 5)


def zones(*zs):
    return b"DZS1" + struct.pack(">I", len(zs)) + b"".join(zs)


org = zone("example.org", [rr("example.org", 6, soa("example.org")),
                           rr("example.org", 2, name("ns1.example.org")),
                           rr("ns1.example.org", 1, bytes([192, 0, 2, 53])),
                           rr("www.example.org", 1, bytes([192, 0, 2, 80])),
                           rr("sub.example.org", 2, name("ns.sub.example.org"))])
sub = zone("sub.example.org", [rr("sub.example.org", 6, soa("sub.example.org")),
                               rr("sub.example.org", 2, name("ns.sub.example.org")),
                               rr("*.sub.example.org", 16, b"\x04wild")])
seeds = {"one": zones(org), "two": zones(org, sub)}
here = os.path.dirname(os.path.abspath(__file__))
os.makedirs(os.path.join(here, "dnszones"), exist_ok=True)
for fname, data in seeds.items():
    with open(os.path.join(here, "dnszones", fname), "wb") as f:
        f.write(data)
