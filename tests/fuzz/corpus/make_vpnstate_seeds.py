#!/usr/bin/env python3
"""Write the seed corpus of vpnstate_fuzz: the VPN's data-channel state as
the control channel carries it (DP_MSG_VPN, struct dp_vpn_hdr and
dp_vpn_peer in dataplane/dataplane.h, little-endian x86-64 layout). Run from
this folder."""
import ipaddress
import os
import struct


def addr(s=None):
    if s is None:
        return b"\0" * 20
    n = ipaddress.ip_interface(s)
    fam = 4 if n.version == 4 else 6
    return struct.pack("<BBxx16s", fam, n.network.prefixlen, n.ip.packed.ljust(16, b"\0"))


def hdr(n_peers, max_peers=64, flags=0):
    return (struct.pack("<IIHHIII", n_peers, max_peers, 1194, 1400, flags, 10,
                        int(ipaddress.ip_address("198.18.60.2")))
            + addr("198.18.60.0/24") + addr("2001:db8:60::/64")
            + addr("198.18.60.1/32") + addr("2001:db8:60::1/128")
            + ipaddress.ip_address("2001:db8:60::1000").packed)


def key(key_id, cipher, epoch):
    return (struct.pack("<QBB6x", epoch, key_id, cipher)
            + bytes(range(32)) + bytes(8) + bytes(range(32, 64)) + bytes(8))


def peer(peer_id, remote, port, keys, tx_key=0, local=None, has4=1, has6=1):
    keys_b = b"".join(key(*k) for k in keys).ljust(2 * 96, b"\0")
    tun4 = ipaddress.ip_address("198.18.60.2") + peer_id
    tun6 = ipaddress.ip_address("2001:db8:60::1000") + peer_id
    return (struct.pack("<IBBBBQ", peer_id, len(keys), tx_key, has4, has6, 1000 + peer_id)
            + addr(remote) + addr(local) + struct.pack("<HHI", port, 1194, 0)
            + tun4.packed + tun6.packed + b"\0" * 4 + keys_b)


def vpnstate_seeds():
    two = [peer(0, "198.51.100.7/32", 40000, [(0, 0, 1)]),
           peer(5, "2001:db8::7/128", 40001, [(1, 2, 2), (2, 1, 3)], tx_key=1,
                local="2001:db8::1/128")]
    return {"empty": hdr(0),
            "two": hdr(len(two)) + b"".join(two),
            "c2c": hdr(1, 1024, 1) + peer(1023, "203.0.113.9/32", 1, [(7, 1, 9)])}


for folder, seeds in (("vpnstate", vpnstate_seeds()),):
    os.makedirs(folder, exist_ok=True)
    for k, v in seeds.items():
        assert (len(v) - 120) % 280 == 0, k
        with open(os.path.join(folder, k), "wb") as f:
            f.write(v)
