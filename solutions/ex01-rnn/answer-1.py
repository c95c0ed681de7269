def rnn_step_forward(x, h_prev, W_x, W_h, b):
    """One tanh RNN step: x (N, D), h_prev (N, H) -> h_next (N, H) and a cache."""
    h_next = np.tanh(x @ W_x + h_prev @ W_h + b)
    cache = (x, h_prev, W_x, W_h, h_next)
    return h_next, cache
