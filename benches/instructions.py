#!/usr/bin/env python3
"""Instructions and heap allocations per pooled call, counted by callgrind
and by memcheck's heap summary: the C test program
(tests/c/opi_bitrix24_test.c, `repeat` and `repeat-invoke` modes) makes the
same call N times over plain HTTP against a kept-alive stand-in portal on
loopback, for N = 200 and N = 400; the difference over 200 calls is the cost
of one call, start-up and the first connection cancelled out. The calls:
SetUserStatus; CallMethod of crm.deal.get {"id": "1"}; and OpenIntegrations'
GetDeal run by name, which builds that same request from its arguments. callgrind counts instructions, not
seconds, and memcheck counts every malloc, so both figures repeat for the
same binary whatever else the machine does (docs/performance.md).

    cargo build --release --lib && python3 benches/instructions.py [LIBRARY_DIR]

LIBRARY_DIR holds libopi_bitrix24.so (default target/release). Needs cc and
valgrind.
"""

import http.server
import json
import os
import re
import subprocess
import sys
import tempfile
import threading

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ANSWER = b'{"result":true,"time":{"start":1722083795.3692,"finish":1722083795.3693}}'


class Portal(http.server.BaseHTTPRequestHandler):
    """Answers every POST as im.user.status.set does, on a kept-alive connection."""

    protocol_version = "HTTP/1.1"

    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length", "0")))
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(ANSWER)))
        self.end_headers()
        self.wfile.write(ANSWER)

    def log_message(self, *args):
        pass


def counted(program, library_dir, way, calls, tool, pattern):
    """What valgrind's `tool` counts (the number `pattern` finds in its
    report) for a whole run of `calls` calls."""
    mode, *args = way
    run = subprocess.run(
        ["valgrind", *tool, program, mode, str(calls), *args],
        env=dict(os.environ, LD_LIBRARY_PATH=library_dir),
        capture_output=True, text=True, check=False)
    if run.returncode != 0 or f"calls {calls} failures 0" not in run.stdout:
        sys.exit(f"the run of {calls} calls failed:\n{run.stdout}\n{run.stderr}")
    found = re.search(pattern, run.stderr)
    if not found:
        sys.exit(f"valgrind printed no count:\n{run.stderr}")
    return int(found.group(1).replace(",", ""))


def instructions(program, library_dir, way, calls):
    """The instructions callgrind counts for a whole run of `calls` calls."""
    return counted(program, library_dir, way, calls,
                   ["--tool=callgrind", "--callgrind-out-file=/dev/null"],
                   r"Collected : (\d+)")


def allocations(program, library_dir, way, calls):
    """The heap blocks allocated in a whole run of `calls` calls."""
    return counted(program, library_dir, way, calls, ["--leak-check=no"],
                   r"total heap usage: ([\d,]+) allocs")


def main():
    library_dir = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "target/release"))
    if not os.path.exists(os.path.join(library_dir, "libopi_bitrix24.so")):
        sys.exit(f"no libopi_bitrix24.so in {library_dir}: run cargo build --release --lib first")
    with tempfile.TemporaryDirectory() as scratch:
        program = os.path.join(scratch, "opi_bitrix24_test")
        subprocess.run(
            ["cc", "-std=c99", "-O2", "-I", os.path.join(ROOT, "include"),
             os.path.join(ROOT, "tests/c/opi_bitrix24_test.c"),
             "-L", library_dir, "-lopi_bitrix24", "-o", program],
            check=True)
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Portal)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        url = f"http://127.0.0.1:{server.server_address[1]}/rest/1/s3cr3t/"
        ways = [
            ("SetUserStatus", ["repeat", url, "dnd"]),
            ("CallMethod crm.deal.get", ["repeat-invoke", "call", url, "crm.deal.get", '{"id":"1"}', "(null)"]),
            ("function GetDeal", ["repeat-invoke", "function", "GetDeal", json.dumps({"URL": url, "DealID": 1})]),
        ]
        per_call = {}
        for name, way in ways:
            short, long = (instructions(program, library_dir, way, n) for n in (200, 400))
            per_call[name] = (long - short) / 200
            print(f"{name}: {per_call[name]:,.0f} instructions per call "
                  f"({short:,} for 200 calls, {long:,} for 400)")
            short, long = (allocations(program, library_dir, way, n) for n in (200, 400))
            print(f"{name}: {(long - short) / 200:,.1f} allocations per call "
                  f"({short:,} for 200 calls, {long:,} for 400)")
        server.shutdown()
    print(f"function GetDeal / CallMethod of the same request: "
          f"{per_call['function GetDeal'] / per_call['CallMethod crm.deal.get']:.3f}")


if __name__ == "__main__":
    main()
