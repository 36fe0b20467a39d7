"""The ways a printed row's numbers can be spread over its columns.

Most rows print one number a column and there is one way.  The rest need choosing:
digits run together by a scraper ("640020470" for seven columns), or fewer numbers than
columns because blanks were lost.  These functions list the possibilities; the reconciler
keeps the ones the identities allow.
"""
from __future__ import annotations

from collections.abc import Sequence
from itertools import combinations
from math import comb

# A row-local identity: the part at ``total`` equals the sum of the parts at ``members``.
RowConstraint = tuple[int, tuple[int, ...]]

MAX_SPLITS = 20_000


def digit_splits(tokens: list[str | int], n: int, constraints: Sequence[RowConstraint] = (),
                 limit: int = MAX_SPLITS) -> list[list[int]] | None:
    """Every way to read ``tokens`` as ``n`` integers.

    A token is either a run of digits that may hold several numbers (str, perhaps signed: the
    sign belongs to its first number) or one number already read (int).  A part cut from a
    run never has a leading zero (scrapers drop separators, not zeros).  Row constraints are
    checked as soon as their cells are filled.
    Returns None when there are more than ``limit`` ways.
    """
    checks: dict[int, list[RowConstraint]] = {}  # last index a constraint needs → constraints
    for total, members in constraints:
        checks.setdefault(max((total, *members)), []).append((total, members))
    # most[i]: how many parts tokens[i:] can make at most (each run one part per digit).
    most = [0] * (len(tokens) + 1)
    for i in range(len(tokens) - 1, -1, -1):
        most[i] = most[i + 1] + (len(token.lstrip("+-")) if isinstance(token := tokens[i], str) else 1)
    out: list[list[int]] = []

    def fits(parts: list[int], least: int, at_most: int) -> bool:
        left = n - len(parts)
        return least <= left <= at_most and all(
            parts[t] == sum(parts[m] for m in members) for t, members in checks.get(len(parts) - 1, ()))

    def visit(i: int, rest: str, parts: list[int], sign: int = 1) -> None:
        if len(out) > limit:
            return
        if not rest:
            if i == len(tokens):
                if len(parts) == n:
                    out.append(list(parts))
                return
            token = tokens[i]
            if isinstance(token, int):
                parts.append(token)
                if fits(parts, len(tokens) - i - 1, most[i + 1]):
                    visit(i + 1, "", parts)
                parts.pop()
                return
            visit(i + 1, token.lstrip("+-"), parts, -1 if token.startswith("-") else 1)
            return
        for length in range(1, len(rest) + 1):
            piece, remainder = rest[:length], rest[length:]
            if len(piece) > 1 and piece[0] == "0":
                break
            parts.append(sign * int(piece))
            least = len(tokens) - i + (1 if remainder else 0)
            if fits(parts, least, most[i] + len(remainder)):
                visit(i, remainder, parts)
            parts.pop()

    visit(0, "", [])
    return None if len(out) > limit else out


def placements(k: int, n: int, limit: int = MAX_SPLITS) -> list[tuple[int, ...]] | None:
    """The column positions ``k`` printed numbers could take among ``n`` columns, order kept."""
    if k > n or comb(n, k) > limit:
        return None
    return list(combinations(range(n), k))
