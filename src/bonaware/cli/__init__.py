"""The ``bonaware`` command line. One module per subcommand; see :mod:`bonaware.cli.main`."""
