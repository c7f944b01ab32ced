"""Command-line front ends: I/O edges over the pure planner."""
