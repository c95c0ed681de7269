def tbptt_batches(ids, batch_size, num_steps):
    """ids (L,) ints -> list of B pairs (inputs (N, T), targets (N, T)), N = batch_size, T = num_steps."""
    L, N, T = len(ids), batch_size, num_steps
    offsets = np.arange(N) * L // N
    num_batches = (L // N - 1) // T
    batches = []
    for b in range(num_batches):
        positions = offsets[:, None] + b * T + np.arange(T)[None, :]
        batches.append((ids[positions], ids[positions + 1]))
    return batches
