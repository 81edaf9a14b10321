#!/usr/bin/env python3
"""How fast `rill daemon` brings back a saved session of N torrents, and what they cost idle.

Setup (once per work folder): N one-piece torrents of small random files, added to a daemon through
the RPC and checked, so the saved session has every torrent with its resume data; max_active_seeds
keeps all but a few of them queued. Then, per build and round (interleaved): start the daemon on that
session, time until every torrent is in its snapshot (torrent-get) as checked and complete, sample
idle CPU and RSS, and stop it. A daemon on an empty session gives the RSS baseline. Loopback only.

Each round also times adding the N torrents to an empty daemon, one `torrent-add` at a time (their
data present, so each is checked), and `torrent-get` with the fields of `transmission-remote -l`.

Usage: many.py WORK N [--bins name=PATH ...] [--repeat R] [--idle-seconds S] [--active K] [--add-timeout S]
"""
import argparse, base64, hashlib, http.client, os, shutil, signal, socket, statistics, subprocess, sys, time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from rpc import RPC, bencode, cpu_seconds  # noqa: E402  (the RPC benchmark's client)

CHECKING = (1, 2)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0)); return s.getsockname()[1]


def rss_kib(pid):
    for line in open(f"/proc/{pid}/status"):
        if line.startswith("VmRSS:"): return int(line.split()[1])
    return 0


def load():
    return " ".join(open("/proc/loadavg").read().split()[:3])


class Daemon:
    """One `rill daemon` on HOME with its RPC on a free loopback port."""
    def __init__(self, binary, home, data):
        self.port = free_port()
        self.log = open(os.path.join(home, "daemon.log"), "ab")
        env = dict(os.environ, RILL_HOME=home)
        self.started = time.monotonic()
        self.process = subprocess.Popen(
            [binary, "daemon", "--dir", data, "--port", "0", "--listen", "127.0.0.1", "--no-dht", "--no-lsd",
             "--rpc-port", str(self.port)], env=env, stdout=self.log, stderr=self.log)
        self.rpc = RPC(self.port)

    def rows(self, fields):
        while True:
            if self.process.poll() is not None: raise RuntimeError("the daemon exited")
            try:
                return self.rpc.call("torrent-get", {"fields": fields})["arguments"]["torrents"]
            except (ConnectionError, http.client.HTTPException, OSError):
                self.rpc.connection.close()  # not listening yet: start the next request afresh
                if time.monotonic() - self.started > 300: raise
                time.sleep(0.02)

    def wait_settled(self, count, timeout):
        """Seconds from the daemon's start until all COUNT torrents are listed, checked and complete."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            rows = self.rows(["status", "percentDone"])
            if len(rows) >= count and all(r["status"] not in CHECKING and r["percentDone"] >= 1 for r in rows):
                return time.monotonic() - self.started
            time.sleep(0.1)  # each poll lists every torrent: polling faster slows the daemon down
        raise RuntimeError(f"{count} torrents did not settle in {timeout} s")

    def stop(self):
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=120)
        except subprocess.TimeoutExpired:
            self.process.kill(); self.process.wait()
        self.log.close()


def write_config(home, data, active):
    os.makedirs(home, exist_ok=True)
    with open(os.path.join(home, "config.toml"), "w") as f:
        f.write(f'listen_host = "127.0.0.1"\nlisten_port = 0\ndownload_dir = "{data}"\n'
                f"max_active_seeds = {active}\nmax_active_downloads = {active}\nutp = false\n"
                "[dht]\nenabled = false\n[lsd]\nenabled = false\n")


def torrent(data, i):
    """The metainfo (base64) of torrent I, from its file in DATA (made once, random)."""
    name = f"many-{i:05d}.bin"
    path = os.path.join(data, name)
    if not os.path.exists(path):
        with open(path, "wb") as f: f.write(os.urandom(1024 + i % 1024))
    payload = open(path, "rb").read()
    info = {"name": name, "length": len(payload), "piece length": 16384, "pieces": hashlib.sha1(payload).digest()}
    return base64.b64encode(bencode({"info": info})).decode()


def add_all(daemon, data, count, timeout):
    """Adds COUNT torrents one `torrent-add` at a time, as a client does; returns (added, seconds, CPU s)."""
    torrents = [torrent(data, i) for i in range(count)]
    daemon.rows(["id"])  # listening
    cpu0, start = cpu_seconds(daemon.process.pid), time.monotonic()
    for i, metainfo in enumerate(torrents):
        if time.monotonic() - start > timeout:
            return i, time.monotonic() - start, cpu_seconds(daemon.process.pid) - cpu0
        answer = daemon.rpc.call("torrent-add", {"metainfo": metainfo, "download-dir": data})
        assert answer["result"] == "success", answer
    return count, time.monotonic() - start, cpu_seconds(daemon.process.pid) - cpu0


def setup(binary, work, count, active):
    """Makes the saved session once; later runs reuse it."""
    home, data = os.path.join(work, "home"), os.path.join(work, "data")
    marker = os.path.join(work, f"ready-{count}")
    if os.path.exists(marker): return home, data
    os.makedirs(data, exist_ok=True)
    write_config(home, data, active)
    daemon = Daemon(binary, home, data)
    try:
        start = time.monotonic()
        add_all(daemon, data, count, 3600)
        daemon.wait_settled(count, 3600)
        print(f"setup: added and checked {count} torrents in {time.monotonic() - start:.1f} s", flush=True)
    finally:
        daemon.stop()
    open(marker, "w").close()
    return home, data


def measure_adding(binary, work, data, count, active, timeout):
    """A daemon on an empty session gets COUNT torrents over the RPC (their data present)."""
    home = os.path.join(work, "add-home")
    shutil.rmtree(home, ignore_errors=True)
    write_config(home, data, active)
    daemon = Daemon(binary, home, data)
    try:
        before = load()
        added, seconds, cpu = add_all(daemon, data, count, timeout)
        settled = daemon.wait_settled(count, 600) if added == count else None
        return {"added": added, "add_s": seconds, "add_cpu_s": cpu, "settled_s": settled, "load": before}
    finally:
        daemon.stop()
        shutil.rmtree(home, ignore_errors=True)


LIST_FIELDS = ["id", "error", "errorString", "eta", "isFinished", "isStalled", "leftUntilDone", "name",
               "peersGettingFromUs", "peersSendingToUs", "rateDownload", "rateUpload", "sizeWhenDone", "status",
               "uploadRatio"]  # what `transmission-remote -l` asks for


def list_p50_ms(daemon, requests=21):
    """`torrent-get` p50 in ms, and the daemon's CPU ms per request (less sensitive to other load)."""
    times = []
    cpu0 = cpu_seconds(daemon.process.pid)
    for _ in range(requests):
        t0 = time.perf_counter()
        daemon.rpc.call("torrent-get", {"fields": LIST_FIELDS})
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times), (cpu_seconds(daemon.process.pid) - cpu0) * 1000 / requests


def baseline_rss(binary, work):
    home, data = os.path.join(work, "empty-home"), os.path.join(work, "empty-data")
    os.makedirs(data, exist_ok=True)
    write_config(home, data, 1)
    daemon = Daemon(binary, home, data)
    try:
        daemon.wait_settled(0, 60)
        time.sleep(2)
        return rss_kib(daemon.process.pid)
    finally:
        daemon.stop()


def measure(binary, home, data, count, idle):
    daemon = Daemon(binary, home, data)
    try:
        before = load()
        restore = daemon.wait_settled(count, 600)
        cpu_restore = cpu_seconds(daemon.process.pid)
        time.sleep(3)
        cpu0, t0 = cpu_seconds(daemon.process.pid), time.monotonic()
        time.sleep(idle)
        idle_cpu = (cpu_seconds(daemon.process.pid) - cpu0) / (time.monotonic() - t0) * 100
        rss = rss_kib(daemon.process.pid)
        list_ms, list_cpu_ms = list_p50_ms(daemon)
        return {"restore_s": restore, "restore_cpu_s": cpu_restore, "idle_cpu_pct": idle_cpu,
                "rss_kib": rss, "list_ms": list_ms, "list_cpu_ms": list_cpu_ms, "load": before}
    finally:
        daemon.stop()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("work"); parser.add_argument("count", type=int)
    parser.add_argument("--bins", nargs="+", required=True)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--idle-seconds", type=float, default=20)
    parser.add_argument("--active", type=int, default=10)
    parser.add_argument("--add-timeout", type=float, default=600,
                        help="seconds a build may take to add N torrents over the RPC (0: skip that phase)")
    args = parser.parse_args()
    bins = [entry.split("=", 1) for entry in args.bins]
    home, data = setup(bins[-1][1], args.work, args.count, args.active)
    results = {name: [] for name, _ in bins}
    baselines = {name: baseline_rss(path, args.work) for name, path in bins}
    adding = {name: [] for name, _ in bins}
    for round in range(args.repeat):
        for name, path in bins:
            r = measure(path, home, data, args.count, args.idle_seconds)
            results[name].append(r)
            print(f"  {name} round {round + 1}: restore {r['restore_s']:.2f} s ({r['restore_cpu_s']:.2f} CPU s), "
                  f"idle {r['idle_cpu_pct']:.2f} % of a core, RSS {r['rss_kib'] / 1024:.1f} MiB, "
                  f"torrent-get (-l fields) p50 {r['list_ms']:.1f} ms ({r['list_cpu_ms']:.1f} CPU ms), load {r['load']}", flush=True)
            if args.add_timeout > 0:
                a = measure_adding(path, args.work, data, args.count, args.active, args.add_timeout)
                adding[name].append(a)
                settled = f"{a['settled_s']:.2f} s" if a["settled_s"] is not None else "-"
                print(f"  {name} round {round + 1}: added {a['added']} of {args.count} over the RPC in "
                      f"{a['add_s']:.2f} s ({a['add_cpu_s']:.2f} CPU s), all checked {settled} after the daemon's "
                      f"start, load {a['load']}", flush=True)
    for name, runs in results.items():
        median = lambda key: statistics.median(r[key] for r in runs)
        per = (median("rss_kib") - baselines[name]) / max(1, args.count)
        print(f"{name}: {args.count} torrents, median of {len(runs)}: restore {median('restore_s'):.2f} s "
              f"({median('restore_cpu_s'):.2f} CPU s), idle {median('idle_cpu_pct'):.2f} % of a core, "
              f"RSS {median('rss_kib') / 1024:.1f} MiB ({per:.1f} KiB per torrent over an empty "
              f"daemon's {baselines[name] / 1024:.1f} MiB), torrent-get p50 {median('list_ms'):.1f} ms "
              f"({median('list_cpu_ms'):.1f} CPU ms each)")
        if adding[name]:
            runs = adding[name]
            print(f"{name}: adding {args.count} over the RPC, median of {len(runs)}: "
                  f"{statistics.median(r['add_s'] for r in runs):.2f} s "
                  f"({statistics.median(r['add_cpu_s'] for r in runs):.2f} CPU s), fewest added "
                  f"{min(r['added'] for r in runs)}")


if __name__ == "__main__":
    main()
