#!/usr/bin/env python3
"""A tracker for tests that records who asked: HTTP announces (BEP 3) on a TCP port and UDP
announces (BEP 15) on the UDP port of the same number, every reply listing the --peer addresses.
Any other datagram on the UDP port (a DHT query sent to it as a bootstrap node) is recorded too,
unanswered. With --tls the HTTP side is HTTPS, with a self-signed certificate made by openssl at
start (no client trusts it). One line per request on stdout, with the source address:

    listening on PORT
    http announce from IP
    udp connect from IP | udp announce from IP | udp scrape from IP | udp other from IP
"""
import argparse
import os
import socket
import ssl
import struct
import sys
import subprocess
import tempfile
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

MAGIC = 0x41727101980


_log_lock = threading.Lock()


def log(line):
    # One write per line under a lock: print() writes the text and the newline separately,
    # so two threads logging at once could run their lines together.
    with _log_lock:
        sys.stdout.write(line + "\n")
        sys.stdout.flush()


def compact(peers):
    out = b""
    for peer in peers:
        host, port = peer.rsplit(":", 1)
        out += socket.inet_aton(host) + struct.pack("!H", int(port))
    return out


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def do_GET(self):
        if not self.path.startswith("/announce"):
            body = b"not found\n"
            self.send_response(404)
        else:
            log(f"http announce from {self.client_address[0]}")
            peers = self.server.peers
            body = b"d8:intervali60e5:peers" + str(len(peers)).encode() + b":" + peers + b"e"
            self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(body)
        self.close_connection = True


def serve_udp(sock, peers):
    while True:
        data, address = sock.recvfrom(2048)
        source = address[0]
        if len(data) >= 16 and struct.unpack("!QI", data[:12]) == (MAGIC, 0):
            log(f"udp connect from {source}")
            sock.sendto(struct.pack("!IIQ", 0, struct.unpack("!I", data[12:16])[0], 0x1234), address)
        elif len(data) >= 98 and struct.unpack("!I", data[8:12])[0] == 1:
            log(f"udp announce from {source}")
            transaction = struct.unpack("!I", data[12:16])[0]
            sock.sendto(struct.pack("!IIIII", 1, transaction, 60, 0, len(peers) // 6) + peers, address)
        elif len(data) >= 16 and struct.unpack("!I", data[8:12])[0] == 2:
            log(f"udp scrape from {source}")
            count = (len(data) - 16) // 20
            sock.sendto(struct.pack("!II", 2, struct.unpack("!I", data[12:16])[0]) + b"\0" * 12 * count, address)
        else:
            log(f"udp other from {source}")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--peer", action="append", default=[])
    parser.add_argument("--tls", action="store_true")
    options = parser.parse_args()
    peers = compact(options.peer)
    server = ThreadingHTTPServer((options.host, 0), Handler)
    if options.tls:
        folder = tempfile.mkdtemp()
        key, cert = os.path.join(folder, "key.pem"), os.path.join(folder, "cert.pem")
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=localhost",
                        "-keyout", key, "-out", cert, "-days", "2"], check=True, capture_output=True)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(cert, key)
        server.socket = context.wrap_socket(server.socket, server_side=True)
    server.peers = peers
    port = server.server_address[1]
    udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    udp.bind((options.host, port))
    threading.Thread(target=serve_udp, args=(udp, peers), daemon=True).start()
    log(f"listening on {port}")
    server.serve_forever()


if __name__ == "__main__":
    main()
