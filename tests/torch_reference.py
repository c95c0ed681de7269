"""PyTorch as the independent reference for the functional parity tests.

One place that runs a one-layer ``torch.nn.RNN`` / ``LSTM`` / ``GRU`` (``batch_first=True``)
and hands back its outputs and gradients in rnnlab's layout (weights ``(D, kH)``, states
``(N, H)``), so each test only says how its own results are named.
"""
import numpy as np


def torch_weights(module):
    """``W_x (D, kH)``, ``W_h (H, kH)``, ``b_ih (kH,)``, ``b_hh (kH,)`` copied from ``module``."""
    return tuple(p.detach().numpy().T.copy() if p.ndim == 2 else p.detach().numpy().copy()
                 for p in (module.weight_ih_l0, module.weight_hh_l0,
                           module.bias_ih_l0, module.bias_hh_l0))


def torch_run(torch, module, xs, states, dhs, dc_last=None):
    """Forward ``module`` on ``xs (N, T, D)`` from ``states`` ((h0,) or (h0, c0), each (N, H)),
    backpropagate ``sum(out * dhs)`` (plus ``sum(c_T * dc_last)`` for an LSTM), and return
    torch's results under rnnlab's names: hs, h_last, c_last, dxs, dh0, dc0, dW_x, dW_h,
    db_ih, db_hh."""
    txs = torch.tensor(xs, requires_grad=True)
    tstates = [torch.tensor(s[None], requires_grad=True) for s in states]
    out, final = module(txs, tstates[0] if len(tstates) == 1 else tuple(tstates))
    finals = final if isinstance(final, tuple) else (final,)
    loss = (out * torch.tensor(dhs)).sum()
    if dc_last is not None:
        loss = loss + (finals[1][0] * torch.tensor(dc_last)).sum()
    loss.backward()
    result = {
        "hs": out.detach().numpy(),
        "dxs": txs.grad.numpy(),
        "dW_x": module.weight_ih_l0.grad.numpy().T,
        "dW_h": module.weight_hh_l0.grad.numpy().T,
        "db_ih": module.bias_ih_l0.grad.numpy(),
        "db_hh": module.bias_hh_l0.grad.numpy(),
    }
    result.update((name, t[0].detach().numpy()) for name, t in zip(("h_last", "c_last"), finals))
    result.update((name, t.grad[0].numpy()) for name, t in zip(("dh0", "dc0"), tstates))
    return result


def assert_matches(ours: dict, theirs: dict, tol: float = 1e-10):
    """Every array of ``ours`` equals the same-named array of ``theirs`` within ``tol``."""
    for name, value in ours.items():
        np.testing.assert_allclose(value, theirs[name], rtol=tol, atol=tol, err_msg=name)
