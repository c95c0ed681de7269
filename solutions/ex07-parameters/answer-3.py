def count_gru(input_dim, units, reset_after=True):
    """-> number of parameters of GRU(units, reset_after=...) on input_dim features."""
    biases = 2 if reset_after else 1
    return 3 * units * (input_dim + units + biases)
