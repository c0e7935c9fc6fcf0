"""A burst of signing on one petition through the real HTTP stack.

``DATABASE_URL=postgres://postgres@127.0.0.1:5432/edem_bench python -m
benchmarks.petition_sign`` creates (or reuses) that database, migrates it,
makes a collecting petition and ``SIGNERS`` verified people with logged-in
sessions, starts gunicorn (three sync workers, the application preloaded)
configured as in production (PostgreSQL; sessions, cache and rate-limit
counters in Redis, ``REDIS_URL``, by default database 7 of the local Redis)
and sends every person's sign request to
``/api/v1/<municipality>/petitions/<pk>/sign/`` from a pool of client
threads, plus ``DUPLICATES`` second attempts that must be answered 409. In
the same run the same number of POSTs go to a bare Django view doing one
INSERT; the two workloads alternate in ``ROUNDS`` rounds after both are
warmed up, so that the machine's changing load weighs on both alike. It
prints signatures per second, the ratio to the baseline and the lost /
duplicate / 5xx counts. Target: ratio >= 0.55, zero lost, duplicate or
failed. The per-IP and per-session rate limits of the benchmark municipality
are switched off (every request comes from 127.0.0.1).
"""

from __future__ import annotations

import os
import random
import secrets
import socket
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from benchmarks.harness import ensure_postgres_database

SIGNERS = int(os.environ.get("BENCH_SIGNERS", "3000"))
DUPLICATES = int(os.environ.get("BENCH_DUPLICATES", "300"))
CLIENT_THREADS = int(os.environ.get("BENCH_CLIENTS", "24"))
WORKERS = int(os.environ.get("BENCH_WORKERS", "3"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "5"))
WARMUP = 150
REPO = Path(__file__).resolve().parents[1]
SETTINGS = "benchmarks.petition_sign_settings"
REDIS_URL = "redis://127.0.0.1:6379/7"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _prepare():
    """Migrate, then build the petition and the signers' sessions."""
    import django

    django.setup()
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.auth.hashers import make_password
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    call_command("migrate", verbosity=0, interactive=False)
    from edem.accounts.models import Identity, User
    from edem.municipalities.models import Municipality
    from petitions.models import COUNTER_SHARDS, Petition, PetitionCounter
    from petitions.services import statute_for

    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TABLE IF NOT EXISTS bench_insert (id bigserial primary key, n int, "
            "created_at timestamptz default now())"
        )
        cursor.execute("TRUNCATE bench_insert")
    municipality, _ = Municipality.objects.get_or_create(
        slug="bench", defaults={"name_uk": "Бенч", "name_en": "Bench", "centre_lat": 50,
                                "centre_lon": 30, "locality_codes": ["UA99"]},
    )
    statute = statute_for(municipality)
    statute.sign_limit_per_ip = 0
    statute.sign_limit_per_session = 0
    statute.save()
    run = secrets.token_hex(4)
    author = User.objects.create(username=f"bench-author-{run}", identity=Identity.objects.create(
        key=f"bench:{run}:author", key_kind="tax", birth_date="1980-01-01",
        locality_code="UA9900", auth_method="bankid", verified_at=timezone.now()))
    petition = Petition.objects.create(
        municipality=municipality, author=author, author_identity=author.identity,
        title=f"Бенчмарк {run}", text="x" * 200, category="Інше", addressee="council",
        status=Petition.Status.COLLECTING, published_at=timezone.now(),
        collection_ends_at=timezone.now() + timezone.timedelta(days=30),
        signature_threshold=10**9, residents_only=False, min_age=18,
    )
    PetitionCounter.objects.bulk_create(
        [PetitionCounter(petition=petition, shard=n) for n in range(COUNTER_SHARDS)]
    )
    identities = Identity.objects.bulk_create([
        Identity(key=f"bench:{run}:{n}", key_kind="tax", birth_date="1980-01-01",
                 locality_code="UA9900", auth_method="bankid", verified_at=timezone.now())
        for n in range(SIGNERS)
    ])
    users = User.objects.bulk_create([
        User(username=f"bench-{run}-{n}", identity=identity,
             password=make_password(None))
        for n, identity in enumerate(identities)
    ])
    SessionStore = import_module(settings.SESSION_ENGINE).SessionStore  # noqa: N806
    sessions = []
    for user in users:
        store = SessionStore()
        store[SESSION_KEY] = str(user.pk)
        store[BACKEND_SESSION_KEY] = "edem.accounts.backends.AccountBackend"  # as after an OIDC login
        store[HASH_SESSION_KEY] = user.get_session_auth_hash()
        store.create()
        sessions.append(store.session_key)
    connection.close()
    return municipality.slug, petition.pk, sessions


def _burst(jobs, send) -> tuple[float, list[int]]:
    with ThreadPoolExecutor(CLIENT_THREADS) as pool:
        start = time.perf_counter()
        codes = list(pool.map(send, jobs))
        return time.perf_counter() - start, codes


def main() -> int:
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        print("Set DATABASE_URL to a PostgreSQL database, e.g. "
              "postgres://postgres@127.0.0.1:5432/edem_bench")
        return 2
    os.environ["DJANGO_SETTINGS_MODULE"] = SETTINGS
    os.environ.setdefault("CELERY_TASK_ALWAYS_EAGER", "true")
    # As in production: sessions, cache and rate-limit counters in Redis.
    os.environ.setdefault("REDIS_URL", REDIS_URL)
    ensure_postgres_database(url)
    slug, petition_id, sessions = _prepare()
    import requests

    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "edem.wsgi:application", "--workers",
         str(WORKERS), "--preload", "--bind", f"127.0.0.1:{port}",
         "--log-level", "warning"],
        cwd=REPO, env={**os.environ, "DJANGO_SETTINGS_MODULE": SETTINGS},
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                requests.get(f"{base}/healthz", timeout=1)
                break
            except requests.RequestException:
                time.sleep(0.2)
        csrf = secrets.token_hex(16)
        sign_url = f"{base}/api/v1/{slug}/petitions/{petition_id}/sign/"
        detail_url = f"{base}/api/v1/{slug}/petitions/{petition_id}/"

        def sign(session_key: str) -> int:
            try:
                return requests.post(
                    sign_url, timeout=30,
                    cookies={"sessionid": session_key, "csrftoken": csrf},
                    headers={"X-CSRFToken": csrf, "Referer": base + "/"},
                ).status_code
            except requests.RequestException:
                return 599

        def insert(_n: int) -> int:
            try:
                return requests.post(f"{base}/bench/insert/", timeout=30).status_code
            except requests.RequestException:
                return 599

        def read(_n: int) -> int:
            try:
                return requests.get(detail_url, timeout=30).status_code
            except requests.RequestException:
                return 599

        # Warm every worker (imports, database and Redis connections) on both
        # paths before measuring.
        _burst(range(WARMUP), insert)
        _burst(range(WARMUP), read)
        jobs = sessions + random.Random(1).sample(sessions, min(DUPLICATES, len(sessions)))
        random.Random(2).shuffle(jobs)
        # Alternate rounds of the two workloads, so that a change in the
        # machine's load during the run weighs on both alike.
        sign_seconds = base_seconds = 0.0
        codes: list[int] = []
        base_codes: list[int] = []
        for n in range(ROUNDS):
            chunk = jobs[n::ROUNDS]
            seconds, got = _burst(range(len(chunk)), insert)
            base_seconds += seconds
            base_codes += got
            seconds, got = _burst(chunk, sign)
            sign_seconds += seconds
            codes += got
    finally:
        server.terminate()
        server.wait(timeout=30)

    from petitions.models import Petition, Signature
    from petitions.selectors import signature_count

    rows = Signature.objects.filter(petition_id=petition_id)
    distinct = rows.values("identity").distinct().count()
    total = rows.count()
    counted = signature_count(Petition.objects.get(pk=petition_id))
    ok = codes.count(201)
    lost = len(sessions) - distinct
    duplicate = total - distinct
    failed = sum(1 for c in codes if c >= 500) + sum(1 for c in base_codes if c >= 500)
    sign_rate = len(jobs) / sign_seconds
    base_rate = len(jobs) / base_seconds
    print(f"requests per burst: {len(jobs)} ({len(sessions)} people, "
          f"{len(jobs) - len(sessions)} second attempts), {CLIENT_THREADS} client threads, "
          f"{WORKERS} gunicorn workers")
    print(f"signing:  {sign_rate:7.1f} requests/s ({ok / sign_seconds:7.1f} signatures/s)")
    print(f"baseline: {base_rate:7.1f} requests/s (bare view, one INSERT)")
    print(f"ratio:    {sign_rate / base_rate:7.2f} (target >= 0.55)")
    print(f"signed {ok}, answered 409 {codes.count(409)}, other "
          f"{len(codes) - ok - codes.count(409)}; rows {total}, counted {counted}")
    print(f"lost {lost}, duplicate {duplicate}, 5xx {failed}")
    return 0 if lost == duplicate == failed == 0 and counted == distinct else 1


if __name__ == "__main__":
    raise SystemExit(main())
