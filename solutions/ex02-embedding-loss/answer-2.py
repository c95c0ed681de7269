def softmax_cross_entropy(logits, targets, mask):
    """logits (N, T, V), targets (N, T) ints, mask (N, T) of 0/1 -> loss (float), dlogits (N, T, V)."""
    N, T, V = logits.shape
    shifted = logits - logits.max(axis=2, keepdims=True)
    log_p = shifted - np.log(np.exp(shifted).sum(axis=2, keepdims=True))
    nll = -np.take_along_axis(log_p, targets[..., None], axis=2)[..., 0]
    loss = (nll * mask).sum() / mask.sum()
    dlogits = np.exp(log_p)
    dlogits[np.arange(N)[:, None], np.arange(T)[None, :], targets] -= 1
    dlogits *= (mask / mask.sum())[..., None]
    return loss, dlogits
