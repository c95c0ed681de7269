def rnn_forward(xs, h0, W_x, W_h, b):
    """xs (N, T, D), h0 (N, H) -> hs (N, T, H) and a cache (the list of step caches)."""
    N, T, D = xs.shape
    hs = np.zeros((N, T, h0.shape[1]), dtype=xs.dtype)
    step_caches = []
    h = h0
    for t in range(T):
        h, step_cache = rnn_step_forward(xs[:, t], h, W_x, W_h, b)
        hs[:, t] = h
        step_caches.append(step_cache)
    return hs, step_caches
