def sgd_step(params, grads, lr, max_norm):
    """params, grads: dicts name -> array (same names, shapes); lr, max_norm > 0
    -> the updated parameters, a new dict with the same names."""
    norm = np.sqrt(sum(np.sum(g ** 2) for g in grads.values()))
    scale = min(1.0, max_norm / (norm + 1e-6))
    return {name: p - lr * scale * grads[name] for name, p in params.items()}
