"""The cell key method: a count is moved by a small amount that depends only on which cases it
counts, so the same cases always give the same published number.

Each case gets a record key when it is lodged: a random whole number, kept on the case
(`cases.stats_key`) and never shown. A table's count adds up the record keys of the cases it
counts in the same GROUP BY that counts them; the cell key is an HMAC of that sum under a key
derived from the keyring (outside the database), read as a number from 0 to 1. The cell key picks
the perturbation from a fixed table (`PTABLE`): mostly 0 or 1 either way, at most
`NOISE_LIMIT`. Asking again, in another table or another period that happens to count the same
cases, gives the same perturbation, so repeating or rephrasing a question averages nothing
away; a difference of two overlapping counts carries both their perturbations, so differencing
yields noise, not a small count. Without the keyring's key the perturbations cannot be worked
out, even from the database.

After the perturbation the usual rules apply on top (casework.stats.disclosure): 1 to
threshold-1 suppressed, others rounded. This is the method of the Australian Bureau of
Statistics' TableBuilder and of the Office for National Statistics for the 2021 Census.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import secrets
from bisect import bisect_right

#: Record keys are whole numbers below this; sums over a million cases stay within 64 bits.
RECORD_KEY_LIMIT = 2**31
#: No count moves by more than this (what an attacker who knows the method must allow for).
#: Measured against the full-knowledge attacker (docs/STATISTICS.md): at 6 about one
#: organisation in twelve had a small count fenced in when a total's perturbation fell near
#: the top; at 10 none in forty, while nearly every count still moves by 0, 1 or 2.
NOISE_LIMIT = 10
#: The limit for tables by a small unit (department, queue): a unit's count beside the
#: quarter's total and a large group can otherwise prove, by counting, that the unit holds a
#: case of that group (the unit's cases and the group's cannot all fit apart).
UNIT_NOISE_LIMIT = 20
#: How far counts usually move: a discrete normal of this spread, cut at NOISE_LIMIT.
SPREAD = 1.5
#: The purpose the cell key's secret is derived for (casework.crypto.keys.Keyring.derive).
PURPOSE = "statistics cell key"

def _ptable(limit: int, spread: float) -> tuple[tuple[float, ...], tuple[int, ...]]:
    moves = tuple(range(-limit, limit + 1))
    weights = [math.exp(-(m * m) / (2 * spread * spread)) for m in moves]
    total, running, cumulative = sum(weights), 0.0, []
    for w in weights[:-1]:
        running += w / total
        cumulative.append(running)
    return tuple(cumulative), moves


#: How far a small unit's counts usually move: wider, so that its limit is a real possibility
#: (with SPREAD a move of 20 would be less likely than one in 10^16, never drawn in practice).
UNIT_SPREAD = 3.0
#: Cumulative probabilities and the perturbations they select, per noise limit.
PTABLES = {NOISE_LIMIT: _ptable(NOISE_LIMIT, SPREAD),
           UNIT_NOISE_LIMIT: _ptable(UNIT_NOISE_LIMIT, UNIT_SPREAD)}
PTABLE = PTABLES[NOISE_LIMIT]


def record_key() -> int:
    """A new case's record key."""
    return secrets.randbelow(RECORD_KEY_LIMIT)


def cell_key(secret: bytes, key_sum: int) -> float:
    """The cell key of the cases whose record keys add up to key_sum: uniform in [0, 1)."""
    digest = hmac.new(secret, (key_sum % 2**64).to_bytes(8, "big"), hashlib.sha256).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def perturbation(key: float, limit: int = NOISE_LIMIT) -> int:
    """The amount a count with this cell key is moved by (-limit to limit)."""
    cumulative, moves = PTABLES[limit]
    return moves[bisect_right(cumulative, key)]


def probability(move: int, limit: int = NOISE_LIMIT) -> float:
    """How often a count is moved by exactly this much (for the documentation and tests)."""
    cumulative, moves = PTABLES[limit]
    if move not in moves:
        return 0.0
    i = moves.index(move)
    upper = cumulative[i] if i < len(cumulative) else 1.0
    lower = cumulative[i - 1] if i > 0 else 0.0
    return upper - lower
