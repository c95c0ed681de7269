def count_simple_rnn(input_dim, units):
    """-> number of parameters of SimpleRNN(units) on input_dim features."""
    return units * (input_dim + units + 1)
