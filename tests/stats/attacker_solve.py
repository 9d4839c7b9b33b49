"""The attacker's solving: how far every small count can move, and which small groups are proven
to hold a case, with scipy's MILP solver over the model of tests/stats/attacker.py.

A count's range is found from real tables (integer points of the system): the truth, then
points from integer programs that push every count not yet shown to move by MIN_RANGE towards
it at once (capped, so no effort is spent beyond what is needed), and finally an exact minimum
and maximum for each count still in doubt. A count narrowed below MIN_RANGE is therefore
narrowed for certain, and one reported safe has two real tables MIN_RANGE apart. With `replay`,
a table is only used if the publishing code, run on it, gives the same answers.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp
from scipy.optimize import Bounds, LinearConstraint, milp

MIN_RANGE = 3
MOST = 10_000


@dataclass
class Figures:
    """What the attack found: small counts, how many of them published as suppressed, those
    narrowed below MIN_RANGE (with their range), those pinned exactly, and small groups proven
    to hold a case."""

    small: int = 0
    suppressed: int = 0
    narrowed: list = field(default_factory=list)
    exact: list = field(default_factory=list)
    existence: list = field(default_factory=list)
    existence_checked: int = 0
    solves: int = 0
    seconds: float = 0.0

    def __str__(self) -> str:
        return (f"{self.small} small counts ({self.suppressed} published as suppressed): "
                f"{len(self.narrowed)} narrowed below {MIN_RANGE + 1} values, "
                f"{len(self.exact)} recovered exactly; {len(self.existence)} of "
                f"{self.existence_checked} small groups proven to hold a case; "
                f"{self.solves} integer programs, {self.seconds:.0f} s")


class Solver:
    """Integer points of lo <= A x <= hi, with x >= low (an insider's known case)."""

    def __init__(self, A: sp.csr_matrix, lo: np.ndarray, hi: np.ndarray, integral: np.ndarray,
                 low: np.ndarray, replay: Callable[[np.ndarray], bool] | None = None) -> None:
        self.A, self.lo, self.hi, self.integral, self.low = A, lo, hi, integral, low
        self.replay = replay
        self.high = self._bounds()
        self.solves = 0

    def _bounds(self) -> np.ndarray:
        """Each variable at most the smallest upper bound of a row that only adds it up."""
        C = sp.csc_matrix(self.A)
        negative = np.asarray((self.A < 0).sum(axis=1)).ravel() > 0
        high = np.full(self.A.shape[1], float(MOST))
        for j in range(self.A.shape[1]):
            rows = C.indices[C.indptr[j]:C.indptr[j + 1]]
            plain = rows[(C.data[C.indptr[j]:C.indptr[j + 1]] > 0) & ~negative[rows]]
            if len(plain):
                high[j] = min(high[j], self.hi[plain].min())
        return np.maximum(high, self.low)

    def solve(self, c: np.ndarray, extra: sp.csr_matrix | None = None, extra_lo=(),
              extra_hi=(), extra_vars: int = 0, extra_bounds=((), ())) -> np.ndarray | None:
        """An optimal point of min c.x (x and extra continuous variables), or None."""
        n = self.A.shape[1]
        A = self.A if not extra_vars else sp.hstack(
            [self.A, sp.csr_matrix((self.A.shape[0], extra_vars))])
        lo, hi = self.lo, self.hi
        if extra is not None:
            A = sp.vstack([A, extra])
            lo, hi = np.r_[lo, extra_lo], np.r_[hi, extra_hi]
        self.solves += 1
        result = milp(c, integrality=np.r_[self.integral, np.zeros(extra_vars)],
                      bounds=Bounds(np.r_[self.low, extra_bounds[0]],
                                    np.r_[self.high, extra_bounds[1]]),
                      constraints=[LinearConstraint(A, lo, hi)], options={"time_limit": 300})
        if result.status != 0:
            return None
        return np.round(result.x[:n]) if not extra_vars else result.x

    def usable(self, x: np.ndarray) -> bool:
        return self.replay is None or self.replay(np.round(x[:self.A.shape[1]]))


def ranges(solver: Solver, targets: np.ndarray, start: np.ndarray, rounds: int = 40
           ) -> tuple[list[tuple[float, float, bool]], list[np.ndarray]]:
    """(low, high, exact) for every target row, over real tables (exact where solved so), and
    the tables found."""
    n = solver.A.shape[1]
    pool = [start]
    values = (targets @ start).reshape(-1, 1)
    stalled = 0
    for it in range(rounds):
        low, high = values.min(axis=1), values.max(axis=1)
        doubt = np.flatnonzero(high - low < MIN_RANGE)
        if not len(doubt) or stalled >= 2:
            break
        up = it % 2 == 0
        goal = low[doubt] + MIN_RANGE if up else high[doubt] - MIN_RANGE
        x = _capped(solver, sp.csr_matrix(targets[doubt]), goal, up)
        if x is None or not solver.usable(x):
            stalled += 1
            continue
        values = np.c_[values, targets @ x[:n]]
        pool.append(x[:n])
        after = int(((values.max(axis=1) - values.min(axis=1)) < MIN_RANGE).sum())
        stalled = stalled + 1 if after >= len(doubt) else 0
    out = []
    low, high = values.min(axis=1), values.max(axis=1)
    for i, t in enumerate(targets):
        if high[i] - low[i] >= MIN_RANGE:
            out.append((low[i], high[i], False))
            continue
        top, bottom = solver.solve(-t), solver.solve(t)
        pool += [top, bottom]
        out.append((float(t @ bottom), float(t @ top), True))
    return out, pool


def _capped(solver: Solver, T: sp.csr_matrix, goal: np.ndarray, up: bool):
    """A table moving every target towards its goal at once: maximise sum(min(t.x, goal)) (or
    minimise sum(max(t.x, goal)))."""
    k, n = T.shape[0], solver.A.shape[1]
    link = sp.hstack([-T, sp.identity(k)]).tocsr()
    if up:
        return solver.solve(np.r_[np.zeros(n), -np.ones(k)], link, np.full(k, -np.inf),
                            np.zeros(k), k, (np.full(k, -MOST), goal))
    return solver.solve(np.r_[np.zeros(n), np.ones(k)], link, np.zeros(k), np.full(k, np.inf),
                        k, (goal, np.full(k, MOST)))


def proven_present(solver: Solver, rows: sp.csr_matrix, owner: np.ndarray,
                   pool: Sequence[np.ndarray], rounds: int = 20) -> list[int]:
    """Which groups hold a case in every table. A group of a small unit's value v and crossed
    cells X holds, in quarter q, at least max(0, v_q + X_q - N_q) cases (N_q: the quarter's
    cases); rows holds one such row per group and quarter, owner the group of each row."""
    n = solver.A.shape[1]
    groups = int(owner.max()) + 1 if len(owner) else 0
    least = np.full(groups, np.inf)

    def seen(x: np.ndarray) -> None:
        least[:] = np.minimum(least, np.bincount(owner, np.maximum(0, rows @ x[:n]),
                                                 minlength=groups))

    for x in pool:
        seen(x)
    for _ in range(rounds):  # one table emptying as many of the doubtful groups as it can
        doubt = np.flatnonzero(least >= 0.5)
        if not len(doubt):
            break
        before = len(doubt)
        x = _emptying(solver, rows[np.isin(owner, doubt)])
        if x is None:
            break
        seen(x)
        if int((least >= 0.5).sum()) >= before:
            break
    proven = []
    for g in np.flatnonzero(least >= 0.5):
        x = _emptying(solver, rows[owner == g])
        if x is None or np.maximum(0, rows[owner == g] @ x[:n]).sum() >= 0.5:
            proven.append(int(g))
    return proven


def _emptying(solver: Solver, rows: sp.csr_matrix):
    """A table with as few cases as possible in the groups of rows: minimise sum(z), z >= r.x,
    z >= 0."""
    k, n = rows.shape[0], solver.A.shape[1]
    link = sp.hstack([-rows, sp.identity(k)]).tocsr()
    return solver.solve(np.r_[np.zeros(n), np.ones(k)], link, np.zeros(k), np.full(k, np.inf),
                        k, (np.zeros(k), np.full(k, MOST)))


def timed() -> Callable[[], float]:
    start = time.perf_counter()
    return lambda: time.perf_counter() - start
