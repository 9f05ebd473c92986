#!/usr/bin/python3
"""Independent HMAC oracle for RFC 8754 §2.1.2.1 (stdlib hmac/hashlib only, no scapy).

Reads JSON lines on stdin: {"srh": hex of the whole SRH as on the wire, "src": IPv6 source,
"key": hex, "alg": "sha1"|"sha256"} and writes one JSON line per input: {"hmac": hex of the
32-octet field, "text": hex of the text}. The fields are taken from the SRH bytes by their RFC
offsets (Last Entry = octet 4, Flags = octet 5, segments from octet 8), the key id from the
HMAC TLV (type 5) found by walking the TLVs after the segment list, with the TLV's 16 bits following its Length
(D bit and Reserved: "SRH: HMAC 16 bits following Length" in the RFC's list).
"""
import hashlib, hmac, ipaddress, json, struct, sys

for line in sys.stdin:
    req = json.loads(line)
    srh = bytes.fromhex(req["srh"])
    last_entry, flags = srh[4], srh[5]
    n = last_entry + 1
    segments = srh[8:8 + 16 * n]
    off, key_id, d_reserved = 8 + 16 * n, None, None
    while off < len(srh):
        t = srh[off]
        if t == 0:
            off += 1
            continue
        length = srh[off + 1]
        if t == 5:
            d_reserved = srh[off + 2:off + 4]
            key_id = struct.unpack(">I", srh[off + 4:off + 8])[0]
        off += 2 + length
    text = ipaddress.IPv6Address(req["src"]).packed + bytes([last_entry, flags]) + d_reserved + struct.pack(">I", key_id) + segments
    digest = hmac.new(bytes.fromhex(req["key"]), text, getattr(hashlib, req["alg"])).digest()[:32]
    field = digest + bytes(32 - len(digest))
    print(json.dumps({"hmac": field.hex(), "text": text.hex()}), flush=True)
