import torch

from ml.sampler import EpochBatchSampler, EpochSampler


def test_uniform_weights_are_a_permutation() -> None:
    sampler = EpochSampler([1.0] * 50, seed=3)
    order = sampler.indices(0)
    assert sorted(order.tolist()) == list(range(50))
    assert not torch.equal(order, sampler.indices(1))  # a new order every epoch


def test_deterministic_per_seed_and_epoch() -> None:
    weights = [1.0, 2.0, 1.0, 4.0] * 10
    a, b = EpochSampler(weights, seed=5), EpochSampler(weights, seed=5)
    for epoch in range(3):
        assert torch.equal(a.indices(epoch), b.indices(epoch))
        assert torch.equal(a.aug_seeds(epoch), b.aug_seeds(epoch))
    assert not torch.equal(a.indices(0), EpochSampler(weights, seed=6).indices(0))


def test_multinomial_formula() -> None:
    weights = [1.0, 3.0, 1.0]
    expected = torch.multinomial(torch.tensor(weights, dtype=torch.float64), 3, replacement=True,
                                 generator=torch.Generator().manual_seed(7 * 100003 + 2))  # fmt: skip
    assert torch.equal(EpochSampler(weights, seed=7).indices(2), expected)


def test_gold_sample_drawn_about_four_times_as_often() -> None:
    weights = [1.0] * 99 + [4.0]
    sampler = EpochSampler(weights, seed=0)
    counts = torch.zeros(100)
    epochs = 300
    for epoch in range(epochs):
        counts += torch.bincount(sampler.indices(epoch), minlength=100)
    gold = counts[99].item() / epochs
    plain = counts[:99].mean().item() / epochs
    assert 3.4 < gold / plain < 4.6, (gold, plain)


def test_batches_resume_at_position() -> None:
    sampler = EpochSampler([1.0] * 23, seed=1)
    full = list(sampler.batches(epoch=4, batch_size=5))
    assert [len(b) for b in full] == [5, 5, 5, 5, 3]  # no sample dropped
    assert list(sampler.batches(epoch=4, batch_size=5, start_batch=3)) == full[3:]
    flat = [i for batch in full for i, _ in batch]
    assert flat == sampler.indices(4).tolist()
    batch_sampler = EpochBatchSampler(sampler, 5)
    batch_sampler.set_epoch(4, 2)
    assert len(batch_sampler) == 3 and list(batch_sampler) == full[2:]


def test_rejects_empty_or_zero_weights() -> None:
    import pytest

    with pytest.raises(ValueError):
        EpochSampler([])
    with pytest.raises(ValueError):
        EpochSampler([0.0, 0.0])
