def generate(step, h0, prompt, n, k, temperature, rng):
    """-> list of n generated token ids (ints)."""
    h = h0
    for token in prompt:
        logits, h = step(token, h)
    new_ids = []
    for _ in range(n):
        p = top_k_probabilities(logits[None, :], k, temperature)[0]
        token = int(rng.choice(len(p), p=p))
        new_ids.append(token)
        logits, h = step(token, h)
    return new_ids
