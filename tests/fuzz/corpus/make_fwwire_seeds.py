#!/usr/bin/env python3
"""Write the seed corpus of fwwire_fuzz: valid DP_MSG_RULES payloads
(fw_rules.h wire form: header, rule metadata, entries, nat rule metadata,
nat entries) - one rule; three rules over both families with ports, ICMP and
interfaces; and a nat and an rdr rule. Writes fwwire/ next
to this script.
Usage: python3 tests/fuzz/corpus/make_fwwire_seeds.py"""
import os
import struct

MAGIC = 0x46575232
TIMEOUTS = (30, 7440, 240, 10, 120, 180, 60, 60, 30, 10)


def entries_of(entries):
    return b"".join(struct.pack("<IBBBB16s16sHHHHBB2x", *x) for x in entries)


def wire(meta, entries, default=1, n_ports=2, nat=(), nat_entries=()):
    h = struct.pack("<IIIBBHI10IIII", MAGIC, len(meta), len(entries), default, 0, n_ports, 10,
                    *TIMEOUTS, len(nat), len(nat_entries), 4096)
    m = b"".join(struct.pack("<BBHI", a, f, 0, line) for a, f, line in meta)
    n = b"".join(struct.pack("<BBBBHHI8I", kind, port, len(addrs), 0, to_port, from_lo, line,
                             *(list(addrs) + [0] * (8 - len(addrs))))
                 for kind, port, addrs, to_port, from_lo, line in nat)
    return h + m + entries_of(entries) + n + entries_of(nat_entries)


def v4(a, b, c, d):
    return bytes([a, b, c, d]) + bytes(12)


ANY = 0xff
seeds = {
    "one": wire([(0, 0, 1)], [(0, 4, 17, 0, 32, bytes(16), v4(198, 19, 1, 2), 0, 65535, 9, 9,
                               ANY, ANY)]),
    "three": wire([(0, 1, 1), (2, 0, 2), (1, 0, 3)], [
        (0, 4, 6, 24, 16, v4(198, 18, 1, 0), v4(198, 19, 0, 0), 0, 65535, 80, 443, 0, ANY),
        (1, 6, 58, 0, 32, bytes(16), bytes.fromhex("20010db8") + bytes(12), 128, 128, 0, 255,
         ANY, 1),
        (2, 4, 0, 0, 0, bytes(16), bytes(16), 0, 65535, 0, 65535, ANY, ANY),
    ]),
    # nat on wan from 198.18.1.0/24 -> 198.19.1.1; rdr tcp 8080 -> 198.18.1.2:80
    "nat": wire([(0, 0, 1)], [(0, 4, 0, 0, 0, bytes(16), bytes(16), 0, 65535, 0, 65535, ANY,
                               ANY)],
                nat=[(3, 1, [0x010113c6], 0, 0, 2), (4, 1, [0x020112c6], 80, 8080, 3)],
                nat_entries=[
                    (0, 4, 0, 24, 0, v4(198, 18, 1, 0), bytes(16), 0, 65535, 0, 65535, ANY, 1),
                    (1, 4, 6, 0, 32, bytes(16), v4(198, 19, 1, 1), 0, 65535, 8080, 8080, ANY,
                     ANY),
                ]),
}
here = os.path.dirname(os.path.abspath(__file__))
os.makedirs(os.path.join(here, "fwwire"), exist_ok=True)
for name, data in seeds.items():
    with open(os.path.join(here, "fwwire", name), "wb") as f:
        f.write(data)
