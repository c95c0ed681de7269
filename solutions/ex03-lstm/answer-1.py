def lstm_step_forward(x, h_prev, c_prev, W_x, W_h, b):
    """x (N, D), h_prev (N, H), c_prev (N, H) -> h_next (N, H), c_next (N, H), cache."""
    H = h_prev.shape[1]
    a = x @ W_x + h_prev @ W_h + b
    i = sigmoid(a[:, :H])
    f = sigmoid(a[:, H:2 * H])
    g = np.tanh(a[:, 2 * H:3 * H])
    o = sigmoid(a[:, 3 * H:])
    c_next = f * c_prev + i * g
    h_next = o * np.tanh(c_next)
    cache = (x, h_prev, c_prev, W_x, W_h, i, f, g, o, c_next)
    return h_next, c_next, cache
