"""The command line: create-account prints secrets once, serve is the default command."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from netsuite_sandbox.__main__ import build_parser, main, normalize_argv
from netsuite_sandbox.store import Store

PACKAGE_PARENT = str(Path(__file__).resolve().parents[2])


def test_create_account_prints_json_and_reissues_tokens(tmp_path: Path, capsys) -> None:
    assert (
        main(["create-account", "--data", str(tmp_path), "--account", "1234567_SB1", "--json"]) == 0
    )
    first = json.loads(capsys.readouterr().out)
    assert (
        main(["create-account", "--data", str(tmp_path), "--account", "1234567_SB1", "--json"]) == 0
    )
    second = json.loads(capsys.readouterr().out)

    assert first["account_id"] == "1234567_SB1"
    assert len(first["token_secret"]) == 64
    assert first["token_id"] != second["token_id"]
    store = Store(str(tmp_path))
    try:
        # Both tokens stay valid, and the reference data was loaded once.
        assert store.credentials("1234567_SB1", first["consumer_key"], first["token_id"])
        assert store.credentials("1234567_SB1", second["consumer_key"], second["token_id"])
        assert len(store.reference("1234567_SB1")["account"]) == 19
    finally:
        store.close()


def test_create_account_refuses_non_realm_ids(tmp_path: Path, capsys) -> None:
    assert main(["create-account", "--data", str(tmp_path), "--account", "1234567-sb1"]) == 2
    assert "1234567_SB1" in capsys.readouterr().err


def test_create_account_text_output_as_a_subprocess(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "netsuite_sandbox", "create-account", "--data", str(tmp_path),
         "--account", "TSTDRV42"],
        cwd=PACKAGE_PARENT, capture_output=True, text=True, timeout=30, check=True,
    )  # fmt: skip
    assert "Consumer secret:" in result.stdout
    assert "Token secret:" in result.stdout
    assert "not shown again" in result.stdout


def test_port_without_command_means_serve() -> None:
    args = build_parser().parse_args(normalize_argv(["--port", "8765", "--data", ":memory:"]))
    assert (args.command, args.port, args.host) == ("serve", 8765, "127.0.0.1")
