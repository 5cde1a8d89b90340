#!/usr/bin/env python3
"""Write the seed corpus of resolve_fuzz: responses to the A and AAAA queries
for web.lab.example as a recursive server sends them (compressed names, a
CNAME chain in and out of order, several addresses, NXDOMAIN and NODATA with
a SOA, SERVFAIL, TC). The first two bytes are the id, which resolve_fuzz
takes as the id asked, so every seed gets past the first check. Writes
resolve/ next to this script.
Usage: python3 tests/fuzz/corpus/make_resolve_seeds.py"""
import ipaddress
import os
import struct

NAME = "web.lab.example"
QNAME_PTR = b"\xc0\x0c"  # the question's name, at offset 12


def name(n):
    return b"".join(bytes([len(l)]) + l.encode() for l in n.split(".")) + b"\0"


def head(qid, qtype, an=0, ns=0, ar=0, rcode=0, tc=False):
    flags = 0x8180 | rcode | (0x0200 if tc else 0)
    return struct.pack("!HHHHHH", qid, flags, 1, an, ns, ar) + name(NAME) + \
        struct.pack("!HH", qtype, 1)


def rr(owner, rtype, ttl, rdata):
    return owner + struct.pack("!HHIH", rtype, 1, ttl, len(rdata)) + rdata


def a(s):
    return ipaddress.ip_address(s).packed


def soa(owner, ttl, minimum):
    rdata = name("ns1.lab.example") + name("hostmaster.lab.example") + \
        struct.pack("!IIIII", 2024060101, 7200, 900, 1209600, minimum)
    return rr(owner, 6, ttl, rdata)


def cname_chain(qid, qtype, addr):
    # web.lab.example CNAME edge.<lab.example> ; edge CNAME cdn.example.net
    m = head(qid, qtype, an=3)
    first = rr(QNAME_PTR, 5, 3600, b"\x04edge" + b"\xc0\x10")
    edge_at = len(m) + 12  # the rdata of the first record
    second = rr(struct.pack("!H", 0xc000 | edge_at), 5, 300, name("cdn.example.net"))
    cdn_at = len(m) + len(first) + 12
    third = rr(struct.pack("!H", 0xc000 | cdn_at), qtype, 60, a(addr))
    return m + first + second + third


def seeds():
    return {
        "a": head(0x1c3e, 1, an=1) + rr(QNAME_PTR, 1, 300, a("198.51.100.10")),
        "a_three": head(0x0102, 1, an=3) +
        b"".join(rr(QNAME_PTR, 1, 120 + i, a("198.51.100.%d" % (20 + i))) for i in range(3)),
        "aaaa": head(0x9e11, 28, an=1) + rr(QNAME_PTR, 28, 86400, a("2001:db8:10::80")),
        "aaaa_two": head(0x4d4d, 28, an=2) + rr(QNAME_PTR, 28, 600, a("2001:db8:10::80")) +
        rr(QNAME_PTR, 28, 600, a("2001:db8:10::81")),
        "cname_a": cname_chain(0x2a01, 1, "203.0.113.80"),
        "cname_aaaa": cname_chain(0x2a02, 28, "2001:db8:cd::1"),
        # the same records, the address first and the chain's links reversed
        "cname_out_of_order": head(0x2a03, 1, an=3) +
        rr(name("cdn.example.net"), 1, 60, a("203.0.113.81")) +
        rr(name("edge.lab.example"), 5, 300, name("cdn.example.net")) +
        rr(QNAME_PTR, 5, 3600, name("edge.lab.example")),
        "nxdomain": head(0x7f00, 1, ns=1, rcode=3) + soa(b"\xc0\x10", 3600, 300),
        "nodata": head(0x7f01, 28, ns=1) + soa(b"\xc0\x10", 600, 3600),
        "servfail": head(0x5e5e, 1, rcode=2),
        "truncated": head(0x7c7c, 1, an=1, tc=True) + rr(QNAME_PTR, 1, 30, a("192.0.2.1")),
        # an OPT record in the additional section, as EDNS servers add
        "a_with_opt": head(0x0e0e, 1, an=1, ar=1) + rr(QNAME_PTR, 1, 30, a("192.0.2.2")) +
        b"\0" + struct.pack("!HHIH", 41, 1232, 0, 0),
    }


if __name__ == "__main__":
    out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "resolve")
    os.makedirs(out, exist_ok=True)
    for seed, msg in seeds().items():
        with open(os.path.join(out, seed), "wb") as f:
            f.write(msg)
