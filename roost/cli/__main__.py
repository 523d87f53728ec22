"""`python -m roost.cli` is `roost`."""

from roost.cli.main import main

main()
