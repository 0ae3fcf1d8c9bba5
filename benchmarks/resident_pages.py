"""Benchmark: what a resident opens, served by `pms serve`'s gunicorn, under wrk (issue 9).

On the lived-in demo (`pms demo load --households N`: estates of ~500 households with months of
bills and payments; 100,000 households by default), measured side by side in one run:

  hello      a bare Flask app answering "hello", served with the same gunicorn settings
  floor      the same question as `bills` answered by Flask and SQLAlchemy Core alone: the four
             statements as plain SQL, rows to JSON (benchmarks/_bench_floor.py): what this stack
             costs before pms adds anything
  bills      the resident's `GET /api/v1/rooms/{room}/bills` (Bearer token)
  account    the resident's HTML account page `/rooms/{room}/account` (session cookie)

Targets (PostgreSQL): bills ≥ 25 % and the account page ≥ 15 % of hello's requests/s, each with
p99 ≤ 50 ms at 32 connections.

    .venv/bin/python benchmarks/resident_pages.py [--engine postgresql|sqlite|both]
        [--households 100000] [--connections 32] [--seconds 10] [--workers 4] [--threads 8]
        [--database-url URL]   (an already loaded demo: skips the load)
"""
from __future__ import annotations

import http.client
import json
import re
import urllib.parse

from _common import Served, http_load_arguments, http_request, on_each_engine, print_load, wrk
from concurrent_payments import load_demo

PASSWORD = "demo-resident-2026"


def resident_room(url: str) -> str:
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.connect() as conn:
        room = conn.scalar(text("SELECT r.code FROM room r JOIN user_room ur ON ur.room_id = r.id "
                                "JOIN user_account u ON u.id = ur.user_id WHERE u.username = 'resident'"))
    engine.dispose()
    return room


def session_cookie(port: int) -> str:
    """Log in through the login page as a browser would; the session cookie."""
    status, headers, body = http_request(port, "GET", "/login")
    found = re.search(r'name="csrf_token"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="csrf_token"', body.decode())
    token = found.group(1) or found.group(2)
    cookie = headers["Set-Cookie"].split(";")[0]
    form = urllib.parse.urlencode({"username": "resident", "password": PASSWORD, "csrf_token": token})
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request("POST", "/login", body=form, headers={"Content-Type": "application/x-www-form-urlencoded",
                                                       "Cookie": cookie})
    response = conn.getresponse()
    response.read()
    assert response.status == 302, response.status
    return response.getheader("Set-Cookie").split(";")[0]


def bench(engine: str, url: str, args) -> None:
    if args.database_url:
        url = args.database_url
    else:
        load_demo(url, args.households)
    room = resident_room(url)
    settings = dict(workers=args.workers, threads=args.threads)

    def load(port, path, headers=None, seconds=args.seconds):
        return wrk(port, path, connections=args.connections, seconds=seconds, headers=headers)

    with Served(url, app="_bench_hello:app", **settings) as hello_server:
        load(hello_server.port, "/hello", seconds=2)
        hello = load(hello_server.port, "/hello")
    with Served(url, app="_bench_floor:app", **settings) as floor_server:
        floor_path = f"/floor/rooms/{room}/bills"
        status, _h, body = http_request(floor_server.port, "GET", floor_path)
        assert status == 200, body[:200]
        load(floor_server.port, floor_path, seconds=2)
        floor = load(floor_server.port, floor_path)
    with Served(url, **settings) as server:
        status, _h, data = http_request(server.port, "POST", "/api/v1/auth/token",
                                        {"username": "resident", "password": PASSWORD})
        assert status == 200, data
        bearer = {"Authorization": f"Bearer {json.loads(data)['token']}"}
        cookie = {"Cookie": session_cookie(server.port)}
        bills_path, page_path = f"/api/v1/rooms/{room}/bills", f"/rooms/{room}/account"
        status, _h, body = http_request(server.port, "GET", bills_path, headers=bearer)
        assert status == 200, body[:200]
        status, _h, page = http_request(server.port, "GET", page_path, headers=cookie)
        assert status == 200 and b"<html" in page.lower(), status
        load(server.port, bills_path, bearer, seconds=2)
        load(server.port, page_path, cookie, seconds=2)
        bills = load(server.port, bills_path, bearer)
        account = load(server.port, page_path, cookie)
    print(f"{engine}: {args.households} households, room {room}, {args.connections} connections for "
          f"{args.seconds} s each, gunicorn {args.workers} workers × {args.threads} threads")
    print_load("hello (bare Flask)", hello)
    print_load("floor (Flask + Core, 4 statements)", floor)
    print_load("bills (JSON)", bills)
    print_load("account page (HTML)", account)
    print(f"  floor/hello {floor['rps'] / hello['rps']:.2f}; bills/floor {bills['rps'] / floor['rps']:.2f}")
    print(f"  bills/hello {bills['rps'] / hello['rps']:.2f} (target ≥ 0.25); "
          f"account/hello {account['rps'] / hello['rps']:.2f} (target ≥ 0.15)")


def main() -> None:
    parser = http_load_arguments(__doc__, engine="postgresql", households=100_000, clients_flag="--connections")
    parser.add_argument("--database-url", help="an already loaded demo (PostgreSQL or SQLite URL)")
    args = parser.parse_args()
    on_each_engine(args, bench)


if __name__ == "__main__":
    main()
