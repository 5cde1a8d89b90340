#!/usr/bin/env python3
"""Write the seed corpora of the fuzz targets: pkt/ (Ethernet frames) and
netcfg/ (control-channel network configurations). Run from this folder."""
import ipaddress
import os
import struct

MAC_A, MAC_B = bytes.fromhex("02000000000a"), bytes.fromhex("02000000000b")


def csum(b, s=0):
    if len(b) % 2:
        b += b"\0"
    s += sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def eth(t, payload, dst=MAC_B):
    return dst + MAC_A + struct.pack("!H", t) + payload


def ip4(proto, l4, src="198.18.1.2", dst="198.19.1.2", ttl=64, frag=0):
    h = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(l4), 1, frag, ttl, proto, 0,
                    ipaddress.ip_address(src).packed, ipaddress.ip_address(dst).packed)
    h = h[:10] + struct.pack("!H", csum(h)) + h[12:]
    return eth(0x0800, h + l4)


def ip6(nh, l4, src="2001:db8:1::2", dst="2001:db8:2::2", hlim=64):
    s, d = ipaddress.ip_address(src).packed, ipaddress.ip_address(dst).packed
    return eth(0x86DD, struct.pack("!IHBB", 0x60000000, len(l4), nh, hlim) + s + d + l4), s, d


def icmp6(t, body, src="2001:db8:1::2", dst="2001:db8:2::2", hlim=255):
    s, d = ipaddress.ip_address(src).packed, ipaddress.ip_address(dst).packed
    msg = bytes([t, 0, 0, 0]) + body
    c = csum(s + d + struct.pack("!IxxxB", len(msg), 58) + msg)
    msg = msg[:2] + struct.pack("!H", c) + msg[4:]
    return ip6(58, msg, src, dst, hlim)[0]


def udp(sport, dport, data=b""):
    return struct.pack("!HHHH", sport, dport, 8 + len(data), 0) + data


def icmp4(t, rest=b"\0\1\0\1rampart!"):
    m = bytes([t, 0, 0, 0]) + rest
    return m[:2] + struct.pack("!H", csum(m)) + m[4:]


def pkt_seeds():
    arp = struct.pack("!HHBBH6s4s6s4s", 1, 0x0800, 6, 4, 1, MAC_A, bytes([198, 18, 1, 2]),
                      b"\0" * 6, bytes([198, 18, 1, 1]))
    tcp = struct.pack("!HHIIBBHHH", 40000, 80, 1, 0, 0x50, 0x02, 65535, 0, 0)
    target = ipaddress.ip_address("2001:db8:1::1").packed
    return {
        "arp_request": eth(0x0806, arp + b"\0" * 18, dst=b"\xff" * 6),
        "ipv4_udp": ip4(17, udp(5353, 53, b"query")),
        "ipv4_tcp_syn": ip4(6, tcp),
        "ipv4_echo": ip4(1, icmp4(8)),
        "ipv4_ttl1": ip4(17, udp(1, 2), ttl=1),
        "ipv4_first_fragment": ip4(17, udp(1, 2, b"x" * 16), frag=0x2000),
        "ipv4_later_fragment": ip4(17, b"x" * 16, frag=0x0002),
        "ipv4_time_exceeded": ip4(1, icmp4(11, b"\0" * 4 + ip4(17, udp(1, 2))[14:42])),
        "ipv6_udp": ip6(17, udp(1, 53, b"q"))[0],
        "ipv6_hbh_frag_udp": ip6(0, bytes([44, 0]) + b"\0" * 6 + bytes([17, 0, 0, 0]) +
                                 b"\0" * 4 + udp(7, 9))[0],
        "ipv6_echo": icmp6(128, b"\0\1\0\1rampart!", hlim=64),
        "ipv6_ns": icmp6(135, b"\0" * 4 + target + bytes([1, 1]) + MAC_A,
                         dst="ff02::1:ff00:1"),
        "ipv6_na": icmp6(136, bytes([0x60, 0, 0, 0]) + target + bytes([2, 1]) + MAC_B),
        "lldp": eth(0x88CC, b"\0" * 46),
    }


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


for folder, seeds in (("pkt", pkt_seeds()), ("netcfg", netcfg_seeds())):
    os.makedirs(folder, exist_ok=True)
    for k, v in seeds.items():
        with open(os.path.join(folder, k), "wb") as f:
            f.write(v)
