#!/usr/bin/env python3
"""Write the seed corpus of nat_fuzz: the IPv4 frames of the pkt corpus (TCP,
UDP, ICMP echo, fragments, options, ICMP errors quoting a packet), whose
checksums are all valid, so the rewrites are checked against them. Run
make_pkt_seeds.py first. Writes nat/ next to this script.
Usage: python3 tests/fuzz/corpus/make_nat_seeds.py"""
import os
import shutil

here = os.path.dirname(os.path.abspath(__file__))
src, dst = os.path.join(here, "pkt"), os.path.join(here, "nat")
os.makedirs(dst, exist_ok=True)
for name in sorted(os.listdir(src)):
    with open(os.path.join(src, name), "rb") as f:
        frame = f.read()
    if len(frame) > 34 and frame[12:14] == b"\x08\x00":
        shutil.copy(os.path.join(src, name), os.path.join(dst, name))
