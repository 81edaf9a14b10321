#!/usr/bin/env python3
"""RPC latency and idle cost of `rill daemon` (or any Transmission RPC server).

Adds N small torrents (no data, so they sit queued or downloading with no peers), then times
`torrent-get` with the fields `transmission-remote -l` asks for, and samples the daemon's CPU and
RSS while idle. Loopback only. Usage: rpc.py PORT PID N [--requests R] [--idle-seconds S]
"""
import hashlib, http.client, json, os, sys, time, base64

def bencode(value):
    if isinstance(value, int): return b"i%de" % value
    if isinstance(value, bytes): return b"%d:%s" % (len(value), value)
    if isinstance(value, str): return bencode(value.encode())
    if isinstance(value, list): return b"l" + b"".join(bencode(v) for v in value) + b"e"
    if isinstance(value, dict):
        return b"d" + b"".join(bencode(k) + bencode(value[k]) for k in sorted(value)) + b"e"
    raise TypeError(value)

class RPC:
    def __init__(self, port):
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        self.session = ""
    def call(self, method, arguments):
        body = json.dumps({"method": method, "arguments": arguments}).encode()
        for _ in range(2):
            self.connection.request("POST", "/transmission/rpc", body=body,
                                    headers={"X-Transmission-Session-Id": self.session})
            response = self.connection.getresponse()
            data = response.read()
            if response.status == 409:
                self.session = response.getheader("X-Transmission-Session-Id"); continue
            return json.loads(data)
        raise RuntimeError("no session id")

def cpu_seconds(pid):
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

def rss_mib(pid):
    for line in open(f"/proc/{pid}/status"):
        if line.startswith("VmRSS:"): return int(line.split()[1]) / 1024
    return 0

def main():
    port, pid, count = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
    requests = int(sys.argv[sys.argv.index("--requests") + 1]) if "--requests" in sys.argv else 200
    idle = float(sys.argv[sys.argv.index("--idle-seconds") + 1]) if "--idle-seconds" in sys.argv else 30
    rpc = RPC(port)
    rss_before = rss_mib(pid)
    start = time.time()
    for i in range(count):
        info = {"name": f"bench-{i:05d}.bin", "length": 1 << 20, "piece length": 1 << 18,
                "pieces": hashlib.sha1(b"%d" % i).digest() * 4}
        torrent = bencode({"info": info})
        answer = rpc.call("torrent-add", {"metainfo": base64.b64encode(torrent).decode(), "paused": False})
        assert answer["result"] == "success", answer
    added = time.time() - start
    fields = ["id", "error", "errorString", "eta", "isFinished", "isStalled", "leftUntilDone", "name",
              "peersGettingFromUs", "peersSendingToUs", "rateDownload", "rateUpload", "sizeWhenDone",
              "status", "uploadRatio"]
    # Let the checks finish, then time the list.
    deadline = time.time() + 120
    while time.time() < deadline:
        rows = rpc.call("torrent-get", {"fields": ["status"]})["arguments"]["torrents"]
        if len(rows) >= count and not any(r["status"] in (1, 2) for r in rows): break
        time.sleep(0.5)
    times = []
    for _ in range(requests):
        t0 = time.perf_counter()
        answer = rpc.call("torrent-get", {"fields": fields})
        times.append((time.perf_counter() - t0) * 1000)
        assert len(answer["arguments"]["torrents"]) >= count
    times.sort()
    p50, p99 = times[len(times) // 2], times[min(len(times) - 1, int(len(times) * 0.99))]
    time.sleep(2)
    cpu0, t0 = cpu_seconds(pid), time.time()
    time.sleep(idle)
    cpu_share = (cpu_seconds(pid) - cpu0) / (time.time() - t0) * 100
    print(json.dumps({"torrents": count, "add_seconds": round(added, 2), "torrent_get_p50_ms": round(p50, 2),
                      "torrent_get_p99_ms": round(p99, 2), "idle_cpu_percent": round(cpu_share, 2),
                      "rss_mib_before": round(rss_before, 1), "rss_mib_after": round(rss_mib(pid), 1)}))

if __name__ == "__main__":
    main()
