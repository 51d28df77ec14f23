"""A deployment's Airflow: airflow-import (pools, connections, variables from one file), ui."""

from __future__ import annotations

import argparse
import json
import os
import secrets
import sys
from pathlib import Path

from .common import fail


def register(sub) -> None:
    p = sub.add_parser(
        "airflow-import",
        help="create the deployment's pools, connections and variables in Airflow (existing ones are kept)",
    )
    p.add_argument("file", nargs="?", default=None, help="settings file (default deploy/airflow_settings.json)")
    p.set_defaults(func=cmd_airflow_import)

    p = sub.add_parser("ui", help="start the Airflow UI (api-server) on the project's Airflow home and database")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8080)
    p.set_defaults(func=cmd_ui)


def cmd_airflow_import(args: argparse.Namespace) -> int:
    from ..local_airflow import SETTINGS_FILE, AirflowSetupError, import_settings, load_settings

    log = Path(os.environ.get("AIRFLOW_HOME", ".")) / "airflow-import.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    try:
        for done in import_settings(load_settings(Path(args.file) if args.file else SETTINGS_FILE), log):
            print(done)
    except AirflowSetupError as error:
        return fail(str(error))
    return 0


def admin_password(airflow_home: Path, user: str = "admin") -> str:
    """The password of ``user`` in the simple auth manager's file, generated and stored if missing.

    The API server reads the same file (``<AIRFLOW_HOME>/simple_auth_manager_passwords.json.generated``)
    and keeps the passwords it finds there.
    """
    path = airflow_home / "simple_auth_manager_passwords.json.generated"
    passwords = json.loads(path.read_text(encoding="utf-8") or "{}") if path.exists() else {}
    if user not in passwords:
        passwords[user] = secrets.token_urlsafe(12)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(passwords), encoding="utf-8")
        path.chmod(0o600)
    return passwords[user]


def cmd_ui(args: argparse.Namespace) -> int:
    """Replace this process with `airflow api-server` after printing the address and how to log in."""
    home = Path(os.environ.get("AIRFLOW_HOME", "~/airflow")).expanduser()
    password = admin_password(home)
    print(
        f"Airflow UI: http://{args.host}:{args.port}/  (user admin, password {password}); stop it with Ctrl-C",
        flush=True,
    )
    airflow = str(Path(sys.executable).with_name("airflow"))
    os.execv(airflow, [airflow, "api-server", "--host", args.host, "--port", str(args.port)])
    return 0  # not reached
