"""HTTP controllers of the accounts area."""
