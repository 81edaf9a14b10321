#!/usr/bin/env python3
"""Hostile-peer load for Benchmarks/flood.sh: connects to a seeder on loopback and either floods
it with block requests without reading the replies, or opens many idle, handshaken connections.

    flood.py requests HOST PORT INFOHASH PIECES PIECE_LENGTH COUNT
    flood.py idle HOST PORT INFOHASH CONNECTIONS SECONDS
"""
import os, socket, struct, sys, time

def handshake(sock, info_hash):
    reserved = bytes([0, 0, 0, 0, 0, 0x10, 0, 0x04])  # extension protocol, fast extension
    sock.sendall(bytes([19]) + b"BitTorrent protocol" + reserved + info_hash + b"-FL0001-" + os.urandom(12))

def requests(host, port, info_hash, pieces, piece_length, count):
    sock = socket.create_connection((host, port))
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)  # read nothing, keep the window small
    handshake(sock, info_hash)
    sock.sendall(struct.pack(">IB", 1, 2))  # interested
    time.sleep(0.5)                          # let the seeder unchoke us
    blocks = max(1, piece_length // 16384)
    batch = bytearray()
    sent = 0
    try:
        for index in range(count):
            piece = (index // blocks) % pieces
            offset = (index % blocks) * 16384
            batch += struct.pack(">IBIII", 13, 6, piece, offset, 16384)
            if len(batch) >= 65536:
                sock.sendall(batch); sent += len(batch) // 17; batch = bytearray()
        if batch:
            sock.sendall(batch); sent += len(batch) // 17
        print("sent", sent, "requests", flush=True)
    except OSError as error:
        print("dropped after", sent, "requests:", error, flush=True)
    time.sleep(2)
    sock.close()

def idle(host, port, info_hash, connections, seconds):
    held = []
    for index in range(connections):
        source = "127.0.%d.%d" % (1 + index // 250, 2 + index % 250)
        try:
            sock = socket.socket()
            sock.bind((source, 0))
            sock.connect((host, port))
            handshake(sock, info_hash)
            held.append(sock)
        except OSError:
            pass
    print("opened", len(held), "connections", flush=True)
    deadline = time.time() + seconds
    while time.time() < deadline:
        for sock in held:
            try: sock.send(b"\0\0\0\0")  # keep-alive
            except OSError: pass
        time.sleep(1)

if __name__ == "__main__":
    mode, host, port, info_hash = sys.argv[1], sys.argv[2], int(sys.argv[3]), bytes.fromhex(sys.argv[4])
    if mode == "requests":
        requests(host, port, info_hash, int(sys.argv[5]), int(sys.argv[6]), int(sys.argv[7]))
    else:
        idle(host, port, info_hash, int(sys.argv[5]), float(sys.argv[6]))
