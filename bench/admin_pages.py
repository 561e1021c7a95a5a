#!/usr/bin/env python
"""Benchmark: server time and size of every admin list and detail page on the demo city.

    .venv/bin/python bench/admin_pages.py [--repeat 15] [--database spatialite:///tmp/x.sqlite3]

Builds the demo city (once) in a database of its own (default: a SpatiaLite
file under var/), then, with DEBUG off, asks Django's test client for every
admin changelist and for the change page of the first row each user sees, as
admin, inspector1, manager and company01, ``--repeat`` times each. The time is
the server's (request in, response out, no network). Prints p50, p95 and the
page size per page, and the pages over target.

Targets (README): every admin list and detail page under 150 ms at p95, and
under 100 KB. Baseline measured in the same run: the admin's password-change
page (a plain form, no data), so a slow machine shows as a slow baseline.
The list maps' GeoJSON (the list URL plus ``_overview=1``, fetched by the
page once loaded) is measured too: its time counts against the target, its
size does not (it is the map's data, downloaded once and then revalidated).
The query count of each page (one request) does not depend on the load.

Also measured: the log-in POST with Django's default password hasher
(PBKDF2, as in production; the test settings use MD5 to keep tests fast),
next to the time of one password check alone, so a slow log-in shows as the
hasher's deliberate cost, not the page.
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TARGET_MS = 150
TARGET_KB = 100
USERS = ("admin", "inspector1", "manager", "company01")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[1])
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--database", default=f"spatialite:///{ROOT / 'var' / 'bench-admin-pages.sqlite3'}")
    parser.add_argument("--only", help="only URLs containing this text")
    args = parser.parse_args()

    os.environ["DATABASE_URL"] = args.database
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pipeline_safety.settings_test")
    os.environ["DEBUG"] = "0"
    import django

    django.setup()
    from django.conf import settings

    settings.ALLOWED_HOSTS = ["testserver"]
    settings.DEBUG = False
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    call_command("seed_demo", "--today", "2026-11-21", verbosity=0)

    from django.conf import global_settings
    from django.contrib import admin
    from django.contrib.auth.hashers import check_password, get_hasher, make_password
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, override_settings
    from django.urls import reverse

    from accounts.models import User
    from common.admin import OverviewMapMixin

    def measure(client, url):
        times, size, status = [], 0, None
        client.get(url)  # warm caches (templates, content types)
        for _ in range(args.repeat):
            start = time.perf_counter()
            response = client.get(url)
            times.append((time.perf_counter() - start) * 1000)
            status, size = response.status_code, len(response.content)
        with CaptureQueriesContext(connection) as queries:
            client.get(url)
        return (*percentiles(times), size, status, len(queries))

    def percentiles(times):
        times = sorted(times)
        return statistics.median(times), times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]

    def measure_login():
        """The log-in POST (to the dashboard) with the production hasher, and one password check alone."""
        with override_settings(PASSWORD_HASHERS=global_settings.PASSWORD_HASHERS):
            hasher = get_hasher()
            user, _ = User.objects.get_or_create(username="bench-login", defaults={"is_staff": True})
            user.password = make_password("Bench@2026")
            user.save(update_fields=["password"])
            checks, posts = [], []
            for _ in range(min(args.repeat, 5)):
                start = time.perf_counter()
                check_password("Bench@2026", user.password)
                checks.append((time.perf_counter() - start) * 1000)
                client = Client()
                start = time.perf_counter()
                response = client.post(reverse("admin:login"), {"username": "bench-login", "password": "Bench@2026"})
                posts.append((time.perf_counter() - start) * 1000)
                assert response.status_code == 302, response.status_code
            label = f"{hasher.algorithm}, {getattr(hasher, 'iterations', '?')} iterations"
            return label, percentiles(checks), percentiles(posts)

    rows, over, baselines = [], [], []
    for username in USERS:
        user = User.objects.get(username=username)
        client = Client()
        client.force_login(user)
        base = measure(client, reverse("admin:password_change"))
        rows.append((username, "(baseline) password change", *base))
        baselines.append(base[1])
        for model, model_admin in admin.site._registry.items():
            request = type("R", (), {"user": user})()
            if not model_admin.has_view_permission(request):
                continue
            info = (model._meta.app_label, model._meta.model_name)
            urls = [reverse("admin:{}_{}_changelist".format(*info))]
            first = model_admin.get_queryset(request).order_by("pk").first()
            if first is not None:
                urls.append(reverse("admin:{}_{}_change".format(*info), args=[first.pk]))
            if isinstance(model_admin, OverviewMapMixin):
                # The list map's GeoJSON, fetched by the page after it loads (its size is data, not page).
                urls.append(f"{urls[0]}?{model_admin.overview_param}=1")
            for url in urls:
                if args.only and args.only not in url:
                    continue
                p50, p95, size, status, queries = measure(client, url)
                rows.append((username, url, p50, p95, size, status, queries))
                too_big = size > TARGET_KB * 1024 and "_overview" not in url
                if p95 > TARGET_MS or too_big or status >= 400:
                    over.append((username, url, p50, p95, size, status, queries))
    login = measure_login()

    print(f"{'user':<11} {'page':<58} {'p50 ms':>7} {'p95 ms':>7} {'KB':>6} {'HTTP':>4} {'SQL':>4}")
    for username, url, p50, p95, size, status, queries in rows:
        print(f"{username:<11} {url:<58} {p50:7.1f} {p95:7.1f} {size / 1024:6.1f} {status:>4} {queries:>4}")
    print()
    pages = [row for row in rows if not row[1].startswith("(") and "_overview" not in row[1]]
    p95s = sorted(row[3] for row in pages)
    print(f"Load average {' '.join(f'{x:.1f}' for x in os.getloadavg())} on {os.cpu_count()} cores.")
    print(f"Baseline (password-change page) p95: {statistics.median(baselines):.0f} ms (median over users).")
    if pages:
        print(
            f"Pages: {len(pages)}; p95 median {statistics.median(p95s):.0f} ms, worst {p95s[-1]:.0f} ms; "
            f"largest {max(row[4] for row in pages) / 1024:.0f} KB; most queries {max(row[6] for row in pages)}."
        )
    label, (check50, check95), (post50, post95) = login
    print(
        f"Log-in POST ({label}): p50 {post50:.0f} ms, p95 {post95:.0f} ms; "
        f"of which one password check: p50 {check50:.0f} ms, p95 {check95:.0f} ms."
    )
    print(f"Pages over target (p95 > {TARGET_MS} ms, > {TARGET_KB} KB, or an error): {len(over)} of {len(rows)}")
    for username, url, _p50, p95, size, status, queries in over:
        print(f"  {username:<11} {url:<58} p95 {p95:6.1f} ms {size / 1024:6.1f} KB HTTP {status} SQL {queries}")


if __name__ == "__main__":
    main()
