def top_k_probabilities(logits, k, temperature):
    """logits (N, V), 1 <= k <= V -> probabilities (N, V) with k non-zero entries per row."""
    probs = softmax_temperature(logits, temperature)
    top = np.argsort(-logits, axis=1)[:, :k]
    kept = np.zeros_like(probs)
    np.put_along_axis(kept, top, np.take_along_axis(probs, top, axis=1), axis=1)
    return kept / kept.sum(axis=1, keepdims=True)
