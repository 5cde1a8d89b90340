#!/usr/bin/env python3
"""Write the seed corpus of pkt_fuzz: small Ethernet frames, one per path of
dataplane/pkt.c (ARP, IPv4 TCP/UDP/ICMP, options, fragments, IPv6 extension
headers, NS/NA, ICMP errors, padding, packets beyond the ICMP quote limits).
Every checksum is valid, so the seeds reach past the checks. Writes pkt/ next
to this script; the first fourteen are byte for byte those make_seeds.py
writes.
Usage: python3 tests/fuzz/corpus/make_pkt_seeds.py"""
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


def a(s):
    return ipaddress.ip_address(s).packed


def eth(t, payload, dst=MAC_B):
    return dst + MAC_A + struct.pack("!H", t) + payload


def ip4(proto, l4, src="198.18.1.2", dst="198.19.1.2", ttl=64, frag=0, opts=b""):
    ihl = 5 + len(opts) // 4
    h = struct.pack("!BBHHHBBH4s4s", 0x40 | ihl, 0, ihl * 4 + len(l4), 1, frag, ttl, proto, 0,
                    a(src), a(dst)) + opts
    h = h[:10] + struct.pack("!H", csum(h)) + h[12:]
    return eth(0x0800, h + l4)


def ip6(nh, payload, src="2001:db8:1::2", dst="2001:db8:2::2", hlim=64):
    return eth(0x86DD, struct.pack("!IHBB", 0x60000000, len(payload), nh, hlim) + a(src) +
               a(dst) + payload)


def icmp6(t, body, src="2001:db8:1::2", dst="2001:db8:2::2", hlim=255):
    msg = bytes([t, 0, 0, 0]) + body
    c = csum(a(src) + a(dst) + struct.pack("!IxxxB", len(msg), 58) + msg)
    return ip6(58, msg[:2] + struct.pack("!H", c) + msg[4:], src, dst, hlim)


def udp(sport, dport, data=b""):
    return struct.pack("!HHHH", sport, dport, 8 + len(data), 0) + data


def tcp(sport, dport, flags=0x02):
    return struct.pack("!HHIIBBHHH", sport, dport, 1, 0, 0x50, flags, 65535, 0, 0)


def icmp4(t, rest=b"\0\1\0\1rampart!", code=0):
    m = bytes([t, code, 0, 0]) + rest
    return m[:2] + struct.pack("!H", csum(m)) + m[4:]


def arp(op, sha, spa, tha, tpa):
    return struct.pack("!HHBBH6s4s6s4s", 1, 0x0800, 6, 4, op, sha, a(spa), tha, a(tpa))


def ext(nh, body=b"\0" * 6):
    """An IPv6 extension header (hop-by-hop, routing, destination options)."""
    return bytes([nh, (len(body) + 2) // 8 - 1]) + body


def frag6(nh, offset, more):
    return struct.pack("!BxHI", nh, offset << 3 | more, 0x1234)


def seeds():
    target = a("2001:db8:1::1")
    return {
        # as make_seeds.py writes them
        "arp_request": eth(0x0806, arp(1, MAC_A, "198.18.1.2", b"\0" * 6, "198.18.1.1") +
                           b"\0" * 18, dst=b"\xff" * 6),
        "ipv4_udp": ip4(17, udp(5353, 53, b"query")),
        "ipv4_tcp_syn": ip4(6, tcp(40000, 80)),
        "ipv4_echo": ip4(1, icmp4(8)),
        "ipv4_ttl1": ip4(17, udp(1, 2), ttl=1),
        "ipv4_first_fragment": ip4(17, udp(1, 2, b"x" * 16), frag=0x2000),
        "ipv4_later_fragment": ip4(17, b"x" * 16, frag=0x0002),
        "ipv4_time_exceeded": ip4(1, icmp4(11, b"\0" * 4 + ip4(17, udp(1, 2))[14:42])),
        "ipv6_udp": ip6(17, udp(1, 53, b"q")),
        "ipv6_hbh_frag_udp": ip6(0, ext(44) + frag6(17, 0, 0)[:4] + b"\0" * 4 + udp(7, 9)),
        "ipv6_echo": icmp6(128, b"\0\1\0\1rampart!", hlim=64),
        "ipv6_ns": icmp6(135, b"\0" * 4 + target + bytes([1, 1]) + MAC_A, dst="ff02::1:ff00:1"),
        "ipv6_na": icmp6(136, bytes([0x60, 0, 0, 0]) + target + bytes([2, 1]) + MAC_B),
        "lldp": eth(0x88CC, b"\0" * 46),
        # further paths
        "arp_reply": eth(0x0806, arp(2, MAC_A, "198.18.1.2", MAC_B, "198.18.1.1") + b"\0" * 18),
        "ipv4_options_df_tcp": ip4(6, tcp(443, 40000, 0x12), frag=0x4000, opts=b"\x01" * 4),
        # 600 bytes of IP, beyond the 548 an ICMP error quotes, then padding
        "ipv4_udp_600_padded": ip4(17, udp(1, 2, b"p" * 572)) + b"\0" * 6,
        "ipv6_later_fragment": ip6(44, frag6(6, 2, 1) + b"y" * 16),
        "ipv6_hbh_routing_dst_tcp": ip6(0, ext(43) + ext(60, b"\0" * 14) + ext(6) +
                                        tcp(40000, 22)),
        # quoting 1280 bytes, beyond the 1232 an ICMPv6 error quotes
        "ipv6_packet_too_big": icmp6(2, struct.pack("!I", 1280) +
                                     ip6(17, udp(1, 2, b"z" * 1232))[14:], hlim=64),
    }


if __name__ == "__main__":
    out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "pkt")
    os.makedirs(out, exist_ok=True)
    for name, frame in seeds().items():
        with open(os.path.join(out, name), "wb") as f:
            f.write(frame)
