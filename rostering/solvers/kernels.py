"""The compiled inner loop of the rostering search (numba): schedules, exact insertion costs, ruin and recreate.

Given the visiting order, every start time is the *earliest* one consistent with travel, hard
earliest starts and synchronisation: the least solution of a system of difference constraints.
Every cost term grows with start times, so the earliest schedule is the best one for an order and
the search only decides orders. Inserting a task can only push start times later; its exact cost
is found by propagating pushes along runs and across synchronised partners. A push that keeps
coming back around a cycle means the order is impossible (two carers waiting on each other).

Data and state travel as tuples of arrays (numba compiles one specialisation and caches it):

- data ``D``: task node, duration, earliest, latest, partner, partner offset (the partner starts at
  or after my start + offset), eligibility [task, carer], assignment cost [task, carer], job tasks
  [job, 2] (-1 when single), job penalty, carer start time, start node, end node, shift end,
  travel [profile, node, node], weights (travel, total tardiness, max tardiness, overtime), job
  neighbours, job of each task, travel profile of each carer (a carer's mode: car, walking, ...).
- state ``S``: routes [carer, slot], route lengths, carer of each task, position of each task,
  start of each task.
"""

from __future__ import annotations

import numpy as np
from numba import njit

# Times are rounded up to a binary grid so sums of durations and gaps stay exact in floating
# point and written solutions re-check exactly (arrival >= departure + travel).
GRID = float(2**20)
INF = np.inf
# A double-handed visit's pairs of places are tried among each task's PAIR_OPTIONS places with the
# cheapest lower bounds. On a city day with 180 carers each task has ~1,800 places, and lateness
# pushed onto later visits keeps the bounds loose, so an uncapped search tried millions of pairs.
PAIR_OPTIONS = 40
# An insertion whose pushes come back to a task more than this many times is a deadlock (two
# carers waiting on each other: every turn of the cycle pushes later). Without sync a task is
# pushed once; each synchronised partner upstream adds a path. Counting pops instead let each
# deadlocked candidate run thousands of pops, which dominated large instances' construction.
PUSH_LIMIT = 12


@njit(cache=True)
def snap(value):  # type: ignore[no-untyped-def]
    """Round a time up to the binary grid."""
    return np.ceil(value * GRID) / GRID


@njit(cache=True)
def copy_state(S):  # type: ignore[no-untyped-def]
    """An independent copy of a state tuple."""
    return (S[0].copy(), S[1].copy(), S[2].copy(), S[3].copy(), S[4].copy())


@njit(cache=True)
def assign_state(target, source):  # type: ignore[no-untyped-def]
    """Overwrite ``target`` with ``source`` in place."""
    target[0][...] = source[0]
    target[1][...] = source[1]
    target[2][...] = source[2]
    target[3][...] = source[3]
    target[4][...] = source[4]


@njit(cache=True)
def _natural_next(S, t):  # type: ignore[no-untyped-def]
    routes, rlen, carer, pos = S[0], S[1], S[2], S[3]
    k = carer[t]
    if k < 0 or pos[t] + 1 >= rlen[k]:
        return -1
    return routes[k, pos[t] + 1]


@njit(cache=True)
def schedule(D, S):  # type: ignore[no-untyped-def]
    """Recompute every start time from the routes; False if the orders deadlock."""
    tnode, tdur, tearly = D[0], D[1], D[2]
    partner, offset = D[4], D[5]
    kstart, kstartnode, travels, profile = D[10], D[11], D[14], D[18]
    routes, rlen, carer, pos, start = S
    n = tnode.shape[0]
    for k in range(rlen.shape[0]):
        ready = kstart[k]
        node = kstartnode[k]
        travel = travels[profile[k]]
        for i in range(rlen[k]):
            t = routes[k, i]
            carer[t] = k
            pos[t] = i
            s = max(tearly[t], snap(ready + travel[node, tnode[t]]))
            start[t] = s
            ready = s + tdur[t]
            node = tnode[t]
    stack = np.empty(16 * n + 128, dtype=np.int64)
    top = 0
    for t in range(n):
        m = partner[t]
        if carer[t] >= 0 and m >= 0 and carer[m] >= 0:
            stack[top] = t
            top += 1
    limit = 8 * n + 64  # legitimate chains revisit tasks; only a deadlock cycle reaches it
    pops = 0
    while top > 0:
        top -= 1
        t = stack[top]
        pops += 1
        if pops > limit or top + 2 >= stack.shape[0]:
            return False
        f = _natural_next(S, t)
        if f >= 0:
            arrive = snap(start[t] + tdur[t] + travels[profile[carer[t]], tnode[t], tnode[f]])
            if arrive > start[f]:
                start[f] = arrive
                stack[top] = f
                top += 1
        m = partner[t]
        if m >= 0 and carer[m] >= 0:
            bound = start[t] + offset[t]
            if bound > start[m]:
                start[m] = bound
                stack[top] = m
                top += 1
    return True


@njit(cache=True)
def route_end(D, S, k):  # type: ignore[no-untyped-def]
    """When carer ``k`` is back at the end location."""
    tnode, tdur = D[0], D[1]
    kstart, kendnode, travels, profile = D[10], D[12], D[14], D[18]
    routes, rlen, start = S[0], S[1], S[4]
    if rlen[k] == 0:
        return kstart[k]
    last = routes[k, rlen[k] - 1]
    return start[last] + tdur[last] + travels[profile[k], tnode[last], kendnode[k]]


@njit(cache=True)
def terms(D, S):  # type: ignore[no-untyped-def]
    """Objective terms: travel, total tardiness, max tardiness, overtime, assignment cost, penalties."""
    tnode, tlate = D[0], D[3]
    acost, jtasks, jpen = D[7], D[8], D[9]
    kstartnode, kendnode, kend, travels, profile = D[11], D[12], D[13], D[14], D[18]
    routes, rlen, carer, start = S[0], S[1], S[2], S[4]
    out = np.zeros(6)
    for k in range(rlen.shape[0]):
        if rlen[k] == 0:
            continue
        travel = travels[profile[k]]
        node = kstartnode[k]
        for i in range(rlen[k]):
            t = routes[k, i]
            out[0] += travel[node, tnode[t]]
            node = tnode[t]
            late = start[t] - tlate[t]
            if late > 0:
                out[1] += late
                if late > out[2]:
                    out[2] = late
            out[4] += acost[t, k]
        out[0] += travel[node, kendnode[k]]
        over = route_end(D, S, k) - kend[k]
        if over > 0:
            out[3] += over
    for j in range(jtasks.shape[0]):
        if carer[jtasks[j, 0]] < 0:
            out[5] += jpen[j]
    return out


@njit(cache=True)
def cost_of(D, T):  # type: ignore[no-untyped-def]
    """Weighted objective from the terms."""
    w = D[15]
    return w[0] * T[0] + w[1] * T[1] + w[2] * T[2] + w[3] * T[3] + T[4] + T[5]


@njit(cache=True)
def _propagate(D, S, W, a, ka, pa, b, kb, pb, base, cutoff):  # type: ignore[no-untyped-def]
    """Push start times for inserting task ``a`` at (ka, pa) and ``b`` at (kb, pb) (b = -1: none).

    Work space ``W`` = (pushed value, mark, epoch[1], touched list, stack, pushes per task). Returns the number of
    touched tasks, -1 on a deadlock, or -2 as soon as ``base`` plus the weighted lateness pushed so
    far reaches ``cutoff`` (every push only adds lateness, so the insertion cannot beat it).
    """
    tnode, tdur, tearly = D[0], D[1], D[2]
    partner, offset = D[4], D[5]
    kstart, kstartnode, travels, profile = D[10], D[11], D[14], D[18]
    routes, rlen, carer, start = S[0], S[1], S[2], S[4]
    value, mark, epoch, touched, stack, pushes, late = W
    tlate, wlate = D[3], D[15][1]
    epoch[0] += 1
    late[0] = 0.0
    e = epoch[0]
    n_touched = 0
    top = 0
    prev_a = routes[ka, pa - 1] if pa > 0 else -1
    next_a = routes[ka, pa] if pa < rlen[ka] else -1
    prev_b = -1
    next_b = -1
    if b >= 0:
        prev_b = routes[kb, pb - 1] if pb > 0 else -1
        next_b = routes[kb, pb] if pb < rlen[kb] else -1
    for which in range(2):
        t = a if which == 0 else b
        if t < 0:
            continue
        k = ka if which == 0 else kb
        prev = prev_a if which == 0 else prev_b
        if prev >= 0:
            ready = start[prev] + tdur[prev]
            node = tnode[prev]
        else:
            ready = kstart[k]
            node = kstartnode[k]
        value[t] = max(tearly[t], snap(ready + travels[profile[k], node, tnode[t]]))
        mark[t] = e
        pushes[t] = 1
        late[0] += max(0.0, value[t] - tlate[t])
        touched[n_touched] = t
        n_touched += 1
        stack[top] = t
        top += 1
    while top > 0:
        top -= 1
        t = stack[top]
        if pushes[t] > PUSH_LIMIT or top + 2 >= stack.shape[0]:
            return -1
        if base + wlate * late[0] >= cutoff:
            return -2
        when = value[t]
        k = carer[t]
        if t == a:
            f = next_a
            k = ka
        elif t == b:
            f = next_b
            k = kb
        elif t == prev_a:
            f = a
        elif b >= 0 and t == prev_b:
            f = b
        else:
            f = _natural_next(S, t)
        if f >= 0:
            leg = travels[profile[k], tnode[t], tnode[f]]
            n_touched, top = _raise(W, start, tlate, f, snap(when + tdur[t] + leg), n_touched, top)
        m = partner[t]
        if m >= 0 and (carer[m] >= 0 or mark[m] == e):
            n_touched, top = _raise(W, start, tlate, m, when + offset[t], n_touched, top)
    return n_touched


@njit(cache=True)
def _raise(W, start, tlate, t, bound, n_touched, top):  # type: ignore[no-untyped-def]
    """Push task ``t`` to start no earlier than ``bound``; returns the new touched and stack counts."""
    value, mark, epoch, touched, stack, pushes, late = W
    e = epoch[0]
    current = value[t] if mark[t] == e else start[t]
    if bound > current:
        if mark[t] != e:
            mark[t] = e
            touched[n_touched] = t
            n_touched += 1
            pushes[t] = 0
        pushes[t] += 1
        late[0] += max(0.0, bound - tlate[t]) - max(0.0, current - tlate[t])
        value[t] = bound
        stack[top] = t
        top += 1
    return n_touched, top


@njit(cache=True)
def _detour(D, S, t, k, p):  # type: ignore[no-untyped-def]
    """Extra travel of putting task ``t`` at position ``p`` of carer ``k``'s run (as it is now)."""
    tnode = D[0]
    kstartnode, kendnode = D[11], D[12]
    travel = D[14][D[18][k]]
    routes, rlen = S[0], S[1]
    before = tnode[routes[k, p - 1]] if p > 0 else kstartnode[k]
    after = tnode[routes[k, p]] if p < rlen[k] else kendnode[k]
    here = tnode[t]
    return travel[before, here] + travel[here, after] - travel[before, after]


@njit(cache=True)
def _new_end(D, S, W, k, inserted, at):  # type: ignore[no-untyped-def]
    """Carer ``k``'s return time after inserting ``inserted`` at ``at`` (-1: nothing inserted there)."""
    tnode, tdur = D[0], D[1]
    kendnode = D[12]
    travel = D[14][D[18][k]]
    routes, rlen, start = S[0], S[1], S[4]
    value, mark, epoch = W[0], W[1], W[2]
    if inserted >= 0 and at == rlen[k]:
        last = inserted
    else:
        last = routes[k, rlen[k] - 1]
    when = value[last] if mark[last] == epoch[0] else start[last]
    return when + tdur[last] + travel[tnode[last], kendnode[k]]


@njit(cache=True)
def insertion_delta(D, S, W, max_late, a, ka, pa, b, kb, pb, cutoff):  # type: ignore[no-untyped-def]
    """Exact cost increase of inserting ``a`` (and ``b`` unless -1); inf when impossible or when it
    cannot be below ``cutoff`` (the propagation stops early then)."""
    tlate = D[3]
    acost, kend, w = D[7], D[13], D[15]
    carer, start = S[2], S[4]
    base = w[0] * _detour(D, S, a, ka, pa) + acost[a, ka]
    if b >= 0:
        base += w[0] * _detour(D, S, b, kb, pb) + acost[b, kb]
    count = _propagate(D, S, W, a, ka, pa, b, kb, pb, base, cutoff)
    if count < 0:
        return INF
    value, touched = W[0], W[3]
    total_late = 0.0
    new_max = max_late
    for i in range(count):
        t = touched[i]
        late = value[t] - tlate[t]
        if late > 0:
            total_late += late
            if late > new_max:
                new_max = late
        if carer[t] >= 0:
            old = start[t] - tlate[t]
            if old > 0:
                total_late -= old
    delta = base + w[1] * total_late + w[2] * (new_max - max_late)
    if w[3] > 0:
        # Overtime changes only for the carers given a task and those whose last task moved.
        delta += w[3] * _overtime_change(D, S, W, ka, a, ka, pa, b, kb, pb)
        if b >= 0:
            delta += w[3] * _overtime_change(D, S, W, kb, a, ka, pa, b, kb, pb)
        for i in range(count):
            t = touched[i]
            k = carer[t]
            if k >= 0 and k != ka and k != kb and S[3][t] == S[1][k] - 1:
                delta += w[3] * _overtime_change(D, S, W, k, a, ka, pa, b, kb, pb)
    return delta


@njit(cache=True)
def _overtime_change(D, S, W, k, a, ka, pa, b, kb, pb):  # type: ignore[no-untyped-def]
    kend = D[13]
    if k == ka:
        new = _new_end(D, S, W, k, a, pa)
    elif b >= 0 and k == kb:
        new = _new_end(D, S, W, k, b, pb)
    else:
        new = _new_end(D, S, W, k, -1, -1)
    old = route_end(D, S, k)
    return max(0.0, new - kend[k]) - max(0.0, old - kend[k])


@njit(cache=True)
def _insert_at(S, t, k, p):  # type: ignore[no-untyped-def]
    routes, rlen, carer, pos = S[0], S[1], S[2], S[3]
    for i in range(rlen[k], p, -1):
        routes[k, i] = routes[k, i - 1]
        pos[routes[k, i]] = i
    routes[k, p] = t
    pos[t] = p
    carer[t] = k
    rlen[k] += 1


@njit(cache=True)
def apply_insertion(D, S, W, a, ka, pa, b, kb, pb):  # type: ignore[no-untyped-def]
    """Insert and update start times (the caller found the insertion feasible).

    Returns the largest tardiness among the tasks whose start moved.
    """
    tlate = D[3]
    count = _propagate(D, S, W, a, ka, pa, b, kb, pb, 0.0, INF)
    value, touched = W[0], W[3]
    start = S[4]
    most = 0.0
    for i in range(count):
        t = touched[i]
        start[t] = value[t]
        most = max(most, value[t] - tlate[t])
    _insert_at(S, a, ka, pa)
    if b >= 0:
        _insert_at(S, b, kb, pb)
    return most


@njit(cache=True)
def remove_job(D, S, j):  # type: ignore[no-untyped-def]
    """Take a job's tasks out of their runs (start times are stale until :func:`schedule`)."""
    jtasks = D[8]
    routes, rlen, carer, pos = S[0], S[1], S[2], S[3]
    for which in range(2):
        t = jtasks[j, which]
        if t < 0 or carer[t] < 0:
            continue
        k = carer[t]
        for i in range(pos[t], rlen[k] - 1):
            routes[k, i] = routes[k, i + 1]
            pos[routes[k, i]] = i
        rlen[k] -= 1
        carer[t] = -1
        pos[t] = -1


@njit(cache=True)
def _options(D, S, t, max_late, bounds, ks, ps, with_max):  # type: ignore[no-untyped-def]
    """Every (lower bound, carer, position) for task ``t``; returns how many.

    ``with_max``: include the task's own rise of the maximum lateness in its bound (left out for
    the second task of a pair, whose bound is added to the first task's exact cost, which already
    counts the maximum's rise).
    """
    tnode, tdur, tearly, tlate = D[0], D[1], D[2], D[3]
    elig, acost = D[6], D[7]
    kstart, kstartnode, travels, w, profile = D[10], D[11], D[14], D[15], D[18]
    routes, rlen, start = S[0], S[1], S[4]
    count = 0
    here = tnode[t]
    for k in range(rlen.shape[0]):
        if not elig[t, k]:
            continue
        travel = travels[profile[k]]
        ready = kstart[k]
        before = kstartnode[k]
        for p in range(rlen[k] + 1):
            arrive = max(tearly[t], snap(ready + travel[before, here]))
            bound = w[0] * _detour(D, S, t, k, p) + acost[t, k]
            late = arrive - tlate[t]
            if late > 0:
                bound += w[1] * late
                if with_max:
                    bound += w[2] * max(0.0, late - max_late)
            bounds[count] = bound
            ks[count] = k
            ps[count] = p
            count += 1
            if p < rlen[k]:
                previous = routes[k, p]
                ready = start[previous] + tdur[previous]
                before = tnode[previous]
    return count


@njit(cache=True)
def best_insertion(D, S, W, O, max_late, j, blink):  # type: ignore[no-untyped-def]
    """Cheapest feasible insertion of job ``j``: (delta, ka, pa, kb, pb); delta inf when none.

    ``O`` = option buffers (bounds a, carers a, positions a, bounds b, carers b, positions b);
    ``blink`` is the chance of skipping an option (SISR's blinks, for diversity).
    """
    jtasks = D[8]
    a = jtasks[j, 0]
    b = jtasks[j, 1]
    na = _options(D, S, a, max_late, O[0], O[1], O[2], True)
    order_a = np.argsort(O[0][:na])
    best = INF
    best_ka = -1
    best_pa = -1
    best_kb = -1
    best_pb = -1
    if b < 0:
        for i in order_a:
            if O[0][i] >= best:
                break
            if blink > 0 and np.random.random() < blink:
                continue
            delta = insertion_delta(D, S, W, max_late, a, O[1][i], O[2][i], -1, -1, -1, best)
            if delta < best:
                best = delta
                best_ka = O[1][i]
                best_pa = O[2][i]
        return best, best_ka, best_pa, best_kb, best_pb
    nb = _options(D, S, b, max_late, O[3], O[4], O[5], False)
    if na == 0 or nb == 0:
        return best, best_ka, best_pa, best_kb, best_pb
    order_b = np.argsort(O[3][:nb])
    floor = O[3][order_b[0]]
    for i in order_a[:PAIR_OPTIONS]:
        if O[0][i] + floor >= best:
            break
        # The pair costs at least the first task's exact cost alone (the second task only adds
        # pushes) plus the second task's own bound: with that, most pairs are never propagated.
        alone = insertion_delta(D, S, W, max_late, a, O[1][i], O[2][i], -1, -1, -1, best - floor)
        if alone == INF:
            continue
        for i2 in order_b[:PAIR_OPTIONS]:
            if alone + O[3][i2] >= best:
                break
            if O[1][i] == O[4][i2]:
                continue  # a double-handed visit needs two different carers
            if blink > 0 and np.random.random() < blink:
                continue
            delta = insertion_delta(D, S, W, max_late, a, O[1][i], O[2][i], b, O[4][i2], O[5][i2], best)
            if delta < best:
                best = delta
                best_ka, best_pa, best_kb, best_pb = O[1][i], O[2][i], O[4][i2], O[5][i2]
    return best, best_ka, best_pa, best_kb, best_pb


@njit(cache=True)
def recreate(D, S, W, O, jobs, count, max_late, blink):  # type: ignore[no-untyped-def]
    """Insert ``jobs[:count]`` in order at their cheapest places; returns the new max tardiness.

    A job whose cheapest insertion costs more than its penalty stays out (optional visits, and
    required ones that fit nowhere, which then carry their prohibitive penalty).
    """
    jpen, jtasks = D[9], D[8]
    for i in range(count):
        j = jobs[i]
        delta, ka, pa, kb, pb = best_insertion(D, S, W, O, max_late, j, blink)
        if ka < 0 or delta >= jpen[j]:
            continue
        max_late = max(max_late, apply_insertion(D, S, W, jtasks[j, 0], ka, pa, jtasks[j, 1], kb, pb))
    return max_late


@njit(cache=True)
def _ruin(D, S, removed, count, kind):  # type: ignore[no-untyped-def]
    """Choose ``count`` assigned jobs to remove; returns how many were chosen."""
    jtasks, neighbours = D[8], D[16]
    routes, rlen, carer, pos = S[0], S[1], S[2], S[3]
    n_jobs = jtasks.shape[0]
    assigned = np.empty(n_jobs, dtype=np.int64)
    n_assigned = 0
    for j in range(n_jobs):
        if carer[jtasks[j, 0]] >= 0:
            assigned[n_assigned] = j
            n_assigned += 1
    if n_assigned == 0:
        return 0
    count = min(count, n_assigned)
    chosen = np.zeros(n_jobs, dtype=np.bool_)
    n = 0
    seed = assigned[np.random.randint(n_assigned)]
    if kind == 0:  # random
        picks = np.random.permutation(n_assigned)[:count]
        for i in picks:
            removed[n] = assigned[i]
            n += 1
        return n
    if kind == 1:  # related (Shaw): near in space and time, randomised rank
        removed[0] = seed
        chosen[seed] = True
        n = 1
        row = neighbours[seed]
        while n < count:
            r = int(row.shape[0] * np.random.random() ** 4)
            j = row[r]
            tries = 0
            while (chosen[j] or carer[jtasks[j, 0]] < 0) and tries < row.shape[0]:
                r = (r + 1) % row.shape[0]
                j = row[r]
                tries += 1
            if tries >= row.shape[0]:
                break
            chosen[j] = True
            removed[n] = j
            n += 1
        return n
    # kind 2: strings (SISR): a run of consecutive visits in the routes of the seed's neighbours
    row = neighbours[seed]
    r = -1
    j = seed
    while n < count and r < row.shape[0]:
        t = jtasks[j, 0]
        k = carer[t]
        if k >= 0 and not chosen[j]:
            length = np.random.randint(1, max(2, min(rlen[k], count - n, 10) + 1))
            first = max(0, min(pos[t] - np.random.randint(0, length), rlen[k] - length))
            for i in range(first, min(first + length, rlen[k])):
                other = _job_of(D, routes[k, i])
                if not chosen[other] and n < count:
                    chosen[other] = True
                    removed[n] = other
                    n += 1
        r += 1
        if r < row.shape[0]:
            j = row[r]
    return n


@njit(cache=True)
def _job_of(D, t):  # type: ignore[no-untyped-def]
    return D[17][t]


@njit(cache=True)
def search(D, cur, best, W, O, iterations, temp_from, temp_to, max_removed, seed, blink):  # type: ignore[no-untyped-def]
    """Ruin and recreate with simulated-annealing acceptance for ``iterations`` steps.

    ``cur`` and ``best`` are states changed in place; returns (current cost, best cost,
    iterations run). Temperatures fall geometrically from ``temp_from`` to ``temp_to``.
    """
    np.random.seed(seed)
    jtasks = D[8]
    n_jobs = jtasks.shape[0]
    schedule(D, cur)
    cur_cost = cost_of(D, terms(D, cur))
    schedule(D, best)
    best_cost = cost_of(D, terms(D, best))
    removed = np.empty(n_jobs, dtype=np.int64)
    keys = np.empty(n_jobs)
    most = max(2, min(max_removed, n_jobs // 3))
    for it in range(iterations):
        temperature = temp_from * (temp_to / temp_from) ** (it / max(1, iterations))
        cand = copy_state(cur)
        count = _ruin(D, cand, removed, np.random.randint(2, most + 1), np.random.randint(3))
        for i in range(count):
            remove_job(D, cand, removed[i])
        if not schedule(D, cand):
            continue
        T = terms(D, cand)
        order = np.random.randint(4)
        for i in range(count):
            j = removed[i]
            t = jtasks[j, 0]
            if order == 0:
                keys[i] = np.random.random()
            elif order == 1:
                keys[i] = D[2][t]
            elif order == 2:
                keys[i] = D[3][t]
            else:
                keys[i] = -(jtasks[j, 1] >= 0) - np.random.random()  # double-handed first: hardest to place
        idx = np.argsort(keys[:count])
        ordered = removed[:count][idx].copy()
        recreate(D, cand, W, O, ordered, count, T[2], blink)
        cand_cost = cost_of(D, terms(D, cand))
        threshold = cur_cost - temperature * np.log(max(np.random.random(), 1e-300))
        if cand_cost < threshold:
            assign_state(cur, cand)
            cur_cost = cand_cost
            if cand_cost < best_cost - 1e-9:
                assign_state(best, cand)
                best_cost = cand_cost
    return cur_cost, best_cost, iterations
