import os
import socket
import stat

import psycopg
import pytest

from korea_reader.embedded_db import (
    EmbeddedPostgres,
    EmbeddedPostgresError,
    bundled_major_version,
    default_server,
)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_it_explains_a_data_directory_from_another_major_version(tmp_path):
    server = EmbeddedPostgres(data_dir=tmp_path, port=free_port())
    server.pgdata.mkdir()
    (server.pgdata / "PG_VERSION").write_text("16\n")

    with pytest.raises(EmbeddedPostgresError) as caught:
        server.start()

    message = str(caught.value)
    assert "created by PostgreSQL 16" in message
    assert f"runs PostgreSQL {bundled_major_version()}" in message
    assert "move" in message


def test_it_explains_a_port_taken_by_another_program(tmp_path):
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", 0))
        squatter.listen()
        port = squatter.getsockname()[1]
        server = EmbeddedPostgres(data_dir=tmp_path, port=port)

        with pytest.raises(EmbeddedPostgresError, match=f"Port {port} on 127.0.0.1 is taken"):
            server.start()

    assert not server.is_initialised(), "nothing is created when the port is taken"


def test_it_refuses_a_port_that_is_not_a_number(monkeypatch):
    monkeypatch.setenv("EMBEDDED_POSTGRES_PORT", "fifty")

    with pytest.raises(EmbeddedPostgresError, match="EMBEDDED_POSTGRES_PORT must be a port"):
        default_server()


def test_it_initialises_starts_reuses_and_stops_a_server(tmp_path):
    server = EmbeddedPostgres(data_dir=tmp_path / "pg", port=free_port())
    try:
        assert server.start() is True
        with psycopg.connect(server.url()) as conn:
            conn.execute("CREATE TABLE kept (note text)")
            conn.execute("INSERT INTO kept VALUES ('still here')")

        assert server.start() is False, "a running server is reused"
        assert server.stop() is True
        assert server.running_port() is None

        assert server.start() is True, "a stopped server starts again on the same data"
        with psycopg.connect(server.url()) as conn:
            assert conn.execute("SELECT note FROM kept").fetchone() == ("still here",)
    finally:
        server.stop()


def test_it_requires_a_password(tmp_path):
    server = EmbeddedPostgres(data_dir=tmp_path / "pg", port=free_port())
    try:
        server.start()
        with pytest.raises(psycopg.OperationalError, match="password"):
            psycopg.connect(f"postgresql://postgres:wrong@127.0.0.1:{server.port}/postgres")
    finally:
        server.stop()


def test_its_password_files_are_the_owners_alone_from_the_start(tmp_path, monkeypatch):
    """Written with mode 0600 at creation, whatever the umask (it used to be written,
    then narrowed)."""
    from korea_reader import embedded_db

    written = []
    private = embedded_db.private_file

    def watching(path, text=""):
        private(path, text)
        written.append((path.name, stat.S_IMODE(path.stat().st_mode)))

    monkeypatch.setattr(embedded_db, "private_file", watching)
    old_umask = os.umask(0)
    server = EmbeddedPostgres(data_dir=tmp_path / "pg", port=free_port())
    try:
        server.start()
    finally:
        os.umask(old_umask)
        server.stop()
    assert written == [("password", 0o600), ("initial-password", 0o600)]
    assert stat.S_IMODE(server.password_file.stat().st_mode) == 0o600
