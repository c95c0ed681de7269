def model_gradients(params, inputs, targets, mask):
    """params: dict of a LanguageModel(V, E, H, cell="rnn"); inputs, targets, mask (N, T)
    -> grads: dict with the same names and shapes as params."""
    W_E = params["embed.W"]
    W_x, W_h, b = params["layers.0.W_x"], params["layers.0.W_h"], params["layers.0.b"]
    W_y, b_y = params["out.W"], params["out.b"]
    xs = W_E[inputs]
    hs, cache = rnn_forward(xs, None, W_x, W_h, b)
    logits = hs @ W_y + b_y
    dlogits = cross_entropy_backward(logits, targets, mask)
    dhs, dW_y, db_y = output_backward(dlogits, hs, W_y)
    dxs, dh0, dW_x, dW_h, db = rnn_backward(dhs, cache)
    dW_E = embedding_backward(dxs, inputs, W_E)
    return {"embed.W": dW_E, "layers.0.W_x": dW_x, "layers.0.W_h": dW_h, "layers.0.b": db,
            "out.W": dW_y, "out.b": db_y}
