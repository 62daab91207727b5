"""A token server for docker-registry's `auth: token` (the Docker registry
token protocol), for omnipack's tests only: it answers GET /token?service=
&scope=repository:NAME:ACTIONS to a client with the right HTTP Basic
credentials with a JWT (RS256, the signing certificate in its `x5c` header,
so the registry checks it against its `rootcertbundle`) granting the scopes
asked for; anything else gets 401. Every request is appended to LOG as a
JSON line. Prints its port on 127.0.0.1, then serves.

usage: token_server.py KEY.pem CERT.pem USER PASSWORD SERVICE ISSUER LOG
"""
import base64
import http.server
import json
import os
import subprocess
import sys
import time
import urllib.parse

key, cert, user, password, service, issuer, log = sys.argv[1:8]
with open(cert) as f:
    # The PEM body is the certificate's DER in standard base64: x5c's form.
    der_b64 = "".join(l.strip() for l in f if not l.startswith("-----"))
expected = "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


def b64u(b):
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode()


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        url = urllib.parse.urlparse(self.path)
        q = urllib.parse.parse_qs(url.query)
        ok = url.path == "/token" and self.headers.get("Authorization", "") == expected
        with open(log, "a") as f:
            f.write(json.dumps({"path": url.path, "service": q.get("service", []),
                                "scope": q.get("scope", []), "ok": ok}) + "\n")
        if not ok:
            body = b'{"errors":[{"code":"UNAUTHORIZED","message":"wrong user or password"}]}'
            self.send_response(401)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return
        access = []
        for scope in q.get("scope", []):
            kind, name, actions = scope.split(":", 2)
            access.append({"type": kind, "name": name, "actions": actions.split(",")})
        now = int(time.time())
        header = {"alg": "RS256", "typ": "JWT", "x5c": [der_b64]}
        claims = {"iss": issuer, "sub": user, "aud": service, "exp": now + 600,
                  "nbf": now - 60, "iat": now, "jti": os.urandom(8).hex(), "access": access}
        signing_input = b64u(json.dumps(header).encode()) + "." + b64u(json.dumps(claims).encode())
        sig = subprocess.run(["openssl", "dgst", "-sha256", "-sign", key],
                             input=signing_input.encode(), capture_output=True, check=True).stdout
        token = signing_input + "." + b64u(sig)
        body = json.dumps({"token": token, "expires_in": 600}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
print(server.server_address[1], flush=True)
server.serve_forever()
