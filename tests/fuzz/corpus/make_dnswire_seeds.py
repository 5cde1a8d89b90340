#!/usr/bin/env python3
"""Write the seed corpus of dnswire_fuzz: DNS queries as the fast path
receives them over UDP - an A query, an AAAA query in mixed case with EDNS
(DO, a cookie option), a query for the root's SOA, a NOTIFY. Writes dnswire/
next to this script.
Usage: python3 tests/fuzz/corpus/make_dnswire_seeds.py"""
import os
import struct


def name(text):
    out = b""
    for label in text.split("."):
        if label:
            out += bytes([len(label)]) + label.encode()
    return out + b"\0"


def query(qname, qtype, flags=0x0100, additional=b"", arcount=0, qid=0x1234):
    return (struct.pack(">HHHHHH", qid, flags, 1, 0, 0, arcount) + name(qname)
            + struct.pack(">HH", qtype, 1) + additional)


OPT = b"\0" + struct.pack(">HHIH", 41, 1232, 0x8000, 12) + struct.pack(">HH", 10, 8) + b"12345678"
seeds = {
    "a": query("www.example.org", 1),
    "aaaa_edns": query("Mixed.Example.ORG", 28, additional=OPT, arcount=1),
    "root_soa": query(".", 6),
    "notify": query("example.org", 6, flags=0x2000, qid=1),
}
here = os.path.dirname(os.path.abspath(__file__))
os.makedirs(os.path.join(here, "dnswire"), exist_ok=True)
for fname, data in seeds.items():
    with open(os.path.join(here, "dnswire", fname), "wb") as f:
        f.write(data)
