def rnn_backward(dhs, cache):
    """dhs (N, T, H) -> dxs (N, T, D), dh0 (N, H), dW_x (D, H), dW_h (H, H), db (H,)."""
    step_caches = cache
    x0, h0, W_x, W_h, _ = step_caches[0]
    N, T, H = dhs.shape
    dxs = np.zeros((N, T, x0.shape[1]), dtype=dhs.dtype)
    dW_x, dW_h, db = np.zeros_like(W_x), np.zeros_like(W_h), np.zeros(H, dtype=dhs.dtype)
    dh_carried = np.zeros((N, H), dtype=dhs.dtype)
    for t in reversed(range(T)):
        dx, dh_carried, dW_x_t, dW_h_t, db_t = rnn_step_backward(dhs[:, t] + dh_carried,
                                                                  step_caches[t])
        dxs[:, t] = dx
        dW_x = dW_x + dW_x_t
        dW_h = dW_h + dW_h_t
        db = db + db_t
    dh0 = dh_carried
    return dxs, dh0, dW_x, dW_h, db
