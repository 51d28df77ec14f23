"""The command line: preflight errors are one clear line; --help helps."""

from __future__ import annotations

import pytest
from gospublic_rating.cli import build_parser, main


def test_help_lists_the_commands(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["--help"])
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    for command in ("preflight", "run-dag", "report", "generate-demo", "bench"):
        assert command in out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--period", "2026-13"], "not a month in the form YYYY-MM"),
        (["--period", "2999-01"], "not complete yet"),
        (["--period", "9999-12"], "not complete yet"),
        (["--period", "0000-01"], "before 2022-12"),
        (["--period", "１２３４-10"], "not a month in the form YYYY-MM"),
        (["--source", "files"], "needs an input folder"),
        (["--source", "files", "--input-dir", "/nonexistent-gospublic"], "input folder does not exist"),
        (["--scale", "0"], "positive number of organisations"),
    ],
)
def test_preflight_names_the_problem(argv, message, capsys):
    assert main(["preflight", *argv]) == 2
    err = capsys.readouterr().err
    assert message in err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1


def test_preflight_accepts_a_good_demo_run(capsys):
    assert main(["preflight", "--period", "2026-10"]) == 0
    assert "rating period 2026-10, source demo" in capsys.readouterr().out


def test_empty_make_variables_mean_defaults():
    args = build_parser().parse_args(["run-dag", "--period", "", "--scale", "", "--seed", ""])
    assert (args.period, args.scale, args.seed) == ("", None, None)


def test_a_failed_run_shows_every_failing_platform(tmp_path):
    from gospublic_rating.cli.run import _errors

    log = tmp_path / "dags-test.log"
    log.write_text(
        "2026-11-30T10:00:00Z [info] extract_vk started\n"
        "gospublic_rating.extract.http.AuthError: vk execute: VK refused the access token (error 5)\n"
        "2026-11-30T10:00:01Z [info] extract_ok started\n"
        "gospublic_rating.extract.http.AuthError: ok group.getInfo: PARAM_SIGNATURE (104): Invalid signature\n"
        "  (fix extra.application_secret_key)\n"
        "gospublic_rating.extract.http.AuthError: vk execute: VK refused the access token (error 5)\n",
        encoding="utf-8",
    )
    shown = _errors(log)
    assert shown == [
        "gospublic_rating.extract.http.AuthError: vk execute: VK refused the access token (error 5)",
        "gospublic_rating.extract.http.AuthError: ok group.getInfo: PARAM_SIGNATURE (104): Invalid signature",
        "  (fix extra.application_secret_key)",
    ]
