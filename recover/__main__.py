"""``python -m recover`` runs the command line, as ``recover`` does."""
from .cli import main

main()
