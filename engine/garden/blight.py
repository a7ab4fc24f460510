"""The blight and its recovery, simulated on a coarse grid over the garden at a fixed tick.

The story sets how far the blight should reach (``level``: the fraction of the garden's area
it may claim, nearest its sources first). The blight does not jump there: each tick it grows
only into cells next to blighted cells (or at a source), so it creeps out from the
contamination; where children restore an area, a healing wave expands from that spot, ring by
ring, and blighted cells inside it recover. A plant's health is read from the cell it stands
in, so the tick costs the same for 10 thousand plants or a million (the grid has at most
``MAX_CELLS`` per side); the GPU reads the same grid as a small texture.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from engine.garden.spec import GardenSpec

__all__ = ["TICK", "BlightField", "RestoreWave"]

F32 = npt.NDArray[np.float32]
TICK = 1 / 30  # seconds per simulation step
MAX_CELLS = 256
_GROW_PER_S = 3.0  # how fast a cell darkens once the blight reaches it (1/s)
_HEAL_PER_S = 1.5
_WAVE_M_PER_S = 4.0  # how fast a healing wave widens


@dataclass
class RestoreWave:
    x: float
    y: float
    radius: float
    reached: float = 0.0


@dataclass
class BlightField:
    """Blight in 0..1 per cell (0 healthy); ``level`` is where the story wants it to reach."""

    origin: tuple[float, float]
    cell: float
    reach: F32  # (rows, cols) 0..1: the order in which the blight claims cells
    source: npt.NDArray[np.bool_]
    blight: F32 = field(init=False)
    healed: npt.NDArray[np.bool_] = field(init=False)
    level: float = 0.0
    version: int = 0  # bumps whenever ``blight`` changes (the renderer re-uploads then)
    waves: list[RestoreWave] = field(default_factory=list)
    _pending: float = 0.0

    def __post_init__(self) -> None:
        self.blight = np.zeros(self.reach.shape, np.float32)
        self.healed = np.zeros(self.reach.shape, dtype=bool)
        ys, xs = np.indices(self.reach.shape, dtype=np.float32)
        self._centres_x = self.origin[0] + (xs + 0.5) * self.cell
        self._centres_y = self.origin[1] + (ys + 0.5) * self.cell

    @classmethod
    def for_garden(cls, spec: GardenSpec) -> BlightField:
        # A power of two per side: the GPU reads the grid as a texture, and some drivers
        # (and Panda3D's default textures-power-2) would rescale any other size.
        cells = int(min(MAX_CELLS, max(8, 2 ** int(np.ceil(np.log2(max(spec.size / 2.0, 1.0)))))))
        cell = spec.size / cells
        half = spec.size / 2
        ys, xs = np.indices((cells, cells), dtype=np.float32)
        cx, cy = -half + (xs + 0.5) * cell, -half + (ys + 0.5) * cell
        sources = spec.sources or ()
        if sources:
            distance = np.min([np.hypot(cx - s.x, cy - s.y) for s in sources], axis=0).astype(
                np.float32
            )
        else:  # no source: the blight creeps in from the garden's edges
            distance = (half * 1.5 - np.hypot(cx, cy)).astype(np.float32)
        rng = np.random.default_rng(spec.seed + 17)
        noisy = distance + rng.uniform(0, 3 * cell, distance.shape).astype(np.float32)
        ranks = np.argsort(np.argsort(noisy, axis=None)).reshape(noisy.shape)
        reach = (ranks / max(ranks.size - 1, 1)).astype(np.float32)
        source = np.zeros((cells, cells), dtype=bool)
        source.flat[np.argmin(noisy)] = True
        for s in sources:
            col = int(np.clip((s.x + half) / cell, 0, cells - 1))
            row = int(np.clip((s.y + half) / cell, 0, cells - 1))
            source[row, col] = True
        return cls(origin=(-half, -half), cell=cell, reach=reach, source=source)

    # -- story commands --------------------------------------------------------------------

    def set_level(self, level: float, *, settle: bool = False) -> None:
        """Where the blight should reach; ``settle`` jumps there at once (a scene cut)."""
        self.level = min(1.0, max(0.0, level))
        if self.level == 0.0:
            self.healed[:] = False
            self.waves.clear()
        if settle:
            self.blight = self._wanted().astype(np.float32)
            if self.waves:
                for wave in self.waves:
                    wave.reached = wave.radius
                self._heal_waves()
                self.blight[self.healed] = 0.0
            self.version += 1

    def spread(self, amount: float) -> None:
        """The blight pushes on: earlier restoration no longer protects."""
        self.healed[:] = False
        self.waves.clear()
        self.set_level(self.level + amount)

    def restore(self, x: float, y: float, radius: float) -> None:
        """Start a healing wave at (x, y) that widens to ``radius`` metres."""
        self.waves.append(RestoreWave(x, y, max(0.0, radius)))

    # -- simulation -----------------------------------------------------------------------

    def advance(self, seconds: float, max_ticks: int = 8) -> int:
        """Run as many fixed ticks as ``seconds`` (plus leftovers) hold; returns the count."""
        self._pending = min(self._pending + max(0.0, seconds), max_ticks * TICK)
        ticks = 0
        while self._pending >= TICK:
            self._pending -= TICK
            self.step()
            ticks += 1
        return ticks

    def step(self) -> None:
        """One tick: the blight creeps into neighbouring wanted cells; healed cells recover."""
        self._heal_waves()
        want = self._wanted()
        blight = self.blight
        front = self.source.copy()
        strong = blight > 0.5
        front[1:, :] |= strong[:-1, :]
        front[:-1, :] |= strong[1:, :]
        front[:, 1:] |= strong[:, :-1]
        front[:, :-1] |= strong[:, 1:]
        grow = want & (front | (blight > 0))
        updated = np.where(
            grow,
            np.minimum(1.0, blight + _GROW_PER_S * TICK),
            np.where(want, blight, np.maximum(0.0, blight - _HEAL_PER_S * TICK)),
        ).astype(np.float32)
        if not np.array_equal(updated, blight):
            self.blight = updated
            self.version += 1

    def _wanted(self) -> npt.NDArray[np.bool_]:
        return (self.reach < self.level) & ~self.healed

    def _heal_waves(self) -> None:
        finished = []
        for wave in self.waves:
            wave.reached = min(wave.radius, wave.reached + _WAVE_M_PER_S * TICK)
            reached = wave.reached + self.cell * 0.5
            self.healed |= np.hypot(self._centres_x - wave.x, self._centres_y - wave.y) <= reached
            if wave.reached >= wave.radius:
                finished.append(wave)
        for wave in finished:
            self.waves.remove(wave)

    # -- reading --------------------------------------------------------------------------

    def cells_of(self, positions: F32) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.intp]]:
        rows, cols = self.blight.shape
        col = np.clip(((positions[:, 0] - self.origin[0]) / self.cell).astype(np.intp), 0, cols - 1)
        row = np.clip(((positions[:, 1] - self.origin[1]) / self.cell).astype(np.intp), 0, rows - 1)
        return row, col

    def blight_at(self, positions: F32) -> F32:
        row, col = self.cells_of(positions)
        return self.blight[row, col]

    def texture_bytes(self) -> bytes:
        """The grid as one byte per cell, row 0 first (what the shader samples)."""
        return np.round(self.blight * 255).astype(np.uint8).tobytes()
