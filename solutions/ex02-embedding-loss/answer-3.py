def perplexity(logits, targets, mask):
    """logits (N, T, V), targets (N, T), mask (N, T) -> perplexity (float)."""
    return np.exp(softmax_cross_entropy(logits, targets, mask)[0])
