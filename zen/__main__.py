"""``python -m zen`` runs the CLI."""

from zen.cli import main

main()
