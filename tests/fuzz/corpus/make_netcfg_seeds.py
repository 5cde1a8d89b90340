#!/usr/bin/env python3
"""Write the seed corpus of netcfg_fuzz: network configurations as the
control channel carries them (dataplane/dataplane.h). pkt/ seeds come from
make_pkt_seeds.py. Run from this folder."""
import ipaddress
import os
import struct

MAC_B = bytes.fromhex("02000000000b")


def eth(t, payload, dst=MAC_B):
    return dst + MAC_A + struct.pack("!H", t) + payload


def addr(s):
    n = ipaddress.ip_interface(s)
    fam = 4 if n.version == 4 else 6
    return struct.pack("!BBxx16s", fam, n.network.prefixlen, n.ip.packed.ljust(16, b"\0"))


def name(s):
    return s.encode().ljust(16, b"\0")


def netcfg_seeds():
    addrs = [(name("lan") + addr("198.18.1.1/24")), (name("wan") + addr("2001:db8:2::1/64"))]
    routes = [addr("198.51.100.0/24") + addr("198.19.1.2/32") + name("wan") + b"\0" * 8,
              addr("203.0.113.0/24") + b"\0" * 20 + name("") + struct.pack("<II", 2, 0)]
    neigh = [addr("198.19.1.2/32") + MAC_B + b"\0\0" + name("wan")]
    hdr = struct.pack("<IIII", len(addrs), len(routes), len(neigh), 100)
    return {"lab": hdr + b"".join(addrs + routes + neigh),
            "empty": struct.pack("<IIII", 0, 0, 0, 0)}


for folder, seeds in (("netcfg", netcfg_seeds()),):
    os.makedirs(folder, exist_ok=True)
    for k, v in seeds.items():
        with open(os.path.join(folder, k), "wb") as f:
            f.write(v)
