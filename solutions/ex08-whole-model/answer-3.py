def embedding_backward(dxs, ids, W_E):
    """dxs (N, T, E), ids (N, T) ints in [0, V), W_E (V, E) -> dW_E (V, E)."""
    dW_E = np.zeros_like(W_E)
    np.add.at(dW_E, ids, dxs)
    return dW_E
