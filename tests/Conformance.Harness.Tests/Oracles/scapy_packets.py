#!/usr/bin/python3
"""Independent SRv6 packet oracle for the harness tests (Oracles/ScapyOracleTests.cs).

Builds SRv6 packets with Debian's python3-scapy, writes them to a pcap (wrpcap) and writes a JSON
sidecar with the field values that were *intended* (not read back from scapy's own dissection).

Usage: /usr/bin/python3 scapy_packets.py OUT.pcap OUT.json

Scapy quirks worked around here (scapy 2.5):
  * IPv6ExtHdrSegmentRoutingTLVPad1 encodes three octets (type, len, pad) instead of one: Pad1 is
    written as Raw(b"\\x00"), and every TLV area is sized so that scapy's automatic padding (which
    would use that Pad1) never runs.
  * The HMAC TLV length handling is wrong: HMAC is not built with scapy at all.
  * The generic TLV does not compute its length: it is set explicitly.
"""
import json
import sys

from scapy.all import Ether, IP, IPv6, UDP, TCP, Raw, raw, wrpcap, conf
from scapy.layers.inet6 import (
    ICMPv6EchoRequest,
    ICMPv6EchoReply,
    IPv6ExtHdrSegmentRouting,
    IPv6ExtHdrSegmentRoutingTLV,
    IPv6ExtHdrSegmentRoutingTLVPadN,
    IPv6ExtHdrSegmentRoutingTLVIngressNode,
)

conf.verb = 0
MAC_SRC = "02:00:00:00:aa:01"
MAC_DST = "02:00:00:00:bb:02"


def flag_fields(flags):
    """Scapy splits the SRH flags octet into bit fields, most significant first."""
    return dict(
        unused1=(flags >> 7) & 1,
        protected=(flags >> 6) & 1,
        oam=(flags >> 5) & 1,  # O-flag, RFC 9259: 0x20
        alert=(flags >> 4) & 1,
        hmac=(flags >> 3) & 1,
        unused2=flags & 7,
    )


def tlv_pad1():
    return Raw(b"\x00"), {"type": 0, "length": None, "value_hex": ""}


def tlv_padn(n):
    return (IPv6ExtHdrSegmentRoutingTLVPadN(padding=b"\x00" * n),
            {"type": 4, "length": n, "value_hex": "00" * n})


def tlv_generic(t, value):
    return (IPv6ExtHdrSegmentRoutingTLV(type=t, len=len(value), value=value),
            {"type": t, "length": len(value), "value_hex": value.hex()})


def tlv_ingress(addr):
    import ipaddress
    value = b"\x00\x00" + ipaddress.IPv6Address(addr).packed
    return (IPv6ExtHdrSegmentRoutingTLVIngressNode(ingress_node=addr),
            {"type": 1, "length": 18, "value_hex": value.hex()})


def segs(n, prefix="fc00:0:"):
    return ["%s%x::" % (prefix, i) for i in range(1, n + 1)]


def data(n, seed):
    return bytes((i * 5 + seed) & 0xFF for i in range(n))


packets = []
sidecar = []


def upper(kind, **kw):
    """An upper layer as a scapy packet plus its intended description."""
    if kind == "udp":
        return (UDP(sport=kw["sport"], dport=kw["dport"]) / Raw(kw.get("data", b"")),
                {"kind": "udp", "sport": kw["sport"], "dport": kw["dport"], "data_hex": kw.get("data", b"").hex()})
    if kind == "tcp":
        return (TCP(sport=kw["sport"], dport=kw["dport"], seq=kw["seq"], flags=kw["flags"]),
                {"kind": "tcp", "sport": kw["sport"], "dport": kw["dport"], "seq": kw["seq"]})
    if kind == "icmpv6":
        cls = ICMPv6EchoReply if kw.get("reply") else ICMPv6EchoRequest
        return (cls(id=kw["id"], seq=kw["seq"], data=kw.get("data", b"")),
                {"kind": "icmpv6", "type": 129 if kw.get("reply") else 128, "id": kw["id"], "seq": kw["seq"],
                 "data_hex": kw.get("data", b"").hex()})
    if kind == "ipv6":
        inner, desc = kw["upper"]
        return (IPv6(src=kw["src"], dst=kw["dst"], hlim=kw.get("hlim", 64)) / inner,
                {"kind": "ipv6", "src": kw["src"], "dst": kw["dst"], "hlim": kw.get("hlim", 64), "upper": desc})
    if kind == "ipv4":
        inner, desc = kw["upper"]
        return (IP(src=kw["src"], dst=kw["dst"], ttl=kw.get("ttl", 64)) / inner,
                {"kind": "ipv4", "src": kw["src"], "dst": kw["dst"], "ttl": kw.get("ttl", 64), "upper": desc})
    if kind == "none":
        return None, {"kind": "none"}
    raise ValueError(kind)


NH = {"udp": 17, "tcp": 6, "icmpv6": 58, "ipv6": 41, "ipv4": 4, "none": 59}


def add(name, src, dst, segments, sl, payload, flags=0, tag=0, tlvs=(), hlim=64, tc=0, fl=0):
    up, up_desc = payload
    tlv_pkts = [t[0] for t in tlvs]
    tlv_desc = [t[1] for t in tlvs]
    tlv_len = sum(len(raw(t)) for t in tlv_pkts)
    srh_len = 8 + 16 * len(segments) + tlv_len
    assert srh_len % 8 == 0, "%s: SRH of %d octets would trigger scapy's broken auto-padding" % (name, srh_len)
    srh = IPv6ExtHdrSegmentRouting(addresses=segments, segleft=sl, lastentry=len(segments) - 1, tag=tag,
                                   tlv_objects=tlv_pkts, nh=NH[up_desc["kind"]], **flag_fields(flags))
    pkt = Ether(src=MAC_SRC, dst=MAC_DST) / IPv6(src=src, dst=dst, hlim=hlim, tc=tc, fl=fl) / srh
    if up is not None:
        pkt = pkt / up
    b = raw(pkt)
    packets.append(Ether(b))
    sidecar.append({
        "name": name,
        "src": src, "dst": dst, "hlim": hlim, "tc": tc, "fl": fl,
        "plen": len(b) - 14 - 40,
        "srh_offset": 14 + 40,
        "srh": {
            "nh": NH[up_desc["kind"]],
            "hdr_ext_len": srh_len // 8 - 1,
            "segments": segments, "sl": sl, "le": len(segments) - 1,
            "flags": flags, "o_flag": bool(flags & 0x20), "tag": tag,
            "tlvs": tlv_desc,
        },
        "inner": up_desc,
    })


# ---------------------------------------------------------------------------------------- the table
A = "2001:db8::1"
add("1 seg SL=1 udp", A, "fc00:0:1::", segs(1), 1, upper("udp", sport=1000, dport=2000, data=data(10, 1)))
add("1 seg SL=0 icmp", A, "fc00:0:1::", segs(1), 0, upper("icmpv6", id=1, seq=2))
add("2 seg SL=1 icmp data", A, "fc00:0:2::", segs(2), 1, upper("icmpv6", id=0xBEEF, seq=77, data=data(32, 2)))
add("2 seg SL=2 udp tag", A, "fc00:0:2::", segs(2), 2, upper("udp", sport=5, dport=6, data=data(3, 3)), tag=0x1234)
add("3 seg SL=2 O-flag echo reply", A, "fc00:0:2::", segs(3), 2, upper("icmpv6", reply=True, id=9, seq=9), flags=0x20)
add("3 seg SL=0 all flags", A, "fc00:0:1::", segs(3), 0, upper("udp", sport=1, dport=1), flags=0xFF, tag=0xFFFF)
add("4 seg SL=3 unknown flags", "2001:db8:0:0:1:0:0:1", "fc00:0:3::", segs(4), 3,
    upper("udp", sport=40000, dport=50000, data=data(21, 4)), flags=0x81)
add("5 seg SL=5 tcp", A, "fc00:0:5::", segs(5), 5, upper("tcp", sport=179, dport=40000, seq=123456, flags="S"))
add("8 seg SL=4 udp hlim/tc/fl", A, "fc00:0:4::", segs(8), 4, upper("udp", sport=7, dport=9, data=data(64, 5)),
    hlim=1, tc=0xB8, fl=0xFFFFF)
add("16 seg SL=16 icmp", A, "fc00:0:10::", segs(16), 16, upper("icmpv6", id=16, seq=16), tag=1)
add("generic TLV + PadN 1", A, "fc00:0:2::", segs(2), 1, upper("udp", sport=11, dport=12),
    tlvs=[tlv_generic(0x90, data(3, 11)), tlv_padn(1)])
add("Pad1 + generic TLV", A, "fc00:0:2::", segs(2), 1, upper("icmpv6", id=3, seq=3),
    tlvs=[tlv_pad1(), tlv_generic(0x7E, data(5, 6))])
add("generic TLV + PadN 0 + 3 Pad1", A, "fc00:0:3::", segs(3), 1, upper("udp", sport=13, dport=14, data=data(1, 7)),
    tlvs=[tlv_generic(0x80, data(1, 7)), tlv_padn(0), tlv_pad1(), tlv_pad1(), tlv_pad1()])
add("ingress node TLV + PadN", A, "fc00:0:1::", segs(1), 1, upper("icmpv6", id=4, seq=4),
    tlvs=[tlv_ingress("2001:db8:ffff::1"), tlv_padn(2)], flags=0x20)
add("H.Encaps inner ipv6 udp", A, "fc00:0:2::", segs(2), 1,
    upper("ipv6", src="2001:db8:a::1", dst="2001:db8:b::2", hlim=3,
          upper=upper("udp", sport=100, dport=200, data=data(8, 8))))
add("H.Encaps inner ipv6 icmp", A, "fc00:0:3::", segs(3), 3,
    upper("ipv6", src="2001:db8:a::1", dst="2001:db8:b::2", upper=upper("icmpv6", id=5, seq=6, data=data(4, 9))),
    tag=0x8000)
add("H.Encaps inner ipv4 udp", A, "fc00:0:1::", segs(1), 1,
    upper("ipv4", src="192.0.2.1", dst="198.51.100.2", ttl=17, upper=upper("udp", sport=67, dport=68)))
add("H.Encaps inner ipv4 udp data O-flag", A, "fc00:0:2::", segs(2), 2,
    upper("ipv4", src="10.1.2.3", dst="10.3.2.1", upper=upper("udp", sport=1, dport=2, data=data(9, 10))), flags=0x20)
add("no next header", A, "fc00:0:2::", segs(2), 1, upper("none"))
add("no next header O-flag PadN", A, "fc00:0:1::", segs(1), 1, upper("none"), flags=0x20, tlvs=[tlv_padn(5), tlv_pad1()])
add("rfc5952 addresses", "2001:0:0:1::1", "2001:db8:0:1:1:1:1:1",
    ["2001:db8::1:0:0:1", "fe80::1", "2001:db8:0:1:1:1:1:1"], 2, upper("udp", sport=3, dport=4))
add("tcp over 2 segs flags PA", A, "fc00:0:2::", segs(2), 1, upper("tcp", sport=22, dport=50000, seq=0xFFFFFFFF, flags="PA"))

if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: scapy_packets.py OUT.pcap OUT.json")
    wrpcap(sys.argv[1], packets)
    with open(sys.argv[2], "w") as f:
        json.dump(sidecar, f, indent=1)
    print("%d packets" % len(packets))
