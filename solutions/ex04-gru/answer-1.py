def init_gru_params(D, H, V, rng):
    """-> dict of W_x (D, 3H), W_h (H, 3H), b_x (3H,), b_h (3H,), W_y (H, V), b_y (V,)."""
    bound = 1 / np.sqrt(H)
    W_x = rng.uniform(-bound, bound, (D, 3 * H))
    W_h = rng.uniform(-bound, bound, (H, 3 * H))
    b_x = np.zeros(3 * H)
    b_h = np.zeros(3 * H)
    W_y = rng.uniform(-bound, bound, (H, V))
    b_y = np.zeros(V)
    return {"W_x": W_x, "W_h": W_h, "b_x": b_x, "b_h": b_h, "W_y": W_y, "b_y": b_y}
