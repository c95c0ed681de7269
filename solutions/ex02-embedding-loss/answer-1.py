def embedding_backward(dout, ids, W):
    """dout (N, T, E), ids (N, T) ints in [0, V), W (V, E) -> dW (V, E)."""
    dW = np.zeros_like(W)
    np.add.at(dW, ids, dout)
    return dW
