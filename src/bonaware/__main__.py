"""``python -m bonaware`` is the same as the ``bonaware`` console script."""

from bonaware.cli.main import main

if __name__ == "__main__":
    raise SystemExit(main())
