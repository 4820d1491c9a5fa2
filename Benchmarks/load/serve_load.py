#!/usr/bin/env python3
"""Load run against a real `encml serve` on loopback, bounded in time AND request count.

Each of --clients threads holds its own key pair (encml keygen) and its own encrypted query
(encml encrypt, --rows rows of the breast_cancer test split, single-query packing), uploads
its evaluation keys once, then POSTs its query to /v1/infer/{id} in a loop until --duration
seconds have passed or --max-requests requests were sent in all. Reports failures,
throughput, latency percentiles, and the server's RSS (from /proc) after key upload and at
the end. Every client has its own bearer token (serve --tokens); a 503 (inference queue full)
is retried after its Retry-After and counted apart from failures. A prober thread GETs /health
every 50 ms during the run (p50/p99 reported: health must not wait behind inference), and
--key-uploads N first uploads N fresh key sets under one token to measure the server's RSS
under a stream of uploads with the default --max-key-memory budget.

--replicas N starts N `encml serve` processes on one key store (--postgres: a throw-away
PostgreSQL cluster on 127.0.0.1, initdb as the postgres user when run as root, stopped at the
end; else one SQLite file). Client i uploads its keys through replica i mod N and sends its
queries to replica (i+1) mod N, so every request uses keys another process received; RSS and
key uploads are reported per replica.
Python standard library only; loopback (127.0.0.1) only.

Usage: python3 Benchmarks/load/serve_load.py [--encml .build/release/encml] [--clients 8]
       [--duration 60] [--max-requests 20000] [--rows 1] [--max-clients 8] [--key-uploads 0] [--workers N]
       [--replicas 1] [--postgres] [--json]
"""
import argparse, glob, http.client, json, os, re, secrets, socket, subprocess, sys, tempfile, threading, time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def run(encml, *args):
    r = subprocess.run([encml, *args], capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit(f"encml {args[0]} failed: {r.stderr.strip()}")
    return r.stdout


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def request(port, method, path, body=None, token=None, content_type="application/octet-stream"):
    headers = {"Content-Type": content_type} if body is not None else {}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    for _ in range(100):  # 503: the server asks to retry later
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
        conn.request(method, path, body=body, headers=headers)
        reply = conn.getresponse()
        data = reply.read()
        conn.close()
        if reply.status != 503:
            return reply.status, data
        time.sleep(float(reply.getheader("Retry-After") or 1))
    return reply.status, data


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_postgres(work):
    """A throw-away PostgreSQL cluster in work/pg on a free loopback port: (url, stop)."""
    initdb = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if not initdb:
        sys.exit("PostgreSQL is not installed: apt-get install -y postgresql")
    bindir = os.path.dirname(initdb[-1])
    d = os.path.join(work, "pg")
    os.makedirs(d)
    as_postgres = ["runuser", "-u", "postgres", "--"] if os.getuid() == 0 else []
    if as_postgres:
        os.chmod(work, 0o755)
        subprocess.run(["chown", "-R", "postgres:postgres", d], check=True)
    port = free_port()
    subprocess.run(as_postgres + [f"{bindir}/initdb", "-D", f"{d}/data", "-A", "trust", "-U", "postgres", "--no-sync"],
                   check=True, capture_output=True)
    subprocess.run(as_postgres + [f"{bindir}/pg_ctl", "-D", f"{d}/data", "-o", f"-p {port} -k {d} -c listen_addresses=127.0.0.1",
                                  "-l", f"{d}/server.log", "-w", "start"], check=True, capture_output=True)
    stop = lambda: subprocess.run(as_postgres + [f"{bindir}/pg_ctl", "-D", f"{d}/data", "-m", "fast", "-w", "stop"], capture_output=True)
    return f"postgres://postgres@127.0.0.1:{port}/postgres", stop


def percentile(values, q):
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))] if values else None


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--encml", default=os.path.join(ROOT, ".build/release/encml"))
    p.add_argument("--clients", type=int, default=8)
    p.add_argument("--duration", type=float, default=60.0)
    p.add_argument("--max-requests", type=int, default=20000)
    p.add_argument("--rows", type=int, default=1, help="rows per query (single-query packing)")
    p.add_argument("--max-clients", type=int, default=8, help="server key-cache limit (--max-clients)")
    p.add_argument("--key-uploads", type=int, default=0, help="fresh key sets uploaded under one token before the run (RSS)")
    p.add_argument("--replicas", type=int, default=1, help="encml serve processes sharing one key store")
    p.add_argument("--workers", type=int, help="inference threads per server (encml serve --workers; default: one per core)")
    p.add_argument("--postgres", action="store_true", help="key store: a throw-away PostgreSQL cluster")
    p.add_argument("--json", action="store_true")
    a = p.parse_args()
    if a.clients < 1 or a.duration <= 0 or a.duration > 600 or a.max_requests < 1 or not 1 <= a.replicas <= 8:
        sys.exit("--clients ≥ 1, 0 < --duration ≤ 600, --max-requests ≥ 1, 1 ≤ --replicas ≤ 8")

    work = tempfile.mkdtemp(prefix="encml-load-")
    f = lambda name: os.path.join(work, name)
    data = os.path.join(ROOT, "notebooks-data/breast_cancer.csv")
    run(a.encml, "split", "--data", data, "--train-out", f("train.csv"), "--test-out", f("test.csv"))
    run(a.encml, "train", "--data", f("train.csv"), "--model", "logistic", "--out", f("m.json"))
    run(a.encml, "convert", "--model", f("m.json"), "--calibration", f("train.csv"), "--out", f("m.he.json"))
    with open(f("test.csv")) as t:
        lines = t.read().splitlines()
    with open(f("rows.csv"), "w") as out:
        out.write("\n".join(lines[: 1 + a.rows]) + "\n")
    tokens = [secrets.token_hex(16) for _ in range(a.clients + 1)]
    with open(f("tokens.txt"), "w") as out:
        out.write("\n".join(tokens) + "\n")
    clients = []
    for i in range(a.clients):
        run(a.encml, "keygen", "--model", f("m.he.json"), "--secret-key", f(f"c{i}.sk"), "--eval-keys", f(f"c{i}.evk"))
        run(a.encml, "encrypt", "--model", f("m.he.json"), "--secret-key", f(f"c{i}.sk"), "--data", f("rows.csv"), "--out", f(f"c{i}.ct"))
        clients.append((open(f(f"c{i}.evk"), "rb").read(), open(f(f"c{i}.ct"), "rb").read()))

    store_url, stop_postgres = start_postgres(work) if a.postgres else ("sqlite:" + f("keys.sqlite"), None)
    servers, ports = [], []
    try:
        for _ in range(a.replicas):
            servers.append(subprocess.Popen([a.encml, "serve", "--model", f("m.he.json"), "--host", "127.0.0.1", "--port", "0",
                                             "--max-clients", str(a.max_clients), "--tokens", f("tokens.txt"),
                                             "--key-store", store_url, "--log-level", "warning"]
                                            + (["--workers", str(a.workers)] if a.workers else []),
                                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True))
            line = servers[-1].stdout.readline()
            m = re.search(r"listening on http://127\.0\.0\.1:(\d+)", line)
            if not m:
                sys.exit(f"server did not start: {line!r}")
            ports.append(int(m.group(1)))
        server, port = servers[0], ports[0]
        upload_port = lambda i: ports[i % len(ports)]
        query_port = lambda i: ports[(i + 1) % len(ports)]
        rss_loaded = rss_kib(server.pid)
        upload_rss = []
        for j in range(a.key_uploads):  # a stream of distinct key sets from one token
            run(a.encml, "keygen", "--model", f("m.he.json"), "--secret-key", f("u.sk"), "--eval-keys", f("u.evk"))
            status, body = request(port, "POST", "/v1/keys", open(f("u.evk"), "rb").read(), token=tokens[-1])
            if status != 201:
                sys.exit(f"key upload {j} failed: {status} {body[:200]!r}")
            upload_rss.append(round(rss_kib(server.pid) / 1024, 1))
        ids = []
        for i, (keys, _) in enumerate(clients):
            status, body = request(upload_port(i), "POST", "/v1/keys", keys, token=tokens[i])
            if status != 201:
                sys.exit(f"key upload failed: {status} {body[:200]!r}")
            ids.append(json.loads(body)["id"])
        for i, (_, query) in enumerate(clients):  # warm-up, one request per client
            status, body = request(query_port(i), "POST", f"/v1/infer/{ids[i]}", query, token=tokens[i])
            if status == 404:  # evicted (more clients than --max-clients): upload again
                ids[i] = json.loads(request(query_port(i), "POST", "/v1/keys", clients[i][0], token=tokens[i])[1])["id"]
                status, body = request(query_port(i), "POST", f"/v1/infer/{ids[i]}", query, token=tokens[i])
            if status != 200:
                sys.exit(f"warm-up failed: {status} {body[:200]!r}")
        rss_start = rss_kib(server.pid)
        rss_start_replicas = [rss_kib(r.pid) for r in servers]

        lock = threading.Lock()
        latencies, failures, sent, reuploads, busy, health = [], [], [0], [0], [0], []
        deadline = time.monotonic() + a.duration

        def worker(i):
            query = clients[i][1]
            auth = {"Content-Type": "application/octet-stream", "Authorization": f"Bearer {tokens[i]}"}
            port = query_port(i)
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
            while time.monotonic() < deadline:
                with lock:
                    if sent[0] >= a.max_requests:
                        return
                    sent[0] += 1
                t0 = time.perf_counter()
                try:
                    conn.request("POST", f"/v1/infer/{ids[i]}", body=query,
                                 headers=auth)
                    reply = conn.getresponse()
                    body = reply.read()
                    while reply.status == 503 and time.monotonic() < deadline + 60:  # queue full: wait as told
                        with lock:
                            busy[0] += 1
                        time.sleep(float(reply.getheader("Retry-After") or 1))
                        conn.request("POST", f"/v1/infer/{ids[i]}", body=query, headers=auth)
                        reply = conn.getresponse()
                        body = reply.read()
                    if reply.status == 404:  # evicted by the key-cache limit: upload again once, retry
                        status, idb = request(port, "POST", "/v1/keys", clients[i][0], token=tokens[i])
                        if status == 201:
                            ids[i] = json.loads(idb)["id"]
                            with lock:
                                reuploads[0] += 1
                            conn.request("POST", f"/v1/infer/{ids[i]}", body=query,
                                         headers=auth)
                            reply = conn.getresponse()
                            body = reply.read()
                    ok = reply.status == 200 and body[:5] == b"ENCML"
                    err = None if ok else f"HTTP {reply.status}"
                except Exception as e:  # connection-level failure
                    ok, err = False, repr(e)
                    conn.close()
                    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
                dt = time.perf_counter() - t0
                with lock:
                    (latencies.append(dt) if ok else failures.append(err))
            conn.close()

        samples = []

        def sampler():  # server RSS every 5 s during the run
            while time.monotonic() < deadline:
                samples.append(round(rss_kib(server.pid) / 1024, 1))
                time.sleep(5)

        def prober():  # GET /health every 50 ms: it must never wait behind inference
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
            while time.monotonic() < deadline:
                t = time.perf_counter()
                try:
                    conn.request("GET", "/health")
                    r = conn.getresponse()
                    r.read()
                    if r.status == 200:
                        with lock:
                            health.append(time.perf_counter() - t)
                except Exception:
                    conn.close()
                    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
                time.sleep(0.05)
            conn.close()

        t0 = time.monotonic()
        threads = [threading.Thread(target=worker, args=(i,)) for i in range(a.clients)]
        threads.append(threading.Thread(target=sampler))
        threads.append(threading.Thread(target=prober))
        for t in threads: t.start()
        for t in threads: t.join()
        elapsed = time.monotonic() - t0
        rss_end = rss_kib(server.pid)
        rss_end_replicas = [rss_kib(r.pid) for r in servers]
        replica_uploads = []
        for rport in ports:
            m = re.search(rb"encml_key_uploads_total (\d+)", request(rport, "GET", "/metrics")[1])
            replica_uploads.append(int(m.group(1)) if m else None)
        status, _ = request(port, "GET", "/health")
        _, metrics = request(port, "GET", "/metrics")
        key_bytes = re.search(rb"encml_registered_key_bytes (\d+)", metrics)
        key_memory = re.search(rb"encml_registered_key_memory_bytes (\d+)", metrics)
        evictions = re.search(rb"encml_key_evictions_total (\d+)", metrics)
    finally:
        for server in servers:
            server.terminate()
            try:
                server.wait(timeout=15)
            except subprocess.TimeoutExpired:
                server.kill()
        if stop_postgres:
            stop_postgres()

    latencies.sort()
    pct = lambda q: latencies[min(len(latencies) - 1, int(q * len(latencies)))] * 1000 if latencies else float("nan")
    report = {
        "clients": a.clients, "rows_per_request": a.rows, "duration_s": round(elapsed, 1),
        "requests_ok": len(latencies), "requests_failed": len(failures),
        "failure_samples": failures[:5], "key_reuploads_after_eviction": reuploads[0],
        "server_key_cache_limit": a.max_clients,
        "throughput_rps": round(len(latencies) / elapsed, 2),
        "rows_per_s": round(len(latencies) * a.rows / elapsed, 2),
        "latency_ms": {"p50": round(pct(0.50), 1), "p90": round(pct(0.90), 1), "p99": round(pct(0.99), 1),
                       "max": round(latencies[-1] * 1000, 1) if latencies else None},
        "query_bytes": len(clients[0][1]), "eval_key_bytes": len(clients[0][0]),
        "registered_key_bytes": int(key_bytes.group(1)) if key_bytes else None,
        "registered_key_memory_bytes": int(key_memory.group(1)) if key_memory else None,
        "busy_503_retries": busy[0],
        "health_ms": {"n": len(health), "p50": round(percentile(health, 0.5) * 1000, 1) if health else None,
                      "p99": round(percentile(health, 0.99) * 1000, 1) if health else None,
                      "max": round(max(health) * 1000, 1) if health else None},
        "server_rss_mib_during_key_uploads": upload_rss,
        "server_key_evictions": int(evictions.group(1)) if evictions else None,
        "server_rss_mib": {"model_loaded": round(rss_loaded / 1024, 1), "after_keys_and_warmup": round(rss_start / 1024, 1),
                           "end": round(rss_end / 1024, 1), "every_5s": samples},
        "health_after": status,
        "replicas": a.replicas, "key_store": "postgresql" if a.postgres else "sqlite",
        "replica_rss_mib": [{"after_keys_and_warmup": round(x / 1024, 1), "end": round(y / 1024, 1)}
                            for x, y in zip(rss_start_replicas, rss_end_replicas)],
        "replica_key_uploads": replica_uploads,
        "cpu_cores": os.cpu_count(),
    }
    if a.json:
        print(json.dumps(report))
    else:
        for k, v in report.items():
            print(f"{k:>22}: {v}")
    sys.exit(0 if not failures and status == 200 else 1)


if __name__ == "__main__":
    main()
