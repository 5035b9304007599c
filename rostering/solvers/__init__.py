"""Solvers: a ruin-and-recreate search for synchronised carer runs, and PyVRP for Solomon VRPTW.

``problem`` is the solver-neutral description (tasks, jobs, carers, travel), ``plan`` holds a
solution with exact incremental insertion costs, ``search`` improves it; adapters live beside them.
"""
