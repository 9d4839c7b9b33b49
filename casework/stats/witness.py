"""Witness tables: other tables that agree with every published number, found by moving cases.

A count keeps its doubt when two witness tables differ in it by MIN_RANGE. Starting from the
true table, a walk moves the count up (or down) one case at a time, each move keeping every
published number true (every class at least 0, or 1 where an insider knows a case). Moves come
in families, cheapest first: change one class of the count; move a case between a class of the
count and a class one value apart outside it; swap two cases across a rectangle of two axes,
which keeps every sum over either axis. When none fits, a bounded depth-first search changes a
class of the count and repairs each published number that breaks by moving a case in or out
of a neighbouring class. Every walk ends at a real table, so an attacker's range is at least the
walks' reach; the search may miss wider ranges, never invent them.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from itertools import combinations

from casework.stats.disclosure import MIN_RANGE

FAMILIES = (0, 1, 2)
#: A move that leaves this much room in every count it touches is taken without looking further.
GOOD_SLACK = 1
#: The repair search: (cases moved at most, branches tried, nodes visited); the audit tries the
#: quick one first and the deep one for a count the quick one leaves in too little doubt.
QUICK, DEEP = (6, 3, 300), (8, 4, 2000)
Move = tuple[tuple[int, int], ...]
Bounds = tuple[int, int] | None


class OutOfTime(Exception):
    """The search ran past its deadline: the audit refuses rather than guess (fail closed)."""


@dataclass
class Walk:
    """A witness: changes to classes that keep every published number true, and per count."""

    sign: int
    classes: dict[int, int] = field(default_factory=dict)
    counts: dict[int, int] = field(default_factory=dict)

    def apply(self, move: Move, published: list[list[int]]) -> None:
        for c, d in move:
            self.classes[c] = self.classes.get(c, 0) + d
            for q in published[c]:
                self.counts[q] = self.counts.get(q, 0) + d


class Search:
    """Classes (a value on every axis), counts over them with what is published about each
    (bounds; None if nothing), and the search for witnesses.

    Classes known to be empty are left out: `dead(prefix)` says so of a key's first values
    (a published 0 over them), and the classes are built axis by axis, so a dead prefix costs
    nothing further. No witness could move a case into such a class anyway: it would break the
    published 0."""

    def __init__(self, axes: list[Sequence],
                 dead: Callable[[tuple], bool] | None = None,
                 deadline: float | None = None) -> None:
        self.axes = axes
        self.deadline = deadline
        keys: list[tuple] = [()]
        for axis in axes:
            keys = [(*k, v) for k in keys for v in axis if dead is None or not dead((*k, v))]
        self.classes = keys
        self.class_id = {key: c for c, key in enumerate(self.classes)}
        self.truth = [0] * len(self.classes)
        self.near: dict[int, list[int]] = {}
        self.lines: dict[int, list[dict[object, int]]] = {}

    def index(self, class_counts: list[list[int]], n_counts: int, bounds: list[Bounds]) -> None:
        """Record which counts each class is in, once truth and published bounds are known."""
        self.members: list[list[int]] = [[] for _ in range(n_counts)]
        for c, counts in enumerate(class_counts):
            for q in counts:
                self.members[q].append(c)
        self.inside = [frozenset(m) for m in self.members]
        self.exact = [sum(self.truth[c] for c in m) for m in self.members]
        self.bounds = bounds
        # Per class, the counts anything is published about: the only ones a move can break.
        self.published = [[q for q in counts if bounds[q] is not None] for counts in class_counts]

    def reach(self, q: int, walks: list[Walk]) -> int:
        """How far apart the witnesses put count q: the up walk's rise plus the down walk's fall."""
        return sum(self.moved(q, w) for w in walks)

    def walks(self, q: int, frozen: frozenset[int], search: tuple[int, int, int] = QUICK,
               given: Sequence[Walk] = (), need: int = MIN_RANGE,
               signs: tuple[int, ...] = (1, -1)) -> list[Walk]:
        """Greedy witnesses that move count q up, then down, by need between them, each no
        further than what is published about q itself allows; a given witness is kept if it
        leaves the insider's class (frozen) a case."""
        bounds = self.bounds[q] or (0, self.exact[q] + need)
        walks: list[Walk] = []
        for sign, room in ((1, bounds[1] - self.exact[q]), (-1, self.exact[q] - bounds[0])):
            if sign not in signs:
                continue
            kept = [w for w in given if w.sign == sign
                    and all(self.value(c, w) > 0 for c in frozen if self.truth[c] > 0)]
            if kept:
                walks.append(kept[0])
                continue
            walk = Walk(sign)
            while self.reach(q, [*walks, walk]) < need and self.moved(q, walk) < room:
                move = self.best_move(q, walk, frozen, search)
                if move is None:
                    break
                walk.apply(move, self.published)
            walks.append(walk)
        return walks

    def moved(self, q: int, walk: Walk) -> int:
        return walk.sign * sum(d for c, d in walk.classes.items() if c in self.inside[q])

    def moves(self, q: int, walk: Walk, family: int) -> Iterator[Move]:
        """Moves that change count q by one, family by family: change one of its classes (0);
        move a case between it and a class one value apart outside q (1); or swap two cases
        across a rectangle of two axes, which keeps every sum over either axis (2). Moves that
        would take a case from an empty class are not offered."""
        sign, inside = walk.sign, self.inside[q]
        for c in self.members[q]:
            if sign < 0 and self.value(c, walk) <= 0:
                continue
            if family == 0:
                yield ((c, sign),)
            elif family == 1:
                for n in self.neighbours(c):
                    if n not in inside and (sign < 0 or self.value(n, walk) > 0):
                        yield ((c, sign), (n, -sign))
            else:
                yield from self.rectangles(c, walk, inside)

    def rectangles(self, c: int, walk: Walk, inside: frozenset[int]) -> Iterator[Move]:
        sign = walk.sign
        along = self.along(c)
        for a, b in combinations(range(len(self.axes)), 2):
            for ca in along[a].values():
                if sign > 0 and self.value(ca, walk) <= 0:
                    continue
                across = self.along(ca)[b]
                for y, cb in along[b].items():
                    ce = across.get(y)
                    if ce is None or self.value(cb if sign > 0 else ce, walk) <= 0:
                        continue
                    move = ((c, sign), (ca, -sign), (cb, -sign), (ce, sign))
                    if sign * sum(d for n, d in move if n in inside) > 0:
                        yield move

    def value(self, c: int, walk: Walk) -> int:
        return self.truth[c] + walk.classes.get(c, 0)

    def along(self, c: int) -> list[dict[object, int]]:
        """Per axis, the classes one value apart from c on that axis, by that value (classes
        known to be empty are not there)."""
        if c not in self.lines:
            key = self.classes[c]
            self.lines[c] = [
                {value: n for value in values if value != key[axis]
                 and (n := self.class_id.get((*key[:axis], value, *key[axis + 1:]))) is not None}
                for axis, values in enumerate(self.axes)]
        return self.lines[c]

    def neighbours(self, c: int) -> list[int]:
        """Classes one value apart from c on one axis (a quarter, or one dimension's value)."""
        if c not in self.near:
            self.near[c] = [n for line in self.along(c) for n in line.values()]
        return self.near[c]

    def test(self, move: Move, walk: Walk,
             frozen: frozenset[int]) -> tuple[list[int], int] | None:
        """The counts a move would make contradict what is published, and its least slack;
        None if it would empty a class below zero (or below the insider's one case)."""
        change: dict[int, int] = {}
        taken, truth, published = walk.classes, self.truth, self.published
        for c, d in move:
            if truth[c] + taken.get(c, 0) + d < (1 if c in frozen else 0):
                return None
            for r in published[c]:
                change[r] = change.get(r, 0) + d
        broken, slack = [], MIN_RANGE * 10
        moved, exact, all_bounds = walk.counts, self.exact, self.bounds
        for r, d in change.items():
            bounds = all_bounds[r]
            if d == 0 or bounds is None:
                continue
            value = exact[r] + moved.get(r, 0) + d
            room = value - bounds[0] if d < 0 else bounds[1] - value
            if value < bounds[0] or value > bounds[1]:
                broken.append(r)
            elif room < slack:
                slack = room
        return broken, slack

    def best_move(self, q: int, walk: Walk, frozen: frozenset[int],
                  search: tuple[int, int, int]) -> Move | None:
        """The move that keeps every published count true, preferring one that empties no class
        (so it holds for any insider too) and leaves room in the counts it touches."""
        if self.deadline is not None and time.monotonic() > self.deadline:
            raise OutOfTime("the statistics audit ran out of time")
        for family in FAMILIES:
            best, best_score = None, (-1, -1)
            for move in self.moves(q, walk, family):
                result = self.test(move, walk, frozen)
                if result is None or result[0]:
                    continue
                score = (not self.empties(move, walk), result[1])
                if score > best_score:
                    best, best_score = move, score
                    if score >= (True, GOOD_SLACK):
                        break
            if best is not None:
                return best
        return self.repaired(q, walk, frozen, search)

    def empties(self, move: Move, walk: Walk) -> bool:
        return any(d < 0 and self.truth[c] > 0 and self.value(c, walk) + d == 0 for c, d in move)

    def repaired(self, q: int, walk: Walk, frozen: frozenset[int],
                 search: tuple[int, int, int]) -> Move | None:
        """A move found by search: change a class of count q by sign, then repair each count
        that breaks by moving a case in or out of a class outside q (depth-first, bounded)."""
        budget = [search[2]]
        for c in self.members[q]:
            if self.value(c, walk) + walk.sign < (1 if c in frozen else 0):
                continue
            change = dict.fromkeys(self.published[c], walk.sign)
            found = self.repair(q, {c: walk.sign}, change, walk, frozen, search, budget)
            if found or budget[0] <= 0:
                return found
        return None

    def repair(self, q: int, move: dict[int, int], change: dict[int, int], walk: Walk,
               frozen: frozenset[int], search: tuple[int, int, int],
               budget: list[int]) -> Move | None:
        """Depth-first repair of the first count the move breaks; change is the move's effect
        on the published counts."""
        budget[0] -= 1
        if self.deadline is not None and time.monotonic() > self.deadline:
            raise OutOfTime("the statistics audit ran out of time")
        broken = [r for r, d in change.items() if not self.holds(r, walk, d)]
        if not broken:
            return tuple(move.items())
        if len(move) > search[0] or budget[0] <= 0:
            return None
        first = broken[0]
        fix = -1 if self.exact[first] + walk.counts.get(first, 0) + change[first] > \
            self.bounds[first][1] else 1
        options = []
        for c in {n for m in move for n in self.neighbours(m)} & self.inside[first]:
            if c in self.inside[q] or c in move or \
                    self.value(c, walk) + fix < (1 if c in frozen else 0):
                continue
            worse = sum(self.holds(r, walk, change.get(r, 0))
                        - self.holds(r, walk, change.get(r, 0) + fix) for r in self.published[c])
            options.append((worse, c))
        for _, c in sorted(options)[:search[1]]:
            after = dict(change)
            for r in self.published[c]:
                after[r] = after.get(r, 0) + fix
            found = self.repair(q, {**move, c: fix}, after, walk, frozen, search, budget)
            if found or budget[0] <= 0:
                return found
        return None

    def holds(self, r: int, walk: Walk, d: int) -> bool:
        """Whether published count r stays true if the walk's table changes it by d more."""
        bounds = self.bounds[r]
        return bounds is None or bounds[0] <= self.exact[r] + walk.counts.get(r, 0) + d <= bounds[1]

    def contradicted(self, walks: list[Walk]) -> frozenset[int]:
        """The counts whose published bounds the witnesses' tables break."""
        return frozenset(r for w in walks for r, d in w.counts.items()
                         if d and self.bounds[r] is not None
                         and not self.bounds[r][0] <= self.exact[r] + d <= self.bounds[r][1])

