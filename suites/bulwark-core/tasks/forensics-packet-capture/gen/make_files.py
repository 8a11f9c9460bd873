#!/usr/bin/env python3
# Writes files/capture.pcap: a packet capture (Ethernet, IPv4, TCP and UDP) of an office network
# in which a workstation downloads a gzip-compressed report over HTTP; the report's segments
# arrive out of order, one of them twice. Deterministic (seeded); run from the task's folder to
# regenerate.
import gzip
import random
import struct

rng = random.Random(90210)
FLAG = "FLAG{reassemble_bef0re_y0u_gunzip}"
words = ("valve pump seal gasket flange pressure north south east west shift crane berth "
         "container reefer manifest customs pilot tug draft ballast").split()
rows = "".join("<tr><td>%s</td><td>%s %s</td><td>%d</td></tr>\n"
               % (rng.choice(words), rng.choice(words), rng.choice(words), rng.randrange(10 ** 6))
               for _ in range(260))
html = ("<html><head><title>Quarterly berth report</title></head><body>\n<table>\n" + rows +
        "</table>\n<!-- release approval: " + FLAG + " -->\n</body></html>\n").encode()
body = gzip.compress(html, mtime=0)
response = (b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Encoding: gzip\r\n"
            b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body)

packets = []  # (time, frame)
MAC_A, MAC_B = bytes.fromhex("020000000005"), bytes.fromhex("020000000009")


def checksum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def ip_packet(src, dst, proto, payload):
    header = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), rng.randrange(65536), 0x4000,
                         64, proto, 0, bytes(map(int, src.split("."))),
                         bytes(map(int, dst.split("."))))
    header = header[:10] + struct.pack("!H", checksum(header)) + header[12:]
    return header + payload


def tcp(t, src, sport, dst, dport, seq, ack, flags, payload=b""):
    seg = struct.pack("!HHIIBBHHH", sport, dport, seq, ack, 5 << 4, flags, 64240, 0, 0) + payload
    pseudo = (bytes(map(int, src.split("."))) + bytes(map(int, dst.split("."))) +
              struct.pack("!BBH", 0, 6, len(seg)))
    seg = seg[:16] + struct.pack("!H", checksum(pseudo + seg)) + seg[18:]
    mac = (MAC_B + MAC_A) if src.endswith(".9") else (MAC_A + MAC_B)
    packets.append((t, mac + b"\x08\x00" + ip_packet(src, dst, 6, seg)))


def udp(t, src, sport, dst, dport, payload):
    seg = struct.pack("!HHHH", sport, dport, 8 + len(payload), 0) + payload
    packets.append((t, MAC_A + MAC_B + b"\x08\x00" + ip_packet(src, dst, 17, seg)))


def http_flow(t, client, cport, server, request, reply, shuffle):
    c_seq, s_seq = rng.randrange(2 ** 32), rng.randrange(2 ** 32)
    SYN, ACK, PSH, FIN = 0x02, 0x10, 0x08, 0x01
    tcp(t, client, cport, server, 80, c_seq, 0, SYN)
    tcp(t + 0.001, server, 80, client, cport, s_seq, c_seq + 1, SYN | ACK)
    tcp(t + 0.002, client, cport, server, 80, c_seq + 1, s_seq + 1, ACK)
    tcp(t + 0.003, client, cport, server, 80, c_seq + 1, s_seq + 1, PSH | ACK, request)
    segments = [(s_seq + 1 + i, reply[i:i + 180]) for i in range(0, len(reply), 180)]
    if shuffle:
        head, rest = segments[:1], segments[1:]
        rng.shuffle(rest)
        segments = head + rest + [rest[2]]  # and one retransmission
    now = t + 0.01
    for seq, data in segments:
        now += 0.0005 + rng.random() * 0.002
        tcp(now, server, 80, client, cport, seq, c_seq + 1 + len(request), PSH | ACK, data)
    end = s_seq + 1 + len(reply)
    tcp(now + 0.001, client, cport, server, 80, c_seq + 1 + len(request), end, ACK)
    tcp(now + 0.002, server, 80, client, cport, end, c_seq + 1 + len(request), FIN | ACK)
    tcp(now + 0.003, client, cport, server, 80, c_seq + 1 + len(request), end + 1, FIN | ACK)


base = 1781430000.0
for i in range(12):  # name lookups and other chatter
    udp(base + i * 0.7, "10.0.0.5", 40000 + i, "10.0.0.1", 53,
        struct.pack("!HHHHHH", rng.randrange(65536), 0x0100, 1, 0, 0, 0) +
        b"\x06intranet\x04port\x07example\x00\x00\x01\x00\x01")
http_flow(base + 1, "10.0.0.5", 51000, "10.0.0.9", b"GET /index.html HTTP/1.1\r\nHost: intranet\r\n\r\n",
          b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 39\r\n\r\n"
          b"<html><body>Intranet home</body></html>", False)
http_flow(base + 3, "10.0.0.5", 51514, "10.0.0.9",
          b"GET /export/berth-report.html HTTP/1.1\r\nHost: intranet\r\nAccept-Encoding: gzip\r\n\r\n",
          response, True)
packets.sort(key=lambda p: p[0])
with open("files/capture.pcap", "wb") as f:
    f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
    for t, frame in packets:
        f.write(struct.pack("<IIII", int(t), int((t % 1) * 1e6), len(frame), len(frame)) + frame)
