#!/usr/bin/env python3
"""A small web seed for tests: serves a folder over HTTP on loopback and answers byte ranges.

    webseed_server.py ROOT [--host 127.0.0.1] [--port 0] [--fail-every N] [--short-every N] [--ignore-ranges]

Prints "listening on PORT" once ready, then one line per request ("GET path range -> status").
With --fail-every N, every Nth request is answered 503 (counting all requests), so a client
must retry to finish. With --short-every N, every Nth request gets a 206 whose body stops
halfway (the header promises the whole range) and the connection closes. Only single ranges
("bytes=a-b", "bytes=a-", "bytes=-n") are served; a request without Range gets the whole
file with 200, and so does every request with --ignore-ranges (a server that does not do ranges).
"""
import argparse
import os
import sys
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    lock = threading.Lock()
    count = 0

    def log_message(self, *args):
        pass

    def report(self, status, detail=""):
        line = f"GET {self.path} {self.headers.get('Range', '-')} from {self.client_address[0]} -> {status} {detail}".rstrip()
        # One write per line under the lock: print() writes the newline separately, so two handler
        # threads could run their lines together.
        with Handler.lock:
            sys.stdout.write(line + "\n")
            sys.stdout.flush()

    def reply(self, status, body=b"", headers=(), short=False):
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if short:
            self.wfile.write(body[: len(body) // 2])
            self.wfile.flush()
            self.close_connection = True
            return self.report(status, "short")
        self.wfile.write(body)
        self.report(status)

    def do_GET(self):
        with Handler.lock:
            Handler.count += 1
            number = Handler.count
        if self.server.fail_every and number % self.server.fail_every == 0:
            return self.reply(503, b"busy\n", [("Retry-After", "0")])
        relative = urllib.parse.unquote(urllib.parse.urlsplit(self.path).path).lstrip("/")
        path = os.path.realpath(os.path.join(self.server.root, relative))
        if not path.startswith(self.server.root + os.sep) or not os.path.isfile(path):
            return self.reply(404, b"not found\n")
        size = os.path.getsize(path)
        wanted = self.headers.get("Range")
        if wanted is None or self.server.ignore_ranges:
            with open(path, "rb") as file:
                return self.reply(200, file.read())
        start, end = parse_range(wanted, size)
        if start is None:
            return self.reply(416, b"", [("Content-Range", f"bytes */{size}")])
        with open(path, "rb") as file:
            file.seek(start)
            body = file.read(end - start + 1)
        short = self.server.short_every and number % self.server.short_every == 0
        self.reply(206, body, [("Content-Range", f"bytes {start}-{end}/{size}")], short=short)


def parse_range(text, size):
    """(first, last) byte of a single 'bytes=' range, or (None, None) when it cannot be served."""
    if not text.startswith("bytes=") or "," in text:
        return None, None
    first, _, last = text[len("bytes="):].partition("-")
    try:
        if first == "":
            count = int(last)
            start, end = max(0, size - count), size - 1
        else:
            start = int(first)
            end = min(int(last), size - 1) if last else size - 1
    except ValueError:
        return None, None
    if start > end or start >= size:
        return None, None
    return start, end


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("root")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--fail-every", type=int, default=0)
    parser.add_argument("--short-every", type=int, default=0)
    parser.add_argument("--ignore-ranges", action="store_true")
    options = parser.parse_args()
    server = ThreadingHTTPServer((options.host, options.port), Handler)
    server.daemon_threads = True
    server.root = os.path.realpath(options.root)
    server.fail_every = options.fail_every
    server.short_every = options.short_every
    server.ignore_ranges = options.ignore_ranges
    print(f"listening on {server.server_address[1]}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    sys.exit(main())
