"""Waste to energy, as arithmetic on the factors a lesson declares (no numbers of our own).

feedstock (kg) x biogas per kg (m3/kg) = biogas (m3)
biogas (m3) x electricity per m3 (kWh/m3) = electricity (kWh)
electricity (kWh) x 1000 / light power (W) = light-hours (one light for that many hours)
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from engine.learn.models import Simulate

__all__ = ["SimulationResult", "kg_needed", "run_simulation"]


@dataclass(frozen=True)
class SimulationResult:
    kg: float
    biogas_m3: float
    kwh: float
    light_hours: float  # hours one light can shine
    goal_lights: int | None
    goal_hours: float | None
    hours_for_goal_lights: float | None  # how long the goal's lights shine
    meets_goal: bool | None

    def describe(self, feedstock: str) -> str:
        text = (
            f"{_fmt(self.kg)} kg of {feedstock} makes about {_fmt(self.biogas_m3)} m³ of biogas, "
            f"which makes about {_fmt(self.kwh)} kWh of electricity"
        )
        if self.goal_lights is not None and self.hours_for_goal_lights is not None:
            text += (
                f": enough for {self.goal_lights} garden lights to shine for "
                f"{_hours(self.hours_for_goal_lights)}"
            )
        else:
            text += f": one garden light could shine for {_hours(self.light_hours)}"
        return text + "."


def _hours(value: float) -> str:
    shown = _fmt(value)
    return f"{shown} hour" if shown == "1" else f"{shown} hours"


def _fmt(value: float) -> str:
    if value >= 100:
        return f"{value:.0f}"
    if value >= 10:
        return f"{value:.1f}".rstrip("0").rstrip(".")
    return f"{value:.2f}".rstrip("0").rstrip(".")


def run_simulation(spec: Simulate, kg: float) -> SimulationResult:
    if not math.isfinite(kg) or kg < spec.kg.min or kg > spec.kg.max:
        raise ValueError(f"kg must be between {spec.kg.min} and {spec.kg.max}, got {kg}")
    factors = spec.factors
    biogas = kg * factors["biogas_m3_per_kg"].value
    kwh = biogas * factors["kwh_per_m3"].value
    watts = factors["light_watts"].value
    light_hours = kwh * 1000.0 / watts
    goal = spec.goal
    if goal is None:
        return SimulationResult(kg, biogas, kwh, light_hours, None, None, None, None)
    hours = light_hours / goal.lights
    # A tiny tolerance keeps 'exactly enough' exact despite floating point.
    meets = hours >= goal.hours * (1 - 1e-9)
    return SimulationResult(kg, biogas, kwh, light_hours, goal.lights, goal.hours, hours, meets)


def kg_needed(spec: Simulate) -> float | None:
    """The least feedstock that reaches the goal (None without a goal)."""
    if spec.goal is None:
        return None
    factors = spec.factors
    kwh = spec.goal.lights * factors["light_watts"].value * spec.goal.hours / 1000.0
    return kwh / (factors["biogas_m3_per_kg"].value * factors["kwh_per_m3"].value)
