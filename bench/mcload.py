#!/usr/bin/env python3
"""mcload.py HOST PORT CONNECTIONS SECONDS: a memcached load generator for the benchmarks.

Each connection is a process that loops set + get of keys from a pool of 10,000 (100-byte
values, text protocol) for SECONDS, one request at a time. Prints one line:
  ops=N seconds=S ops_per_s=R
(a set and a get are two ops). Exits 1 if a connection fails or a get misses its value."""
import multiprocessing
import socket
import sys
import time


def worker(host, port, seconds, index, out):
    s = socket.create_connection((host, port))
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    f = s.makefile("rb")
    value = (b"%03d" % index) * 33 + b"x"
    ops = 0
    ok = True
    end = time.monotonic() + seconds
    k = index
    while time.monotonic() < end:
        key = b"key:%d" % (k % 10000)
        k += 7
        s.sendall(b"set " + key + b" 0 0 %d\r\n" % len(value) + value + b"\r\n")
        if f.readline() != b"STORED\r\n":
            ok = False
            break
        s.sendall(b"get " + key + b"\r\n")
        header = f.readline()
        if not header.startswith(b"VALUE "):
            ok = False
            break
        n = int(header.split()[3])
        f.read(n + 2)
        if f.readline() != b"END\r\n":
            ok = False
            break
        ops += 2
    s.close()
    out.put((ops, ok))


def main():
    if len(sys.argv) != 5:
        sys.stderr.write(__doc__)
        return 2
    host, port, conns, seconds = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])
    # Wait for the server (it may be starting under `weft run`).
    deadline = time.monotonic() + 30
    while True:
        try:
            socket.create_connection((host, port)).close()
            break
        except OSError:
            if time.monotonic() > deadline:
                sys.stderr.write("mcload: no memcached at %s:%d\n" % (host, port))
                return 1
            time.sleep(0.05)
    out = multiprocessing.Queue()
    start = time.monotonic()
    procs = [multiprocessing.Process(target=worker, args=(host, port, seconds, i, out))
             for i in range(conns)]
    for p in procs:
        p.start()
    results = [out.get() for _ in procs]
    for p in procs:
        p.join()
    elapsed = time.monotonic() - start
    ops = sum(r[0] for r in results)
    print("ops=%d seconds=%.1f ops_per_s=%.0f" % (ops, elapsed, ops / elapsed))
    return 0 if all(r[1] for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
