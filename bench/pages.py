"""The pages where customers arrive, side by side under wrk, against a bare one-query view.

    .venv/bin/python bench/pages.py [--duration 10] [--connections 50] [--workers 4]
                                    [--worker-class sync] [--threads 1] [--checkout] [--keep-db]

It creates its own database (`tecnosign_pages` on DATABASE_URL's server, dropped at the end), seeds it through
bench/load.py's seeding (catalog, an approved partner and its link, agents, one paid order ready to book), starts
gunicorn (`--workers`, DEBUG=0, the production settings plus the bench-only views of bench/load_urls.py, Redis
on BENCH_REDIS_URL, default database 1, flushed at the end) and runs `wrk -c<connections>` for `--duration`
seconds on each page in turn, after a short unmeasured warm-up: the one-query view (first and last: the
reference is their mean), home, the link page (all connections on ONE link), the help centre and an article,
the order look-up form, and with a customer's session cookie the order page and the slot availability. It
prints each page's req/s, p99 and share of the one-query view, against the targets (public pages ≥ 50 % with
p99 < 50 ms, session pages ≥ 35 %), and one summary line:

    pages share_min_public=<N>% share_min_session=<N>% p99_max_public_ms=<N> errors=0

`--checkout` then measures the checkout under 50 concurrent buyers (threads, each with its own cookies: the
form, then the POST with two passwords to hash) while wrk reads the link page, and prints the checkouts' rate
and latency and the link page's p99 meanwhile; BENCH_PASSWORD_HASHER picks the hasher the server uses (for
example django.contrib.auth.hashers.Argon2PasswordHasher, Django's own parameters) to compare.
`--checkout-only` skips the pages. `--smoke` runs everything for one second with 5 connections and checks only
that each page answered.
"""

import argparse
import http.cookiejar
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path

import load
from _shared import cpf

ROOT = Path(__file__).resolve().parent.parent
load.BENCH_DB = "tecnosign_pages"
load.WORK = ROOT / "var" / "bench-pages"
BARE = "one-query view"
PUBLIC = ("home", "link page", "help centre", "help article", "look-up form")
SESSION = ("order page", "slot availability")
TARGETS = {"public": 50.0, "session": 35.0, "public_p99_ms": 50.0}
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def _opener() -> tuple[urllib.request.OpenerDirector, http.cookiejar.CookieJar]:
    jar = http.cookiejar.CookieJar()

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    return urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), NoRedirect), jar


def post_form(base: str, path: str, data: dict, opener=None) -> tuple[int, str]:
    """GET the form (its CSRF cookie and token), POST it; returns the status and the Location."""
    opener = opener or _opener()[0]
    with opener.open(base + path, timeout=30) as page:
        token = CSRF.search(page.read().decode()).group(1)
    body = urllib.parse.urlencode({**data, "csrfmiddlewaretoken": token}).encode()
    request = urllib.request.Request(base + path, data=body, headers={"Referer": base + path})  # noqa: S310
    try:
        with opener.open(request, timeout=60) as response:
            return response.status, response.headers.get("Location", "")
    except urllib.error.HTTPError as error:
        return error.code, error.headers.get("Location", "")


def customer_cookie(base: str, order: dict) -> str:
    """In through the look-up form with the order's number and CPF, as the customer does: the session cookie."""
    opener, jar = _opener()
    status, _ = post_form(base, "/pedido/", {"number": order["number"], "document": order["document"]}, opener)
    if status != 302:
        raise SystemExit(f"the order look-up answered {status}")
    return "; ".join(f"{cookie.name}={cookie.value}" for cookie in jar)


def _ms(text: str) -> float:
    value, unit = re.fullmatch(r"([\d.]+)(us|ms|s)", text).groups()
    return float(value) * UNITS[unit]


def wrk(url: str, *, connections: int, duration: int, cookie: str = "") -> dict:
    command = ["wrk", "-t2", f"-c{connections}", f"-d{duration}s", "--latency", "--timeout", "5s", url]
    if cookie:
        command[1:1] = ["-H", f"Cookie: {cookie}"]
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout  # noqa: S603
    requests = int(re.search(r"(\d+) requests in", output).group(1))
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    socket_errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output)
    return {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1)),
        "p50": _ms(re.search(r"\s50%\s+(\S+)", output).group(1)),
        "p99": _ms(re.search(r"\s99%\s+(\S+)", output).group(1)),
        "requests": requests,
        "errors": (int(non_2xx.group(1)) if non_2xx else 0)
        + (sum(int(n) for n in socket_errors.groups()) if socket_errors else 0),
    }


def pages(base: str, data: dict, cookie: str, args) -> dict[str, dict]:
    order = data["bookable"][0]["number"]
    urls = {
        BARE: ("/bench/one-query/", ""),
        "home": ("/", ""),
        "link page": (f"/l/{data['link']}/", ""),
        "help centre": ("/ajuda/", ""),
        "help article": ("/ajuda/artigos/pagamento/", ""),
        "look-up form": ("/pedido/", ""),
        "order page": (f"/pedido/{order}/", cookie),
        "slot availability": (f"/pedido/{order}/agendar/", cookie),
    }
    for path, page_cookie in urls.values():  # each worker's first requests load templates, open connections
        wrk(base + path, connections=args.connections, duration=1, cookie=page_cookie)
    results = {}
    for name, (path, page_cookie) in [*urls.items(), (BARE, urls[BARE])]:
        measured = wrk(base + path, connections=args.connections, duration=args.duration, cookie=page_cookie)
        if name in results:  # the one-query view again, at the end: the reference is the mean of both runs
            first = results[name]
            measured = {key: (first[key] + measured[key]) / 2 for key in ("rps", "p50", "p99")} | {
                "requests": first["requests"] + measured["requests"],
                "errors": first["errors"] + measured["errors"],
                "runs": (first["rps"], measured["rps"]),
            }
        results[name] = measured
    return results


def report(results: dict[str, dict], args) -> str:
    bare = results[BARE]
    print(f"\n{args.connections} connections, {args.duration} s a page, gunicorn {args.workers} {args.worker_class}")
    print(f"{'page':20} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'share':>7} {'target':>8} {'errors':>7}")
    for name, row in results.items():
        share = 100 * row["rps"] / bare["rps"]
        target = "" if name == BARE else f"≥ {TARGETS['public' if name in PUBLIC else 'session']:.0f} %"
        print(
            f"{name:20} {row['rps']:>8.0f} {row['p50']:>8.1f} {row['p99']:>8.1f} {share:>6.0f}% {target:>8} "
            f"{row['errors']:>7}"
        )
    print(f"(one-query view: {bare['runs'][0]:.0f} req/s first, {bare['runs'][1]:.0f} last)")
    share_public = min(100 * results[name]["rps"] / bare["rps"] for name in PUBLIC)
    share_session = min(100 * results[name]["rps"] / bare["rps"] for name in SESSION)
    p99_public = max(results[name]["p99"] for name in PUBLIC)
    errors = sum(row["errors"] for row in results.values())
    return (
        f"pages share_min_public={share_public:.0f}% share_min_session={share_session:.0f}% "
        f"p99_max_public_ms={p99_public:.0f} errors={errors}"
    )


def checkout_storm(base: str, data: dict, args) -> str:
    """50 buyers at once, each through the form and its POST, while wrk reads the link page."""
    buyers, rounds = 50, max(1, args.duration // 5)
    latencies, statuses, lock = [], [], threading.Lock()
    path = f"/l/{data['link']}/{data['product']}/"

    def buyer(index: int):
        for round_ in range(rounds):
            n = 900_000_000 + index * 1000 + round_
            form = {
                "person_name": f"Cliente Pico {n}",
                "person_cpf": cpf(n),
                "person_birth_date": "1985-04-12",
                "email": f"pico{n}@exemplo.com.br",
                "mobile": "(11) 98765-4321",
                "issuance_password": "Emissao#2026",
                "issuance_password_confirm": "Emissao#2026",
                "revocation_password": "Revoga#2026x",
                "revocation_password_confirm": "Revoga#2026x",
                "lgpd_consent": "on",
            }
            started = time.perf_counter()
            try:
                status, _ = post_form(base, path, form)
            except OSError:  # no answer within the client's timeout (30 s the form, 60 s the POST)
                status = 0
            with lock:
                latencies.append(1000 * (time.perf_counter() - started))
                statuses.append(status)

    readers: dict = {}
    reader = threading.Thread(
        target=lambda: readers.update(
            wrk(f"{base}/l/{data['link']}/", connections=args.connections, duration=args.duration)
        )
    )
    threads = [threading.Thread(target=buyer, args=(i,)) for i in range(buyers)]
    started = time.perf_counter()
    reader.start()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    reader.join()
    latencies.sort()
    failed = sum(1 for status in statuses if status != 302)
    hasher = os.environ.get("BENCH_PASSWORD_HASHER", "tecnosign.hashers.Argon2idOwaspHasher").rsplit(".", 1)[-1]
    return (
        f"checkout buyers={buyers} hasher={hasher} workers={args.workers}x{args.worker_class}/{args.threads} "
        f"checkouts={len(statuses)} per_s={len(statuses) / elapsed:.1f} "
        f"median_ms={statistics.median(latencies):.0f} p99_ms={latencies[int(0.99 * (len(latencies) - 1))]:.0f} "
        f"failed={failed} link_page_meanwhile_rps={readers['rps']:.0f} link_page_meanwhile_p99_ms={readers['p99']:.0f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=int, default=10, help="seconds of wrk per page")
    parser.add_argument("--connections", type=int, default=50)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--worker-class", default="sync", choices=("sync", "gthread"))
    parser.add_argument("--threads", type=int, default=1, help="threads per worker (gthread)")
    parser.add_argument("--checkout", action="store_true", help="then 50 concurrent buyers through the checkout")
    parser.add_argument("--checkout-only", action="store_true", help="the checkout storm without the pages")
    parser.add_argument("--smoke", action="store_true", help="1 s a page, 5 connections: does it all run")
    parser.add_argument("--keep-db", action="store_true", help="keep tecnosign_pages afterwards")
    args = parser.parse_args()
    if args.smoke:
        args.duration, args.connections = 1, 5
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is missing: scripts/system-deps.sh wrk")

    load.WORK.mkdir(parents=True, exist_ok=True)
    load.recreate_database()
    data = load.seed(bookable=1, pending=0, agents=2)
    port = load.free_port()
    server = load.start_gunicorn(
        port, args.workers, "--worker-class", args.worker_class, "--threads", str(args.threads)
    )
    base = f"http://127.0.0.1:{port}"
    try:
        lines = []
        if not args.checkout_only:
            results = pages(base, data, customer_cookie(base, data["bookable"][0]), args)
            lines.append(report(results, args))
            if args.smoke:
                unanswered = [name for name, row in results.items() if not row["requests"] or row["errors"]]
                if unanswered:
                    raise SystemExit(f"pages with errors or no answer: {unanswered}")
        if args.checkout or args.checkout_only:
            lines.append(checkout_storm(base, data, args))
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
        if not args.keep_db:
            load.drop_database()
        load.flush_redis()
    print()
    print("\n".join(lines))
    sys.stdout.flush()


if __name__ == "__main__":
    main()
