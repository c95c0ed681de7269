def cross_entropy_backward(logits, targets, mask):
    """logits (N, T, V), targets (N, T) ints, mask (N, T) of 0/1 -> dlogits (N, T, V)."""
    shifted = logits - logits.max(axis=-1, keepdims=True)
    p = np.exp(shifted) / np.exp(shifted).sum(axis=-1, keepdims=True)
    onehot = np.eye(logits.shape[-1])[targets]
    return (p - onehot) * (mask / mask.sum())[..., None]
