"""What two students' code has in common, and how much it says: the class's fingerprint index, the fragments two
students share, and a pair's score weighted by each match's length and rarity in the class (MOSS's `-m` and Dolos's
pair score, made gradual; the design is in README, "Code similarity").

Index: each student's own fingerprints (the cells they changed or added, the starter code's k-grams removed);
df(h) = how many students hold fingerprint h. Two students are compared when they share a fingerprint at most COMMON
students hold (MOSS's `-m`): at most COMMON² pairs per fingerprint, so the work grows with the class, not its square.

Fragments: shared fingerprints (df ≤ COMMON) chained along diagonals, as Dolos builds them: same cell on each side,
same offset between the two positions, consecutive k-grams overlapping or touching. A fragment never spans two cells.
A part is what two cells share, however an edit split it into fragments: its length L (normalized characters) and its
holders H (the students whose code holds all of it, the pair at least). Two answers to different questions share
generic pieces (`-torch.log(V[torch.arange(len(V)),V])` in q3 and q4): such a part counts only when it is L_FULL
long, or when one side stands after the last check (where pasted answers land).

Weight of a part = max(min(1, L / L_FULL) · rarity(|H|), min(1, L / L_LINE) · corroboration), rarity(n) = 1/(n − 1):
- on its own, a part counts in full when only these two students hold it and it is three lines or more; a part that
  n students hold counts 1/(n − 1) (any of the others could be where it came from); a one-line part counts in
  proportion to its length (what any two students may write alike);
- corroborated: when the pair's other parts (cells copied nearly whole, the rarest one set aside) are held by few
  students, make L_FULL characters, and are more than chance would give some pair of this class (in a class of
  1,000 some pair shares any three common answers; none shares six), this part belongs to the same copy however
  short or common it is: a whole-notebook copy of one-line answers is still a copy, one coincidence is not.

Score of a pair = (Σ_a w + Σ_b w) / (size_a + size_b), over the normalized characters of each side: Dolos's share of
both students' code found in the other, each matched character weighted by its part (a character in two parts counts
its larger weight once). size = the normalized characters of the student's own code that fingerprints cover, at least
MIN_SIZE (two nearly blank notebooks sharing a line are not alike).

Against a reference (lmcore's source, the solution), only what an independent correct answer would not produce counts
(see reference()); the score is the share of the student's cells holding it that it covers.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Container
from dataclasses import dataclass, field

import numpy as np

from autograder.grade.fingerprints import K, fingerprint

COMMON = 10  # a fingerprint more than this many students hold is common code: it neither pairs nor counts
L_FULL = 120  # normalized characters (about three lines) for a match to count in full on its own
L_LINE = 40  # normalized characters (about a line) for a corroborated match to count in full
L_REF = 100  # the shortest fragment of a reference that counts (natural answers here are a line or two)
REF_HOLDERS = 2  # a reference's piece that more students write is how the class writes it, not a copy
DROP = 1  # shared parts set aside before what remains can corroborate another
WHOLE = 0.6  # a part covering this share of both cells' own code is a cell copied whole (it can corroborate)
MIN_SIZE = 150  # a side's size is at least this, so a few shared characters of a near-blank notebook stay small
TAIL = "after the last check"  # the region of the cells after a notebook's last check (similarity.TAIL)
BANDS, ROWS = 16, 4  # MinHash bands for pairs alike as a whole (Index.alike)
_NOBODY: frozenset[int] = frozenset()
MAX_OCC = 4  # occurrences of one fingerprint per side that seed fragments (repetitive code cannot blow up the work)


@dataclass
class Answer:
    """One student's own code (or one reference): its cells, the region each stands in, its kept fingerprints."""

    name: str
    cells: list[str]
    regions: list[str]  # the question each cell answers (or where it stands)
    hashes: np.ndarray  # int64: kept fingerprints of every cell, cell after cell
    cell: np.ndarray  # int32: the cell each fingerprint is in
    pos: np.ndarray  # int32: its position in that cell's normalized text
    lengths: list[int]  # each cell's normalized length
    sizes: list[int]  # each cell's normalized characters that its kept fingerprints cover

    @property
    def size(self) -> int:
        return sum(self.sizes)

    @classmethod
    def of(cls, name: str, cells: list[tuple[str, str]], boilerplate: Container[int]) -> Answer:
        """cells: (region, code); fingerprints in `boilerplate` (the starter code's) are left out."""
        hs: list[int] = []
        cs: list[int] = []
        ps: list[int] = []
        lengths, sizes = [], []
        for i, (_, code) in enumerate(cells):
            doc = fingerprint(code)
            kept = [(h, p) for h, p in zip(doc.hashes, doc.positions, strict=True) if h not in boilerplate]
            hs += [h for h, _ in kept]
            ps += [p for _, p in kept]
            cs += [i] * len(kept)
            lengths.append(doc.length)
            sizes.append(doc.covered([p for _, p in kept]))
        return cls(name, [c for _, c in cells], [r for r, _ in cells], np.array(hs, dtype=np.int64),
                   np.array(cs, dtype=np.int32), np.array(ps, dtype=np.int32), lengths, sizes)


@dataclass
class Fragment:
    a_cell: int
    b_cell: int
    a: tuple[int, int]  # normalized [start, end) in a's cell
    b: tuple[int, int]
    holders: frozenset[int]  # the students whose code holds all of it (the pair at least); emptied once weighed
    weight: float
    typical: int = 0  # the median number of students holding each of its fingerprints
    held: int = 0  # how many students held it


@dataclass
class Pair:
    a: Answer
    b: Answer  # another student, or a reference (name "reference:...")
    score: float
    share_a: float  # weighted share of a's code found in b
    share_b: float
    fragments: list[Fragment] = field(default_factory=list)

    @property
    def reference(self) -> bool:
        return self.b.name.startswith("reference:")

    def evidence(self) -> list[tuple[str, str, int, float]]:
        """(a's region, b's region, matched characters, weighted characters) per pair of regions, most first."""
        out: dict[tuple[str, str], list[float]] = defaultdict(lambda: [0, 0.0])
        for f in self.fragments:
            key = (self.a.regions[f.a_cell], self.b.regions[f.b_cell])
            out[key][0] += f.a[1] - f.a[0]
            out[key][1] += (f.a[1] - f.a[0]) * f.weight
        return sorted(((ra, rb, int(n), w) for (ra, rb), (n, w) in out.items()), key=lambda e: -e[3])


class Index:
    """Fingerprint → the students holding it, as sorted arrays (a class of 1,000 costs a few MB)."""

    def __init__(self, answers: list[Answer]) -> None:
        own = [np.unique(a.hashes) for a in answers]
        hashes = np.concatenate(own) if own else np.zeros(0, dtype=np.int64)
        students = np.repeat(np.arange(len(own), dtype=np.int32), [len(h) for h in own])
        order = np.argsort(hashes, kind="stable")
        self.students = students[order]
        self.uniq, self.start, self.count = np.unique(hashes[order], return_index=True, return_counts=True)
        self.n = len(answers)

    def df(self, hashes: np.ndarray) -> np.ndarray:
        """How many students hold each hash (0 for a hash no student holds)."""
        i = np.clip(np.searchsorted(self.uniq, hashes), 0, max(len(self.uniq) - 1, 0))
        found = (self.uniq[i] == hashes) if len(self.uniq) else np.zeros(len(hashes), dtype=bool)
        return np.where(found, self.count[i] if len(self.uniq) else 0, 0)

    def holders(self, h: int) -> np.ndarray:
        i = int(np.searchsorted(self.uniq, h))
        if i >= len(self.uniq) or self.uniq[i] != h:
            return np.zeros(0, dtype=np.int32)
        return self.students[self.start[i]:self.start[i] + self.count[i]]

    def alike(self, answers: list[Answer]) -> set[tuple[int, int]]:
        """Pairs of students whose fingerprint sets are alike as a whole (Jaccard ≳ 0.5), however common each
        fingerprint is: MinHash, BANDS bands of ROWS rows (a pair with Jaccard J is found with probability
        1 − (1 − J^ROWS)^BANDS: 0.64 at 0.5, 0.98 at 0.7). A band value more than COMMON students share is a common
        notebook, not a pair."""
        salts = np.random.default_rng(19).integers(1, 2**63 - 1, size=(2, BANDS * ROWS), dtype=np.int64)
        rows = []
        for i, a in enumerate(answers):
            own = np.unique(a.hashes).astype(np.uint64)
            if len(own) < ROWS:
                continue
            with np.errstate(over="ignore"):
                mins = (own[:, None] * salts[0].astype(np.uint64) + salts[1].astype(np.uint64)).min(axis=0)
            rows.append((i, mins.reshape(BANDS, ROWS)))
        pairs: set[tuple[int, int]] = set()
        for band in range(BANDS):
            buckets: dict[bytes, list[int]] = defaultdict(list)
            for i, mins in rows:
                buckets[mins[band].tobytes()].append(i)
            for held in buckets.values():
                if 2 <= len(held) <= COMMON:
                    pairs.update((held[x], held[y]) for x in range(len(held)) for y in range(x + 1, len(held)))
        return pairs

    def candidates(self) -> set[tuple[int, int]]:
        """Pairs of students sharing a fingerprint that 2..COMMON students hold."""
        pairs: set[tuple[int, int]] = set()
        two = np.flatnonzero(self.count == 2)
        s = self.students
        pairs.update(zip(s[self.start[two]].tolist(), s[self.start[two] + 1].tolist(), strict=True))
        for i in np.flatnonzero((self.count > 2) & (self.count <= COMMON)).tolist():
            held = s[self.start[i]:self.start[i] + self.count[i]].tolist()
            pairs.update((held[x], held[y]) for x in range(len(held)) for y in range(x + 1, len(held)))
        return pairs


def fragments(a: Answer, b: Answer, index: Index, shared: np.ndarray) -> list[Fragment]:
    """Fragments of a and b made of the fingerprints in `shared`, each with its holders and weight (weight set by
    the caller's rule: see pair() and reference())."""
    ma, mb = np.isin(a.hashes, shared), np.isin(b.hashes, shared)
    at_b: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for h, c, p in zip(b.hashes[mb].tolist(), b.cell[mb].tolist(), b.pos[mb].tolist(), strict=True):
        if len(at_b[h]) < MAX_OCC:
            at_b[h].append((c, p))
    seen: dict[int, int] = defaultdict(int)
    seeds = []
    for h, c, p in zip(a.hashes[ma].tolist(), a.cell[ma].tolist(), a.pos[ma].tolist(), strict=True):
        seen[h] += 1
        if seen[h] <= MAX_OCC:
            seeds += [(c, cb, pb - p, p, pb, h) for cb, pb in at_b[h]]
    seeds.sort()
    out: list[Fragment] = []
    chain: list[tuple] = []
    for seed in seeds:
        if chain and (seed[:3] != chain[-1][:3] or seed[3] - chain[-1][3] > K):
            out.append(_fragment(a, chain, index))
            chain = []
        chain.append(seed)
    if chain:
        out.append(_fragment(a, chain, index))
    return out


def _fragment(a: Answer, chain: list[tuple], index: Index) -> Fragment:
    ca, cb, _, pa, pb, _ = chain[0]
    end = min(chain[-1][3] + K, a.lengths[ca])
    held: set[int] | None = None
    hashes = sorted({s[5] for s in chain}, key=lambda h: len(index.holders(h)))
    for h in hashes:
        who = set(index.holders(h).tolist())
        held = who if held is None else held & who
    typical = len(index.holders(hashes[len(hashes) // 2]))
    return Fragment(ca, cb, (pa, end), (pb, pb + end - pa), frozenset(held or ()), 0.0, typical)


def _covered(answer: Answer, ranges: list[tuple[int, tuple[int, int], float]]) -> float:
    """Σ over a side's normalized characters of the largest weight covering each."""
    per_cell: dict[int, np.ndarray] = {}
    for cell, (s, e), w in ranges:
        arr = per_cell.setdefault(cell, np.zeros(answer.lengths[cell] + K, dtype=np.float32))
        np.maximum(arr[s:e], w, out=arr[s:e])
    return float(sum(arr.sum() for arr in per_cell.values()))


def rarity(holders: int) -> float:
    """How much content that `holders` students share says about one pair of them: 1 / (holders − 1)."""
    return 1.0 / max(1, holders - 1)


def _corroboration(others: list[tuple[frozenset[int], int]], n: int) -> float:
    """How much the other parts a pair shares (each: its holders and length) make one more part a copy, in a class
    of n: once the DROP parts whose absence leaves the most holders are set aside (DROP coincidences do not
    corroborate each other), the rarity of holding all the parts left, times exp(−E), E = C(n, 2) · Π (h_k − 1) /
    (n − 1) the number of pairs in the class expected to share that much by chance (in a class of 1,000 some pair
    shares any three common answers; no pair shares six), times the share of L_FULL characters the parts left make."""
    rest = list(others)
    if len(rest) <= DROP:
        return 0.0
    for _ in range(DROP):
        rest.pop(max(range(len(rest)), key=lambda j: len(frozenset.intersection(*(h for k, (h, _) in enumerate(rest)
                                                                                  if k != j)))))
    chance = n * (n - 1) / 2 * math.prod(max(len(h) - 1, 0) / max(n - 1, 1) for h, _ in rest)
    return (rarity(len(frozenset.intersection(*(h for h, _ in rest)))) * math.exp(-chance)
            * min(1.0, sum(length for _, length in rest) / L_FULL))


def pair(a: Answer, b: Answer, index: Index) -> Pair:
    """Two students' answers compared (see the module's docstring for the rule)."""
    frags = fragments(a, b, index, np.intersect1d(a.hashes, b.hashes))
    groups: dict[tuple[int, int], list[Fragment]] = defaultdict(list)
    for f in frags:
        groups[(f.a_cell, f.b_cell)].append(f)
    length = {g: sum(f.a[1] - f.a[0] for f in fs) for g, fs in groups.items()}
    groups = {g: fs for g, fs in groups.items() if a.regions[g[0]] == b.regions[g[1]] or length[g] >= L_FULL
              or TAIL in (a.regions[g[0]], b.regions[g[1]])}
    held = {g: frozenset.intersection(*(f.holders for f in fs)) for g, fs in groups.items()}
    # what corroborates: a cell's own code found nearly whole in the other's (answers written alike in part, by two
    # students who favour the same idioms, do not)
    whole = {g for g in groups if length[g] >= WHOLE * min(a.sizes[g[0]], b.sizes[g[1]])}
    for g, fs in groups.items():
        weight = max(min(1.0, length[g] / L_FULL) * rarity(len(held[g])),
                     min(1.0, length[g] / L_LINE) * _corroboration([(h, length[k]) for k, h in held.items()
                                                                    if k != g and k in whole], index.n))
        for f in fs:
            f.weight, f.held, f.holders = weight, len(f.holders), _NOBODY  # a class of 1,000 keeps 9,000 pairs
    frags = [f for fs in groups.values() for f in fs if f.weight > 0]
    wa = _covered(a, [(f.a_cell, f.a, f.weight) for f in frags])
    wb = _covered(b, [(f.b_cell, f.b, f.weight) for f in frags])
    sa, sb = max(a.size, MIN_SIZE), max(b.size, MIN_SIZE)
    return Pair(a, b, round(min(1.0, (wa + wb) / (sa + sb)), 4), round(min(1.0, wa / sa), 4),
                round(min(1.0, wb / sb), 4), frags)


def reference(a: Answer, ref: Answer, index: Index) -> Pair:
    """A student's answer against a reference: only what an independent correct answer would not produce counts,
    in full. Per cell of the student's: the fragments made of pieces that at most REF_HOLDERS students write (the
    median of their fingerprints' holders: a reference's piece that more students write is how the class writes
    it), when they add up to L_REF; or every fragment, when they add up to 2·L_REF (no natural answer here is five
    lines of a reference, so that many students pasting one function are that many copies)."""
    by_cell: dict[int, list[Fragment]] = defaultdict(list)
    for f in fragments(a, ref, index, np.intersect1d(a.hashes, ref.hashes)):
        by_cell[f.a_cell].append(f)
    frags = []
    for fs in by_cell.values():
        rare = [f for f in fs if f.typical <= REF_HOLDERS]
        if sum(f.a[1] - f.a[0] for f in fs) >= 2 * L_REF:
            frags += fs
        elif sum(f.a[1] - f.a[0] for f in rare) >= L_REF:
            frags += rare
    for f in frags:
        f.weight, f.held, f.holders = 1.0, len(f.holders), _NOBODY
    size = sum(a.sizes[c] for c in {f.a_cell for f in frags})
    share = _covered(a, [(f.a_cell, f.a, 1.0) for f in frags]) / size if size else 0.0
    return Pair(a, ref, round(min(1.0, share), 4), round(min(1.0, share), 4), 0.0, frags)
