#!/usr/bin/env python3
"""Reference backend for the FusionAuth workflow "webapp-sessions", in Python.

A native login form POSTs to this backend, which calls FusionAuth's Login API,
keeps the user (and the JWT and refresh token) in a server-side session and hands
the browser only the session id, in an HttpOnly cookie for its own host.

Same behaviour, env and roles as ../node/server.js (which also carries the mutants);
it exists to show the kit is not tied to Node. Python 3.11 standard library only.
APP_ROLE=store|forums picks the role.
"""

import html
import json
import os
import re
import secrets
import signal
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

# ---------------------------------------------------------------- configuration

env = os.environ
ROLE = env.get("APP_ROLE") or "store"
FUSIONAUTH_URL = (env.get("FUSIONAUTH_URL") or "http://127.0.0.1:9011").rstrip("/")
API_KEY = env.get("FUSIONAUTH_API_KEY") or ""
APPLICATION_ID = env.get("FUSIONAUTH_APPLICATION_ID") or ""
PORT = int(env.get("PORT") or (3001 if ROLE == "forums" else 3000))
HOST = env.get("HOST") or "127.0.0.1"
PUBLIC_HOST = env.get("PUBLIC_HOST") or ("forums.example.test" if ROLE == "forums" else "store.example.test")
# FUSIONAUTH_CLIENT_SECRET, FUSIONAUTH_JWT_HMAC_SECRET and FUSIONAUTH_ISSUER are part of the
# env contract but unused here: the session, not the JWT, authenticates the browser.

FETCH_TIMEOUT_S = 5
SESSION_COOKIE = "sid"
BODY_LIMIT = 64 * 1024

if ROLE not in ("store", "forums"):
    print(f'APP_ROLE must be "store" or "forums", got "{ROLE}"', file=sys.stderr)
    sys.exit(1)
try:
    SESSION_TTL_SECONDS = float(env.get("SESSION_TTL_SECONDS") or "2")
    if not (SESSION_TTL_SECONDS > 0 and SESSION_TTL_SECONDS != float("inf")):
        raise ValueError
except ValueError:
    print(f'SESSION_TTL_SECONDS must be a positive number, got "{env.get("SESSION_TTL_SECONDS")}"', file=sys.stderr)
    sys.exit(1)
if env.get("LOGINFLOW_MUTANT"):
    print("LOGINFLOW_MUTANT is only implemented by the Node backend", file=sys.stderr)
    sys.exit(1)

IS_STORE = ROLE == "store"
TITLE = "Store" if IS_STORE else "Forums"
PROTECTED_PATH = "/shopping-cart" if IS_STORE else "/posts"

# ---------------------------------------------------------------- sessions

# id -> {"user": {id, email}, "jwt", "refreshToken", "expiresAt"}; expiresAt on the wall clock
# (time.time()), as a session store keeps it: a test kit that moves the wall clock
# (libfaketime) can then expire it.
sessions = {}
sessions_lock = threading.Lock()


def new_session_id():
    return secrets.token_urlsafe(32)  # 32 random bytes, base64url: 256 bits


def sweep_expired_locked():
    t = time.time()
    for sid in [sid for sid, s in sessions.items() if t > s["expiresAt"]]:
        del sessions[sid]


def use_session(sid):
    """Returns the live session for sid (sliding its expiry), or None."""
    if not sid:
        return None
    with sessions_lock:
        s = sessions.get(sid)
        if s is None:
            return None
        t = time.time()
        if t > s["expiresAt"]:
            del sessions[sid]
            return None
        s["expiresAt"] = t + SESSION_TTL_SECONDS
        return dict(s)


# ---------------------------------------------------------------- helpers


class UpstreamError(Exception):
    pass


def esc(s):
    return html.escape(str(s), quote=True)


def page(title, body):
    return f'<!DOCTYPE html>\n<html><head><meta charset="utf-8"><title>{esc(title)}</title></head>\n<body>\n{body}\n</body></html>\n'


def parse_cookies(header):
    out = {}
    if not header:
        return out
    for part in header.split(";"):
        name, sep, value = part.partition("=")
        if not sep:
            continue
        name, value = name.strip(), value.strip()
        if len(value) >= 2 and value.startswith('"') and value.endswith('"'):
            value = value[1:-1]
        if not name or name in out:
            continue  # first occurrence wins (most specific path)
        out[name] = urllib.parse.unquote(value)
    return out


_COOKIE_SAFE = re.compile(r"^[\x21\x23-\x2B\x2D-\x3A\x3C-\x5B\x5D-\x7E]*$")


def session_cookie(sid):
    # Path=/; HttpOnly; Secure; SameSite=Lax; host-only (no Domain), no Max-Age
    # (a browser-session cookie; the server decides when the session ends).
    value = sid if _COOKIE_SAFE.match(sid) else urllib.parse.quote(sid, safe="")
    return f"{SESSION_COOKIE}={value}; Path=/; HttpOnly; Secure; SameSite=Lax"


def fusionauth_login(email, password):
    """Returns (status, body dict); raises UpstreamError when FusionAuth is unreachable."""
    data = json.dumps({"loginId": email, "password": password, "applicationId": APPLICATION_ID}).encode()
    req = urllib.request.Request(
        FUSIONAUTH_URL + "/api/login",
        data=data,
        method="POST",
        headers={"Content-Type": "application/json", "Accept": "application/json", "Authorization": API_KEY},
    )
    try:
        with urllib.request.urlopen(req, timeout=FETCH_TIMEOUT_S) as resp:
            status, raw = resp.status, resp.read()
    except urllib.error.HTTPError as e:
        status = e.code
        try:
            raw = e.read()
        except Exception:
            raw = b""
    except Exception as e:  # URLError, timeout, connection reset...
        raise UpstreamError(f"FusionAuth unreachable (/api/login): {e}") from e
    try:
        body = json.loads(raw) if raw else {}
    except ValueError:
        body = {}
    return status, body if isinstance(body, dict) else {}


# ---------------------------------------------------------------- pages


def home_page():
    what = "store" if IS_STORE else "forums"
    return page(TITLE, f'<h1>{TITLE}</h1>\n<p>Welcome to the {what}.</p>\n<p><a href="/login">Log in</a></p>')


def login_page(error=None):
    err = f'<p class="error" role="alert">{esc(error)}</p>\n' if error else ""
    return page(
        f"{TITLE} - Log in",
        f"<h1>Log in to the {TITLE}</h1>\n{err}"
        '<form method="post" action="/login">\n'
        '<label>Email <input type="email" name="email"></label>\n'
        '<label>Password <input type="password" name="password"></label>\n'
        '<button type="submit">Log in</button>\n</form>',
    )


def protected_page(user):
    email = esc(user.get("email") or user.get("username") or user.get("id") or "unknown user")
    if IS_STORE:
        return page(
            "Shopping cart",
            f'<h1>Shopping cart of {email}</h1>\n<ul class="cart">\n<li>Rubber duck x 2</li>\n'
            '<li>Espresso beans x 1</li>\n</ul>\n<p><a href="/">Store home</a></p>',
        )
    return page(
        "Forum posts",
        f'<h1>Forum posts of {email}</h1>\n<ul class="posts">\n<li>Hello, forums!</li>\n'
        '<li>Re: Which espresso beans?</li>\n</ul>\n<p><a href="/">Forums home</a></p>',
    )


def error_page(status, message):
    return page(f"{TITLE} - Error {status}", f"<h1>Error {status}</h1>\n<p>{esc(message)}</p>")


LOGIN_ERRORS = {
    202: "You are not registered for this application.",
    203: "Your password must be changed before you can log in.",
    212: "Your email address has not been verified.",
    213: "Your registration has not been verified.",
    242: "Two-factor authentication is required.",
    409: "Your account is prevented from logging in.",
    410: "Your account has expired.",
    423: "Your account is locked.",
}

# ---------------------------------------------------------------- handler


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "loginflow-webapp-sessions"
    sys_version = ""

    # Every method goes through handle_any; unknown routes (any method) answer 404.
    def __getattr__(self, name):
        if name.startswith("do_"):
            return self.handle_any
        raise AttributeError(name)

    def log_request(self, code="-", size="-"):
        ms = int((time.monotonic() - getattr(self, "_started", time.monotonic())) * 1000)
        now = datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")
        print(f"{now} {ROLE} {self.command} {self.path} {code} {ms}ms", flush=True)

    def log_message(self, fmt, *args):  # errors from http.server itself, one line on stdout
        print(f"  {fmt % args}", flush=True)

    # -- responses

    def send(self, status, body, headers=None, cookies=()):
        data = body.encode("utf-8") if body else b""
        self.send_response(status)
        if data:
            self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Cache-Control", "no-store")
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        for c in cookies:
            self.send_header("Set-Cookie", c)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    def redirect(self, location, cookies=()):
        self.send(302, "", {"Location": location}, cookies)

    def read_body(self):
        length = int(self.headers.get("Content-Length") or 0)
        if length < 0 or length > BODY_LIMIT:
            self.close_connection = True
            raise ValueError("body too large")
        return self.rfile.read(length) if length else b""

    # -- routing

    def handle_any(self):
        self._started = time.monotonic()
        try:
            if self.headers.get("Transfer-Encoding"):
                self.close_connection = True  # chunked bodies are not read; don't reuse the connection
            path = urllib.parse.urlsplit(self.path).path
            method = self.command
            if method == "POST" and path == "/login":
                return self.handle_login()
            try:
                self.read_body()  # drain any body so the keep-alive connection stays in sync
            except ValueError:
                pass
            if method == "GET" and path == "/":
                return self.send(200, home_page())
            if method == "GET" and path == "/login":
                query = urllib.parse.parse_qs(urllib.parse.urlsplit(self.path).query)
                return self.send(200, login_page((query.get("error") or [None])[0]))
            if method == "GET" and path == PROTECTED_PATH:
                return self.handle_protected()
            return self.send(404, error_page(404, "Not found."))
        except UpstreamError as e:
            print(f"  {e}", flush=True)
            return self.send(502, error_page(502, "The login service is unavailable. Please try again later."))
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True
        except Exception as e:  # never leave the browser without an answer
            print(f"  internal error: {e!r}", flush=True)
            self.close_connection = True
            try:
                self.send(500, error_page(500, "Internal error."))
            except Exception:
                pass

    def handle_login(self):
        email, password = "", ""
        try:
            raw = self.read_body().decode("utf-8")
            ctype = (self.headers.get("Content-Type") or "").lower()
            if "application/json" in ctype:
                body = json.loads(raw or "{}")
                if not isinstance(body, dict):
                    raise ValueError("not an object")
                email = body.get("email", body.get("loginId", ""))
                password = body.get("password", "")
            else:
                form = urllib.parse.parse_qs(raw, keep_blank_values=True)
                email = (form.get("email") or [""])[0] or (form.get("loginId") or [""])[0]
                password = (form.get("password") or [""])[0]
        except (ValueError, UnicodeDecodeError):
            return self.send(400, login_page("Could not read the login form."))
        if not isinstance(email, str) or not isinstance(password, str) or not email or not password:
            return self.send(401, login_page("Please enter your email and password."))

        status, body = fusionauth_login(email, password)
        if status != 200:
            return self.send(401, login_page(LOGIN_ERRORS.get(status, "Invalid email or password.")))
        user = body.get("user")
        if not isinstance(user, dict) or not isinstance(user.get("id"), str):
            return self.send(502, error_page(502, "FusionAuth answered the login without a user."))

        # Never reuse the id the browser arrived with (session fixation): drop the old
        # session and issue a fresh id.
        old_sid = parse_cookies(self.headers.get("Cookie")).get(SESSION_COOKIE)
        sid = new_session_id()
        token, refresh = body.get("token"), body.get("refreshToken")
        with sessions_lock:
            if old_sid:
                sessions.pop(old_sid, None)
            sweep_expired_locked()
            sessions[sid] = {
                "user": {"id": user["id"], "email": user.get("email"), "username": user.get("username")},
                "jwt": token if isinstance(token, str) else None,
                "refreshToken": refresh if isinstance(refresh, str) else None,
                "expiresAt": time.time() + SESSION_TTL_SECONDS,
            }
        return self.redirect(PROTECTED_PATH, [session_cookie(sid)])

    def handle_protected(self):
        sid = parse_cookies(self.headers.get("Cookie")).get(SESSION_COOKIE)
        session = use_session(sid)
        if session is None:
            return self.redirect("/login")
        return self.send(200, protected_page(session["user"]))


# ---------------------------------------------------------------- server


class Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True


def main():
    server = Server((HOST, PORT), Handler)
    stop = threading.Event()

    def on_signal(signum, _frame):
        print(f"{signal.Signals(signum).name} received, shutting down", flush=True)
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)

    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
    thread.start()
    print(f"{TITLE} ({PUBLIC_HOST}) listening on http://{HOST}:{PORT} sessionTtl={SESSION_TTL_SECONDS:g}s", flush=True)
    while not stop.wait(0.5):
        pass
    server.shutdown()
    server.server_close()
    sys.exit(0)


if __name__ == "__main__":
    main()
