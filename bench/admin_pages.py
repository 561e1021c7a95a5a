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

    from django.contrib import admin
    from django.test import Client
    from django.urls import reverse

    from accounts.models import User

    def measure(client, url):
        times, size, status = [], 0, None
        client.get(url)  # warm caches (templates, content types)
        for _ in range(args.repeat):
            start = time.perf_counter()
            response = client.get(url)
            times.append((time.perf_counter() - start) * 1000)
            status, size = response.status_code, len(response.content)
        times.sort()
        p95 = times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]
        return statistics.median(times), p95, size, status

    rows, over = [], []
    for username in USERS:
        user = User.objects.get(username=username)
        client = Client()
        client.force_login(user)
        base = measure(client, reverse("admin:password_change"))
        rows.append((username, "(baseline) password change", *base))
        for model, model_admin in admin.site._registry.items():
            request = type("R", (), {"user": user})()
            if not model_admin.has_view_permission(request):
                continue
            info = (model._meta.app_label, model._meta.model_name)
            urls = [reverse("admin:{}_{}_changelist".format(*info))]
            first = model_admin.get_queryset(request).order_by("pk").first()
            if first is not None:
                urls.append(reverse("admin:{}_{}_change".format(*info), args=[first.pk]))
            for url in urls:
                if args.only and args.only not in url:
                    continue
                p50, p95, size, status = measure(client, url)
                rows.append((username, url, p50, p95, size, status))
                if p95 > TARGET_MS or size > TARGET_KB * 1024 or status >= 400:
                    over.append((username, url, p50, p95, size, status))

    print(f"{'user':<11} {'page':<58} {'p50 ms':>7} {'p95 ms':>7} {'KB':>6} {'HTTP':>4}")
    for username, url, p50, p95, size, status in rows:
        print(f"{username:<11} {url:<58} {p50:7.1f} {p95:7.1f} {size / 1024:6.1f} {status:>4}")
    print()
    print(f"Pages over target (p95 > {TARGET_MS} ms, > {TARGET_KB} KB, or an error): {len(over)} of {len(rows)}")
    for username, url, _p50, p95, size, status in over:
        print(f"  {username:<11} {url:<58} p95 {p95:6.1f} ms {size / 1024:6.1f} KB HTTP {status}")


if __name__ == "__main__":
    main()
