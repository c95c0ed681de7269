def gru_step_forward(x, h_prev, W_x, W_h, b_x, b_h, W_y, b_y):
    """x (N, D), h_prev (N, H) -> a_r, a_z, ah_n, a_n, r, z, one_minus_z, n, h_next (N, H),
    logits, p (N, V)."""
    H = h_prev.shape[1]
    ax = x @ W_x + b_x
    ah = h_prev @ W_h + b_h
    a_r = ax[:, :H] + ah[:, :H]
    a_z = ax[:, H:2 * H] + ah[:, H:2 * H]
    ah_n = ah[:, 2 * H:]
    r = sigmoid(a_r)
    z = sigmoid(a_z)
    one_minus_z = 1 - z
    a_n = ax[:, 2 * H:] + r * ah_n
    n = np.tanh(a_n)
    h_next = one_minus_z * n + z * h_prev
    logits = h_next @ W_y + b_y
    p = softmax(logits)
    return a_r, a_z, ah_n, a_n, r, z, one_minus_z, n, h_next, logits, p
