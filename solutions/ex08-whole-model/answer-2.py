def output_backward(dlogits, hs, W_y):
    """dlogits (N, T, V), hs (N, T, H), W_y (H, V) -> dhs (N, T, H), dW_y (H, V), db_y (V,)."""
    N, T, H = hs.shape
    V = W_y.shape[1]
    dhs = dlogits @ W_y.T
    dW_y = hs.reshape(N * T, H).T @ dlogits.reshape(N * T, V)
    db_y = dlogits.sum(axis=(0, 1))
    return dhs, dW_y, db_y
