#!/usr/bin/env python
import os
import sys


def main():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pipeline_safety.settings")
    # Run from a checkout with no secret and no DEBUG set: development settings
    # (DEBUG on, a local secret generated into var/secret_key), so the README's
    # commands work after `make run`. Production sets SECRET_KEY or
    # SECRET_KEY_FILE; DEBUG=0 with no secret still refuses, and gunicorn
    # (wsgi.py) and Celery never take this path.
    if not ({"SECRET_KEY", "SECRET_KEY_FILE", "DEBUG"} & os.environ.keys()):
        os.environ["DEBUG"] = "1"
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
