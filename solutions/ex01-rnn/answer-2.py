def rnn_step_backward(dh_next, cache):
    """dh_next (N, H) -> dx (N, D), dh_prev (N, H), dW_x (D, H), dW_h (H, H), db (H,)."""
    x, h_prev, W_x, W_h, h_next = cache
    da = dh_next * (1 - h_next**2)
    dx = da @ W_x.T
    dh_prev = da @ W_h.T
    dW_x = x.T @ da
    dW_h = h_prev.T @ da
    db = da.sum(axis=0)
    return dx, dh_prev, dW_x, dW_h, db
