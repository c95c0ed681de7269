def gru_backward_matmul(da_r, da_z, da_n, dah_n, dh_prev_mix, x, h_prev, W_x, W_h):
    """The gate gradients (N, H) and the step's inputs -> dx (N, D), dh_prev (N, H),
    dW_x (D, 3H), dW_h (H, 3H), db_x (3H,), db_h (3H,)."""
    dax = np.concatenate([da_r, da_z, da_n], axis=1)
    dah = np.concatenate([da_r, da_z, dah_n], axis=1)
    dx = dax @ W_x.T
    dh_prev = dh_prev_mix + dah @ W_h.T
    dW_x = x.T @ dax
    dW_h = h_prev.T @ dah
    db_x = dax.sum(axis=0)
    db_h = dah.sum(axis=0)
    return dx, dh_prev, dW_x, dW_h, db_x, db_h
