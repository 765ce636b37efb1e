"""What every benchmark shares: results as ratios, medians of interleaved rounds, output."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

#: Source of ``peak_kib()`` for child processes: the peak resident set of the process
#: itself. ``ru_maxrss`` would not do: Linux carries it across exec, so a child started by
#: a big benchmark process reports its parent's size.
PEAK_KIB = """
def peak_kib():
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    import resource
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
"""


@dataclass(frozen=True)
class Result:
    """One figure, its reference from the same run, and the target for their ratio."""

    benchmark: str
    subject: str
    value: float
    reference_name: str
    reference: float
    unit: str
    target: float  # the bound on value / reference
    higher_is_better: bool = False
    note: str = ""

    @property
    def ratio(self) -> float:
        return self.value / self.reference

    @property
    def met(self) -> bool:
        return self.ratio >= self.target if self.higher_is_better else self.ratio <= self.target

    def line(self) -> str:
        bound = "≥" if self.higher_is_better else "≤"
        verdict = "met" if self.met else "MISSED"
        return (
            f"{self.benchmark:<10} {self.subject:<34} {self.value:10.3f} {self.unit:<6} "
            f"vs {self.reference_name:<30} {self.reference:10.3f} {self.unit:<6} "
            f"ratio {self.ratio:5.2f}x (target {bound} {self.target:.2f}x) {verdict}"
            + (f"  [{self.note}]" if self.note else "")
        )

    def markdown(self) -> str:
        bound = "≥" if self.higher_is_better else "≤"
        return (
            f"| {self.benchmark} | {self.subject} | {self.value:.3f} {self.unit} | "
            f"{self.reference_name}: {self.reference:.3f} {self.unit} | {self.ratio:.2f}x | "
            f"{bound} {self.target:.2f}x | {'met' if self.met else 'missed'} |"
        )


def interleaved_medians(
    subjects: Sequence[Callable[[], object]], rounds: int, warmup: int = 3
) -> list[float]:
    """Seconds per call of each subject, median of *rounds*, the subjects taking turns.

    Taking turns spreads the machine's noise over every subject alike.
    """
    for _ in range(warmup):
        for subject in subjects:
            subject()
    times: list[list[float]] = [[] for _ in subjects]
    for _ in range(rounds):
        for i, subject in enumerate(subjects):
            started = time.perf_counter()
            subject()
            times[i].append(time.perf_counter() - started)
    return [statistics.median(t) for t in times]
