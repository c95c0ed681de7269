def softmax_temperature(logits, temperature):
    """logits (N, V), temperature > 0 -> probabilities (N, V), rows summing to 1."""
    scaled = logits / temperature
    e = np.exp(scaled - scaled.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)
