"""`python -m planner`: the command-line interface (cli/planner_cli.py)."""

from cli.planner_cli import main

raise SystemExit(main(prog="python -m planner"))
