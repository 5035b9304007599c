"""Solvers: a compiled ruin-and-recreate search for synchronised carer runs, and PyVRP for Solomon VRPTW.

``problem`` is the solver-neutral description (tasks, jobs, carers, travel), ``kernels`` the
compiled inner loop (schedules, exact insertion costs, ruin and recreate), ``engine`` packs a
problem for it and runs it anytime; adapters (``hhcrsp``, ``solomon``) live beside them.
"""
