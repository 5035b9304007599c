"""HTTP controllers of the operations area."""
