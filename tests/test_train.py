"""Tests for rnnlab.train: the loop, history, divergence stop, evaluation and checkpoints."""
import json
import math

import numpy as np
import pytest

from rnnlab import data
from rnnlab._validate import NonFiniteError
from rnnlab.model import LanguageModel
from rnnlab.optim import SGD, Adam
from rnnlab.train import (
    Checkpoint,
    History,
    TrainingDiverged,
    evaluate,
    load_checkpoint,
    perplexity,
    save_checkpoint,
    train,
)

TEXT = "바람이 분다. 살아야겠다. the wind rises; we must try to live. "


def encode(text):
    """Character ids with a sorted (deterministic) alphabet."""
    alphabet = sorted(set(text))
    return np.array([alphabet.index(c) for c in text], dtype=np.int64), len(alphabet)


def windows(ids, N, T):
    """Contiguous (inputs (N, T), targets (N, T)) batches; row k reads its own stretch of ids."""
    L = (len(ids) - 1) // N
    xs, ys = ids[: N * L].reshape(N, L), ids[1 : N * L + 1].reshape(N, L)
    return [(xs[:, s : s + T], ys[:, s : s + T]) for s in range(0, L - T + 1, T)]


def small_lm(V, **kwargs):
    options = dict(cell="gru", seed=0)
    options.update(kwargs)
    return LanguageModel(V, 8, 16, **options)


class ScriptedModel:
    """A one-parameter stand-in whose losses (and gradients: one value, or one per call) follow a
    script, to diverge at a known step."""

    def __init__(self, losses, grad=1.0):
        self.params = {"w": np.zeros(1)}
        self.losses, self.calls = list(losses), 0
        self.grads = list(grad) if isinstance(grad, list) else [grad] * len(self.losses)

    def loss_and_grads(self, inputs, targets, mask=None):
        self.calls += 1
        return self.losses[self.calls - 1], {"w": np.full(1, self.grads[self.calls - 1])}


# ----------------------------------------------------------------- the loop


def test_same_seed_gives_the_same_loss_curve_bit_for_bit():
    ids, V = encode(TEXT)
    data = windows(ids, 4, 6)

    def run(seed):
        model = small_lm(V, dropout=0.3, seed=seed)
        return train(model, Adam(model.params, lr=0.01), data, epochs=3, progress=False).losses

    first, second = run(0), run(0)
    assert first == second
    assert run(1) != first  # the seed matters, so the equality above is not vacuous


def test_untrained_model_first_loss_is_about_log_V():
    ids, V = encode(TEXT)
    model = small_lm(V, dtype=np.float64)
    history = train(model, SGD(model.params, lr=0.1), windows(ids, 4, 6)[:1], steps=1,
                    progress=False)
    assert history.losses[0] == pytest.approx(math.log(V), rel=0.02)


def test_small_model_overfits_a_short_text():
    ids, V = encode(TEXT)
    model = LanguageModel(V, 16, 48, cell="gru", seed=0)
    history = train(model, Adam(model.params, lr=0.02), windows(ids, 2, len(ids) // 2 - 1),
                    steps=250, clip_norm=5.0, progress=False)
    assert history.losses[0] > 3.0
    assert history.losses[-1] < 0.05


def test_history_records_every_update_and_epoch():
    ids, V = encode(TEXT)
    data = windows(ids, 4, 5)
    model = small_lm(V)
    history = train(model, Adam(model.params, lr=0.01), data, epochs=2, progress=False)
    n = len(data)
    assert len(history.losses) == len(history.grad_norms) == 2 * n
    assert history.epoch_steps == [n, 2 * n] and history.num_updates == 2 * n
    np.testing.assert_allclose(history.epoch_losses[0], np.mean(history.losses[:n]))
    assert history.perplexities == [math.exp(x) for x in history.epoch_losses]
    assert history.wall_time > 0


def test_masked_sentence_batches_weight_the_epoch_loss_by_real_tokens():
    sentences = ["바람이 분다", "살아야겠다", "we must try to live", "ok"]
    vocab = data.Vocab.build(list("".join(sentences)))
    batches = data.sentence_batches([vocab.encode(list(s)) for s in sentences], 3,
                                    bos_id=vocab.bos_id, eos_id=vocab.eos_id, pad_id=vocab.pad_id)
    counts = [int(mask.sum()) for _, _, mask in batches]
    assert counts == [7 + 6 + 20, 3]  # characters + end token per sentence; padding not scored
    model = small_lm(len(vocab))
    history = train(model, Adam(model.params, lr=0.01), batches, epochs=2, progress=False)
    for epoch in range(2):
        first, second = history.losses[2 * epoch : 2 * epoch + 2]
        expected = (counts[0] * first + counts[1] * second) / sum(counts)
        assert history.epoch_losses[epoch] == pytest.approx(expected, rel=1e-12)


def test_steps_repeat_epochs_and_stop_mid_epoch():
    ids, V = encode(TEXT)
    data = windows(ids, 4, 5)
    model = small_lm(V)
    history = train(model, Adam(model.params, lr=0.01), data, steps=len(data) + 2,
                    progress=True)
    assert history.num_updates == len(data) + 2
    assert history.epoch_steps == [len(data), len(data) + 2]  # the partial epoch counts


def test_validation_every_k_updates_and_at_the_end():
    ids, V = encode(TEXT)
    data = windows(ids, 4, 5)
    model = small_lm(V)
    history = train(model, Adam(model.params, lr=0.01), data, steps=7, val_batches=data[:2],
                    eval_every=3, progress=False)
    assert history.val_steps == [3, 6, 7]
    assert history.val_perplexities == [math.exp(x) for x in history.val_losses]
    by_epoch = train(model, Adam(model.params, lr=0.01), data, epochs=2, val_batches=data[:2],
                     progress=False)
    assert by_epoch.val_steps == by_epoch.epoch_steps


def test_samples_every_k_updates_in_inference_mode():
    ids, V = encode(TEXT)
    model = small_lm(V, dropout=0.5)
    seen_modes = []

    def sample_fn(m):
        seen_modes.append(m.training)
        return "".join(map(str, m.generate([0], 5, greedy=True)))

    history = train(model, Adam(model.params, lr=0.01), windows(ids, 4, 5), steps=6,
                    sample_fn=sample_fn, sample_every=2, progress=False)
    assert [s["step"] for s in history.samples] == [2, 4, 6]
    assert all(isinstance(s["text"], str) and s["text"] for s in history.samples)
    assert seen_modes == [False] * 3 and model.training  # dropout off while sampling only


def test_stateful_model_is_reset_at_each_epoch_start():
    ids, V = encode(TEXT)
    model = small_lm(V, stateful=True)
    resets = []
    original = model.reset_state
    model.reset_state = lambda: (resets.append(model.layers.state), original())
    train(model, Adam(model.params, lr=0.01), windows(ids, 4, 5), epochs=3, progress=False)
    assert len(resets) == 3
    assert resets[0] == [None]  # a fresh model; later resets drop a carried state
    assert all(state[0] is not None for state in resets[1:])


def test_evaluating_mid_epoch_leaves_stateful_training_unchanged():
    ids, V = encode(TEXT)
    batches = windows(ids, 2, 4)  # several batches per epoch, so evaluations fall mid-epoch
    assert len(batches) > 2

    def losses(**options):
        model = small_lm(V, **options.pop("model", {"stateful": True}))
        return train(model, Adam(model.params, lr=0.01), batches, epochs=2, progress=False,
                     **options).losses

    def forward_then_sample(model):
        """A sample_fn whose forward pass would advance the carried state if not put back."""
        model.loss(*batches[0])
        return "sample"

    plain = losses()
    assert losses(val_batches=batches[:2], eval_every=1) == plain
    assert losses(sample_fn=forward_then_sample, sample_every=1) == plain
    # The carried state matters here, so the equalities above are not vacuous: starting every
    # batch from zeros (what an evaluation after each update used to cause) changes the losses.
    assert losses(model={"stateful": False}) != plain


def test_evaluate_puts_back_the_carried_state_and_starts_from_zeros():
    ids, V = encode(TEXT)
    (x1, y1), (x2, y2) = windows(ids, 4, 5)[:2]
    model = small_lm(V, stateful=True, num_layers=2, cell="lstm", dtype=np.float64)
    model.loss(x1, y1)
    carried = [tuple(a.copy() for a in layer_state) for layer_state in model.layers.state]
    fresh = small_lm(V, num_layers=2, cell="lstm", dtype=np.float64)  # stateless twin
    # evaluate weights by tokens, (loss * 20) / 20: equal to the last bits only by luck.
    assert evaluate(model, [(x2, y2)]) == pytest.approx(fresh.loss(x2, y2), rel=1e-12)
    for kept, now in zip(carried, model.layers.state):
        for a, b in zip(kept, now):
            np.testing.assert_array_equal(a, b)


def test_continuing_a_history_counts_updates_across_calls():
    ids, V = encode(TEXT)
    data = windows(ids, 4, 5)
    model = small_lm(V)
    opt = Adam(model.params, lr=0.01)
    history = train(model, opt, data, epochs=1, progress=False)
    same = train(model, opt, data, epochs=1, history=history, progress=False)
    assert same is history and history.num_updates == opt.num_updates == 2 * len(data)
    assert len(history.losses) == 2 * len(data)


# ----------------------------------------------------------------- divergence
# Non-finite values are made by construction (a scripted loss, a parameter set to NaN), never by
# racing float32's largest value with a huge learning rate: which array overflows first there
# depends on the rounding of the machine's matrix-product kernel.

BATCH = (np.zeros((1, 1), np.int64), np.zeros((1, 1), np.int64))


class PoisonedSGD(SGD):
    """SGD that sets one parameter to NaN right after update ``after`` (a blow-up on cue)."""

    def __init__(self, params, lr, *, name, after=1):
        super().__init__(params, lr=lr)
        self.name, self.after = name, after

    def step(self, grads):
        super().step(grads)
        if self.num_updates == self.after:
            self.params[self.name][...] = np.nan


class RefusingModel(ScriptedModel):
    """A scripted model whose layer refuses NaN input (a ``NonFiniteError``) where its script
    says None, as a real layer's input check does."""

    def loss_and_grads(self, inputs, targets, mask=None):
        if self.losses[self.calls] is None:
            self.calls += 1
            raise NonFiniteError("xs: expected finite values, got NaN at index (0, 0, 0)")
        return super().loss_and_grads(inputs, targets, mask)


def test_nan_loss_stops_with_the_update_number():
    model = ScriptedModel([2.0, 1.5, float("nan"), 1.0])
    opt = SGD(model.params, lr=0.5)
    with pytest.raises(TrainingDiverged, match=r"while computing update 3 \(epoch 1\)") as info:
        train(model, opt, [BATCH] * 4, epochs=1, progress=False)
    err = info.value
    assert err.step == 3 and math.isnan(err.loss) and err.detail == "the loss became nan"
    assert err.history.losses == [2.0, 1.5]
    assert "The last finite loss was 1.5." in str(err)
    assert "learning rate (now 0.5)" in str(err) and "clip_norm=5.0" in str(err)
    assert opt.num_updates == 2 and model.params["w"][0] == -1.0  # the bad step was not applied


def test_infinite_gradient_stops_too():
    model = ScriptedModel([1.0], grad=float("inf"))
    with pytest.raises(TrainingDiverged, match=r"while computing update 1 \(epoch 1\)") as info:
        train(model, SGD(model.params, lr=0.1), [BATCH], epochs=1, progress=False)
    assert info.value.detail == "the gradient norm became inf" and info.value.loss == 1.0


def test_divergence_gives_one_message_whichever_value_went_non_finite_first():
    """A NaN loss, an infinite gradient and a layer refusing NaN input at the same update are one
    message: on another CPU the same blow-up can surface through another of the three."""
    def message(model):
        with pytest.raises(TrainingDiverged) as info:
            train(model, SGD(model.params, lr=0.1), [BATCH] * 3, epochs=1, progress=False)
        return info.value

    errors = [message(ScriptedModel([2.0, float("inf")])),
              message(ScriptedModel([2.0, 1.0], grad=[1.0, float("inf")])),
              message(RefusingModel([2.0, None]))]
    assert len({str(e) for e in errors}) == 1, [str(e) for e in errors]
    assert {e.step for e in errors} == {2}
    assert isinstance(errors[2].__cause__, NonFiniteError) and "xs:" in errors[2].detail


def test_nan_parameters_in_a_real_model_raise_training_diverged():
    """NaN in the embedding reaches the recurrent layer's input check at the next update."""
    ids, V = encode(TEXT)
    model = LanguageModel(V, 8, 16, cell="rnn", seed=0)
    opt = PoisonedSGD(model.params, lr=0.1, name="embed.W", after=1)
    with pytest.raises(TrainingDiverged) as info:
        train(model, opt, windows(ids, 4, 6), epochs=1, progress=False)
    err = info.value
    assert isinstance(err.__cause__, NonFiniteError)
    assert err.step == 2 and math.isnan(err.loss) and len(err.history.losses) == 1
    message = str(err)
    assert "while computing update 2 (epoch 1)" in message
    assert "learning rate" in message and "clip" in message
    assert f"last finite loss was {err.history.losses[0]:.4g}" in message


@pytest.mark.parametrize("poisoned", ["embed.W", "out.b"])
def test_divergence_found_while_evaluating_names_the_update(poisoned):
    """Whether NaN is refused by a layer (embedding) or only makes the loss NaN (output bias)."""
    ids, V = encode(TEXT)
    batches = windows(ids, 4, 6)
    model = LanguageModel(V, 8, 16, cell="gru", seed=0)
    opt = PoisonedSGD(model.params, lr=0.1, name=poisoned, after=1)
    with pytest.raises(TrainingDiverged, match="NaN/inf appeared while evaluating after update 1") as info:
        train(model, opt, batches, steps=1, val_batches=batches, eval_every=1, progress=False)
    assert info.value.step == 1 and info.value.history.val_losses == []


def test_an_infinite_validation_loss_is_divergence_too():
    class InfiniteOnEvaluation(ScriptedModel):
        def loss(self, inputs, targets, mask=None):
            return float("inf")

    model = InfiniteOnEvaluation([1.0, 1.0])
    with pytest.raises(TrainingDiverged, match="evaluating after update 1") as info:
        train(model, SGD(model.params, lr=0.1), [BATCH], steps=2, val_batches=[BATCH],
              eval_every=1, progress=False)
    assert info.value.detail == "the validation loss became inf" and info.value.loss == math.inf


# ----------------------------------------------------------------- evaluation


def test_evaluate_weights_batches_by_unmasked_tokens():
    ids, V = encode(TEXT)
    model = small_lm(V, dtype=np.float64)
    (x1, y1), (x2, y2) = windows(ids, 2, 6)[:2]
    m1 = np.ones_like(x1, dtype=bool)
    m2 = np.zeros_like(x2, dtype=bool)
    m2[0, :2] = True  # 2 scored tokens against 12
    l1, l2 = model.loss(x1, y1, m1), model.loss(x2, y2, m2)
    expected = (12 * l1 + 2 * l2) / 14
    assert expected != pytest.approx((l1 + l2) / 2)  # weighting matters for this data
    assert evaluate(model, [(x1, y1, m1), (x2, y2, m2)]) == pytest.approx(expected, rel=1e-12)
    assert evaluate(model, [(x1, y1)]) == pytest.approx(l1, rel=1e-12)


def test_evaluate_turns_dropout_off_and_leaves_the_model_as_it_was():
    ids, V = encode(TEXT)
    model = small_lm(V, dropout=0.5, dtype=np.float64)
    data = windows(ids, 4, 5)
    before = {k: p.copy() for k, p in model.params.items()}
    first, second = evaluate(model, data), evaluate(model, lambda: iter(data))
    assert first == second  # no dropout noise
    assert model.training
    for k, p in model.params.items():
        np.testing.assert_array_equal(p, before[k])


def test_perplexity_is_exp_and_never_overflows():
    assert perplexity(math.log(7.0)) == pytest.approx(7.0)
    assert perplexity(1e4) == math.inf


def test_real_corpus_beats_the_unigram_baseline():
    name = next(n for n in data.list_corpora()
                if data.corpus_info(n)["kind"] == "real" and data.corpus_info(n)["language"] == "en")
    tokens = list(data.load_text(name)[:24_000])
    vocab = data.Vocab.build(tokens, specials=())
    ids = np.asarray(vocab.encode(tokens), dtype=np.int64)
    split = int(0.9 * len(ids))
    train_ids, val_ids = ids[:split], ids[split:]
    counts = np.bincount(val_ids, minlength=len(vocab))
    p = counts[counts > 0] / counts.sum()
    unigram_entropy = float(-(p * np.log(p)).sum())  # the best any unigram model can do on val

    model = LanguageModel(len(vocab), 16, 64, cell="rnn", stateful=True, seed=0)
    history = train(model, Adam(model.params, lr=1e-2), data.tbptt_batches(train_ids, 16, 32),
                    epochs=2, clip_norm=5.0, val_batches=data.tbptt_batches(val_ids, 8, 32),
                    progress=False)
    assert history.val_losses[0] > history.val_losses[-1]
    assert history.val_losses[-1] < unigram_entropy - 0.5  # measured: 2.31 against 3.25


# ----------------------------------------------------------------- checkpoints


def trained(tmp_path, **model_kwargs):
    ids, V = encode(TEXT)
    model = small_lm(V, **model_kwargs)
    opt = Adam(model.params, lr=0.01, betas=(0.8, 0.99))
    history = train(model, opt, windows(ids, 4, 5), epochs=2, progress=False)
    return model, opt, history


def test_checkpoint_round_trip_is_exact(tmp_path):
    model, opt, history = trained(tmp_path, dropout=0.2, num_layers=2)
    path = save_checkpoint(tmp_path / "lm.npz", model, opt, history=history, epoch=2, note="한글")
    ckpt = load_checkpoint(path)
    assert isinstance(ckpt, Checkpoint)
    assert ckpt.model.config == model.config
    assert ckpt.model.params.keys() == model.params.keys()
    for name, p in model.params.items():
        assert ckpt.model.params[name].dtype == p.dtype
        np.testing.assert_array_equal(ckpt.model.params[name], p)
    ours, theirs = opt.state_dict(), ckpt.optimizer.state_dict()
    assert theirs["hyperparams"] == ours["hyperparams"] and theirs["num_updates"] == ours["num_updates"]
    for slot in ours["state"]:
        for name in ours["state"][slot]:
            np.testing.assert_array_equal(theirs["state"][slot][name], ours["state"][slot][name])
    assert ckpt.history == history
    assert ckpt.extra == {"epoch": 2, "note": "한글"}
    assert ckpt.vocab is None
    # The file is a plain npz: readable without pickle.
    with np.load(path, allow_pickle=False) as archive:
        assert "meta" in archive.files


def test_checkpoint_keeps_the_vocabulary(tmp_path):
    vocab = data.Vocab.build(list(TEXT))
    model = small_lm(len(vocab))
    ckpt = load_checkpoint(save_checkpoint(tmp_path / "v.npz", model, vocab=vocab))
    assert ckpt.vocab.to_dict() == vocab.to_dict()
    assert ckpt.optimizer is None and ckpt.history is None


def test_training_resumes_from_a_checkpoint_exactly(tmp_path):
    ids, V = encode(TEXT)
    data = windows(ids, 4, 5)

    def fresh():
        model = small_lm(V, dropout=0.3, stateful=True)
        return model, Adam(model.params, lr=0.01)

    model, opt = fresh()
    straight = train(model, opt, data, epochs=4, progress=False)

    model, opt = fresh()
    first = train(model, opt, data, epochs=2, progress=False)
    save_checkpoint(tmp_path / "half.npz", model, opt, history=first)
    ckpt = load_checkpoint(tmp_path / "half.npz")
    resumed = train(ckpt.model, ckpt.optimizer, data, epochs=2, history=ckpt.history,
                    progress=False)
    assert resumed.losses == straight.losses
    assert resumed.epoch_losses == straight.epoch_losses


def test_history_saves_as_json(tmp_path):
    _, _, history = trained(tmp_path)
    history.samples.append({"step": 3, "text": "한글 샘플"})
    history.save(tmp_path / "h.json")
    raw = json.loads((tmp_path / "h.json").read_text("utf-8"))
    assert raw["perplexities"] == history.perplexities
    assert History.load(tmp_path / "h.json") == history


# ----------------------------------------------------------------- bad input


def test_epochs_or_steps_exactly_one():
    model = ScriptedModel([1.0])
    opt = SGD(model.params, lr=0.1)
    with pytest.raises(ValueError, match="exactly one of epochs= or steps="):
        train(model, opt, [], progress=False)
    with pytest.raises(ValueError, match="exactly one"):
        train(model, opt, [], epochs=1, steps=1, progress=False)
    with pytest.raises(ValueError, match="epochs: expected a positive integer"):
        train(model, opt, [], epochs=0, progress=False)


def test_generator_cannot_serve_several_epochs():
    model = ScriptedModel([1.0] * 4)
    batch = (np.zeros((1, 1), np.int64), np.zeros((1, 1), np.int64))
    with pytest.raises(ValueError, match="read only once.*lambda"):
        train(model, SGD(model.params, lr=0.1), iter([batch]), epochs=2, progress=False)
    with pytest.raises(ValueError, match="no batches.*read only once"):
        train(model, SGD(model.params, lr=0.1), iter([batch]), steps=2, progress=False)


def test_bad_batches_and_options():
    model = ScriptedModel([1.0] * 4)
    opt = SGD(model.params, lr=0.1)
    with pytest.raises(TypeError, match=r"each batch must be \(inputs \(N, T\), targets"):
        train(model, opt, [(np.zeros((1, 1)),)], epochs=1, progress=False)
    with pytest.raises(ValueError, match="batches: yielded no batches"):
        train(model, opt, [], epochs=1, progress=False)
    with pytest.raises(ValueError, match="eval_every: given without val_batches"):
        train(model, opt, [], epochs=1, eval_every=2, progress=False)
    with pytest.raises(ValueError, match="clip_norm"):
        train(model, opt, [], epochs=1, clip_norm=-1, progress=False)
    for bad in (True, math.inf, "5"):
        with pytest.raises(ValueError, match=f"clip_norm: expected a finite number > 0, got {bad!r}"):
            train(model, opt, [], epochs=1, clip_norm=bad, progress=False)
    with pytest.raises(ValueError, match="batches: yielded no batches"):
        evaluate(model, [])


def test_optimizer_must_hold_the_models_arrays():
    ids, V = encode(TEXT)
    model, other = small_lm(V), small_lm(V)
    with pytest.raises(ValueError, match=r"optimizer: .*Adam\(model.params"):
        train(model, Adam(other.params), windows(ids, 4, 5), epochs=1, progress=False)


def test_checkpoint_errors(tmp_path):
    ids, V = encode(TEXT)
    model = small_lm(V)
    with pytest.raises(TypeError, match="extra: must be JSON-serializable"):
        save_checkpoint(tmp_path / "x.npz", model, rng=np.random.default_rng(0))
    np.savez(tmp_path / "plain.npz", a=np.zeros(2))
    with pytest.raises(ValueError, match="not an rnnlab checkpoint"):
        load_checkpoint(tmp_path / "plain.npz")
