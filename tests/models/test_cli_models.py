"""``bonaware models``: list shows every embedded model and its cache state."""

import pytest

from bonaware.cli.main import main


def test_models_list_names_every_embedded_model_and_the_cache(cache, capsys):
    assert main(["models", "list"]) == 0
    out = capsys.readouterr().out
    assert str(cache) in out and "tiny" in out and "tiny-code" in out and "smollm2-135m" in out
    assert out.count("not built") == 3


def test_models_build_rejects_an_unknown_name(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["models", "build", "nope"])
    assert exc.value.code == 2


def test_models_build_rejects_tiny_options_for_smollm2(capsys):
    assert main(["models", "build", "smollm2-135m", "--seed", "1"]) == 2
    assert "--seed applies to 'tiny' and 'tiny-code' only" in capsys.readouterr().err


def test_models_build_tiny_takes_config_fields_and_reports_the_stop(cache, capsys):
    argv = ["models", "build", "tiny", "--no-progress", "--hidden_size=16", "--num_layers=1", "--num_heads=2",
            "--intermediate_size=32", "--families=add1", "--steps=4", "--eval_every=2", "--batch_size=16",
            "--val_problems=8", "--target_pass_at_1=0"]
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert "pre-training stopped at step 4 of 4" in out and "add1" in out and "pass@16=" in out
    assert len([p for p in cache.iterdir() if p.name.startswith("tiny-v")]) == 1
