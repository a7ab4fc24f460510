"""The sound effects the shipped narratives play, synthesised with numpy.

Every sound is quiet (peaks well under full scale), short (at most 3 s), and starts and ends
with a smooth fade, so nothing clicks or startles. Noise comes from a seeded generator, so a
build makes the same samples every time.
"""

from __future__ import annotations

import io
import wave
from collections.abc import Callable

import numpy as np
import numpy.typing as npt

__all__ = ["RATE", "SOUND_RECIPES", "SoundRecipe", "wav_bytes"]

RATE = 22_050
Signal = npt.NDArray[np.float64]
SoundRecipe = tuple[str, Callable[[], Signal]]  # (what it sounds like, how to make it)


def wav_bytes(signal: Signal) -> bytes:
    """16-bit mono PCM WAV at RATE."""
    samples = np.round(np.clip(signal, -1.0, 1.0) * 32767).astype("<i2")
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as writer:
        writer.setnchannels(1)
        writer.setsampwidth(2)
        writer.setframerate(RATE)
        writer.writeframes(samples.tobytes())
    return buffer.getvalue()


# -- building blocks --------------------------------------------------------------------------


def _times(seconds: float) -> Signal:
    return np.arange(round(seconds * RATE), dtype=np.float64) / RATE


def _fade(signal: Signal, fade_in: float, fade_out: float) -> Signal:
    """Raised-cosine fades at both ends (no step in level, so no click)."""
    out = signal.copy()
    for seconds, at_start in ((fade_in, True), (fade_out, False)):
        count = max(1, min(len(out), round(seconds * RATE)))
        ramp = 0.5 - 0.5 * np.cos(np.linspace(0.0, np.pi, count))
        if at_start:
            out[:count] *= ramp
        else:
            out[-count:] *= ramp[::-1]
    return out


def _noise(seed: int, count: int) -> Signal:
    return np.random.default_rng(seed).random(count) * 2.0 - 1.0


def _band(signal: Signal, low: float, high: float) -> Signal:
    """Keep frequencies between ``low`` and ``high`` Hz, with soft (Gaussian) edges."""
    spectrum = np.fft.rfft(signal)
    freqs = np.fft.rfftfreq(len(signal), 1.0 / RATE)
    gain = np.ones_like(freqs)
    width_low, width_high = max(low * 0.4, 10.0), high * 0.4
    below, above = freqs < low, freqs > high
    gain[below] = np.exp(-(((low - freqs[below]) / width_low) ** 2))
    gain[above] = np.exp(-(((freqs[above] - high) / width_high) ** 2))
    return np.fft.irfft(spectrum * gain, len(signal))


def _slow_wobble(seed: int, count: int, rate: float) -> Signal:
    """A smooth random level between 0 and 1 that changes about ``rate`` times a second."""
    wobble = _band(_noise(seed, count), 0.0, rate)
    wobble -= wobble.min()
    wobble /= max(float(wobble.max()), 1e-12)
    return wobble


def _tone(times: Signal, frequency: Signal | float, harmonics: tuple[float, ...]) -> Signal:
    """A tone with a few soft harmonics; ``frequency`` may glide (an array per sample)."""
    phase = 2 * np.pi * np.cumsum(np.broadcast_to(frequency, times.shape)) / RATE
    out = np.zeros_like(times)
    for index, level in enumerate(harmonics):
        out += level * np.sin(phase * (index + 1))
    return out


def _place(total: Signal, part: Signal, at: float, level: float = 1.0) -> None:
    start = round(at * RATE)
    end = min(len(total), start + len(part))
    total[start:end] += level * part[: end - start]


def _finish(signal: Signal, peak: float) -> Signal:
    signal = _fade(signal, 0.015, 0.05)
    return signal * (peak / max(float(np.abs(signal).max()), 1e-12))


# -- the sounds -------------------------------------------------------------------------------


def frog_croak() -> Signal:
    """Three low, soft croaks: a throaty tone pulsing about 30 times a second."""
    total = np.zeros(round(1.6 * RATE))
    for index, (at, pitch) in enumerate(((0.08, 330.0), (0.55, 350.0), (1.05, 300.0))):
        times = _times(0.24)
        glide = pitch * (1.0 + 0.12 * times / times[-1])
        pulses = (0.5 + 0.5 * np.sin(2 * np.pi * (27 + 2 * index) * times)) ** 2
        croak = _tone(times, glide / 2, (0.5, 1.0, 0.45, 0.15)) * pulses
        _place(total, _fade(croak, 0.03, 0.09), at, 1.0 - 0.15 * index)
    return _finish(total, 0.42)


def water_drip() -> Signal:
    """Two drops falling into a still pool: a rising 'plip', then a faint echo."""
    total = np.zeros(round(1.2 * RATE))
    times = _times(0.35)
    glide = 650.0 + 900.0 * (1.0 - np.exp(-times / 0.025))
    drop = _tone(times, glide, (1.0, 0.08)) * np.exp(-times / 0.07)
    drop = _fade(drop, 0.004, 0.05)
    for at, level in ((0.05, 1.0), (0.17, 0.2), (0.62, 0.75), (0.74, 0.15)):
        _place(total, drop, at, level)
    return _finish(total, 0.38)


def soft_whoosh() -> Signal:
    """A breath of air sweeping past: noise through a band that rises and falls."""
    count = round(1.3 * RATE)
    noise = _band(_noise(11, count), 120.0, 1600.0)  # no hiss: air, not static
    shape = np.sin(np.linspace(0.0, np.pi, count))
    centre = 250.0 + 1100.0 * shape**2
    # A state-variable band-pass filter whose centre follows the sweep.
    out = np.zeros(count)
    low = band = 0.0
    damping = 1.2
    tuning = 2 * np.sin(np.pi * centre / RATE)
    for index in range(count):
        high = noise[index] - low - damping * band
        band += tuning[index] * high
        low += tuning[index] * band
        out[index] = band
    return _finish(out * shape**2, 0.35)


def crowd_cheer() -> Signal:
    """A friendly crowd cheering: a swell of voices and breathy noise that rises and fades."""
    duration = 2.6
    count = round(duration * RATE)
    times = _times(duration)
    swell = np.minimum(1.0, times / 0.8) * np.minimum(1.0, (duration - times) / 1.1)
    breath = _band(_noise(21, count), 400.0, 2800.0) * 0.6
    rng = np.random.default_rng(22)
    voices = np.zeros(count)
    for _ in range(14):
        pitch = 190.0 + 150.0 * rng.random()
        length = 0.5 + 0.7 * rng.random()
        start = 0.1 + (duration - length - 0.2) * rng.random()
        voice_times = _times(length)
        glide = pitch * (1.0 + 0.25 * np.sin(np.pi * voice_times / length))
        voice = _tone(voice_times, glide, (1.0, 0.5, 0.3, 0.15))
        _place(voices, _fade(voice, 0.12, 0.25), start, 0.5 + 0.5 * rng.random())
    voices = _band(voices, 150.0, 2500.0)
    mixed = breath / max(np.abs(breath).max(), 1e-12) + 0.8 * voices / np.abs(voices).max()
    return _finish(mixed * swell, 0.4)


def hall_murmur() -> Signal:
    """A hall full of people talking quietly: soft, low chatter that comes and goes."""
    duration = 3.0
    count = round(duration * RATE)
    times = _times(duration)
    chatter = _band(_noise(31, count), 180.0, 900.0) * (0.4 + 0.6 * _slow_wobble(32, count, 3.0))
    rng = np.random.default_rng(33)
    voices = np.zeros(count)
    for index in range(8):
        pitch = 110.0 + 110.0 * rng.random()
        syllables = _slow_wobble(40 + index, count, 4.5) ** 2
        wander = pitch * (1.0 + 0.08 * np.sin(2 * np.pi * (0.7 + rng.random()) * times))
        voices += _tone(times, wander, (1.0, 0.6, 0.3)) * syllables
    voices = _band(voices, 100.0, 1100.0)
    mixed = chatter / np.abs(chatter).max() + 0.7 * voices / np.abs(voices).max()
    return _finish(_fade(mixed, 0.4, 0.6), 0.3)


def city_evening() -> Signal:
    """A town at dusk from a distance: a low hum of traffic, one car passing, a far-off horn."""
    duration = 3.0
    count = round(duration * RATE)
    times = _times(duration)
    rumble = _band(_noise(51, count), 30.0, 220.0)
    rumble /= np.abs(rumble).max()
    car = _band(_noise(52, count), 180.0, 900.0)
    car *= np.exp(-(((times - 1.6) / 0.55) ** 2)) / np.abs(car).max()
    horn_times = _times(0.5)
    horn = _tone(horn_times, 330.0, (1.0, 0.3)) + _tone(horn_times, 415.3, (0.8, 0.2))
    horn = _fade(horn, 0.08, 0.2)
    mixed = rumble + 0.6 * car
    _place(mixed, horn / np.abs(horn).max(), 0.6, 0.12)
    return _finish(_fade(mixed, 0.5, 0.6), 0.3)


def festival_music() -> Signal:
    """A short, bright arpeggio on a plucked instrument over a soft drone."""
    duration = 3.0
    total = np.zeros(round(duration * RATE))
    notes = [523.25, 659.26, 783.99, 880.0, 1046.5, 880.0, 783.99, 659.26]
    pluck_times = _times(0.9)
    for index, frequency in enumerate(notes):
        pluck = _tone(pluck_times, frequency, (1.0, 0.3, 0.1)) * np.exp(-pluck_times / 0.28)
        _place(total, _fade(pluck, 0.008, 0.1), 0.05 + index * 0.27, 0.8)
    chord_times = _times(0.85)
    for frequency in (523.25, 659.26, 783.99):
        chord = _tone(chord_times, frequency, (1.0, 0.25)) * np.exp(-chord_times / 0.45)
        _place(total, _fade(chord, 0.01, 0.3), 2.15, 0.45)
    drone = _tone(_times(duration), 130.81, (1.0, 0.4)) + _tone(_times(duration), 196.0, (0.6,))
    total += 0.18 * _fade(drone, 0.6, 0.9)
    return _finish(total, 0.45)


SOUND_RECIPES: dict[str, SoundRecipe] = {
    "city_evening": ("a town at dusk: traffic hum, a passing car, a far horn", city_evening),
    "crowd_cheer": ("a crowd cheering, rising and fading", crowd_cheer),
    "festival_music": ("a plucked arpeggio over a soft drone", festival_music),
    "frog_croak": ("three low, soft frog croaks", frog_croak),
    "hall_murmur": ("people talking quietly in a hall", hall_murmur),
    "soft_whoosh": ("a soft rush of air", soft_whoosh),
    "water_drip": ("two drops falling into a pool", water_drip),
}
