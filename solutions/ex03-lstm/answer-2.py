def lstm_step_backward(dh_next, dc_next, cache):
    """dh_next, dc_next (N, H) -> dx (N, D), dh_prev (N, H), dc_prev (N, H),
    dW_x (D, 4H), dW_h (H, 4H), db (4H,)."""
    x, h_prev, c_prev, W_x, W_h, i, f, g, o, c_next = cache
    tanh_c = np.tanh(c_next)
    do = dh_next * tanh_c
    dc = dc_next + dh_next * o * (1 - tanh_c**2)
    di = dc * g
    df = dc * c_prev
    dg = dc * i
    dc_prev = dc * f
    da = np.concatenate([di * i * (1 - i), df * f * (1 - f), dg * (1 - g**2), do * o * (1 - o)],
                        axis=1)
    dx = da @ W_x.T
    dh_prev = da @ W_h.T
    dW_x = x.T @ da
    dW_h = h_prev.T @ da
    db = da.sum(axis=0)
    return dx, dh_prev, dc_prev, dW_x, dW_h, db
