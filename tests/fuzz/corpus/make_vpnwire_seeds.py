#!/usr/bin/env python3
"""Write the seed corpus of vpnwire_fuzz: OpenVPN control packets as they come
off the network - a client's hard reset, an ack, a control packet with a TLS
record, a server reset with the early-negotiation TLV, one with its TCP
length prefix, and a V3 reset with a WKc-sized tail. Writes vpnwire/ next to
this script. Usage: python3 tests/fuzz/corpus/make_vpnwire_seeds.py"""
import os
import struct


def ctl(op, acks=(), peer=b"", msgid=0, payload=b""):
    b = bytes([len(acks)]) + b"".join(struct.pack(">I", a) for a in acks) + (peer if acks else b"")
    if op != 5:
        b += struct.pack(">I", msgid) + payload
    return b


seeds = {
    "reset-v2": bytes([7 << 3]) + ctl(7),
    "ack": bytes([5 << 3]) + ctl(5, (0, 1), b"\1" * 8),
    "control": bytes([4 << 3]) + ctl(4, (0,), b"\2" * 8, 1, b"\x16\x03\x01\x00\x05hello"),
    "server-reset-tlv": bytes([8 << 3]) + ctl(8, (0,), b"\3" * 8, 0, b"\0\1\0\2\0\1"),
    "tcp": struct.pack(">H", 14) + bytes([7 << 3]) + ctl(7) + b"\0" * 8,
    "wkc-tail": bytes([10 << 3]) + b"\0" * 16 + b"\x55" * 32 + b"\0" * 5 + b"\x11" * 299
    + struct.pack(">H", 299),
}
out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "vpnwire")
os.makedirs(out, exist_ok=True)
for k, v in seeds.items():
    with open(os.path.join(out, k), "wb") as f:
        f.write(v)
print(f"{len(seeds)} seeds in {out}")
