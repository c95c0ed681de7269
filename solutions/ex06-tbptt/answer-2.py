def clip_by_global_norm(grads, max_norm):
    """grads: dict name -> array; max_norm > 0 -> (new dict of clipped arrays, norm before)."""
    norm = np.sqrt(sum(np.sum(g**2) for g in grads.values()))
    scale = min(1.0, max_norm / (norm + 1e-6))
    return {name: g * scale for name, g in grads.items()}, norm
