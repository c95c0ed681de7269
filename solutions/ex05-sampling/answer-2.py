def top_k_probabilities(logits, k, temperature):
    """logits (N, V), 1 <= k <= V -> probabilities (N, V) with k non-zero entries per row."""
    probs = softmax_temperature(logits, temperature)
    threshold = np.sort(logits, axis=1)[:, -k][:, None]
    kept = np.where(logits >= threshold, probs, 0.0)
    return kept / kept.sum(axis=1, keepdims=True)
