"""``bonaware models``: list shows every embedded model and its cache state."""

import pytest

from bonaware.cli.main import main


def test_models_list_names_every_embedded_model_and_the_cache(cache, capsys):
    assert main(["models", "list"]) == 0
    out = capsys.readouterr().out
    assert str(cache) in out and "tiny" in out and "smollm2-135m" in out
    assert out.count("not built") == 2


def test_models_build_rejects_an_unknown_name(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["models", "build", "nope"])
    assert exc.value.code == 2
