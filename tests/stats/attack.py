"""The whole attack: read every answer, build the model, find every small count's range and
every small group proven to hold a case, for an outsider or an insider who knows one case."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import numpy as np
import scipy.sparse as sp

from casework.stats.periods import parse_period
from tests.stats.attacker import Model, all_keys, measure_rows, read
from tests.stats.attacker_solve import MIN_RANGE, Figures, Solver, proven_present, ranges, timed


def attack(bodies: Sequence[Mapping], records: Sequence[Mapping],
           domains: Mapping[str, Sequence[str]], feasible: Mapping, fiscal: int,
           clocks_per_case: Mapping[str, int] | None = None, insider: Mapping | None = None,
           replay: Callable[[np.ndarray], bool] | None = None) -> Figures:
    clock = timed()
    published = read(bodies, fiscal)
    model = Model(published, domains, feasible, clocks_per_case)
    truth = model.point(records)
    found = model.A @ truth
    assert np.all(found >= model.lo - 1e-9) and np.all(found <= model.hi + 1e-9), \
        "the published numbers contradict the truth: the attacker's model is wrong"
    low = np.zeros(model.size)
    if insider is not None:
        low[model.known(insider)] = 1
    integral = np.ones(model.size)
    solver = Solver(model.A, model.lo, model.hi, integral, low, replay)
    threshold = published.threshold
    labels, vectors, suppressed = _targets(model, bodies, published, truth, threshold, fiscal)
    figures = Figures(small=len(vectors), suppressed=sum(suppressed))
    pool = [truth]
    if vectors:
        found_ranges, pool = ranges(solver, np.array(vectors), truth)
        for label, (lo, hi, _) in zip(labels, found_ranges, strict=True):
            if hi - lo < MIN_RANGE:
                figures.narrowed.append((label, int(lo), int(hi)))
            if hi == lo:
                figures.exact.append((label, int(lo)))
    rows, owner, group_labels = _groups(model, bodies, published, records, threshold, fiscal,
                                        insider)
    figures.existence_checked = len(group_labels)
    if group_labels:
        for i in proven_present(solver, rows, owner, pool):
            figures.existence.append(group_labels[i])
    figures.solves, figures.seconds = solver.solves, clock()
    return figures


def _targets(model, bodies, published, truth, threshold, fiscal):
    """Every row of every table, published or not, whose true count is small; once each."""
    seen, labels, vectors, suppressed = set(), [], [], []
    shown = {(r.period.key, r.key): r.suppressed for r in published.rows}
    for body in bodies:
        dims = list(body["by"])
        period = parse_period(body["period"], fiscal)
        keys = [tuple((d, v) for d, v in zip(dims, key, strict=True) if v is not None)
                for key in all_keys(dims, model.domains)]
        keys += [tuple(sorted((d, r[d]) for d in r if d not in ("count", "suppressed")))
                 for r in measure_rows(body)] if body.get("method") == "cell key" else []
        for key in keys:
            key = tuple(sorted(key))
            v = np.asarray(model.row_vector(period, key).todense()).ravel()
            if not 1 <= v @ truth < threshold or v.tobytes() in seen:
                continue
            seen.add(v.tobytes())
            labels.append((period.key, dict(key)))
            vectors.append(v)
            suppressed.append(bool(shown.get((period.key, key))))
    return labels, vectors, suppressed


def _groups(model, bodies, published, records, threshold, fiscal, insider=None):
    """Small groups of a small unit (department, queue), alone and crossed with the values of
    every row published for the same period, once each (but those holding the insider's own
    case: they know it is there): per quarter of the period, a row v_q + X_q - N_q (see
    attacker_solve.proven_present)."""
    crossed_keys: dict[str, set] = {}
    for r in published.rows:
        if all(d in model.crossed for d, _ in r.key):
            crossed_keys.setdefault(r.period.key, set()).add(r.key)
    quarter_rows = [sp.csr_matrix((model.quarter_of == q).astype(float)) for q in
                    range(len(model.quarters))]
    blocks, owner, labels, seen = [], [], [], set()
    for body in bodies:
        dims = list(body["by"])
        if len(dims) != 1 or dims[0] not in model.alone:
            continue
        d = dims[0]
        period = parse_period(body["period"], fiscal)
        qs = [i for i, q in enumerate(model.quarters) if period.covers(q)]
        for v in model.domains[d]:
            for key in [(), *sorted(crossed_keys.get(period.key, ()))]:
                label = (period.key, tuple(sorted({d: v, **dict(key)}.items())))
                true = sum(1 for rec in records if rec[d] == v and _in(model, rec, qs)
                           and all(rec[k] == x for k, x in key))
                mine = insider is not None and insider[d] == v and _in(model, insider, qs) \
                    and all(insider[k] == x for k, x in key)
                if label in seen or mine or not 1 <= true < threshold:
                    continue
                seen.add(label)
                for q in qs:
                    mine = sp.csr_matrix(([1.0], ([0], [model.alone_index[d, q, v]])),
                                         shape=(1, model.size))
                    cells = model.mask(model.quarters[q], key) if key else \
                        (model.quarter_of == q)
                    spread = sp.hstack([sp.csr_matrix(cells.astype(float)),
                                        sp.csr_matrix((1, model.size - len(model.cells)))])
                    total = sp.hstack([quarter_rows[q],
                                       sp.csr_matrix((1, model.size - len(model.cells)))])
                    blocks.append(mine + spread - total)
                    owner.append(len(labels))
                labels.append((period.key, dict(label[1])))
    rows = sp.vstack(blocks).tocsr() if blocks else sp.csr_matrix((0, model.size))
    return rows, np.array(owner, dtype=int), labels


def _in(model, rec, qs) -> bool:
    q = model._quarter(rec["quarter"])
    return q is not None and q in qs
