"""Benchmark: what each test pays for its app's database before its first request.

    .venv/bin/python bench/app_setup.py            # 9 rounds
    .venv/bin/python bench/app_setup.py --rounds 3

Two recipes, interleaved round by round after one warm-up round, each on a fresh instance
folder (the object store is left out: both create one bucket per test the same way):

- ``migrate`` (before): ``create_app`` on an empty folder, ``initialise`` (Alembic to head,
  argon2 hash of a new admin password), the first-login password change (verify + hash),
  then the admin logs in (argon2 verify) for a token;
- ``template`` (after, ``tests/helpers.py``): copy the session's migrated template database,
  ``create_app``, ``initialise`` (finds the schema at head and the admin present), and use the
  admin token stored in the template.
"""

from __future__ import annotations

import argparse
import tempfile
from functools import partial
from pathlib import Path

from _common import Timings, load_note, table, timed_cpu

from archive_service.app import create_app
from archive_service.db import db
from archive_service.extensions import archive
from archive_service.services.accounts import authenticate, issue_token
from archive_service.services.setup import initialise
from tests.helpers import Template, build_template, copy_template, first_login_change


def migrate_recipe(instance: Path) -> str:
    app = create_app({"TESTING": True}, instance=instance)
    with app.app_context():
        first = initialise(db.engine, db.transaction, archive.settings)
        assert first
        password = first_login_change(first)
        with db.transaction() as session:
            admin = authenticate(session, "admin", password)
            assert admin is not None
            token = issue_token(session, admin, "测试")
        db.engine.dispose()
    return token


def template_recipe(instance: Path, template: Template) -> str:
    copy_template(template, instance)
    app = create_app({"TESTING": True}, instance=instance)
    with app.app_context():
        assert initialise(db.engine, db.transaction, archive.settings) is None
        db.engine.dispose()
    return template.admin_token


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=9)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-test-app-") as tmp:
        root = Path(tmp)
        template = build_template(root / "template")
        runs = {"migrate": Timings("migrate"), "template": Timings("template")}
        for n in range(args.rounds + 1):  # round 0 warms imports and caches
            recipes = {"migrate": partial(migrate_recipe, root / f"m{n}"),
                       "template": partial(template_recipe, root / f"t{n}", template)}
            for name, recipe in recipes.items():
                wall, cpu, _ = timed_cpu(recipe)
                if n:
                    runs[name].seconds.append(wall)
                    runs[name].cpu.append(cpu)
    before, after = runs["migrate"], runs["template"]
    print(f"Per-test app database setup, median of {args.rounds} interleaved rounds")
    print(table(["recipe", "wall median s", "cpu median s", "best s", "worst s"], [
        [t.name, f"{t.median:.3f}", f"{t.cpu_median:.3f}", f"{t.best:.3f}", f"{t.worst:.3f}"]
        for t in (before, after)]))
    print(f"template / migrate: wall {after.median / before.median:.2f}×, "
          f"cpu {after.cpu_median / before.cpu_median:.2f}×")
    print(load_note())


if __name__ == "__main__":
    main()
