#!/usr/bin/env python3
"""Write the seed corpus of dnsmsg_fuzz: whole messages as ctrl receives them -
UPDATEs (add, delete an RRset, delete a record, with prerequisites), one
signed with HMAC-SHA256 under the fuzz target's key, a NOTIFY, an IXFR query,
and a transfer answer with compressed names. Writes dnsmsg/ next to this
script. Usage: python3 tests/fuzz/corpus/make_dnsmsg_seeds.py"""
import base64
import hashlib
import hmac
import os
import struct


def name(text):
    out = b""
    for label in text.split("."):
        if label:
            out += bytes([len(label)]) + label.encode()
    return out + b"\0"


def rr(owner, rtype, rdata, ttl=300, cls=1):
    return name(owner) + struct.pack(">HHIH", rtype, cls, ttl, len(rdata)) + rdata


def header(id_, opcode, qd, an, ns, ar, flags=0):
    return struct.pack(">HHHHHH", id_, opcode << 11 | flags, qd, an, ns, ar)


def soa(serial):
    return name("ns1.example.org") + name("hostmaster.example.org") + struct.pack(">5I", serial, 3600, 600, 86400, 300)


Z = name("example.org") + struct.pack(">HH", 6, 1)
TXT = b"\x05token"
seeds = {
    "update-add": header(1, 5, 1, 0, 1, 0) + Z + rr("_acme-challenge.example.org", 16, TXT, 60),
    "update-del-rrset": header(2, 5, 1, 0, 1, 0) + Z + rr("www.example.org", 1, b"", 0, 255),
    "update-del-rr": header(3, 5, 1, 0, 1, 0) + Z + rr("www.example.org", 1, bytes([192, 0, 2, 1]), 0, 254),
    "update-del-name": header(4, 5, 1, 0, 1, 0) + Z + rr("www.example.org", 255, b"", 0, 255),
    "update-prereq": header(5, 5, 1, 2, 1, 0) + Z + rr("www.example.org", 255, b"", 0, 255)
    + rr("www.example.org", 1, bytes([192, 0, 2, 1]), 0, 1) + rr("new.example.org", 1, bytes([192, 0, 2, 9])),
    "update-soa": header(6, 5, 1, 0, 1, 0) + Z + rr("example.org", 6, soa(200)),
    "update-cname": header(7, 5, 1, 0, 1, 0) + Z + rr("www.example.org", 5, name("alias.example.org")),
    "notify": header(8, 4, 1, 1, 0, 0, 0x400) + Z + rr("example.org", 6, soa(101)),
    "ixfr": header(9, 0, 1, 0, 1, 0) + name("example.org") + struct.pack(">HH", 251, 1) + rr("example.org", 6, soa(100)),
    # a transfer answer: owners compressed against the question
    "axfr-answer": header(10, 0, 1, 3, 0, 0, 0x8400) + name("example.org") + struct.pack(">HH", 252, 1)
    + b"\xc0\x0c" + struct.pack(">HHIH", 6, 1, 300, len(soa(101))) + soa(101)
    + b"\x03www\xc0\x0c" + struct.pack(">HHIH", 1, 1, 300, 4) + bytes([192, 0, 2, 7])
    + b"\xc0\x0c" + struct.pack(">HHIH", 6, 1, 300, len(soa(101))) + soa(101),
}

# a signed UPDATE (RFC 8945): the MAC over the message and the TSIG variables
key = base64.b64decode("c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0")
body = header(11, 5, 1, 0, 1, 0) + Z + rr("_acme-challenge.example.org", 16, TXT, 60)
alg, t, fudge = name("hmac-sha256"), 1795933241, 300
tsig_vars = name("fuzz") + struct.pack(">HI", 255, 0) + alg + struct.pack(">HIH", t >> 32, t & 0xFFFFFFFF, fudge) + struct.pack(">HH", 0, 0)
mac = hmac.new(key, body + tsig_vars, hashlib.sha256).digest()
rdata = alg + struct.pack(">HIH", t >> 32, t & 0xFFFFFFFF, fudge) + struct.pack(">H", len(mac)) + mac + struct.pack(">HHH", 11, 0, 0)
signed = bytearray(body + name("fuzz") + struct.pack(">HHIH", 250, 255, 0, len(rdata)) + rdata)
signed[10:12] = struct.pack(">H", 1)
seeds["update-signed"] = bytes(signed)

out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "dnsmsg")
os.makedirs(out, exist_ok=True)
for k, v in seeds.items():
    with open(os.path.join(out, k), "wb") as f:
        f.write(v)
print(f"{len(seeds)} seeds in {out}")
