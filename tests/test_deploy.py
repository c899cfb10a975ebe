"""The container files: the image runs as a user, checks its health on /healthz, and the compose
file runs it with PostgreSQL, migrations first and a volume for files (Docker is not needed to
read them; the health route itself is tested in test_web*.py)."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _instructions() -> list[tuple[str, str]]:
    text = (ROOT / "Dockerfile").read_text("utf-8").replace("\\\n", " ")
    lines = [line.strip() for line in text.splitlines()]
    return [
        (line.split(None, 1)[0].upper(), line.split(None, 1)[1] if " " in line else "")
        for line in lines
        if line and not line.startswith("#")
    ]


def test_the_image_runs_the_service_as_an_unprivileged_user() -> None:
    steps = _instructions()
    users = [arg for op, arg in steps if op == "USER"]
    kinds = [op for op, _ in steps]
    assert users == ["troly"]
    assert kinds.index("USER") < kinds.index("CMD")
    assert "useradd" in next(arg for op, arg in steps if op == "RUN")


def test_the_image_checks_its_health_on_healthz() -> None:
    [check] = [arg for op, arg in _instructions() if op == "HEALTHCHECK"]
    assert "/healthz" in check
    assert "--timeout=5s" in check


def test_compose_runs_the_service_with_postgresql_migrations_first_and_a_files_volume() -> None:
    # Read as text: the test needs no YAML library, and these lines are what matter.
    compose = (ROOT / "compose.yaml").read_text("utf-8")
    lines = {line.strip() for line in compose.splitlines()}

    assert "image: postgres:16-alpine" in lines
    assert "TROLY_DATABASE_URL: postgresql://troly:${TROLY_DB_PASSWORD}@db:5432/troly" in lines
    assert "condition: service_healthy" in lines
    assert 'command: ["sh", "-c", "troly db upgrade && exec troly serve"]' in lines
    assert "- files:/data" in lines
    assert {"pgdata:", "files:"} <= lines
