"""A TLS server as old self-hosted portals run one, for tests/faults.rs:
`cbc` offers TLS 1.2 with CBC cipher suites only, `tls10` TLS 1.0 and 1.1
only. It prints its port, then answers each connection that completes a
handshake with an empty JSON object.

    python3 old_tls_server.py CERT.pem KEY.pem cbc|tls10
"""
import warnings

warnings.simplefilter("ignore", DeprecationWarning)

import socket, ssl, sys
cert, key, mode = sys.argv[1:4]
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(cert, key)
if mode == "cbc":
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    ctx.maximum_version = ssl.TLSVersion.TLSv1_2
    ctx.set_ciphers("ECDHE-ECDSA-AES128-SHA:ECDHE-ECDSA-AES256-SHA:ECDHE-ECDSA-AES128-SHA256")
else:
    ctx.set_ciphers("ALL:@SECLEVEL=0")
    ctx.minimum_version = ssl.TLSVersion.TLSv1
    ctx.maximum_version = ssl.TLSVersion.TLSv1_1
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen()
print(s.getsockname()[1], flush=True)
while True:
    conn, _ = s.accept()
    try:
        tls = ctx.wrap_socket(conn, server_side=True)
        tls.recv(4096)
        tls.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}")
        tls.close()
    except Exception as e:
        print("handshake:", e, file=sys.stderr, flush=True)
    finally:
        conn.close()
