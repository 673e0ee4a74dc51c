"""The run ETA: measured step time after warm-up, not a throughput figure."""

import pytest

from ml.eta import EtaEstimator, warmup_steps


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def run_steps(eta: EtaEstimator, clock: Clock, steps: range, seconds: float) -> None:
    for step in steps:
        clock.now += seconds
        eta.step(step)


def test_warm_up_steps_are_left_out() -> None:
    clock = Clock()
    eta = EtaEstimator(100, warmup=2, clock=clock)
    run_steps(eta, clock, range(1, 3), 10.0)  # two slow first steps (workers starting)
    assert eta.seconds_left() is None
    run_steps(eta, clock, range(3, 13), 0.5)  # then 0.5 s a step
    assert eta.seconds_left() == pytest.approx(88 * 0.5)


def test_an_estimate_needs_some_steady_time() -> None:
    clock = Clock()
    eta = EtaEstimator(1000, warmup=2, min_seconds=1.0, clock=clock)
    run_steps(eta, clock, range(1, 5), 0.1)
    assert eta.seconds_left() is None  # 0.2 s after warm-up
    run_steps(eta, clock, range(5, 15), 0.1)
    assert eta.seconds_left() == pytest.approx(986 * 0.1)


def test_time_between_steps_counts_evaluation_included() -> None:
    """10 steps an epoch at 0.1 s, then 2 s of evaluation: the estimate carries the
    evaluation it has seen, where steps alone would say 3 s for the 30 steps left."""
    clock = Clock()
    eta = EtaEstimator(50, warmup=0, min_seconds=0.0, clock=clock)
    run_steps(eta, clock, range(1, 11), 0.1)
    clock.now += 2.0  # evaluation after epoch 1
    run_steps(eta, clock, range(11, 21), 0.1)
    # from the end of step 1 (t=0.1) to step 20 (t=4.0): 19 steps in 3.9 s
    assert eta.seconds_left() == pytest.approx(30 * 3.9 / 19)


def test_counts_down_between_steps_and_never_goes_negative() -> None:
    clock = Clock()
    eta = EtaEstimator(20, warmup=0, min_seconds=0.0, clock=clock)
    run_steps(eta, clock, range(1, 11), 1.0)
    assert eta.seconds_left() == pytest.approx(10.0)
    clock.now += 4.0
    assert eta.seconds_left() == pytest.approx(6.0)
    clock.now += 60.0
    assert eta.seconds_left() == 0.0


def test_a_resumed_run_warms_up_again_from_where_it_starts() -> None:
    clock = Clock()
    eta = EtaEstimator(200, warmup=2, clock=clock)
    run_steps(eta, clock, range(101, 103), 5.0)
    assert eta.seconds_left() is None
    run_steps(eta, clock, range(103, 123), 0.25)
    assert eta.seconds_left() == pytest.approx(78 * 0.25)


def test_the_75_second_run_from_the_bug_report() -> None:
    """300 steps of 0.25 s after 2 slow first steps: at 4% it says ~72 s, not ~7 minutes."""
    clock = Clock()
    eta = EtaEstimator(300, clock=clock)
    run_steps(eta, clock, range(1, 3), 3.0)
    run_steps(eta, clock, range(3, 13), 0.25)
    left = eta.seconds_left()
    assert left is not None and 60 < left < 80


def test_warmup_is_two_percent_within_bounds() -> None:
    assert [warmup_steps(n) for n in (10, 500, 10_000)] == [2, 10, 20]
